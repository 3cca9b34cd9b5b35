# jobs/slurm-requeue.sbatch on 2 namespaced nodes with a real time limit: --time=7 with
# --signal=B:USR1@410, so slurmctld itself sends the signal when it next checks the
# limits; the ranks checkpoint and exit 75, the job requeues itself and the next start
# (given a longer limit) resumes to byte-identical results.
# NOT RELIABLE YET, so not named test_*.sh and not in `ctest -L cluster`: slurmctld
# sent the signal 16 s after the start in two runs and none within 3 minutes in two
# others (it was due 10 s after the start); in the last run everything held up to
# the JSON Lines outputs, identical, but h5dump could not open the resumed run's
# results.h5. Neither is understood yet (docs/operations.md). Run it by hand:
#   ctest --test-dir build -R cluster.slurm_timelimit
source "$(dirname "$0")/../mpi/lib.sh"
source "$(dirname "$0")/../ops/lib.sh"
source "$(dirname "$0")/lib.sh"
t0=$SECONDS
cluster_up 2 tslimt 64
command -v slurmctld >/dev/null || ensure_packages slurmctld slurmd slurm-client munge ||
  skip_or_fail "SLURM cannot be installed here"
bash "$CLUSTER" slurm || fail "SLURM did not start on the cluster"
on1() { cexec 1 "$@"; }

# job_field ID FIELD: one field of `scontrol show job`.
job_field() {
  on1 scontrol show job -o "$1" 2>/dev/null | head -1 | grep -oE "(^| )$2=[^ ]*" | head -1 | cut -d= -f2-
}
# wait_state ID LIMIT: until the job has ended; prints "STATE EXITCODE".
wait_state() {
  local i st
  for ((i = 0; i < $2 * 5; i++)); do
    st=$(job_field "$1" JobState)
    case $st in
    COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY)
      echo "$st $(job_field "$1" ExitCode)"
      return 0
      ;;
    esac
    sleep 0.2
  done
  fail "job $1 not finished after $2 s (state $st)"
}
submit() {
  on1 sbatch --parsable --chdir="$SHARED" --export=ALL,ARCOS_ROOT="$ARCOS_SRC",ARCOS_BIN="$ARCOS_BIN" "$@" ||
    fail "sbatch $* failed"
}

"$ARCOS_BIN" generate --out "$SHARED/g" --records 16000 --duplicate-rate 0.1 --bad-rate 0.02 \
  --seed 41 >/dev/null
in=$SHARED/g/evidence.jsonl
args="--jsonl --quiet --reference-time 2026-11-01T00:00:00Z --partition-bytes 150000"

read -r -a ref_args <<<"$args"
cmpi --on 1 -np 2 -- "$ARCOS_BIN" run "$in" --output "$SHARED/ref" "${ref_args[@]}"

# 2. the time limit delivers the signal. A slow scoring stage (about 300 s of work on
# 4 ranks) keeps the run going until slurmctld sends it (it checks the limits only every
# so often: up to about 2 minutes late here).
slow="$args --inject-fault stage=scoring,kind=delay,delay_ms=150,rate=0.5,seed=4"
R=$SHARED/requeue
id=$(ARCOS_INPUTS=$in ARCOS_ARGS=$slow ARCOS_OUTPUT=$R submit -N 2 -n 4 -O --time=7 \
  --signal=B:USR1@410 "$ARCOS_SRC/jobs/slurm-requeue.sbatch")
log=$SHARED/arcos-requeue-$id.out
for ((i = 0; ; i++)); do
  [ "$(job_field "$id" Restarts)" = 1 ] && break
  [ "$(job_field "$id" JobState)" != COMPLETED ] || { cat "$log"; fail "the run finished before the time limit's signal"; }
  [ "$i" -lt 2000 ] || { cat "$log"; fail "job $id was not requeued within 400 s"; }
  sleep 0.2
done
echo "signalled by the time limit and requeued after $((SECONDS - t0)) s"
# SLURM holds a requeued job for about two minutes: release it once the nodes are idle
# (slurmd rejects a credential issued in the second it revoked the old one).
for ((i = 0; ; i++)); do
  [ "$(job_field "$id" JobState)" = PENDING ] &&
    [ "$(on1 sinfo -h -N -o %T | grep -c '^idle')" = 2 ] && break
  [ "$i" -lt 300 ] || fail "job $id not pending on idle nodes after the requeue"
  sleep 0.2
done
sleep 2
# The signal comes 410 s before the limit in every start: the requeued start gets an
# hour, or it too would be signalled after 10 s and requeued again.
on1 scontrol update JobId="$id" TimeLimit=60
on1 scontrol update JobId="$id" StartTime=now
assert_eq "$(wait_state "$id" 500)" "COMPLETED 0:0" "requeued job"
cat "$log"
grep -q 'got SIGUSR1' "$log" || fail "the batch shell did not get SIGUSR1"
grep -q 'interrupted after a checkpoint (exit 75)' "$log" || fail "arcos-scale did not exit 75"
grep -q "start 2 on 4 rank(s): --resume -> $R" "$log" || fail "the requeued start did not resume"
assert_eq "$(hosts_of "$R/report.json")" "tslimt-n1 tslimt-n2" "hosts of the resumed run"
same_outputs "$SHARED/ref" "$R" "time limit, requeue and resume on 2 nodes"
echo "cluster slurm time limit: ok in $((SECONDS - t0)) s"
