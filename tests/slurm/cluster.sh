#!/bin/bash
# A real one-node SLURM cluster for the tests (facts in ../shared/notes/slurm-local.md):
#   cluster.sh start BASE   install the packages if missing, write BASE/etc/slurm.conf,
#                           start munged (unless running), slurmctld and slurmd, wait
#                           until the node is idle; PIDs in BASE/run/*.pid, the
#                           environment to use in BASE/env.sh
#   cluster.sh stop BASE    stop what start started, by PID (TERM, KILL after 10 s)
# Exit 77 (skip) only where SLURM cannot be installed, and never in CI (CI=true).
# Ports 6817/6818 are fixed: a cluster that is not ours is left alone and the tests
# skip (fail in CI).
set -euo pipefail
cmd=${1:?start|stop BASE}
BASE=${2:?start|stop BASE}
ARCOS_TMP=${ARCOS_TMP:-$BASE/tmp}
mkdir -p "$ARCOS_TMP"
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
source "$(dirname "$0")/../ops/lib.sh"

alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

# stop_pid NAME PID: TERM, then KILL after 10 s (slurmd may ignore TERM while it
# cannot reach the controller).
stop_pid() {
  local name=$1 pid=$2
  alive "$pid" || return 0
  # a recycled PID belongs to someone else: leave it alone
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do
    alive "$pid" || { echo "stopped $name ($pid)"; return 0; }
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  echo "killed $name ($pid)"
}

stop() {
  local f
  for f in slurmd slurmctld; do
    [ -f "$BASE/run/$f.started" ] && stop_pid "$f" "$(cat "$BASE/run/$f.started")"
    rm -f "$BASE/run/$f.started"
  done
  if [ -f "$BASE/run/munged.started" ]; then
    stop_pid munged "$(cat "$BASE/run/munged.started")"
    rm -f "$BASE/run/munged.started"
  fi
  rm -f "$BASE/env.sh"
}

port_busy() { # a listener on 6817 or 6818 (hex 1AA1, 1AA2; state 0A = LISTEN)
  cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
    awk '$4 == "0A" && toupper($2) ~ /:1AA[12]$/ {busy = 1} END {exit !busy}'
}

start() {
  local t0=$SECONDS
  ensure_packages slurmctld slurmd slurm-client munge ||
    skip_or_fail "SLURM cannot be installed here (apt-get install slurmctld slurmd slurm-client munge)"
  # Leftovers of an earlier run of ours (a killed ctest) go first; anything else that
  # holds the ports is someone else's cluster.
  stop >/dev/null 2>&1 || true
  if port_busy; then
    skip_or_fail "ports 6817/6818 are in use: another SLURM cluster runs on this machine"
  fi
  mkdir -p "$BASE"/{etc,state,spool,run,log}
  local node
  node=$(hostname -s)
  # The hardware line from slurmd itself, so the node is never drained for claiming
  # more than it has; a small RealMemory keeps memory out of scheduling.
  local hw
  hw=$(slurmd -C 2>/dev/null | head -1 | sed -E 's/ RealMemory=[0-9]+//; s/ UpTime=.*//')
  [[ "$hw" == NodeName=* ]] || hw="NodeName=$node CPUs=$(nproc)"
  cat >"$BASE/etc/slurm.conf" <<CONF
ClusterName=ci
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$BASE/state
SlurmdSpoolDir=$BASE/spool
SlurmctldPidFile=$BASE/run/slurmctld.pid
SlurmdPidFile=$BASE/run/slurmd.pid
SlurmctldLogFile=$BASE/log/slurmctld.log
SlurmdLogFile=$BASE/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$BASE/log/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=pmix
EnforcePartLimits=ALL
ReturnToService=2
MinJobAge=3600
KillWait=5
InactiveLimit=0
MailProg=/bin/true
$hw NodeAddr=127.0.0.1 RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF=$BASE/etc/slurm.conf
  # munge: reuse a running munged (not ours to stop), else start one.
  if ! pgrep -x munged >/dev/null 2>&1; then
    install -d -o munge -g munge /run/munge
    [ -s /etc/munge/munge.key ] || fail "/etc/munge/munge.key is missing (reinstall munge)"
    runuser -u munge -- /usr/sbin/munged
    for _ in $(seq 1 50); do [ -s /run/munge/munged.pid ] && break; sleep 0.1; done
    cp /run/munge/munged.pid "$BASE/run/munged.started"
  fi
  # Own sessions and no inherited descriptors, so ctest does not wait for them.
  setsid slurmctld -D -c </dev/null >>"$BASE/log/slurmctld.stdout" 2>&1 &
  echo $! >"$BASE/run/slurmctld.started"
  setsid slurmd -D </dev/null >>"$BASE/log/slurmd.stdout" 2>&1 &
  echo $! >"$BASE/run/slurmd.started"
  local state=
  for _ in $(seq 1 300); do
    state=$(sinfo -h -o %T 2>/dev/null | head -1 || true)
    [ "$state" = idle ] && break
    alive "$(cat "$BASE/run/slurmctld.started")" || break
    alive "$(cat "$BASE/run/slurmd.started")" || break
    sleep 0.1
  done
  if [ "$state" != idle ]; then
    tail -20 "$BASE/log/slurmctld.log" "$BASE/log/slurmd.log" "$BASE"/log/*.stdout >&2 || true
    stop
    fail "the local SLURM node did not become idle (state '${state}')"
  fi
  cat >"$BASE/env.sh" <<ENV
export SLURM_CONF=$BASE/etc/slurm.conf
ENV
  echo "SLURM $(sinfo -V | awk '{print $2}') up on $node in $((SECONDS - t0)) s:" \
    "slurmctld $(cat "$BASE/run/slurmctld.started"), slurmd $(cat "$BASE/run/slurmd.started")"
}

case $cmd in
start) start ;;
stop) stop ;;
*) fail "unknown command $cmd" ;;
esac
