# Bounded memory: with --max-memory-mb the job spills records to disk and gives results
# identical to an unconstrained run, while every rank's peak RSS stays under the limit
# plus the process's baseline (RSS before any data, reported as baseline_rss_mb).
#   MEM_RECORDS (default 150000), MEM_LIMIT_MB (default 24); the long campaign
#   (ctest -L long) runs 1.8M records (~660 MB, 10x 64 MB) at 64 MB.
source "$(dirname "$0")/lib.sh"
N=${MEM_RECORDS:-150000}
LIMIT=${MEM_LIMIT_MB:-24}
"$ARCOS_BIN" generate --out "$ARCOS_TMP/g" --records "$N" --duplicate-rate 0.2 --bad-rate 0.01 --seed 29 >/dev/null
f=$ARCOS_TMP/g/evidence.jsonl
args=(--jsonl --quiet --reference-time 2026-11-01T00:00:00Z)
mpi 2 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/free" "${args[@]}"
mpi 2 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/bound" "${args[@]}" --max-memory-mb "$LIMIT"
for x in results.jsonl dlq.jsonl duplicates.jsonl; do
  assert_same_file "$ARCOS_TMP/free/$x" "$ARCOS_TMP/bound/$x" "$x with --max-memory-mb $LIMIT"
done
for o in free bound; do
  h5dump -d /evidence/id_chars -d /evidence/score -d /evidence/line -d /alerts/row \
    -d /duplicates/first_line -d /errors/message_chars "$ARCOS_TMP/$o/results.h5" | sed 1d >"$ARCOS_TMP/$o.h5.txt"
done
assert_same_file "$ARCOS_TMP/free.h5.txt" "$ARCOS_TMP/bound.h5.txt" "results.h5 tables"
r=$ARCOS_TMP/bound/report.json
assert_eq "$(json_get "$r" .records.conserved)" true "conservation"
jq -e '.processing_metrics.resource_utilization.spill' "$r" >/dev/null || fail "no spill"
base=$(json_get "$r" .processing_metrics.resource_utilization.baseline_rss_mb)
jq -e --argjson lim "$LIMIT" --argjson base "$base" 'all(.ranks[]; .rss_mb < $lim + $base)' "$r" >/dev/null ||
  fail "a rank's peak RSS exceeded $LIMIT MB + baseline $base MB: $(jq -c '[.ranks[].rss_mb]' "$r")"
free_rss=$(jq '[.ranks[].rss_mb] | max' "$ARCOS_TMP/free/report.json")
# The limit must bind: without it a rank grows past limit + baseline, or the bounded
# run's passing would prove nothing.
jq -e --argjson lim "$LIMIT" --argjson base "$base" 'any(.ranks[]; .rss_mb > $lim + $base)' \
  "$ARCOS_TMP/free/report.json" >/dev/null ||
  fail "the unconstrained run stayed under $LIMIT MB + baseline $base MB ($free_rss MB): the test data is too small to test the limit"
echo "memory: $N records ($(du -m "$f" | cut -f1) MB); peak RSS $(jq -c '[.ranks[].rss_mb]' "$r") MB with --max-memory-mb $LIMIT (baseline $base MB), $free_rss MB without; $(json_get "$r" .processing_metrics.resource_utilization.exactly_once_rounds) exactly-once rounds"
# Interrupted while spilling, then resumed on another rank count: the same results.
if [ "$N" -le 200000 ]; then
  rc=0
  slow=(--inject-fault "stage=scoring,kind=delay,delay_ms=1,rate=0.02,seed=1") # lasts > 1 s anywhere
  mpi 2 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/cut" "${args[@]}" --max-memory-mb "$LIMIT" \
    "${slow[@]}" --max-time 0.5 2>/dev/null || rc=$?
  assert_eq "$rc" 75 "interrupted while spilling"
  mpi 3 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/cut" "${args[@]}" --max-memory-mb "$LIMIT" \
    "${slow[@]}" --resume
  assert_same_file "$ARCOS_TMP/free/results.jsonl" "$ARCOS_TMP/cut/results.jsonl" "spilling run resumed"
fi
# A limit the job cannot honour fails before any work, with a message.
rc=0
mpi 2 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/tiny" "${args[@]}" --max-memory-mb 4 2>"$ARCOS_TMP/tiny.err" || rc=$?
assert_eq "$rc" 1 "exit code for an impossible limit"
grep -q "too small" "$ARCOS_TMP/tiny.err" || fail "no message for an impossible limit"
