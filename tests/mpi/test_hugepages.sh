# Huge pages for malloc (docs/performance.md, "Huge pages for malloc"): where the kernel
# gives transparent huge pages on request, `run` re-executes itself with glibc's
# hugetlb tunable and its records land in 2 MiB pages; ARCOS_HUGEPAGES=0 or a
# GLIBC_TUNABLES of the user's own turns that off. The results are the same either way.
source "$(dirname "$0")/lib.sh"
"$ARCOS_BIN" generate --out "$ARCOS_TMP/data" --records 200000 --seed 7 >/dev/null
in=$ARCOS_TMP/data/evidence.jsonl
OPTS="--quiet --jsonl --reference-time=2026-11-01T00:00:00Z" # freshness must not follow the clock
huge() { json_get "$ARCOS_TMP/$1/report.json" '.ranks[0].huge_pages_mb'; }
mpi 1 "$ARCOS_BIN" run "$in" --output "$ARCOS_TMP/on" $OPTS
ARCOS_HUGEPAGES=0 mpi 1 "$ARCOS_BIN" run "$in" --output "$ARCOS_TMP/off" $OPTS
GLIBC_TUNABLES=glibc.malloc.hugetlb=0 mpi 1 "$ARCOS_BIN" run "$in" --output "$ARCOS_TMP/user" $OPTS
# The re-exec happens on every rank under mpirun: 3 ranks give the 1-rank answer.
mpi 3 "$ARCOS_BIN" run "$in" --output "$ARCOS_TMP/np3" $OPTS
assert_eq "$(json_get "$ARCOS_TMP/np3/report.json" .records.conserved)" true "conservation at 3 ranks"
assert_eq "$(json_get "$ARCOS_TMP/np3/report.json" '[.ranks[].huge_pages_mb | numbers] | length')" 3 \
  "huge_pages_mb of every rank"
for f in results.jsonl dlq.jsonl duplicates.jsonl; do
  assert_same_file "$ARCOS_TMP/on/$f" "$ARCOS_TMP/np3/$f" "$f at 1 and 3 ranks with huge pages"
  assert_same_file "$ARCOS_TMP/on/$f" "$ARCOS_TMP/off/$f" "$f with and without huge pages"
  assert_same_file "$ARCOS_TMP/on/$f" "$ARCOS_TMP/user/$f" "$f under the user's GLIBC_TUNABLES"
done
if grep -q '\[madvise\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null; then
  jq -e '.ranks[0].huge_pages_mb >= 2' "$ARCOS_TMP/on/report.json" >/dev/null ||
    fail "run mapped $(huge on) MiB in huge pages; expected at least one 2 MiB page"
  jq -e '[.ranks[].huge_pages_mb] | add >= 2' "$ARCOS_TMP/np3/report.json" >/dev/null ||
    fail "3 ranks mapped no 2 MiB page"
  assert_eq "$(huge off)" 0 "huge pages with ARCOS_HUGEPAGES=0"
  assert_eq "$(huge user)" 0 "huge pages under GLIBC_TUNABLES=glibc.malloc.hugetlb=0"
else
  echo "note: transparent huge pages are not in madvise mode here; only the results were compared"
fi
echo "hugepages: on $(huge on) MiB, off $(huge off) MiB: ok"
