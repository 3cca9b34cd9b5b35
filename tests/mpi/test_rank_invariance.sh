# Same answer on any rank count: a generated dataset with duplicates, bad lines and
# tampered checksums, spread over JSON Lines, gzip and JSON-array inputs, gives
# byte-identical results.jsonl, dlq.jsonl, duplicates.jsonl and HDF5 tables at 1, 2, 3
# and 4 ranks; the counts match the generator's manifest and conservation holds.
source "$(dirname "$0")/lib.sh"
D=$ARCOS_TMP/data
"$ARCOS_BIN" generate --out "$D/a" --records 12000 --duplicate-rate 0.1 --bad-rate 0.02 --seed 11
"$ARCOS_BIN" generate --out "$D/b" --records 3000 --duplicate-rate 0.05 --bad-rate 0.02 --seed 12 --format jsonl.gz
"$ARCOS_BIN" generate --out "$D/c" --records 2000 --duplicate-rate 0.05 --bad-rate 0.02 --seed 13 --format items
mkdir -p "$D/in"
cp "$D"/a/evidence*.jsonl "$D/in/a.jsonl"
cp "$D"/b/evidence*.jsonl.gz "$D/in/b.jsonl.gz"
cp "$D"/c/evidence*.json "$D/in/c.json"

for np in 1 2 3 4; do
  mpi $np "$ARCOS_BIN" run "$D/in" --output "$ARCOS_TMP/out$np" --jsonl --quiet \
    --reference-time 2026-11-01T00:00:00Z --partition-bytes 65536
  r=$ARCOS_TMP/out$np/report.json
  assert_eq "$(json_get "$r" .records.conserved)" true "conservation at $np ranks"
  h5dump -d /evidence/id_chars -d /evidence/score -d /evidence/line -d /duplicates/line \
    -d /errors/line -d /alerts/row "$ARCOS_TMP/out$np/results.h5" | sed 1d >"$ARCOS_TMP/h5-$np.txt"
done
for np in 2 3 4; do
  for f in results.jsonl dlq.jsonl duplicates.jsonl; do
    assert_same_file "$ARCOS_TMP/out1/$f" "$ARCOS_TMP/out$np/$f" "$f at 1 vs $np ranks"
  done
  assert_same_file "$ARCOS_TMP/h5-1.txt" "$ARCOS_TMP/h5-$np.txt" "results.h5 tables at 1 vs $np ranks"
  for k in input stored duplicates dead_lettered; do
    assert_eq "$(json_get "$ARCOS_TMP/out$np/report.json" .records.$k)" \
      "$(json_get "$ARCOS_TMP/out1/report.json" .records.$k)" "records.$k at $np ranks"
  done
done

# The counts are the generator's, not just self-consistent.
r=$ARCOS_TMP/out3/report.json
lines=0 unique=0 dups=0 bad=0
for m in "$D"/a/manifest.json "$D"/b/manifest.json "$D"/c/manifest.json; do
  lines=$((lines + $(json_get "$m" .lines)))
  unique=$((unique + $(json_get "$m" .unique_ids)))
  dups=$((dups + $(json_get "$m" .duplicates)))
  bad=$((bad + $(json_get "$m" .bad_lines.total)))
done
assert_eq "$(json_get "$r" .records.input)" "$lines" "input = generated lines"
assert_eq "$(json_get "$r" .records.stored)" "$unique" "stored = unique valid ids"
assert_eq "$(json_get "$r" .records.duplicates)" "$dups" "duplicates = generated duplicates"
assert_eq "$(json_get "$r" .records.dead_lettered)" "$bad" "dead_lettered = generated bad lines"
assert_eq "$(wc -l <"$ARCOS_TMP/out3/results.jsonl")" "$unique" "results.jsonl lines"
assert_eq "$(wc -l <"$ARCOS_TMP/out3/dlq.jsonl")" "$bad" "dlq.jsonl lines"
assert_eq "$(jq -r .id "$ARCOS_TMP/out3/results.jsonl" | sort | uniq -d | wc -l)" 0 "ids stored once"
echo "rank invariance: $lines records, $unique stored, $dups duplicates, $bad dead-lettered"
