#!/usr/bin/env bash
# The exactly-once seen-set on the cache gives the answers of arcos_exactly_once for
# any batch order, batch count, replication and node failure, and the same answers at
# 1 to 4 ranks (digest); arcos_exactly_once_cache (rounds, a cache node failing
# mid-run) marks the same items as arcos_exactly_once.
source "$(dirname "$0")/lib.sh"
prog=$ARCOS_TESTS_BIN/cache_mpi
[ -x "$prog" ] || fail "missing $prog"
for np in 1 2 3 4; do
  mpi "$np" "$prog" claim > "$ARCOS_TMP/claim.$np.out" || fail "claim at $np ranks"
  cat "$ARCOS_TMP/claim.$np.out"
  grep '^digest' "$ARCOS_TMP/claim.$np.out" > "$ARCOS_TMP/digest.$np"
done
for np in 2 4; do
  mpi "$np" "$prog" eo > "$ARCOS_TMP/eo.$np.out" || fail "exactly_once_cache at $np ranks"
  cat "$ARCOS_TMP/eo.$np.out"
done
for np in 2 3 4; do
  assert_same_file "$ARCOS_TMP/digest.$np" "$ARCOS_TMP/digest.1" "claim digest at $np ranks"
done
echo "PASS"
