# {"id":"big","data":"xxx..."} of exactly 1 MiB, then one of 1 MiB + 1 byte.
pad() { head -c "$1" /dev/zero | tr '\0' x; }
{ printf '{"id":"big","data":"'; pad $((1048576 - 22)); printf '"}\n'
  printf '{"id":"big2","data":"'; pad $((1048577 - 23)); printf '"}\n'; } >input.jsonl
