# jobs/bench.sh at a small size (ctest -L bench; not in the default run): the table and
# bench.json have every row of issues #8 and #14 with its figures, --markdown prints them all and
# --plot-only renders both charts. No timing thresholds: only that each figure was measured.
source "$(dirname "$0")/../mpi/lib.sh"
out=$ARCOS_TMP/bench.txt
RECORDS=3000 FORMAT_RECORDS=3000 RANKS="1 2 3" ARCHIVE_RANKS="1 2" STREAM_RANKS=2 SCALE=8 GRAPH_RANKS="1 2" STARTS=2 \
  GROWTH="2000 12000" MEM_LIMIT_MB=24 BENCH_DIR=$ARCOS_TMP/b ARCOS_BIN_DIR=$(dirname "$ARCOS_BIN") \
  bash "$ARCOS_SRC/jobs/bench.sh" >"$out" 2>&1 || { cat "$out" >&2; fail "jobs/bench.sh failed"; }
cat "$out"
j=$ARCOS_TMP/b/bench.json
[ -s "$j" ] || fail "no bench.json"
ids=$(jq -r '[.rows[].id] | join(" ")' "$j")
assert_eq "$ids" "floor floor.simdjson peer.python.1 peer.python.2 formats run.1 run.2 run.3 archive.1 archive.2 gz.1 gz.2 stream.stdin.1 stream.pipe.2 graph.1 graph.2 rss.free rss.bounded" "rows of bench.json"
# Every row's measured figures are positive numbers (null or 0 would mean not measured).
check() { # JQ-FILTER-OVER-A-ROW WHAT
  jq -se ".[0].rows | all($1)" "$j" >/dev/null || fail "$2: $(jq -c ".rows[] | select(($1) | not)" "$j")"
}
pos='(type == "number" and . > 0)'
check "if .group == \"graph\" or .group == \"memory\" or .group == \"formats\" then true else (.records_per_s | $pos) end" "records/s"
check "if .group == \"floor\" or .group == \"peer\" or .group == \"formats\" then true else (.max_rss_mb_per_rank | $pos) end" "peak RSS per rank"
check "if .group == \"formats\" then (.ns_per_record | length == 5 and all(.[]; $pos)) and (.bytes_per_record | length == 3 and all(.[]; $pos)) else true end" "formatter row"
check "if .group == \"scaling\" then (.speedup | $pos) and (.efficiency | $pos) and (.ratio_to_floor | $pos) else true end" "speed-up, efficiency"
check "if .group == \"archive\" then (.ratio_to_jsonl | $pos) and (.records_per_s_per_rank | $pos) and .same_results == true else true end" "archive rows"
check "if .group == \"gz\" then (.efficiency | $pos) and ((.busy_s_per_rank | length) == .ranks) and (.same_results // true) == true else true end" "one .jsonl.gz rows"
check "if .group == \"stream\" then (.ratio_to_file | $pos) else true end" "streaming rows"
check "if .group == \"graph\" then (.load_s | type == \"number\") and (.mteps | $pos) else true end" "graph rows"
check "if .group == \"memory\" then (.bytes_per_unique_id | type == \"number\") and (.rss_mb_large | $pos) else true end" "memory rows"
check "if .id == \"rss.free\" then (.seen_set_bytes_per_unique_id | type == \"number\" and . >= 0) else true end" "seen-set bytes (0 at 1 rank: the seen-set sends nothing there)"
check "if .id == \"rss.bounded\" then .spill == true and .max_memory_mb == 24 else true end" "bounded row"
check "(.conserved // true) == true" "conservation"
# The table: one line per row, in order, between the load averages.
jq -r '.rows[].what' "$j" >"$ARCOS_TMP/what.txt"
n=0
while IFS= read -r w; do
  grep -cF -- "$w" "$out" >/dev/null || fail "table has no line for '$w'"
  n=$((n + 1))
done <"$ARCOS_TMP/what.txt"
assert_eq "$n" 18 "rows in the table"
grep -c '^load average at end' "$out" >/dev/null || fail "no closing load average"
# The Markdown table of docs/performance.md from the JSON: a header and one line per row.
BENCH_DIR=$ARCOS_TMP/b bash "$ARCOS_SRC/jobs/bench.sh" --markdown >"$ARCOS_TMP/table.md"
assert_eq "$(grep -c '^| ' "$ARCOS_TMP/table.md")" 19 "lines of the Markdown table (header and 18 rows)"
# Charts from the JSON (gnuplot-nox; skipped with a note when it is not installed).
if command -v gnuplot >/dev/null; then
  BENCH_DIR=$ARCOS_TMP/b PLOT_DIR=$ARCOS_TMP/img bash "$ARCOS_SRC/jobs/bench.sh" --plot-only
  for c in bench-scaling bench-throughput; do
    grep -c '</svg>' "$ARCOS_TMP/img/$c.svg" >/dev/null || fail "$c.svg not rendered"
  done
  grep -c 'HDF5 archive, 2 rank' "$ARCOS_TMP/img/bench-throughput.svg" >/dev/null || fail "throughput chart lacks a row"
else
  echo "note: gnuplot not installed, --plot not checked"
fi
# The interleaved ratios on the same file and archive: two rounds, every figure measured
# (positive), the medians consistent with the rounds.
ROUNDS=2 BENCH_DIR=$ARCOS_TMP/b bash "$ARCOS_SRC/jobs/bench_ratios.sh" >"$ARCOS_TMP/ratios.txt"
r=$ARCOS_TMP/b/ratios/ratios.json
assert_eq "$(json_get "$r" .rounds)" 2 "rounds of bench_ratios"
jq -e '.median | [.floor_simdjson, .peer_python_1, .run_1, .archive_1, .run_over_floor,
  .run_over_peer, .archive_over_floor] | all(. > 0)' "$r" >/dev/null || fail "a ratio was not measured"
jq -e '(.median.run_over_floor >= .range.run_over_floor[0]) and
  (.median.run_over_floor <= .range.run_over_floor[1])' "$r" >/dev/null || fail "median outside the rounds"
echo "bench suite: all 18 rows measured, ratios interleaved"
