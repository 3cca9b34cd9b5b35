#!/usr/bin/env bash
# The exactly-once seen-set on the distributed cache (SPEC §8): taking a cache node out
# of service mid-run with replication 2 changes no result, at 2, 3 and 4 ranks, and
# the memo's entries are copied to restore two copies; with replication 1 (the
# default) --fail-cache-node is refused with exit 2. A run without duplicates and
# without the memo has no cache hits (defect h: it reported one hit per record).
source "$(dirname "$0")/lib.sh"
"$ARCOS_BIN" generate --out "$ARCOS_TMP/g" --records 20000 --duplicate-rate 0.2 --bad-rate 0.01 --seed 37 >/dev/null
f=$ARCOS_TMP/g/evidence.jsonl
args=(--jsonl --quiet --reference-time 2026-11-01T00:00:00Z)
mpi 2 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/ref" "${args[@]}"
r=$ARCOS_TMP/ref/report.json
assert_eq "$(json_get "$r" .cache.replication)" 1 "default replication"
assert_eq "$(json_get "$r" .cache.hits)" "$(json_get "$r" .records.duplicates)" "hits are the duplicates"
assert_eq "$(json_get "$r" .cache.misses)" "$(json_get "$r" .records.stored)" "misses are the stored ids"
for np in 2 3 4; do
  o=$ARCOS_TMP/fail-$np
  mpi $np "$ARCOS_BIN" run "$f" --output "$o" "${args[@]}" --fail-cache-node 1 --fail-at 0.5 \
    --cache-round-items 1000 --cache-replication 2 --checksum-memo
  assert_same_file "$ARCOS_TMP/ref/results.jsonl" "$o/results.jsonl" "results with node 1 failed at $np ranks"
  assert_same_file "$ARCOS_TMP/ref/duplicates.jsonl" "$o/duplicates.jsonl" "duplicates with node 1 failed at $np ranks"
  r=$o/report.json
  assert_eq "$(json_get "$r" .cache.lost)" 0 "nothing lost with replication 2 at $np ranks"
  [ "$(json_get "$r" .cache.re_replicated)" -gt 0 ] || fail "no re-replication of memo entries at $np ranks"
  [ "$(json_get "$r" .cache.rerouted)" -gt 0 ] || fail "nothing rerouted around node 1 at $np ranks"
  jq -e '.cache.availability < 1 and (.cache.per_node | map(select(.up == false)) | length) == 1' "$r" \
    >/dev/null || fail "the failed node is not reported at $np ranks"
done
# --exactly-once-cache=false gives the same answers.
mpi 3 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/plain" "${args[@]}" --exactly-once-cache=false
assert_same_file "$ARCOS_TMP/ref/results.jsonl" "$ARCOS_TMP/plain/results.jsonl" "results without the cache"
assert_same_file "$ARCOS_TMP/ref/duplicates.jsonl" "$ARCOS_TMP/plain/duplicates.jsonl" "duplicates without the cache"
# Replication 1 (the default): a node failure would lose entries, so it is refused.
rc=0
mpi 2 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/r1" "${args[@]}" --fail-cache-node 1 2>"$ARCOS_TMP/r1.err" || rc=$?
assert_eq "$rc" 2 "--fail-cache-node with replication 1"
grep -q "needs --cache-replication 2" "$ARCOS_TMP/r1.err" || fail "no reason given for the refusal"
[ ! -e "$ARCOS_TMP/r1/report.json" ] || fail "a refused run wrote a report"
rc=0
mpi 2 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/bad" "${args[@]}" --fail-cache-node 9 --cache-replication 2 2>/dev/null || rc=$?
assert_eq "$rc" 2 "a cache node that does not exist"
# Defect h: no duplicates, no memo: every lookup misses, none hits.
"$ARCOS_BIN" generate --out "$ARCOS_TMP/u" --records 5000 --duplicate-rate 0 --bad-rate 0 --seed 5 >/dev/null
for np in 1 3; do
  mpi $np "$ARCOS_BIN" run "$ARCOS_TMP/u/evidence.jsonl" --output "$ARCOS_TMP/u$np" "${args[@]}"
  r=$ARCOS_TMP/u$np/report.json
  assert_eq "$(json_get "$r" .records.duplicates)" 0 "the data has no duplicates"
  assert_eq "$(json_get "$r" .cache.hits)" 0 "no seen-set hits without duplicates at $np ranks"
  assert_eq "$(json_get "$r" .cache.misses)" 5000 "one miss per record at $np ranks"
  assert_eq "$(json_get "$r" .cache.hit_ratio)" 0 "hit ratio without duplicates at $np ranks"
done
echo "cache: failover with replication 2 changes nothing; replication 1 refuses --fail-cache-node"
