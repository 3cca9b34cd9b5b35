# jobs/slurm-single.sbatch and jobs/slurm-multinode.sbatch (on this one node) on the
# sample: the jobs complete with exit 0, write every output, and give the same
# results as mpirun on the same number of ranks.
source "$(dirname "$0")/../mpi/lib.sh"
source "$(dirname "$0")/../ops/lib.sh"
source "$(dirname "$0")/lib.sh"
S=$ARCOS_SRC/inputs/sample
t0=$SECONDS

id=$(ARCOS_OUTPUT=$ARCOS_TMP/single submit -n 2 "$ARCOS_SRC/jobs/slurm-single.sbatch")
idm=$(ARCOS_OUTPUT=$ARCOS_TMP/multi submit -N 1 -n 2 --ntasks-per-node=2 "$ARCOS_SRC/jobs/slurm-multinode.sbatch")
# the reference, meanwhile
mpi 2 "$ARCOS_BIN" run --config "$S/job.json" --output "$ARCOS_TMP/ref" --quiet "$S/evidence"

assert_eq "$(wait_done "$id")" "COMPLETED 0:0" "single-node job"
show_log "$ARCOS_TMP/arcos-single-$id.out"
assert_eq "$(wait_done "$idm")" "COMPLETED 0:0" "multi-node job"
show_log "$ARCOS_TMP/arcos-multi-$idm.out"
echo "both jobs done in $((SECONDS - t0)) s"

for d in single multi; do
  for f in report.json report.html metrics.prom results.h5 results.jsonl dlq.jsonl; do
    [ -s "$ARCOS_TMP/$d/$f" ] || fail "$d: $f missing"
  done
  assert_eq "$(json_get "$ARCOS_TMP/$d/report.json" '.ranks | length')" 2 "$d: ranks in the report"
  assert_eq "$(json_get "$ARCOS_TMP/$d/report.json" .records.conserved)" true "$d: conservation"
  assert_same_file "$ARCOS_TMP/$d/results.jsonl" "$ARCOS_TMP/ref/results.jsonl" "$d vs mpirun results"
  assert_same_file "$ARCOS_TMP/$d/dlq.jsonl" "$ARCOS_TMP/ref/dlq.jsonl" "$d vs mpirun dead letters"
done
grep -q '^arcos-scale run: 3012 records from 4 input(s) on 2 rank(s)' "$ARCOS_TMP/arcos-single-$id.out" ||
  fail "the summary is not in the batch log"
grep -q 'arcos-job\[[0-9]*\]: done$' "$ARCOS_TMP/arcos-single-$id.out" || fail "no 'done' line in the log"

# a usage error comes back as the job's exit code
ide=$(ARCOS_OUTPUT=$ARCOS_TMP/bad ARCOS_ARGS="--batch-size 0" submit -n 1 "$ARCOS_SRC/jobs/slurm-single.sbatch")
assert_eq "$(wait_done "$ide")" "FAILED 2:0" "job with a bad option"
grep -q 'usage or configuration error (exit 2)' "$ARCOS_TMP/arcos-single-$ide.out" || fail "exit 2 not explained"
echo "slurm single/multinode: ok in $((SECONDS - t0)) s"
