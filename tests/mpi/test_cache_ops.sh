#!/usr/bin/env bash
# Batched cache operations (get, set with TTL, set_if_absent, delete, memory bound)
# at 2 and 3 ranks, and the checksum memo at 2 ranks.
source "$(dirname "$0")/lib.sh"
prog=$ARCOS_TESTS_BIN/cache_mpi
[ -x "$prog" ] || fail "missing $prog"
for np in 2 3; do
  mpi "$np" "$prog" ops > "$ARCOS_TMP/ops.$np.out" || fail "cache ops at $np ranks"
  cat "$ARCOS_TMP/ops.$np.out"
done
mpi 2 "$prog" memo > "$ARCOS_TMP/memo.out" || fail "cache memo"
cat "$ARCOS_TMP/memo.out"
echo "PASS"
