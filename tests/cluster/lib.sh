# Helpers for the cluster tests (sourced after tests/mpi/lib.sh and tests/ops/lib.sh):
# a cluster of namespaced hosts made by jobs/cluster.sh, private to the test (its own
# name, subnet and state directory under ARCOS_TMP, so tests and other people's runs
# never share one), removed when the test ends, whatever way it ends.
# Where namespaces cannot be made the test skips (exit 77), and fails in CI.

CLUSTER=$ARCOS_SRC/jobs/cluster.sh

# cluster_up N NAME OCTET: hosts NAME-n1..NAME-nN on 10.251.OCTET.0/24.
cluster_up() {
  export ARCOS_CLUSTER_NAME=$2 ARCOS_CLUSTER_NET=10.251.$3
  export ARCOS_CLUSTER_DIR=$ARCOS_TMP/cluster
  local why
  why=$(bash "$CLUSTER" probe 2>&1) || skip_or_fail "cannot make network namespaces here: $why"
  trap cluster_down EXIT
  bash "$CLUSTER" up "$1" || fail "jobs/cluster.sh up $1 failed"
  SHARED=$ARCOS_CLUSTER_DIR/shared
}

cluster_down() {
  # the daemons' logs outlive the cluster, for a failed test's post-mortem
  [ ! -d "$ARCOS_CLUSTER_DIR/slurm/log" ] || cp -r "$ARCOS_CLUSTER_DIR/slurm/log" "$ARCOS_TMP/slurm-log"
  bash "$CLUSTER" down >/dev/null 2>&1 || true
}

# cmpi [--on LIST] [mpirun args] -- CMD...: jobs/cluster.sh mpirun
cmpi() {
  bash "$CLUSTER" mpirun "$@"
}

# cexec HOST CMD...: jobs/cluster.sh exec
cexec() {
  bash "$CLUSTER" exec "$@"
}

# hosts_of REPORT: the distinct hosts of report.json's ranks, sorted, one line.
hosts_of() {
  jq -r '[.ranks[].host] | unique | join(" ")' "$1"
}

# evidence_h5 FILE: every column of results.h5's tables, as text.
evidence_h5() {
  h5dump -g /evidence -g /duplicates -g /errors -g /alerts "$1" | sed 1d
}

# same_outputs A B WHAT: the outputs that must not depend on placement.
same_outputs() {
  local f
  for f in results.jsonl dlq.jsonl duplicates.jsonl; do
    assert_same_file "$1/$f" "$2/$f" "$f ($3)"
  done
  evidence_h5 "$1/results.h5" >"$1.h5.txt"
  evidence_h5 "$2/results.h5" >"$2.h5.txt"
  assert_same_file "$1.h5.txt" "$2.h5.txt" "results.h5 tables ($3)"
  assert_eq "$(json_get "$2/report.json" .records.conserved)" true "conservation ($3)"
}

# slurm_up: SLURM on the cluster made by cluster_up (one slurmctld on host 1, one slurmd
# per host; jobs/cluster.sh slurm). Defines on1 (a command on host 1).
slurm_up() {
  command -v slurmctld >/dev/null || ensure_packages slurmctld slurmd slurm-client munge ||
    skip_or_fail "SLURM cannot be installed here"
  bash "$CLUSTER" slurm || fail "SLURM did not start on the cluster"
}
on1() { cexec 1 "$@"; }

# job_field ID FIELD: one field of `scontrol show job`.
job_field() {
  on1 scontrol show job -o "$1" 2>/dev/null | head -1 | grep -oE "(^| )$2=[^ ]*" | head -1 | cut -d= -f2-
}

# wait_state ID LIMIT: polls slurmctld until the job has ended (at most LIMIT s); prints
# "STATE EXITCODE".
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

# submit SBATCH-ARGS...: sbatch on host 1 from the shared directory; prints the job id.
submit() {
  on1 sbatch --parsable --chdir="$SHARED" --export=ALL,ARCOS_ROOT="$ARCOS_SRC",ARCOS_BIN="$ARCOS_BIN" "$@" ||
    fail "sbatch $* failed"
}
