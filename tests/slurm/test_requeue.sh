# jobs/slurm-requeue.sbatch:
# 1. A real deadline: SLURM signals the batch shell 60 s before a 2-minute limit (which
#    slurmctld does 30-60 s after the start: it checks limits every 30 s and sends the
#    signal up to 30 s early, docs/operations.md), the ranks checkpoint and exit 75,
#    the script requeues the job and the next start passes --resume because a journal
#    exists. The ranks are tests/slurm/fake-arcos.sh, which follows the exit-75/--resume
#    contract and waits for the signal however fast the machine is.
# 2. The real binary: the batch shell gets SIGUSR1 (what --signal=B:USR1 sends) in the
#    middle of a run, arcos-scale checkpoints and exits 75, the job is requeued and
#    resumes, and the results are byte-identical to an uninterrupted run.
# 3. The real binary again into a completed output directory: no journal, so --force.
source "$(dirname "$0")/../mpi/lib.sh"
source "$(dirname "$0")/../ops/lib.sh"
source "$(dirname "$0")/lib.sh"
t0=$SECONDS

# release_requeued ID: SLURM holds a requeued batch job for about two minutes
# (BeginTime); release it once the first instance is gone and the node idle. slurmd
# rejects credentials issued in the second it revoked the old one ("Job credential
# revoked"), hence the pause.
release_requeued() {
  local i
  for ((i = 0; ; i++)); do
    [ "$(job_field "$1" JobState)" = PENDING ] && [ "$(sinfo -h -o %T | head -1)" = idle ] && break
    [ "$i" -lt 300 ] || fail "job $1 not pending on an idle node after the requeue"
    sleep 0.2
  done
  sleep 2
  scontrol update JobId="$1" StartTime=now
}

# 1. deadline
O=$ARCOS_TMP/rq
id=$(ARCOS_BIN=$ARCOS_SRC/tests/slurm/fake-arcos.sh ARCOS_OUTPUT=$O \
  submit -n 2 --time=2 --signal=B:USR1@60 "$ARCOS_SRC/jobs/slurm-requeue.sbatch")
# The signal comes 30-60 s in. (It used to be due within 30 s of the start, so the
# first check sent it at once, sometimes before the batch shell ran, and then never.)
while [ "$(job_field "$id" Restarts)" != 1 ]; do
  [ $((SECONDS - t0)) -lt 120 ] || { show_log "$ARCOS_TMP/arcos-requeue-$id.out"; fail "job $id was not requeued within 120 s"; }
  sleep 0.5
done
echo "signalled and requeued after $((SECONDS - t0)) s"
release_requeued "$id"
assert_eq "$(wait_done "$id" 180)" "COMPLETED 0:0" "requeued job"
log=$ARCOS_TMP/arcos-requeue-$id.out
show_log "$log"
grep -q 'start 1 on 2 rank(s): fresh run' "$log" || fail "first start not logged"
grep -q 'got SIGUSR1' "$log" || fail "the batch shell did not get SIGUSR1"
grep -q 'requeueing job' "$log" || fail "no requeue after exit 75"
grep -q "start 2 on 2 rank(s): --resume -> $O" "$log" || fail "the second start did not pass --resume"
assert_eq "$(grep -c '^start ' "$O/starts")" 2 "ranks started fresh"
assert_eq "$(grep -c '^resume ' "$O/starts")" 2 "ranks resumed"
assert_eq "$(cat "$O"/.arcos-state/journal-*.log | wc -l)" 2 "ranks journaled"
[ -s "$O/report.json" ] || fail "no report after resuming"
echo "deadline requeue done in $((SECONDS - t0)) s"

# 2. the real binary, interrupted and resumed: identical results
"$ARCOS_BIN" generate --out "$ARCOS_TMP/g" --records 80000 --duplicate-rate 0.1 --bad-rate 0.01 --seed 23 >/dev/null 2>&1
f=$ARCOS_TMP/g/evidence.jsonl
# a slow stage makes the run last several seconds on any machine
args="--jsonl --quiet --reference-time 2026-11-01T00:00:00Z --partition-bytes 2000000 --inject-fault stage=scoring,kind=delay,delay_ms=1,rate=0.05,seed=1"
R=$ARCOS_TMP/real
id=$(ARCOS_INPUTS=$f ARCOS_ARGS=$args ARCOS_OUTPUT=$R submit -n 2 "$ARCOS_SRC/jobs/slurm-requeue.sbatch")
for ((i = 0; ; i++)); do # a partition journaled: the run is under way
  grep -qs '^done ' "$R"/.arcos-state/journal-*.log && break
  [ "$i" -lt 600 ] || fail "job $id journaled nothing within 60 s"
  sleep 0.1
done
scancel --batch --signal=USR1 "$id"
while [ "$(job_field "$id" Restarts)" != 1 ]; do
  state=$(job_field "$id" JobState)
  [ "$state" != COMPLETED ] || fail "the run finished before SIGUSR1 arrived: make it slower"
  [ $((SECONDS - t0)) -lt 240 ] || { show_log "$ARCOS_TMP/arcos-requeue-$id.out"; fail "job $id was not requeued"; }
  sleep 0.2
done
release_requeued "$id"
assert_eq "$(wait_done "$id" 180)" "COMPLETED 0:0" "real job after requeue"
log=$ARCOS_TMP/arcos-requeue-$id.out
show_log "$log"
grep -q 'interrupted after a checkpoint (exit 75)' "$log" || fail "arcos-scale did not exit 75 on SIGUSR1"
grep -q "start 2 on 2 rank(s): --resume -> $R" "$log" || fail "the requeued start did not resume"
read -r -a ref_args <<<"$args"
mpi 2 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/ref" "${ref_args[@]}" # uninterrupted
assert_same_file "$ARCOS_TMP/ref/results.jsonl" "$R/results.jsonl" "results after requeue and resume"
assert_same_file "$ARCOS_TMP/ref/dlq.jsonl" "$R/dlq.jsonl" "dead letters after requeue and resume"
assert_same_file "$ARCOS_TMP/ref/duplicates.jsonl" "$R/duplicates.jsonl" "duplicates after requeue and resume"
[ ! -e "$R/.arcos-state" ] || fail "checkpoint left after the resumed run completed"
echo "real requeue and resume done in $((SECONDS - t0)) s"

# 3. again into the completed directory: no journal, so the script starts over (--force)
id=$(ARCOS_OUTPUT=$R submit -n 2 "$ARCOS_SRC/jobs/slurm-requeue.sbatch")
assert_eq "$(wait_done "$id")" "COMPLETED 0:0" "requeue script into a completed directory"
grep -q "start 1 on 2 rank(s): --force -> $R" "$ARCOS_TMP/arcos-requeue-$id.out" ||
  { show_log "$ARCOS_TMP/arcos-requeue-$id.out"; fail "no fresh start with --force"; }
assert_eq "$(json_get "$R/report.json" .records.input)" 3012 "the sample, run again"
echo "slurm requeue: ok in $((SECONDS - t0)) s"
