# Helpers for the SLURM tests (sourced after tests/mpi/lib.sh and tests/ops/lib.sh).
# The cluster comes from the slurm.start fixture (tests/slurm/cluster.sh); without it
# the tests skip, or fail in CI.
: "${ARCOS_SLURM_BASE:?run through ctest}"
[ -s "$ARCOS_SLURM_BASE/env.sh" ] ||
  skip_or_fail "no local SLURM cluster (the slurm.start fixture did not start one; see its output)"
source "$ARCOS_SLURM_BASE/env.sh"
export ARCOS_ROOT=$ARCOS_SRC
export ARCOS_BIN
cd "$ARCOS_TMP" || fail "no scratch directory $ARCOS_TMP"

# submit ARGS...: sbatch from the test's scratch directory; prints the job id.
submit() {
  local id
  id=$(sbatch --parsable --chdir="$ARCOS_TMP" "$@") || fail "sbatch $* failed"
  echo "${id%%;*}"
}

# job_field ID FIELD: one field of `scontrol show job` (first line for arrays).
job_field() {
  scontrol show job -o "$1" 2>/dev/null | head -1 | grep -oE "(^| )$2=[^ ]*" | head -1 | cut -d= -f2-
}

# wait_done ID [SECONDS]: poll until the job (every task of an array) has ended;
# prints "STATE EXITCODE" per job or task. Fails after SECONDS (default 120).
wait_done() {
  local id=$1 limit=${2:-120} t0=$SECONDS lines pending
  while :; do
    lines=$(scontrol show job -o "$id" 2>/dev/null || true)
    [ -n "$lines" ] || fail "job $id is unknown to slurmctld"
    pending=$(grep -cE 'JobState=(PENDING|RUNNING|CONFIGURING|COMPLETING|REQUEUED|SUSPENDED|RESIZING)( |$)' <<<"$lines" || true)
    if [ "$pending" -eq 0 ]; then
      sed -E 's/.* JobState=([A-Z_]+) .* ExitCode=([0-9:]+) .*/\1 \2/' <<<"$lines"
      return 0
    fi
    if [ $((SECONDS - t0)) -ge "$limit" ]; then
      echo "$lines" >&2
      fail "job $id not finished after $limit s"
    fi
    sleep 0.2
  done
}

# show_log FILE: the batch log, indented, for the test output.
show_log() {
  echo "--- $1"
  sed 's/^/    /' "$1" 2>/dev/null || echo "    (no log)"
}
