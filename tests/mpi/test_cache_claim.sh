#!/usr/bin/env bash
# The exactly-once seen-set (src/dist/seen.h) gives the reference answers (smallest
# position of each id, computed from every rank's items gathered) for one round and
# for rounds of several sizes, several node counts and a cache node taken out of
# service between rounds, counts its lookups on the cache (hits = duplicates), and
# gives the same answers at 1 to 4 ranks (digest).
source "$(dirname "$0")/lib.sh"
prog=$ARCOS_TESTS_BIN/cache_mpi
[ -x "$prog" ] || fail "missing $prog"
for np in 1 2 3 4; do
  mpi "$np" "$prog" claim > "$ARCOS_TMP/claim.$np.out" || fail "claim at $np ranks"
  cat "$ARCOS_TMP/claim.$np.out"
  grep '^digest' "$ARCOS_TMP/claim.$np.out" > "$ARCOS_TMP/digest.$np"
done
for np in 2 3 4; do
  assert_same_file "$ARCOS_TMP/digest.$np" "$ARCOS_TMP/digest.1" "claim digest at $np ranks"
done
echo "PASS"
