#!/usr/bin/env bash
# Taking cache nodes out of service: with R = 2 (and 3) no entry is lost and R copies
# are restored; with R = 1 the lost entries are counted and named.
source "$(dirname "$0")/lib.sh"
prog=$ARCOS_TESTS_BIN/cache_mpi
[ -x "$prog" ] || fail "missing $prog"
for np in 2 4; do
  for r in 1 2 3; do
    mpi "$np" "$prog" failover "$r" > "$ARCOS_TMP/failover.$np.$r.out" ||
      fail "failover R=$r at $np ranks"
    cat "$ARCOS_TMP/failover.$np.$r.out"
  done
done
grep -q "R=2 after node 1 and node 0: lost 0 " "$ARCOS_TMP/failover.4.2.out" || fail "R=2 lost entries"
grep -Eq "R=1 after node 1: lost [1-9]" "$ARCOS_TMP/failover.4.1.out" || fail "R=1 lost nothing"
echo "PASS"
