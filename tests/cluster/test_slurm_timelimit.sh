# jobs/slurm-requeue.sbatch on 2 namespaced nodes with a real time limit: slurmctld
# itself sends SIGUSR1 (sbatch --signal=B:USR1@60 --time=2; nothing here signals the
# job), the ranks checkpoint and exit 75 with some but not all partitions done, the job
# requeues itself, and the next start resumes to results byte-identical to an
# uninterrupted run, with a results.h5 that h5dump opens.
#
# When the signal comes (SLURM 22.05, src/slurmctld): slurmctld looks at time limits in
# its background loop every PERIODIC_TIMEOUT (30 s, compiled in) and sends the --signal
# as soon as now + sig_time + 30 s >= the end time ("up to 60 seconds earlier than
# specified", man sbatch). With --time=2 and @60 that is the first check at least 30 s
# after the start, so 30-60 s in: after the batch shell has set its trap, and long
# before the limit. (With @410 and --time=7, as before, the signal was due 20 s BEFORE
# the start, so the first check sent it at once: 16 s in when that check came after the
# batch shell started, and lost for good when it came in the seconds between the
# allocation and the batch launch, as slurmctld marks the warning sent either way.)
source "$(dirname "$0")/../mpi/lib.sh"
source "$(dirname "$0")/../ops/lib.sh"
source "$(dirname "$0")/lib.sh"
t0=$SECONDS
cluster_up 2 tslimt 64
slurm_up
# slurmctld logs the time-limit warning ("send_job_warn_signal: warning signal 10 to
# JobId=N") at debug level only.
on1 scontrol setdebug debug2 || fail "scontrol setdebug failed"
ctld_log=$ARCOS_CLUSTER_DIR/slurm/log/slurmctld.log


"$ARCOS_BIN" generate --out "$SHARED/g" --records 16000 --duplicate-rate 0.1 --bad-rate 0.02 \
  --seed 41 >/dev/null
in=$SHARED/g/evidence.jsonl
args="--jsonl --quiet --reference-time 2026-11-01T00:00:00Z --partition-bytes 150000"

# 1. the reference: an uninterrupted run.
read -r -a ref_args <<<"$args"
cmpi --on 1 -np 2 -- "$ARCOS_BIN" run "$in" --output "$SHARED/ref" "${ref_args[@]}"
nparts=$(jq '[.ranks[].partitions] | add' "$SHARED/ref/report.json")
[ "$nparts" -ge 12 ] || fail "only $nparts partitions: too few to cut a run in the middle"

# 2. the time limit delivers the signal. Both starts sleep 45 ms on half the records in
# scoring (--inject-fault kind=delay: about 90 s of sleeping on 4 ranks in all, so the
# run cannot finish before the signal at 30-60 s however fast the machine is). The
# option stays the same across the requeue: --resume refuses other result options, and
# inject_fault is one of them (meta.json), delay or not.
slow="$args --inject-fault stage=scoring,kind=delay,delay_ms=45,rate=0.5,seed=4"
R=$SHARED/requeue
id=$(ARCOS_INPUTS=$in ARCOS_ARGS=$slow ARCOS_OUTPUT=$R submit -N 2 -n 4 -O \
  --time=2 --signal=B:USR1@60 "$ARCOS_SRC/jobs/slurm-requeue.sbatch")
log=$SHARED/arcos-requeue-$id.out
for ((i = 0; ; i++)); do
  [ "$(job_field "$id" Restarts)" = 1 ] && break
  st=$(job_field "$id" JobState)
  case $st in COMPLETED | FAILED | CANCELLED | TIMEOUT)
    cat "$log"
    fail "job $id ended ($st) instead of being requeued after the time limit's signal"
    ;;
  esac
  # the limit is 120 s: by then the signal has come and the ranks have exited 75
  [ "$i" -lt 1000 ] || { cat "$log"; fail "job $id was not requeued within 200 s"; }
  sleep 0.2
done
echo "requeued $((SECONDS - t0)) s into the test"
grep -q 'got SIGUSR1' "$log" || { cat "$log"; fail "the batch shell did not get SIGUSR1"; }
grep -q 'interrupted after a checkpoint (exit 75)' "$log" || { cat "$log"; fail "arcos-scale did not exit 75"; }
# The signal came from slurmctld's time-limit check, and at the time its rule says.
sent=$(grep -m1 "send_job_warn_signal: warning signal 10 to JobId=$id\b" "$ctld_log" | cut -c2-20)
[ -n "$sent" ] || { tail -n 40 "$ctld_log"; fail "slurmctld logged no time-limit warning signal for job $id"; }
started=$(grep -m1 "sched: Allocate JobId=$id " "$ctld_log" | cut -c2-20)
after=$(($(date -d "$sent" +%s) - $(date -d "$started" +%s)))
echo "slurmctld sent the time-limit signal $after s after the start (due 30-60 s)"
[ "$after" -ge 29 ] || fail "the signal came $after s after the start: before the 120 - 60 - 30 s SLURM allows"

# SLURM holds a requeued job (BeginTime about two minutes on): once it is pending on
# idle nodes, count what the first start finished, then release it.
for ((i = 0; ; i++)); do
  [ "$(job_field "$id" JobState)" = PENDING ] &&
    [ "$(on1 sinfo -h -N -o %T | grep -c '^idle')" = 2 ] && break
  [ "$i" -lt 300 ] || fail "job $id not pending on idle nodes after the requeue"
  sleep 0.2
done
done_parts=$(cat "$R"/.arcos-state/journal-*.log | grep -c '^done ' || true)
[ "$done_parts" -gt 0 ] && [ "$done_parts" -lt "$nparts" ] ||
  fail "$done_parts of $nparts partitions done: the signal did not land mid-run"
echo "signalled with $done_parts of $nparts partitions done"
# slurmd refuses a credential issued in the second it revoked the old one.
sleep 2
# The signal would come 30-60 s into the next start too: give it an hour.
on1 scontrol update JobId="$id" TimeLimit=60
on1 scontrol update JobId="$id" StartTime=now
final=$(wait_state "$id" 300)
cat "$log"
assert_eq "$final" "COMPLETED 0:0" "requeued job"
grep -q "start 2 on 4 rank(s): --resume -> $R" "$log" || fail "the requeued start did not resume"
assert_eq "$(grep -c "send_job_warn_signal: warning signal 10 to JobId=$id\b" "$ctld_log")" 1 \
  "time-limit signals (one, to the first start)"
[ ! -e "$R/.arcos-state" ] || fail "checkpoint left after the resumed run"
h5dump -H "$R/results.h5" >/dev/null || fail "h5dump cannot open the resumed run's results.h5"
assert_eq "$(hosts_of "$R/report.json")" "tslimt-n1 tslimt-n2" "hosts of the resumed run"
same_outputs "$SHARED/ref" "$R" "time limit, requeue and resume on 2 nodes"
echo "cluster slurm time limit: ok in $((SECONDS - t0)) s"
