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

# --quiet: no summary, same files
mpi 1 "$ARCOS_BIN" run --config "$S/job.json" --output "$ARCOS_TMP/quiet" --quiet "$S/evidence" >"$ARCOS_TMP/q.out"
[ ! -s "$ARCOS_TMP/q.out" ] || fail "--quiet printed: $(head -3 "$ARCOS_TMP/q.out")"
[ -s "$ARCOS_TMP/quiet/metrics.prom" ] && [ -s "$ARCOS_TMP/quiet/report.html" ] || fail "--quiet run lacks outputs"
promtool check metrics <"$ARCOS_TMP/quiet/metrics.prom" || fail "promtool on the 1-rank file"
echo "ops outputs: ok"
