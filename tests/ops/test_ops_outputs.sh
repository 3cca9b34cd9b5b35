# A real run writes metrics.prom that promtool accepts, report.html, the
# recommendations and the extended summary; nothing is left under a temporary name.
source "$(dirname "$0")/../mpi/lib.sh"
source "$(dirname "$0")/lib.sh"
S=$ARCOS_SRC/inputs/sample
O=$ARCOS_TMP/out
mpi 2 "$ARCOS_BIN" run --config "$S/job.json" --output "$O" "$S/evidence" >"$ARCOS_TMP/stdout"
cat "$ARCOS_TMP/stdout"
for f in report.json report.html metrics.prom results.h5 dlq.jsonl; do
  [ -s "$O/$f" ] || fail "$f missing"
done
[ -z "$(find "$O" -name '*.tmp*')" ] || fail "temporary files left: $(find "$O" -name '*.tmp*')"

# summary: slowest rank, advice, where the outputs are
grep -q '^  slowest   rank [01] on ' "$ARCOS_TMP/stdout" || fail "summary lacks the slowest rank"
grep -q '^  advice    ' "$ARCOS_TMP/stdout" || fail "summary lacks the advice line"
grep -q "^  outputs   $O/ (report.json, report.html, metrics.prom, results.h5" "$ARCOS_TMP/stdout" ||
  fail "summary lacks the outputs"

# recommendations: both keys are arrays, advice matches them, each names a rule we know
r=$O/report.json
jq -e '(.scalability_recommendations | type) == "array" and (.optimization_recommendations | type) == "array"
       and ((.advice | length) == (.scalability_recommendations | length) + (.optimization_recommendations | length))
       and (.processing_metrics.resource_utilization.memory_limit_mb > 0)' "$r" >/dev/null ||
  fail "recommendation keys malformed"

# metrics.prom agrees with report.json
p=$O/metrics.prom
val() { awk -v k="$1" '$1 == k {print $2}' "$p"; }
assert_eq "$(val 'arcos_records_input_total')" "$(json_get "$r" .records.input)" "input records"
assert_eq "$(val 'arcos_records_total{outcome="stored"}')" "$(json_get "$r" .records.stored)" "stored"
assert_eq "$(val 'arcos_alerts_total{severity="critical"}')" "$(json_get "$r" .alerts.critical)" "critical alerts"
assert_eq "$(grep -c '^arcos_rank_busy_seconds_total{rank="[01]",host="' "$p")" 2 "per-rank busy series"
assert_eq "$(grep -c '^# TYPE arcos_' "$p")" "$(grep -c '^# HELP arcos_' "$p")" "HELP per TYPE"

# promtool (Debian package prometheus) must accept it without lint complaints
if ! command -v promtool >/dev/null 2>&1; then
  ensure_packages prometheus || skip_or_fail "promtool is not installed and cannot be installed (apt-get install prometheus)"
fi
out=$(promtool check metrics <"$p" 2>&1) || fail "promtool check metrics failed: $out"
[ -z "$out" ] || fail "promtool check metrics complained: $out"

# --graph: the query job's recommendations follow the advisor's (which leaves the graph
# rules to it), and report.html shows every query's plan from queries.jsonl.
G=$ARCOS_TMP/graph
mpi 2 "$ARCOS_BIN" run --config "$S/job.json" --graph "$S/graph" --queries "$S/queries.json" \
  --output "$G" --quiet "$S/evidence"
jq -e '([.advice[] | select(.rule == "graph") | .text] | length) > 0
       and ([.advice[] | select(.rule == "graph") | .text] - .optimization_recommendations | length) == 0
       and ([.advice[] | select(.rule == "slow_query" or .rule == "dense_graph" or .rule == "large_graph")] | length) == 0' \
  "$G/report.json" >/dev/null || fail "graph recommendations not merged: $(jq -c .advice "$G/report.json")"
nq=$(wc -l <"$G/queries.jsonl")
assert_eq "$(grep -c '^<tr><td>[^<]' "$G/report.html")" "$nq" "query plan rows in report.html"
for id in $(jq -r .id "$G/queries.jsonl"); do
  grep -q "^<tr><td>$id</td>" "$G/report.html" || fail "query $id has no plan row"
done
grep -q "planner's reason" "$G/report.html" || fail "no plan table"
promtool check metrics <"$G/metrics.prom" || fail "promtool on the --graph run"
grep -q '^arcos_query_duration_seconds{query=' "$G/metrics.prom" || fail "no per-query metrics"

# --quiet: no summary, same files
mpi 1 "$ARCOS_BIN" run --config "$S/job.json" --output "$ARCOS_TMP/quiet" --quiet "$S/evidence" >"$ARCOS_TMP/q.out"
[ ! -s "$ARCOS_TMP/q.out" ] || fail "--quiet printed: $(head -3 "$ARCOS_TMP/q.out")"
[ -s "$ARCOS_TMP/quiet/metrics.prom" ] && [ -s "$ARCOS_TMP/quiet/report.html" ] || fail "--quiet run lacks outputs"
promtool check metrics <"$ARCOS_TMP/quiet/metrics.prom" || fail "promtool on the 1-rank file"
echo "ops outputs: ok"
