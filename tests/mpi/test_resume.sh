# Deadlines, signals and --resume: --max-time and SIGUSR1 stop a run with exit 75 and a
# journal; --resume (on another rank count too) completes it with the results of an
# uninterrupted run. Under at-most-once, work in flight at the interruption is not redone
# but reported as skipped ranges, and conservation still holds.
source "$(dirname "$0")/lib.sh"
"$ARCOS_BIN" generate --out "$ARCOS_TMP/g" --records 80000 --duplicate-rate 0.1 --bad-rate 0.01 --seed 23 >/dev/null
f=$ARCOS_TMP/g/evidence.jsonl
# A slow stage (results unchanged) makes the run last several seconds on any machine
# (80000 x 0.05 x 2 ms over 2 ranks: 4 s of delays each), and small partitions (about
# 48) finish the first ones early: --max-time 2 and the signal below land mid-run.
slow="stage=scoring,kind=delay,delay_ms=2,rate=0.05,seed=1"
args=(--jsonl --quiet --reference-time 2026-11-01T00:00:00Z --partition-bytes 500000 --inject-fault "$slow")
mpi 2 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/ref" "${args[@]}"

rc=0
mpi 2 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/mt" "${args[@]}" --max-time 2 2>"$ARCOS_TMP/mt.err" || rc=$?
assert_eq "$rc" 75 "exit code after --max-time"
grep -q -- "--resume" "$ARCOS_TMP/mt.err" || fail "no advice to --resume"
[ -s "$ARCOS_TMP/mt/.arcos-state/plan.bin" ] || fail "no checkpoint after --max-time"
[ ! -e "$ARCOS_TMP/mt/report.json" ] || fail "an interrupted run wrote report.json"
grep -q '^done ' "$ARCOS_TMP"/mt/.arcos-state/journal-*.log || fail "nothing journaled in 2 s"
mpi 3 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/mt" "${args[@]}" --resume
assert_same_file "$ARCOS_TMP/ref/results.jsonl" "$ARCOS_TMP/mt/results.jsonl" "resumed after --max-time (3 ranks)"
assert_same_file "$ARCOS_TMP/ref/dlq.jsonl" "$ARCOS_TMP/mt/dlq.jsonl" "dlq after resume"
[ ! -e "$ARCOS_TMP/mt/.arcos-state" ] || fail "checkpoint left after a completed run"
"$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/mt" "${args[@]}" --resume 2>"$ARCOS_TMP/again.err"
grep -q "nothing to resume" "$ARCOS_TMP/again.err" || fail "--resume of a completed run"

# A resume with other result options is refused.
rc=0
mpi 2 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/opt" "${args[@]}" --max-time 1 2>/dev/null || rc=$?
assert_eq "$rc" 75 "second interruption"
rc=0
mpi 2 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/opt" "${args[@]}" --resume --on-error skip 2>"$ARCOS_TMP/opt.err" || rc=$?
assert_eq "$rc" 2 "resume with different options"
grep -q "differ" "$ARCOS_TMP/opt.err" || fail "no message for differing options"

# SIGUSR1 (what SLURM's --signal=B:USR1 sends; mpirun forwards it to the ranks).
# The delay fault keeps the run going long after its first journaled partition, so the
# signal lands while records are being processed.
o=$ARCOS_TMP/sig
mpi_launcher 2
"${MPI_LAUNCH[@]}" "$ARCOS_BIN" run "$f" --output "$o" "${args[@]}" 2>"$o.err" &
launcher=$!
for _ in $(seq 1 600); do # poll (bounded) until the run has journaled a partition
  grep -qs '^done ' "$o"/.arcos-state/journal-*.log && break
  sleep 0.05
done
grep -qs '^done ' "$o"/.arcos-state/journal-*.log || fail "no partition journaled within 30 s"
kill -USR1 "$launcher"
rc=0
wait "$launcher" || rc=$?
assert_eq "$rc" 75 "exit code after SIGUSR1 (0 means the run finished before the signal: it did not test the signal)"
[ ! -e "$o/report.json" ] || fail "SIGUSR1: a report.json exists after the interrupted run"
mpi 2 "$ARCOS_BIN" run "$f" --output "$o" "${args[@]}" --resume
assert_same_file "$ARCOS_TMP/ref/results.jsonl" "$o/results.jsonl" "resumed after SIGUSR1"

# at-most-once: what was in flight is skipped, as ranges, never silently lost.
amo=(--guarantee at-most-once)
rc=0
mpi 2 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/amo" "${args[@]}" "${amo[@]}" --max-time 1 2>/dev/null || rc=$?
assert_eq "$rc" 75 "at-most-once interruption"
mpi 2 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/amo" "${args[@]}" "${amo[@]}" --resume
r=$ARCOS_TMP/amo/report.json
assert_eq "$(json_get "$r" .records.conserved)" true "at-most-once conservation"
skipped=$(json_get "$r" .records.skipped)
[ "$skipped" -gt 0 ] || fail "at-most-once redid the work in flight"
assert_eq "$(json_get "$r" '[.records.skipped_ranges[].records] | add')" "$skipped" "skipped ranges add up"
assert_eq "$(json_get "$r" .records.input)" 80000 "every record counted"
# no stored record lies inside a skipped range
jq -r '.records.skipped_ranges[] | "\(.first_line) \(.last_line)"' "$r" >"$ARCOS_TMP/ranges"
jq -r .line "$ARCOS_TMP/amo/results.jsonl" | awk 'NR == FNR { a[NR] = $1; b[NR] = $2; n = NR; next }
  { for (i = 1; i <= n; i++) if ($1 >= a[i] && $1 <= b[i]) { print "inside: " $1; exit 1 } }' \
  "$ARCOS_TMP/ranges" - || fail "a record of a skipped range was stored"
echo "resume: --max-time, SIGUSR1 and at-most-once ($skipped skipped) all complete"
