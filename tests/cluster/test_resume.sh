# Interrupted multi-host runs resume, on other placements, to byte-identical results:
# 1. mpirun is killed (SIGKILL) mid-run on 2 hosts x 2 ranks; --resume runs 3 ranks
#    spread round-robin over the hosts in the other order (host 2 first);
# 2. a lost host: host 2's link goes down mid-run; the job ends within a bounded time
#    with a message naming that host (no hang); host 2 is then switched off (fence)
#    and --resume on host 1 alone completes.
# The reference is an uninterrupted run of the same data on one host.
source "$(dirname "$0")/../mpi/lib.sh"
source "$(dirname "$0")/../ops/lib.sh"
source "$(dirname "$0")/lib.sh"
t0=$SECONDS
export ARCOS_CLUSTER_TIMEOUT=8 # seconds of silence before a host counts as lost
cluster_up 2 tresum 62

"$ARCOS_BIN" generate --out "$SHARED/g" --records 16000 --duplicate-rate 0.1 --bad-rate 0.02 \
  --seed 37 >/dev/null
in=$SHARED/g/evidence.jsonl
# A slow scoring stage keeps the run going long enough to be cut in the middle.
args=(--jsonl --quiet --reference-time 2026-11-01T00:00:00Z --partition-bytes 150000
  --inject-fault stage=scoring,kind=delay,delay_ms=4,rate=0.1,seed=3)
cmpi --on 1 -np 2 -- "$ARCOS_BIN" run "$in" --output "$SHARED/ref" "${args[@]}"
nparts=$(jq '[.ranks[].partitions] | add' "$SHARED/ref/report.json")
[ "$nparts" -ge 12 ] || fail "only $nparts partitions: too few to cut a run in the middle"

# start_run OUT: a 2 x 2 run in the background; returns once a partition is journaled.
start_run() {
  bash "$CLUSTER" mpirun -np 4 -- "$ARCOS_BIN" run "$in" --output "$1" "${args[@]}" >"$1.log" 2>&1 &
  run=$!
  local i
  for ((i = 0; ; i++)); do
    grep -qs '^done ' "$1"/.arcos-state/journal-*.log && break
    kill -0 "$run" 2>/dev/null || { cat "$1.log"; fail "the run ended before journaling anything"; }
    [ "$i" -lt 1200 ] || fail "nothing journaled within 120 s"
    sleep 0.1
  done
}

# mid_run OUT: some but not all partitions were finished when the run was cut.
mid_run() {
  local done
  done=$(cat "$1"/.arcos-state/journal-*.log | grep -c '^done ')
  [ "$done" -gt 0 ] && [ "$done" -lt "$nparts" ] || fail "$done of $nparts partitions done: the cut did not land mid-run"
  echo "cut with $done of $nparts partitions done"
}

# 1. mpirun killed
start_run "$SHARED/kill"
launcher=$(pgrep -P "$run" -x mpirun) || fail "no mpirun under jobs/cluster.sh"
kill -KILL "$launcher"
rc=0
wait "$run" || rc=$?
assert_eq "$rc" 137 "exit status of the killed launch"
mid_run "$SHARED/kill"
cmpi -np 3 --map-by node --on 2,1 -- "$ARCOS_BIN" run "$in" --output "$SHARED/kill" "${args[@]}" --resume
assert_eq "$(jq -r '[.ranks[] | "\(.rank):\(.host)"] | join(" ")' "$SHARED/kill/report.json")" \
  "0:tresum-n2 1:tresum-n1 2:tresum-n2" "placement of the resumed run"
same_outputs "$SHARED/ref" "$SHARED/kill" "killed on 2 x 2, resumed on 3 ranks round-robin"
[ ! -e "$SHARED/kill/.arcos-state" ] || fail "checkpoint left after the resumed run"
echo "kill and resume: identical in $((SECONDS - t0)) s"

# 2. host 2 lost
start_run "$SHARED/lost"
bash "$CLUSTER" cut 2
t1=$SECONDS
rc=0
wait "$run" || rc=$?
took=$((SECONDS - t1))
cat "$SHARED/lost.log"
[ "$rc" -ne 0 ] || fail "the run went on as if host 2 were there"
# keepalive (8 s) plus Open MPI's teardown; far below any hang
[ "$took" -le 60 ] || fail "the job took $took s to end after host 2 was lost"
grep -q "host 2 (tresum-n2, 10.251.62.2) is unreachable" "$SHARED/lost.log" ||
  fail "no message naming the lost host"
grep -q "Remote daemon.* on node tresum-n2" "$SHARED/lost.log" || fail "Open MPI did not name the lost host"
# Not finished: no report, the checkpoint still there. (Host 2's ranks may still have
# finished partitions while their daemon waited for the keepalive: this "shared file
# system" is not behind the link that was cut.)
[ ! -e "$SHARED/lost/report.json" ] && [ -e "$SHARED/lost/.arcos-state/meta.json" ] ||
  fail "the run finished before host 2 was lost"
# Host 2 was cut off, not switched off: its ranks wait on the network, and here they
# still reach the shared directory. Switch it off, as a lost node is, before resuming.
bash "$CLUSTER" fence 2
cmpi --on 1 -np 2 -- "$ARCOS_BIN" run "$in" --output "$SHARED/lost" "${args[@]}" --resume
assert_eq "$(hosts_of "$SHARED/lost/report.json")" "tresum-n1" "hosts of the resumed run"
same_outputs "$SHARED/ref" "$SHARED/lost" "host 2 lost, resumed on host 1"
echo "lost host: ended $took s after the cut, identical after resuming; total $((SECONDS - t0)) s"
