# jobs/slurm-bulk.sh incremental mode (ARCOS_BULK_INCREMENTAL=1): group k waits for
# group k-1 (afterok) and passes every earlier group as --previous, so each id is
# stored once across the groups and they add up to one run over all inputs; a failing
# group cancels the groups after it and the merge.
source "$(dirname "$0")/../mpi/lib.sh"
source "$(dirname "$0")/../ops/lib.sh"
source "$(dirname "$0")/lib.sh"
t0=$SECONDS
"$ARCOS_BIN" generate --out "$ARCOS_TMP/g" --records 3000 --files 3 --duplicate-rate 0.2 \
  --seed 7 >/dev/null
ls "$ARCOS_TMP"/g/evidence-*.jsonl >"$ARCOS_TMP/list.txt"
export ARCOS_CONFIG=$ARCOS_SRC/inputs/sample/job.json ARCOS_SBATCH_FLAGS="-n 1"
ARCOS_BULK_INCREMENTAL=1 ARCOS_BULK_DIR=$ARCOS_TMP/bulk bash "$ARCOS_SRC/jobs/slurm-bulk.sh" \
  "$ARCOS_TMP/list.txt" 1 | tee "$ARCOS_TMP/submit.out"
read -r -a chain < <(awk '$1 == "chain" {$1 = ""; print}' "$ARCOS_TMP/submit.out")
merge=$(awk '$1 == "merge" {print $2}' "$ARCOS_TMP/submit.out")
assert_eq "${#chain[@]}" 3 "one job per group in the chain"
[ -n "$merge" ] || fail "no merge job id"
assert_eq "$(job_field "$merge" Dependency | sed 's/(.*//')" "afterok:${chain[2]}_*" "merge waits for the last group"
for k in 0 1 2; do
  assert_eq "$(wait_done "${chain[$k]}" 180)" "COMPLETED 0:0" "group $k"
done
assert_eq "$(wait_done "$merge")" "COMPLETED 0:0" "merge job"
for k in 1 2; do
  assert_eq "$(jq '.previous_runs | length' "$ARCOS_TMP/bulk/group-$k/report.json")" "$k" \
    "earlier groups passed to group $k"
done
dups=$(jq -r .id "$ARCOS_TMP"/bulk/group-*/results.jsonl | sort | uniq -d | wc -l)
assert_eq "$dups" 0 "ids stored twice across groups"
mapfile -t inputs <"$ARCOS_TMP/list.txt"
"$ARCOS_BIN" run "${inputs[@]}" --config "$ARCOS_CONFIG" --output "$ARCOS_TMP/one" --quiet
assert_eq "$(json_get "$ARCOS_TMP/bulk/summary.json" .records.stored)" \
  "$(json_get "$ARCOS_TMP/one/report.json" .records.stored)" "stored over the groups vs one run"
assert_eq "$(json_get "$ARCOS_TMP/bulk/summary.json" .records.duplicates)" \
  "$(json_get "$ARCOS_TMP/one/report.json" .records.duplicates)" "duplicates over the groups vs one run"
echo "incremental chain + merge done in $((SECONDS - t0)) s"

# A failing first group cancels the rest of the chain and the merge.
{ echo "$ARCOS_TMP/no-such-input.jsonl"; head -2 "$ARCOS_TMP/list.txt"; } >"$ARCOS_TMP/bad.txt"
ARCOS_BULK_INCREMENTAL=1 ARCOS_BULK_DIR=$ARCOS_TMP/bad bash "$ARCOS_SRC/jobs/slurm-bulk.sh" \
  "$ARCOS_TMP/bad.txt" 1 >"$ARCOS_TMP/bad.out"
read -r -a chain < <(awk '$1 == "chain" {$1 = ""; print}' "$ARCOS_TMP/bad.out")
merge=$(awk '$1 == "merge" {print $2}' "$ARCOS_TMP/bad.out")
assert_eq "$(wait_done "${chain[0]}")" "FAILED 1:0" "the bad first group"
assert_eq "$(wait_done "${chain[2]}" 60)" "CANCELLED 0:0" "the last group after a failed one"
assert_eq "$(wait_done "$merge" 60)" "CANCELLED 0:0" "merge after a failed group"
[ ! -e "$ARCOS_TMP/bad/summary.json" ] || fail "a summary was written despite a failed group"
echo "slurm bulk incremental: ok in $((SECONDS - t0)) s"
