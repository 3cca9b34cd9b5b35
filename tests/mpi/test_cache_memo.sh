# The checksum memo in the pipeline (SPEC §8, docs/cache.md): results are
# byte-identical with the memo on and off at 1-4 ranks, with ranks that have no
# partitions (they join the collective rounds with empty batches), with a cache node
# failing, with retried stage faults, an interruption by --max-time and --resume, and
# under --max-memory-mb; on a dataset where half of the payloads repeat the hit ratio
# is near 0.5 and hits skip their `data` bytes.
source "$(dirname "$0")/lib.sh"
"$ARCOS_BIN" generate --out "$ARCOS_TMP/g" --records 6000 --files 3 --payload-repeat-rate 0.5 \
  --payload-bytes 600 --duplicate-rate 0.1 --bad-rate 0.03 --tamper-rate 0.1 --seed 41 >/dev/null
g=$ARCOS_TMP/g
# the memo is off by default: on for every run here, off (a later flag wins) for the references
args=(--jsonl --quiet --reference-time 2026-11-01T00:00:00Z --checksum-memo=true)
mpi 1 "$ARCOS_BIN" run "$g" --output "$ARCOS_TMP/ref" "${args[@]}" --checksum-memo=false
assert_eq "$(json_get "$ARCOS_TMP/ref/report.json" .cache.memo.enabled)" false "memo off"
assert_eq "$(json_get "$ARCOS_TMP/ref/report.json" .cache.memo.lookups)" 0 "no lookups when off"

same_as_ref() { # DIR WHAT
  assert_same_file "$ARCOS_TMP/ref/results.jsonl" "$1/results.jsonl" "results $2"
  assert_same_file "$ARCOS_TMP/ref/dlq.jsonl" "$1/dlq.jsonl" "dlq $2"
  assert_same_file "$ARCOS_TMP/ref/duplicates.jsonl" "$1/duplicates.jsonl" "duplicates $2"
}

for np in 1 2 3 4; do
  o=$ARCOS_TMP/on-$np
  # small rounds: many of them, and ranks run out of work at different rounds
  mpi $np "$ARCOS_BIN" run "$g" --output "$o" "${args[@]}" --checksum-memo-round 40
  same_as_ref "$o" "with the memo at $np ranks"
  r=$o/report.json
  jq -e '.cache.memo.enabled and .cache.memo.hit_ratio > 0.4 and .cache.memo.hit_ratio < 0.65
         and .cache.memo.bytes_skipped > 0 and .cache.memo.hits <= .cache.memo.lookups
         and .cache.memo.rounds > 10' "$r" >/dev/null ||
    fail "memo figures at $np ranks: $(jq -c .cache.memo "$r")"
done
# results.h5 too (its config attribute names the option, so compare the groups' data)
if command -v h5dump >/dev/null 2>&1; then
  for grp in /evidence /alerts /errors /duplicates; do
    h5dump -g "$grp" "$ARCOS_TMP/ref/results.h5" | tail -n +2 >"$ARCOS_TMP/h5-ref.txt"
    h5dump -g "$grp" "$ARCOS_TMP/on-3/results.h5" | tail -n +2 >"$ARCOS_TMP/h5-on.txt"
    assert_same_file "$ARCOS_TMP/h5-ref.txt" "$ARCOS_TMP/h5-on.txt" "results.h5 $grp with the memo at 3 ranks"
  done
fi
r=$ARCOS_TMP/on-2/report.json
# metrics.prom carries the same figures (promtool itself runs in tests/ops)
m=$ARCOS_TMP/on-2/metrics.prom
assert_eq "$(awk '$1 == "arcos_cache_memo_hits_total" {print $2}' "$m")" "$(json_get "$r" .cache.memo.hits)" \
  "memo hits in metrics.prom"
assert_eq "$(awk '$1 == "arcos_cache_memo_skipped_bytes_total" {print $2}' "$m")" \
  "$(json_get "$r" .cache.memo.bytes_skipped)" "skipped bytes in metrics.prom"
if command -v promtool >/dev/null 2>&1; then
  out=$(promtool check metrics <"$m" 2>&1) || fail "promtool: $out"
  [ -z "$out" ] || fail "promtool complained: $out"
fi
echo "memo: 2 ranks: $(jq -c '.cache.memo | {lookups, hits, hit_ratio, batch_hits, rounds}' "$r")"

# Ranks without partitions only join rounds; one rank holds all the work.
mpi 3 "$ARCOS_BIN" run "$g" --output "$ARCOS_TMP/w1" "${args[@]}" --max-workers 1 \
  --checksum-memo-round 25
same_as_ref "$ARCOS_TMP/w1" "with one working rank of 3"

# Every record its own round, every data text a lookup.
mpi 2 "$ARCOS_BIN" run "$g" --output "$ARCOS_TMP/tiny" "${args[@]}" --checksum-memo-round 1 \
  --checksum-memo-min-bytes 0
same_as_ref "$ARCOS_TMP/tiny" "with rounds of one record"
assert_eq "$(json_get "$ARCOS_TMP/tiny/report.json" .cache.memo.batch_hits)" 0 \
  "no hits within a round of one record"

# A cache node fails (in the exactly-once rounds after the memo's): nothing changes.
for np in 2 4; do
  mpi $np "$ARCOS_BIN" run "$g" --output "$ARCOS_TMP/fail-$np" "${args[@]}" \
    --fail-cache-node 1 --fail-at 0.5 --cache-replication 2 --cache-round-items 500 --checksum-memo-round 64
  same_as_ref "$ARCOS_TMP/fail-$np" "with the memo and node 1 failed at $np ranks"
  assert_eq "$(json_get "$ARCOS_TMP/fail-$np/report.json" .cache.lost)" 0 "nothing lost at $np ranks"
done

# Retried transient faults in analysis and scoring: the same records pass or fail.
faults="stage=analysis,rate=0.05,kind=transient,seed=3;stage=scoring,rate=0.02,kind=permanent,seed=4"
fargs=(--on-error retry --retry-backoff-ms 0 --inject-fault "$faults")
mpi 1 "$ARCOS_BIN" run "$g" --output "$ARCOS_TMP/fref" "${args[@]}" "${fargs[@]}" --checksum-memo=false
mpi 3 "$ARCOS_BIN" run "$g" --output "$ARCOS_TMP/fon" "${args[@]}" "${fargs[@]}" --checksum-memo-round 30
assert_same_file "$ARCOS_TMP/fref/results.jsonl" "$ARCOS_TMP/fon/results.jsonl" "results with faults"
assert_same_file "$ARCOS_TMP/fref/dlq.jsonl" "$ARCOS_TMP/fon/dlq.jsonl" "dlq with faults"

# Interrupted by --max-time in the middle of the rounds, resumed on another rank count.
slow="stage=scoring,kind=delay,delay_ms=1,rate=0.3,seed=1"
rc=0
mpi 2 "$ARCOS_BIN" run "$g" --output "$ARCOS_TMP/mt" "${args[@]}" --inject-fault "$slow" \
  --partition-bytes 200000 --checksum-memo-round 50 --max-time 0.5 2>/dev/null || rc=$?
assert_eq "$rc" 75 "exit code after --max-time with the memo"
mpi 3 "$ARCOS_BIN" run "$g" --output "$ARCOS_TMP/mt" "${args[@]}" --inject-fault "$slow" \
  --partition-bytes 200000 --checksum-memo-round 50 --resume
same_as_ref "$ARCOS_TMP/mt" "resumed after --max-time with the memo"

# Bounded memory: the memo stays on, in its share of the budget.
mpi 2 "$ARCOS_BIN" run "$g" --output "$ARCOS_TMP/mem" "${args[@]}" --max-memory-mb 48 \
  --partition-bytes 300000
same_as_ref "$ARCOS_TMP/mem" "with the memo under --max-memory-mb"
jq -e '.cache.memo.enabled and .cache.memo.hits > 0' "$ARCOS_TMP/mem/report.json" >/dev/null ||
  fail "memo under --max-memory-mb: $(jq -c .cache.memo "$ARCOS_TMP/mem/report.json")"

# Streaming: off, and the report says why.
"$ARCOS_BIN" run - --output "$ARCOS_TMP/st" "${args[@]}" <"$g/evidence-000.jsonl"
assert_eq "$(json_get "$ARCOS_TMP/st/report.json" .cache.memo.off_reason)" "streaming mode" \
  "memo off when streaming"
echo "memo: identical results at 1-4 ranks, one working rank, node failure, faults, resume, bounded memory"
