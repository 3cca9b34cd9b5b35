# jobs/slurm-requeue.sbatch on a real deadline: SLURM signals the batch shell 175 s
# before a 3-minute limit (so, early), the ranks checkpoint and exit 75, the script
# requeues the job and the next start passes --resume because a journal exists.
# Checkpoint/restart is another issue's work, so the ranks here are
# tests/slurm/fake-arcos.sh, which follows the contract (exit 75 on SIGUSR1 after
# writing a journal; --resume finishes). The real binary then runs through the same
# script: fresh, and again into the existing output directory (--force, no journal).
source "$(dirname "$0")/../mpi/lib.sh"
source "$(dirname "$0")/../ops/lib.sh"
source "$(dirname "$0")/lib.sh"
t0=$SECONDS
O=$ARCOS_TMP/rq
id=$(ARCOS_BIN=$ARCOS_SRC/tests/slurm/fake-arcos.sh ARCOS_OUTPUT=$O \
  submit -n 2 --time=3 --signal=B:USR1@175 "$ARCOS_SRC/jobs/slurm-requeue.sbatch")
# the signal comes when slurmctld next checks the time limits (up to a minute)
for ((i = 0; ; i++)); do
  [ "$(job_field "$id" Restarts)" = 1 ] && break
  [ $((SECONDS - t0)) -lt 120 ] || { show_log "$ARCOS_TMP/arcos-requeue-$id.out"; fail "job $id was not requeued within 120 s"; }
  sleep 0.5
done
echo "signalled and requeued after $((SECONDS - t0)) s"
# SLURM holds a requeued batch job for about two minutes (BeginTime); release it once
# the first instance is gone and the node idle. slurmd rejects credentials issued in
# the second it revoked the old one ("Job credential revoked"), hence the pause.
for ((i = 0; ; i++)); do
  [ "$(job_field "$id" JobState)" = PENDING ] && [ "$(sinfo -h -o %T | head -1)" = idle ] && break
  [ "$i" -lt 300 ] || fail "job $id not pending on an idle node after the requeue"
  sleep 0.2
done
sleep 2
scontrol update JobId="$id" StartTime=now
assert_eq "$(wait_done "$id" 180)" "COMPLETED 0:0" "requeued job"
log=$ARCOS_TMP/arcos-requeue-$id.out
show_log "$log"
grep -q 'start 1 on 2 rank(s): fresh run' "$log" || fail "first start not logged"
grep -q 'got SIGUSR1' "$log" || fail "the batch shell did not get SIGUSR1"
grep -q 'requeueing job' "$log" || fail "no requeue after exit 75"
grep -q "start 2 on 2 rank(s): --resume -> $O" "$log" || fail "the second start did not pass --resume"
assert_eq "$(grep -c '^start ' "$O/starts")" 2 "ranks started fresh"
assert_eq "$(grep -c '^resume ' "$O/starts")" 2 "ranks resumed"
assert_eq "$(grep -c '^checkpoint ' "$O/journal")" 2 "ranks checkpointed"
[ -s "$O/report.json" ] || fail "no report after resuming"
echo "requeue with the contract's ranks done in $((SECONDS - t0)) s"

# The real binary through the same script; then again into the same output directory.
R=$ARCOS_TMP/real
for k in 1 2; do
  id=$(ARCOS_OUTPUT=$R submit -n 2 "$ARCOS_SRC/jobs/slurm-requeue.sbatch")
  assert_eq "$(wait_done "$id")" "COMPLETED 0:0" "requeue script, run $k"
  log=$ARCOS_TMP/arcos-requeue-$id.out
  [ "$k" = 1 ] && { grep -q 'fresh run' "$log" || fail "run 1 not fresh"; }
  [ "$k" = 2 ] && { grep -q "start 1 on 2 rank(s): --force -> $R" "$log" || { show_log "$log"; fail "run 2 did not start over with --force"; }; }
  assert_eq "$(json_get "$R/report.json" .records.input)" 3000 "records, run $k"
done
echo "slurm requeue: ok in $((SECONDS - t0)) s"
