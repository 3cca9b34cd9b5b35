#!/bin/bash
# A cluster of N hosts on one machine, made of Linux namespaces (root only):
#   jobs/cluster.sh up N                 make hosts 1..N (idempotent)
#   jobs/cluster.sh down                 remove everything `up` made (idempotent)
#   jobs/cluster.sh mpirun [--on LIST] [mpirun args] -- CMD...
#                                        mpirun from host 1 over all hosts (or LIST,
#                                        e.g. 1,3), ranks in blocks (2 hosts, -np 4:
#                                        ranks 0-1 on host 1, 2-3 on host 2)
#   jobs/cluster.sh exec HOST CMD...     run CMD on host HOST (1..N or its hostname)
#   jobs/cluster.sh cut HOST | mend HOST take a host's link down (a lost host) or up
#   jobs/cluster.sh fence HOST           end every process on HOST (a powered-off host)
#   jobs/cluster.sh slurm                SLURM on the hosts: slurmctld on host 1, a slurmd
#                                        on each (then: jobs/cluster.sh exec 1 sbatch ...)
#   jobs/cluster.sh status               the hosts, their addresses and links
#   jobs/cluster.sh env                  variables for scripts (CLUSTER_DIR, ...)
#
# Each host has its own network namespace (a veth on a bridge of its own, an address
# on a private subnet and nothing else: no route out), its own UTS namespace (its
# hostname) and its own mount namespace, in which /tmp and /var/tmp (the node-local
# scratch) are directories of that host alone. Everything else, the working tree and
# $CLUSTER_DIR/shared included, is the same file system on every host: the shared
# file system. Open MPI starts its daemons on the other hosts through
# $CLUSTER_DIR/rsh-agent, which enters the host's namespaces (no sshd). Between hosts
# the ranks talk TCP on the cluster subnet only; on one host, shared memory.
#
# Environment:
#   ARCOS_CLUSTER_NAME  name of this cluster, at most 6 letters or digits (default
#                       arcos); hostnames are NAME-n1 ... NAME-nN, so two clusters
#                       (a test and a user's) can exist at once
#   ARCOS_CLUSTER_NET   first three octets of its /24 subnet (default 10.251.17);
#                       host i is NET.i; pick one no real network here uses
#   ARCOS_CLUSTER_DIR   where its state lives (default /run/arcos-cluster/NAME)
#   ARCOS_CLUSTER_TIMEOUT
#                       seconds of silence after which a host counts as lost (default
#                       10): Open MPI's out-of-band TCP keepalive, see
#                       docs/operations.md "Several nodes"
set -euo pipefail

NAME=${ARCOS_CLUSTER_NAME:-arcos}
NET=${ARCOS_CLUSTER_NET:-10.251.17}
DIR=${ARCOS_CLUSTER_DIR:-/run/arcos-cluster/$NAME}
LOST_S=${ARCOS_CLUSTER_TIMEOUT:-10}
BRIDGE=${NAME}-br

die() {
  echo "cluster.sh: $*" >&2
  exit 1
}
[[ "$NAME" =~ ^[a-z0-9]{1,6}$ ]] || die "ARCOS_CLUSTER_NAME must be 1-6 lowercase letters or digits (it names network interfaces)"
[[ "$NET" =~ ^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$ ]] || die "ARCOS_CLUSTER_NET must be three octets, e.g. 10.251.17"
[[ "$LOST_S" =~ ^[0-9]+$ ]] && [ "$LOST_S" -ge 3 ] || die "ARCOS_CLUSTER_TIMEOUT must be a whole number of seconds, at least 3"

nhosts() { cat "$DIR/nhosts" 2>/dev/null || echo 0; }
hostname_of() { echo "$NAME-n$1"; }
holder_pid() { cat "$DIR/hosts/$1/pid" 2>/dev/null; }

# host_index HOST: 1..N from "2" or "NAME-n2".
host_index() {
  local h=$1 n
  n=$(nhosts)
  [[ "$h" =~ ^[0-9]+$ ]] || h=${h#"$NAME"-n}
  [[ "$h" =~ ^[0-9]+$ ]] && [ "$h" -ge 1 ] && [ "$h" -le "$n" ] ||
    die "no host '$1' in cluster $NAME (hosts 1..$n; is it up? jobs/cluster.sh up N)"
  echo "$h"
}

# alive I: host I's namespace holder still runs (and is ours: its command line says so).
alive() {
  local pid
  pid=$(holder_pid "$1") || return 1
  [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "arcos-cluster-host $NAME $1"
}

# can_make: namespaces, veths and bridges are possible here (root, CAP_SYS_ADMIN).
can_make() {
  [ "$(id -u)" -eq 0 ] || { echo "not root"; return 1; }
  for t in ip unshare nsenter mpirun; do
    command -v "$t" >/dev/null || { echo "$t is not installed"; return 1; }
  done
  unshare --net --uts --mount true 2>/dev/null || { echo "unshare --net --uts --mount is not permitted here"; return 1; }
  ip link add "${NAME}-probe" type bridge 2>/dev/null || { echo "cannot create a bridge (ip link add type bridge)"; return 1; }
  ip link del "${NAME}-probe"
}

start_host() {
  local i=$1 hn pid
  hn=$(hostname_of "$i")
  mkdir -p "$DIR/hosts/$i/tmp" "$DIR/hosts/$i/scratch"
  chmod 1777 "$DIR/hosts/$i/tmp" "$DIR/hosts/$i/scratch"
  rm -f "$DIR/hosts/$i/pid"
  # The holder keeps the host's namespaces alive; its own session and no inherited
  # descriptors, so that a caller waiting on our output (ctest) does not wait for it.
  # exec -a names it, so that `down` and `alive` recognise it.
  setsid unshare --net --uts --mount --propagation private -- bash -c '
    set -e
    hostname "$1"
    mount --bind "$2/hosts/$3/tmp" /tmp
    mount --bind "$2/hosts/$3/scratch" /var/tmp
    mount --bind "$2/etc-hosts" /etc/hosts
    ip link set lo up
    echo $$ >"$2/hosts/$3/pid.new"
    mv "$2/hosts/$3/pid.new" "$2/hosts/$3/pid"
    exec -a "arcos-cluster-host $4 $3" sleep infinity' holder "$hn" "$DIR" "$i" "$NAME" \
    </dev/null >"$DIR/hosts/$i/holder.log" 2>&1 &
  for _ in $(seq 1 100); do
    [ -s "$DIR/hosts/$i/pid" ] && break
    sleep 0.05
  done
  pid=$(holder_pid "$i") || die "host $i did not start: $(cat "$DIR/hosts/$i/holder.log")"
  ip link add "${NAME}v$i" type veth peer name "${NAME}p$i"
  ip link set "${NAME}p$i" netns "$pid"
  ip link set "${NAME}v$i" master "$BRIDGE" up
  nsenter -t "$pid" -n ip link set "${NAME}p$i" name clu0
  nsenter -t "$pid" -n ip addr add "$NET.$i/24" dev clu0
  nsenter -t "$pid" -n ip link set clu0 up
}

cmd_up() {
  local n=${1:?up N}
  [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 64 ] || die "up N: N is 1..64"
  if [ -f "$DIR/nhosts" ]; then
    local ok=1 i
    for ((i = 1; i <= $(nhosts); i++)); do alive "$i" || ok=0; done
    if [ "$ok" = 1 ] && [ "$(nhosts)" = "$n" ]; then
      echo "cluster $NAME: $n hosts already up"
      return 0
    fi
    cmd_down >/dev/null
  fi
  local why
  why=$(can_make) || { echo "cluster.sh: cannot make namespaces here: $why" >&2; exit 77; }
  mkdir -p "$DIR/shared"
  echo "$n" >"$DIR/nhosts"
  {
    echo "127.0.0.1 localhost"
    for ((i = 1; i <= n; i++)); do echo "$NET.$i $(hostname_of "$i")"; done
  } >"$DIR/etc-hosts"
  for ((i = 1; i <= n; i++)); do echo "$(hostname_of "$i")"; done >"$DIR/hostnames"
  ip link add "$BRIDGE" type bridge
  ip link set "$BRIDGE" up
  for ((i = 1; i <= n; i++)); do start_host "$i"; done
  write_agent
  echo "cluster $NAME: $n hosts up ($(tr '\n' ' ' <"$DIR/hostnames")on $NET.0/24); shared: $DIR/shared"
}

# The rsh agent Open MPI calls as `rsh-agent HOST COMMAND...`: run COMMAND on HOST.
write_agent() {
  cat >"$DIR/rsh-agent" <<AGENT
#!/bin/bash
# Open MPI's plm_rsh_agent for cluster $NAME (jobs/cluster.sh): enter HOST's namespaces.
host=\$1
shift
i=\${host#$NAME-n}
for a in \$(seq 1 $(nhosts)); do [ "\$host" = "$NET.\$a" ] && i=\$a; done
pid=\$(cat "$DIR/hosts/\$i/pid" 2>/dev/null) || { echo "rsh-agent: no host \$host in cluster $NAME" >&2; exit 255; }
exec nsenter -t "\$pid" -n -u -m -- env TMPDIR=/tmp /bin/sh -c "\$*"
AGENT
  chmod 755 "$DIR/rsh-agent"
}

# kill_inside I [all]: end the processes in host I's namespaces (slurmd, orted, ranks
# a lost host left): they would keep the namespace, and its veth, alive; with "all",
# the namespace holder too. One find over /proc: a shell loop is slow on a busy machine.
kill_inside() {
  local pid ns p
  pid=$(holder_pid "$1") || return 0
  ns=$(readlink "/proc/$pid/ns/net" 2>/dev/null) || return 0
  ns=${ns//[/\\[}
  ns=${ns//]/\\]}
  for p in $(find /proc -maxdepth 3 -path '/proc/[0-9]*/ns/net' -lname "$ns" -printf '%h\n' 2>/dev/null | cut -d/ -f3); do
    [ "$p" != "$pid" ] && kill -KILL "$p" 2>/dev/null || true
  done
  [ "${2:-}" != all ] || kill -KILL "$pid" 2>/dev/null || true
}

cmd_down() {
  local i n
  n=$(nhosts)
  for ((i = 1; i <= n; i++)); do
    alive "$i" && kill_inside "$i" all
    ip link del "${NAME}v$i" 2>/dev/null || true
  done
  ip link del "$BRIDGE" 2>/dev/null || true
  if [ -f "$DIR/munged.started" ]; then
    local m
    m=$(cat "$DIR/munged.started")
    if [ "$(cat "/proc/$m/comm" 2>/dev/null)" = munged ]; then
      # wait until it is gone: the next cluster's `slurm` must not find a munged that is
      # still shutting down, take it as running and start none
      kill -TERM "$m" 2>/dev/null || true
      for _ in $(seq 1 100); do [ -d "/proc/$m" ] || break; sleep 0.1; done
      [ ! -d "/proc/$m" ] || kill -KILL "$m" 2>/dev/null || true
    fi
  fi
  rm -rf "$DIR"
  echo "cluster $NAME: down"
}

need_up() {
  [ -f "$DIR/nhosts" ] || die "cluster $NAME is not up (jobs/cluster.sh up N)"
  local i
  for ((i = 1; i <= $(nhosts); i++)); do
    alive "$i" || die "host $i of cluster $NAME is gone; jobs/cluster.sh down, then up again"
  done
}

cmd_exec() {
  need_up
  local i pid
  i=$(host_index "${1:?exec HOST CMD...}")
  shift
  [ $# -gt 0 ] || die "exec HOST CMD...: no command"
  pid=$(holder_pid "$i")
  [ ! -f "$DIR/slurm/etc/slurm.conf" ] || export SLURM_CONF=$DIR/slurm/etc/slurm.conf
  # what mpirun gets on its command line, for launchers that read the environment
  # (srun's ranks get the environment of sbatch)
  export OMPI_MCA_btl_tcp_if_include=$NET.0/24 OMPI_MCA_oob_tcp_if_include=$NET.0/24
  export OMPI_MCA_mpi_yield_when_idle=1
  exec nsenter -t "$pid" -n -u -m -- env TMPDIR=/tmp CLUSTER_HOST="$i" \
    bash -c 'cd "$1" 2>/dev/null || cd /; shift; exec "$@"' cd "$PWD" "$@"
}

# The Open MPI settings of every cluster run: the cluster subnet only, our agent, and
# timeouts that turn a lost host into an error within about LOST_S seconds.
mca_args() {
  local probes=3 intvl time
  intvl=$(((LOST_S + 3) / 5))
  [ "$intvl" -ge 1 ] || intvl=1
  time=$((LOST_S - probes * intvl))
  [ "$time" -ge 1 ] || time=1
  echo --mca plm_rsh_agent "$DIR/rsh-agent" --mca plm_rsh_no_tree_spawn 1 \
    --bind-to none --mca mpi_yield_when_idle 1 \
    --mca btl self,vader,tcp \
    --mca btl_tcp_if_include "$NET.0/24" --mca oob_tcp_if_include "$NET.0/24" \
    --mca oob_tcp_keepalive_time "$time" --mca oob_tcp_keepalive_intvl "$intvl" \
    --mca oob_tcp_keepalive_probes "$probes"
}

cmd_mpirun() {
  need_up
  local on="" margs=() np="" i
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    case $1 in
    --on)
      on=${2:?--on LIST}
      shift 2
      continue
      ;;
    -np | -n | --np | -c) np=${2:-} ;;
    esac
    margs+=("$1")
    shift
  done
  [ "${1:-}" = -- ] || die "mpirun: put -- before the command"
  shift
  [ $# -gt 0 ] || die "mpirun: no command after --"
  local hosts=()
  if [ -n "$on" ]; then
    IFS=, read -r -a hosts <<<"$on"
    for ((i = 0; i < ${#hosts[@]}; i++)); do hosts[i]=$(host_index "${hosts[i]}"); done
  else
    for ((i = 1; i <= $(nhosts); i++)); do hosts+=("$i"); done
  fi
  [ -n "$np" ] || { np=${#hosts[@]}; margs+=(-np "$np"); }
  [[ "$np" =~ ^[0-9]+$ ]] && [ "$np" -ge 1 ] || die "mpirun: -np must be a positive number"
  local slots=$(((np + ${#hosts[@]} - 1) / ${#hosts[@]})) hf
  hf=$(mktemp "$DIR/shared/.hostfile.XXXXXX")
  for i in "${hosts[@]}"; do echo "$(hostname_of "$i") slots=$slots"; done >"$hf"
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  export OMPI_MCA_btl_vader_single_copy_mechanism=none
  local rc=0 pid mca
  read -r -a mca <<<"$(mca_args)"
  pid=$(holder_pid "${hosts[0]}")
  nsenter -t "$pid" -n -u -m -- env TMPDIR=/tmp \
    bash -c 'cd "$1" 2>/dev/null || cd /; shift; exec "$@"' cd "$PWD" \
    mpirun --hostfile "$hf" --oversubscribe "${mca[@]}" "${margs[@]}" "$@" || rc=$?
  rm -f "$hf"
  if [ "$rc" -ne 0 ]; then
    # Open MPI names a lost daemon's host by address or name; say which host it is.
    for ((i = 1; i <= $(nhosts); i++)); do
      if [ "$(cat "/sys/class/net/${NAME}v$i/operstate" 2>/dev/null)" = down ]; then
        echo "cluster.sh: host $i ($(hostname_of "$i"), $NET.$i) is unreachable: its link is down" >&2
      fi
    done
  fi
  return "$rc"
}

cmd_link() {
  need_up
  local i
  i=$(host_index "${2:?$1 HOST}")
  ip link set "${NAME}v$i" "$([ "$1" = cut ] && echo down || echo up)"
  echo "host $i ($(hostname_of "$i")): link $([ "$1" = cut ] && echo down || echo up)"
}

# slurm_up: one slurmctld (host 1) and one slurmd per host, each with its own NodeName,
# pid and log files under $DIR/slurm and its spool in the host's own /tmp (node-local,
# and short: slurmstepd's socket paths there must fit 108 bytes); clients run on a
# host (exec) and find it through SLURM_CONF. munged is shared (its socket is on the shared /run); started here
# when none runs, and then stopped by `down`.
cmd_slurm_up() {
  need_up
  command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null ||
    { echo "cluster.sh: SLURM is not installed (apt-get install slurmctld slurmd slurm-client munge)" >&2; exit 77; }
  local B=$DIR/slurm n i nodes="" hw
  n=$(nhosts)
  mkdir -p "$B"/{etc,state,spool,run,log}
  hw=$(slurmd -C 2>/dev/null | head -1 | grep -oE 'CPUs=[0-9]+ .*ThreadsPerCore=[0-9]+' || echo "CPUs=$(nproc)")
  {
    cat <<CONF
ClusterName=$NAME
SlurmctldHost=$(hostname_of 1)($NET.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$B/state
SlurmdSpoolDir=/tmp/slurmd
SlurmctldPidFile=$B/run/slurmctld.pid
SlurmdPidFile=$B/run/slurmd-%n.pid
SlurmctldLogFile=$B/log/slurmctld.log
SlurmdLogFile=$B/log/slurmd-%n.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$B/log/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=pmix
ReturnToService=2
MinJobAge=3600
KillWait=5
InactiveLimit=0
SlurmdTimeout=$((LOST_S * 2))
MailProg=/bin/true
CONF
    for ((i = 1; i <= n; i++)); do
      echo "NodeName=$(hostname_of "$i") NodeAddr=$NET.$i $hw RealMemory=1000 State=UNKNOWN"
      nodes+=${nodes:+,}$(hostname_of "$i")
    done
    echo "PartitionName=debug Nodes=$nodes Default=YES MaxTime=INFINITE State=UP"
  } >"$B/etc/slurm.conf"
  # A munged that answers is shared; one that does not (gone, or shutting down) is
  # replaced (--force: past a stale socket or pid file it left).
  if ! munge -n </dev/null >/dev/null 2>&1; then
    for _ in $(seq 1 50); do pgrep -x munged >/dev/null 2>&1 || break; sleep 0.1; done
    install -d -o munge -g munge /run/munge
    rm -f /run/munge/munged.pid
    runuser -u munge -- /usr/sbin/munged --force
    for _ in $(seq 1 50); do [ -s /run/munge/munged.pid ] && break; sleep 0.1; done
    cp /run/munge/munged.pid "$DIR/munged.started"
  fi
  export SLURM_CONF=$B/etc/slurm.conf
  nsenter -t "$(holder_pid 1)" -n -u -m -- setsid slurmctld -D -c </dev/null >>"$B/log/slurmctld.stdout" 2>&1 &
  for ((i = 1; i <= n; i++)); do
    nsenter -t "$(holder_pid "$i")" -n -u -m -- setsid slurmd -D -N "$(hostname_of "$i")" \
      </dev/null >>"$B/log/slurmd-$i.stdout" 2>&1 &
  done
  local idle=0
  for _ in $(seq 1 300); do
    idle=$(nsenter -t "$(holder_pid 1)" -n -u -m -- sinfo -h -N -o %T 2>/dev/null | grep -c '^idle' || true)
    [ "$idle" -ge "$n" ] && break
    sleep 0.2
  done
  if [ "$idle" -lt "$n" ]; then
    tail -n 5 "$B"/log/*.log >&2 || true
    die "SLURM: only $idle of $n nodes became idle (logs in $B/log)"
  fi
  echo "cluster $NAME: SLURM up, $n nodes idle; SLURM_CONF=$B/etc/slurm.conf (run clients with jobs/cluster.sh exec 1 ...)"
}

# fence HOST: what a power cut does to a host's processes (its namespaces stay, empty).
# A host cut off the network by `cut` keeps running what it ran, and here, unlike on a
# real cluster, it still reaches the shared file system: fence it before a --resume.
cmd_fence() {
  need_up
  local i
  i=$(host_index "${1:?fence HOST}")
  kill_inside "$i"
  echo "host $i ($(hostname_of "$i")): its processes are ended"
}

cmd_status() {
  [ -f "$DIR/nhosts" ] || { echo "cluster $NAME: down"; return 0; }
  local i
  for ((i = 1; i <= $(nhosts); i++)); do
    printf '%s %s %s link=%s %s\n' "$i" "$(hostname_of "$i")" "$NET.$i" \
      "$(cat "/sys/class/net/${NAME}v$i/operstate" 2>/dev/null || echo gone)" \
      "$(alive "$i" && echo up || echo gone)"
  done
}

cmd_env() {
  echo "CLUSTER_NAME=$NAME"
  echo "CLUSTER_DIR=$DIR"
  echo "CLUSTER_SHARED=$DIR/shared"
  echo "CLUSTER_NET=$NET"
  echo "CLUSTER_HOSTS=$(nhosts)"
  echo "CLUSTER_MCA=\"$(mca_args)\""
}

case ${1:-} in
up) cmd_up "${2:-}" ;;
down) cmd_down ;;
exec)
  shift
  cmd_exec "$@"
  ;;
mpirun)
  shift
  cmd_mpirun "$@"
  ;;
cut | mend) cmd_link "$@" ;;
fence) cmd_fence "${2:-}" ;;
slurm) cmd_slurm_up ;;
status) cmd_status ;;
env) cmd_env ;;
probe) can_make ;;
*) die "usage: up N | down | mpirun [--on LIST] [mpirun args] -- CMD... | exec HOST CMD... | cut HOST | mend HOST | status | env" ;;
esac
