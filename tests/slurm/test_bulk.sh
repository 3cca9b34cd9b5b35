# jobs/slurm-bulk.sh: an array job over groups of inputs and a merge job that waits
# for it (afterok); a failing group keeps the merge from running and
# --kill-on-invalid-dep removes it instead of leaving it pending.
source "$(dirname "$0")/../mpi/lib.sh"
source "$(dirname "$0")/../ops/lib.sh"
source "$(dirname "$0")/lib.sh"
S=$ARCOS_SRC/inputs/sample/evidence
t0=$SECONDS
ls "$S"/* >"$ARCOS_TMP/list.txt"
ninputs=$(wc -l <"$ARCOS_TMP/list.txt")
[ "$ninputs" -ge 2 ] || fail "the sample should have several input files"
export ARCOS_CONFIG=$ARCOS_SRC/inputs/sample/job.json ARCOS_SBATCH_FLAGS="-n 1"
ARCOS_BULK_DIR=$ARCOS_TMP/bulk bash "$ARCOS_SRC/jobs/slurm-bulk.sh" "$ARCOS_TMP/list.txt" 2 | tee "$ARCOS_TMP/submit.out"
array=$(awk '$1 == "array" {print $2}' "$ARCOS_TMP/submit.out")
merge=$(awk '$1 == "merge" {print $2}' "$ARCOS_TMP/submit.out")
[ -n "$array" ] && [ -n "$merge" ] || fail "no job ids from slurm-bulk.sh"
groups=$(( (ninputs + 1) / 2 ))
assert_eq "$(job_field "$merge" Dependency)" "afterok:${array}_*(unfulfilled)" "merge dependency"
states=$(wait_done "$array")
assert_eq "$(sort -u <<<"$states")" "COMPLETED 0:0" "array tasks"
assert_eq "$(wc -l <<<"$states")" "$groups" "one task per group"
assert_eq "$(wait_done "$merge")" "COMPLETED 0:0" "merge job"
show_log "$ARCOS_TMP/bulk/merge.out"
sum=0
for ((g = 0; g < groups; g++)); do
  [ -s "$ARCOS_TMP/bulk/group-$g/report.json" ] || fail "group $g has no report"
  sum=$((sum + $(json_get "$ARCOS_TMP/bulk/group-$g/report.json" .records.input)))
done
assert_eq "$(json_get "$ARCOS_TMP/bulk/summary.json" .groups)" "$groups" "groups in the summary"
assert_eq "$(json_get "$ARCOS_TMP/bulk/summary.json" .records.input)" "$sum" "summed input records"
assert_eq "$(json_get "$ARCOS_TMP/bulk/summary.json" .records.input)" 3012 "all sample records"
assert_eq "$(json_get "$ARCOS_TMP/bulk/summary.json" .records.conserved)" true "conservation over groups"
grep -q '^total  3012 records' "$ARCOS_TMP/bulk/summary.txt" || fail "summary.txt lacks the total"
echo "array + merge done in $((SECONDS - t0)) s"

# A group that fails (a missing input: exit 1) must cancel the merge.
{ head -1 "$ARCOS_TMP/list.txt"; echo "$ARCOS_TMP/no-such-input.jsonl"; } >"$ARCOS_TMP/bad.txt"
ARCOS_BULK_DIR=$ARCOS_TMP/bad bash "$ARCOS_SRC/jobs/slurm-bulk.sh" "$ARCOS_TMP/bad.txt" 1 >"$ARCOS_TMP/bad.out"
array=$(awk '$1 == "array" {print $2}' "$ARCOS_TMP/bad.out")
merge=$(awk '$1 == "merge" {print $2}' "$ARCOS_TMP/bad.out")
states=$(wait_done "$array")
assert_eq "$(sort <<<"$states" | tr '\n' ' ')" "COMPLETED 0:0 FAILED 1:0 " "tasks of the bad list"
assert_eq "$(wait_done "$merge" 60)" "CANCELLED 0:0" "merge after a failed group"
assert_eq "$(job_field "$merge" Reason)" "DependencyNeverSatisfied" "why the merge was cancelled"
[ ! -e "$ARCOS_TMP/bad/summary.json" ] || fail "a summary was written despite a failed group"
echo "slurm bulk: ok in $((SECONDS - t0)) s"
