# 3 MB of spaces and tabs, then the record line; too big to keep in git.
{ head -c 3000000 /dev/zero | tr '\0' ' ' | sed 's/    /\t/g'; echo; cat tail.jsonl; } >input.jsonl
rm tail.jsonl
