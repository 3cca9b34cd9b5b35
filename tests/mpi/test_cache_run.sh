# The exactly-once seen-set on the distributed cache (SPEC §8): taking a cache node out
# of service mid-run with replication 2 changes no result, at 2, 3 and 4 ranks; with
# replication 1 the lost entries are counted, a warning is printed, and conservation
# still holds (exactly-once degrades visibly, never silently).
source "$(dirname "$0")/lib.sh"
"$ARCOS_BIN" generate --out "$ARCOS_TMP/g" --records 20000 --duplicate-rate 0.2 --bad-rate 0.01 --seed 37 >/dev/null
f=$ARCOS_TMP/g/evidence.jsonl
args=(--jsonl --quiet --reference-time 2026-11-01T00:00:00Z)
mpi 2 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/ref" "${args[@]}"
for np in 2 3 4; do
  o=$ARCOS_TMP/fail-$np
  mpi $np "$ARCOS_BIN" run "$f" --output "$o" "${args[@]}" --fail-cache-node 1 --fail-at 0.5 \
    --cache-round-items 1000
  assert_same_file "$ARCOS_TMP/ref/results.jsonl" "$o/results.jsonl" "results with node 1 failed at $np ranks"
  assert_same_file "$ARCOS_TMP/ref/duplicates.jsonl" "$o/duplicates.jsonl" "duplicates with node 1 failed at $np ranks"
  r=$o/report.json
  assert_eq "$(json_get "$r" .cache.lost)" 0 "nothing lost with replication 2 at $np ranks"
  [ "$(json_get "$r" .cache.re_replicated)" -gt 0 ] || fail "no re-replication at $np ranks"
  jq -e '.cache.availability < 1 and (.cache.per_node | map(select(.up == false)) | length) == 1' "$r" \
    >/dev/null || fail "the failed node is not reported at $np ranks"
done
# Without the cache (one owner exchange, no replicas) the answers are the same.
mpi 3 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/plain" "${args[@]}" --exactly-once-cache=false
assert_same_file "$ARCOS_TMP/ref/results.jsonl" "$ARCOS_TMP/plain/results.jsonl" "results without the cache"
assert_same_file "$ARCOS_TMP/ref/duplicates.jsonl" "$ARCOS_TMP/plain/duplicates.jsonl" "duplicates without the cache"
o=$ARCOS_TMP/r1
mpi 3 "$ARCOS_BIN" run "$f" --output "$o" "${args[@]}" --fail-cache-node 1 --fail-at 0.5 \
  --cache-round-items 1000 --cache-replication 1 2>"$o.err"
r=$o/report.json
[ "$(json_get "$r" .cache.lost)" -gt 0 ] || fail "replication 1 lost nothing"
[ "$(json_get "$r" .cache.unavailable_claims)" -gt 0 ] || fail "no claims reported unavailable"
grep -q "exactly-once is degraded" "$o.err" || fail "no warning for lost entries"
assert_eq "$(json_get "$r" .records.conserved)" true "conservation with replication 1"
rc=0
mpi 2 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/bad" "${args[@]}" --fail-cache-node 9 2>/dev/null || rc=$?
assert_eq "$rc" 2 "a cache node that does not exist"
echo "cache: failover with replication 2 changes nothing; replication 1 lost $(json_get "$r" .cache.lost) entries, visibly"
