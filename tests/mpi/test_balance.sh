# Partition balance and adaptive batch sizes, asserted on counts, not timings:
# - at 2, 3 and 4 ranks every rank gets partitions and the planner's size-based
#   assignment keeps every rank's record count within 1.5x of the mean;
# - adaptive batching moves the batch size away from its start and stays within
#   [batch_min, batch_max]; --fixed-batch keeps it where it started.
source "$(dirname "$0")/lib.sh"
"$ARCOS_BIN" generate --out "$ARCOS_TMP/g" --records 20000 --seed 3 >/dev/null
f=$ARCOS_TMP/g/evidence.jsonl
args=(--quiet --reference-time 2026-11-01T00:00:00Z)
for np in 2 3 4; do
  o=$ARCOS_TMP/np$np
  mpi "$np" "$ARCOS_BIN" run "$f" --output "$o" "${args[@]}"
  jq -e --argjson np "$np" '.ranks | length == $np and all(.[]; .partitions > 0 and .items > 0)' \
    "$o/report.json" >/dev/null || fail "$np ranks: a rank got no partition: $(jq -c '[.ranks[] | {partitions, items}]' "$o/report.json")"
  jq -e '([.ranks[].items] | add / length) as $mean | all(.ranks[]; .items <= 1.5 * $mean)' \
    "$o/report.json" >/dev/null || fail "$np ranks: records per rank out of balance: $(jq -c '[.ranks[].items]' "$o/report.json")"
  echo "$np ranks: records per rank $(jq -c '[.ranks[].items]' "$o/report.json")"
done

o=$ARCOS_TMP/adaptive
mpi 2 "$ARCOS_BIN" run "$f" --output "$o" "${args[@]}" --batch-size 10 --batch-min 5 --batch-max 2000 \
  --target-batch-ms 1000
b=$(jq -c .stream.batch_size "$o/report.json")
jq -e '.stream.batch_size | .adaptive and .initial == 10 and .max > 10 and .min >= 5 and .max <= 2000' \
  "$o/report.json" >/dev/null || fail "adaptive batching did not adapt within [5, 2000]: $b"
echo "adaptive: $b"
o=$ARCOS_TMP/fixed
mpi 2 "$ARCOS_BIN" run "$f" --output "$o" "${args[@]}" --batch-size 10 --fixed-batch
b=$(jq -c .stream.batch_size "$o/report.json")
jq -e '.stream.batch_size | (.adaptive | not) and .min == 10 and .max == 10 and .final == 10' \
  "$o/report.json" >/dev/null || fail "--fixed-batch changed the batch size: $b"
echo "fixed: $b"
