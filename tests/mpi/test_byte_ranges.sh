# A file cut into many tiny partitions (more partitions than records) yields exactly
# the file's records, once each, with the same results as one partition.
source "$(dirname "$0")/lib.sh"
"$ARCOS_BIN" generate --out "$ARCOS_TMP/g" --records 400 --duplicate-rate 0 --bad-rate 0.05 --seed 5
f=$(ls "$ARCOS_TMP"/g/evidence*.jsonl)
size=$(stat -c %s "$f")
mpi 1 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/whole" --jsonl --quiet --reference-time 1790000000
mpi 3 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/tiny" --jsonl --quiet --reference-time 1790000000 \
  --partition-bytes 7
parts=$(json_get "$ARCOS_TMP/tiny/report.json" .processing_metrics.resource_utilization.partitions)
[ "$parts" -gt 400 ] || fail "expected more partitions than records, got $parts"
[ "$parts" -ge $((size / 7)) ] || fail "expected about $((size / 7)) partitions, got $parts"
for f2 in results.jsonl dlq.jsonl; do
  assert_same_file "$ARCOS_TMP/whole/$f2" "$ARCOS_TMP/tiny/$f2" "$f2 whole vs $parts partitions"
done
assert_eq "$(json_get "$ARCOS_TMP/tiny/report.json" .records.input)" \
  "$(grep -c -v '^[[:space:]]*$' "$f")" "records read = non-blank lines of the file"
assert_eq "$(json_get "$ARCOS_TMP/tiny/report.json" .records.conserved)" true "conservation"
# Line numbers in results and DLQ point at the physical lines they came from.
jq -r '"\(.line) \(.id)"' "$ARCOS_TMP/tiny/results.jsonl" | sed -n 1,50p | while read -r line id; do
  sed -n "${line}p" "$f" | jq -e --arg id "$id" '(.id|tostring) == $id' >/dev/null ||
    fail "line $line of $f does not hold id $id"
done
jq -r '.line' "$ARCOS_TMP/tiny/dlq.jsonl" | sed -n 1,20p | while read -r line; do
  raw=$(jq -r "select(.line == $line) | .raw" "$ARCOS_TMP/tiny/dlq.jsonl")
  [ "$(sed -n "${line}p" "$f")" == "$raw" ] || fail "dlq raw differs from line $line"
done
echo "byte ranges: $parts partitions over $size bytes"
