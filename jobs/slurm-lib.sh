# shellcheck shell=bash disable=SC2034  # the arrays are used by the scripts that source this
# Shared by the jobs/slurm-* scripts (sourced, not run). SLURM copies a batch script
# to its spool directory, so the scripts find the checkout through ARCOS_ROOT, which
# defaults to the directory sbatch was called from (SLURM_SUBMIT_DIR).
#
# Environment knobs (all optional):
#   ARCOS_ROOT         checkout with build/bin/arcos-scale (default: $SLURM_SUBMIT_DIR)
#   ARCOS_BIN          the arcos-scale binary (default: $ARCOS_ROOT/build/bin/arcos-scale,
#                      else arcos-scale on PATH)
#   ARCOS_INPUTS       inputs, separated by spaces (default: the shipped sample,
#                      inputs/sample/evidence, with inputs/sample/job.json)
#   ARCOS_CONFIG       job config file (--config); default none, or the sample's
#   ARCOS_OUTPUT       output directory (default: per script, named after the job id)
#   ARCOS_ARGS         further `run` options, split on spaces (e.g. "--jsonl --quiet")
#   ARCOS_SRUN_FLAGS   launcher options (default: --mpi=pmix; Debian's Open MPI has
#                      PMIx only: --mpi=pmi2 and --mpi=none fail)
#   ARCOS_MAX_WORKERS, ARCOS_BATCH_SIZE, ARCOS_CACHE_NODES
#                      read by arcos-scale itself (flag > environment > --config >
#                      default); srun passes the environment to every rank.

ARCOS_ROOT=${ARCOS_ROOT:-${SLURM_SUBMIT_DIR:-$(pwd)}}
if [ -z "${ARCOS_BIN:-}" ]; then
  ARCOS_BIN=$ARCOS_ROOT/build/bin/arcos-scale
  [ -x "$ARCOS_BIN" ] || ARCOS_BIN=$(command -v arcos-scale || echo "$ARCOS_BIN")
fi
read -r -a ARCOS_SRUN <<<"${ARCOS_SRUN_FLAGS:---mpi=pmix}"
read -r -a ARCOS_EXTRA <<<"${ARCOS_ARGS:-}"
if [ -n "${ARCOS_INPUTS:-}" ]; then
  read -r -a ARCOS_INPUT_LIST <<<"$ARCOS_INPUTS"
  ARCOS_CONFIG_ARGS=()
  [ -z "${ARCOS_CONFIG:-}" ] || ARCOS_CONFIG_ARGS=(--config "$ARCOS_CONFIG")
else
  ARCOS_INPUT_LIST=("$ARCOS_ROOT/inputs/sample/evidence")
  ARCOS_CONFIG_ARGS=(--config "${ARCOS_CONFIG:-$ARCOS_ROOT/inputs/sample/job.json}")
fi
# Open MPI refuses root unless told (containers, CI); no single-copy shared memory
# (fails in many containers): the settings of cmake/openmpi.env.
while IFS= read -r arcos_env_line; do
  case $arcos_env_line in '' | '#'*) continue ;; esac
  export "${arcos_env_line?}"
done <"$ARCOS_ROOT/cmake/openmpi.env"
# A lost node ends the job instead of hanging it: srun's steps end when slurmd stops
# answering (SlurmdTimeout); for mpirun inside the allocation, Open MPI's daemons give
# up on a silent host after about 30 s instead of 8 minutes (docs/operations.md,
# "Several nodes").
export OMPI_MCA_oob_tcp_keepalive_time=${OMPI_MCA_oob_tcp_keepalive_time:-15}
export OMPI_MCA_oob_tcp_keepalive_intvl=${OMPI_MCA_oob_tcp_keepalive_intvl:-5}
export OMPI_MCA_oob_tcp_keepalive_probes=${OMPI_MCA_oob_tcp_keepalive_probes:-3}

# Timestamped lines, as the batch log shows them.
arcos_log() {
  printf '%s arcos-job[%s]: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${SLURM_JOB_ID:-local}" "$*" >&2
}

arcos_check_bin() {
  [ -x "$ARCOS_BIN" ] || {
    arcos_log "no arcos-scale binary at $ARCOS_BIN: build first (jobs/setup.sh) or set ARCOS_BIN"
    exit 1
  }
}

# What an exit code of arcos-scale means (SPEC: 0, 1, 2, 3, 75).
arcos_explain_exit() {
  case $1 in
  0) arcos_log "done" ;;
  1) arcos_log "failed (exit 1): see the message above" ;;
  2) arcos_log "usage or configuration error (exit 2)" ;;
  3) arcos_log "--max-error-rate exceeded (exit 3): outputs written, see dlq.jsonl" ;;
  75) arcos_log "interrupted after a checkpoint (exit 75): rerun with --resume" ;;
  *) arcos_log "ended with exit code $1" ;;
  esac
}
