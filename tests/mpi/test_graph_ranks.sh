# Graph loading and every query shape under index_scan, full_scan and auto on random
# graphs (tree, dense, power-law, cycles with self-loops and parallel edges), compared
# with a brute-force reference, at 2, 3 and 4 ranks (1 rank is unit.test_graph), plus
# the bad-input corpus of test_graph.c: identical results whatever the rank count.
source "$(dirname "$0")/lib.sh"
exe="$ARCOS_TESTS_BIN/test_graph"
[ -x "$exe" ] || fail "missing $exe"
for np in 2 3 4; do
  mpi "$np" "$exe" 2 >"$ARCOS_TMP/np$np.log" 2>&1 || { tail -30 "$ARCOS_TMP/np$np.log" >&2; fail "test_graph at $np ranks"; }
  grep -q "test_graph: $np ranks" "$ARCOS_TMP/np$np.log" || fail "test_graph at $np ranks did not finish"
  echo "np=$np: $(grep -m1 'checks' "$ARCOS_TMP/np$np.log")"
done
