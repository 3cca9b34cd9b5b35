# Shared helpers for the shell-driven tests (sourced, not run).
# CTest passes ARCOS_BIN, the launcher (ARCOS_MPIEXEC, ARCOS_MPIEXEC_NUMPROC_FLAG,
# ARCOS_MPIEXEC_PREFLAGS, ARCOS_MPIEXEC_POSTFLAGS), ARCOS_SRC, ARCOS_BUILD, ARCOS_TMP,
# ARCOS_TESTS_BIN, the Open MPI settings of cmake/openmpi.env and TMPDIR (inside
# ARCOS_TMP, so that Open MPI's session directories are the test's own); see
# cmake/ArcosMPITest.cmake.
set -euo pipefail

: "${ARCOS_BIN:?run through ctest}"
: "${ARCOS_TMP:?run through ctest}"
MPIEXEC=${ARCOS_MPIEXEC:-mpirun}
MPIEXEC_NUMPROC_FLAG=${ARCOS_MPIEXEC_NUMPROC_FLAG:--n}
read -r -a MPIEXEC_PREFLAGS <<<"${ARCOS_MPIEXEC_PREFLAGS:-}"
read -r -a MPIEXEC_POSTFLAGS <<<"${ARCOS_MPIEXEC_POSTFLAGS:-}"

rm -rf "$ARCOS_TMP"
mkdir -p "$ARCOS_TMP"
export TMPDIR=${TMPDIR:-$ARCOS_TMP/.tmp}
mkdir -p "$TMPDIR"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# mpi NP CMD...: run CMD on NP ranks through the launcher CMake found (its preflags
# oversubscribe when NP exceeds the cores).
mpi() {
  local np=$1
  shift
  "$MPIEXEC" "$MPIEXEC_NUMPROC_FLAG" "$np" "${MPIEXEC_PREFLAGS[@]}" "$1" "${MPIEXEC_POSTFLAGS[@]}" "${@:2}"
}

# own_session_dir NAME: a session directory of its own for the mpiruns of this shell
# (call it in a subshell). Two mpiruns started at once with one TMPDIR race to create
# the same ompi.<host>.<uid> directory, and the loser fails with "File exists".
own_session_dir() {
  export TMPDIR=$ARCOS_TMP/.tmp-$1
  export OMPI_MCA_orte_tmpdir_base=$TMPDIR
  mkdir -p "$TMPDIR"
}

# mpi_launcher NP: the launcher's words for NP ranks in the array MPI_LAUNCH, for
# commands that must run it as a program (under `timeout`, in the background).
mpi_launcher() {
  MPI_LAUNCH=("$MPIEXEC" "$MPIEXEC_NUMPROC_FLAG" "$1" "${MPIEXEC_PREFLAGS[@]}")
}

# json_get FILE JQ-FILTER: one value from a JSON file.
json_get() {
  jq -r "$2" "$1"
}

# assert_eq ACTUAL EXPECTED WHAT
assert_eq() {
  [ "$1" == "$2" ] || fail "$3: got '$1', expected '$2'"
}

# assert_same_file A B WHAT: byte-identical files.
assert_same_file() {
  cmp -s "$1" "$2" || { diff <(head -c 4000 "$1") <(head -c 4000 "$2") | head -20 >&2; fail "$3: $1 and $2 differ"; }
}
