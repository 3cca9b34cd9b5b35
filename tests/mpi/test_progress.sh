# Progress on rank 0 (SPEC §10): timestamped lines in a log, a one-line bar on a
# terminal (run under a pseudo-terminal with script(1)), nothing with --quiet; the
# reports of other ranks arrive through non-blocking MPI and the run's results are
# the same with and without progress.
source "$(dirname "$0")/lib.sh"
"$ARCOS_BIN" generate --out "$ARCOS_TMP/g" --records 20000 --seed 5 >/dev/null
f=$ARCOS_TMP/g/evidence.jsonl
slow=(--inject-fault "stage=analysis,kind=delay,delay_ms=1,rate=0.05,seed=2")
mpi 2 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/log" "${slow[@]}" --progress-interval 0.2 \
  --jsonl >/dev/null 2>"$ARCOS_TMP/log.err"
grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z arcos-scale: [0-9]+ records, [0-9.]+% of input, [0-9]+ records/s, ETA [0-9]+ s$' \
  "$ARCOS_TMP/log.err" || { cat "$ARCOS_TMP/log.err" >&2; fail "no progress lines in the log"; }
mpi 2 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/quiet" "${slow[@]}" --progress-interval 0.2 \
  --jsonl --quiet >"$ARCOS_TMP/quiet.out" 2>"$ARCOS_TMP/quiet.err"
[ ! -s "$ARCOS_TMP/quiet.err" ] && [ ! -s "$ARCOS_TMP/quiet.out" ] || fail "--quiet printed something"
assert_same_file "$ARCOS_TMP/log/results.jsonl" "$ARCOS_TMP/quiet/results.jsonl" "results with and without progress"
if command -v script >/dev/null; then
  # one rank without a launcher: stderr is the terminal itself
  cmd="$ARCOS_BIN run $f --output $ARCOS_TMP/tty --progress-interval 0.2 ${slow[*]}"
  script -qec "$cmd" "$ARCOS_TMP/tty.typescript" >/dev/null
  grep -aq $'\r\[#*-*\] *[0-9.]*%' "$ARCOS_TMP/tty.typescript" || fail "no progress bar on a terminal"
  # under mpirun stderr is a pipe: --progress-style bar asks for the bar anyway
  mpi 2 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/bar" --progress-interval 0.2 "${slow[@]}" \
    --progress-style bar >/dev/null 2>"$ARCOS_TMP/bar.err"
  grep -aq $'\r\[#*-*\] *[0-9.]*%' "$ARCOS_TMP/bar.err" || fail "--progress-style bar"
else
  echo "script(1) not available: terminal bar not checked"
fi
echo "progress: ok"
