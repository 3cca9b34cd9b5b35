# Shared helpers for the shell-driven tests (sourced, not run).
# CTest passes ARCOS_BIN, ARCOS_MPIEXEC, ARCOS_SRC, ARCOS_BUILD, ARCOS_TMP,
# ARCOS_TESTS_BIN (see cmake/ArcosMPITest.cmake).
set -euo pipefail

: "${ARCOS_BIN:?run through ctest}"
: "${ARCOS_TMP:?run through ctest}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMPI_MCA_rmaps_base_oversubscribe=1
MPIEXEC=${ARCOS_MPIEXEC:-mpirun}

rm -rf "$ARCOS_TMP"
mkdir -p "$ARCOS_TMP"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# mpi NP CMD...: run CMD on NP ranks (oversubscribing when NP exceeds the cores).
mpi() {
  local np=$1
  shift
  "$MPIEXEC" -n "$np" --oversubscribe "$@"
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
