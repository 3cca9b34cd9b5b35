# The shipped sample shows every kind of result, identically at 1 and 2 ranks.
source "$(dirname "$0")/lib.sh"
S=$ARCOS_SRC/inputs/sample
for np in 1 2; do
  mpi $np "$ARCOS_BIN" run --config "$S/job.json" --output "$ARCOS_TMP/out$np" --quiet "$S/evidence"
done
r=$ARCOS_TMP/out2/report.json
assert_eq "$(json_get "$r" .records.conserved)" true "conservation"
for q in .records.stored .records.duplicates .records.dead_lettered .alerts.critical .alerts.high .alerts.medium; do
  [ "$(json_get "$r" "$q")" -gt 0 ] || fail "sample shows no $q"
done
assert_same_file "$ARCOS_TMP/out1/results.jsonl" "$ARCOS_TMP/out2/results.jsonl" "sample results 1 vs 2 ranks"
assert_eq "$(json_get "$r" '.ranks | length')" 2 "one metrics row per rank"
# upstream.jsonl: the built-in scoring rules give non-neutral signals (README "Signals").
assert_eq "$(jq -r 'select(.id | startswith("civ-")) | .components.signal' "$ARCOS_TMP/out2/results.jsonl" | tr '\n' ' ')" \
  "10 10 5 0 10 5 5 5 10 0 10 5 " "signals of the upstream-shaped records"
assert_eq "$(json_get "$r" .records.input)" 3012 "sample input"
assert_eq "$(json_get "$r" .records.stored)" 2979 "sample stored"
jq -e '.processing_metrics.parallel_efficiency > 0 and .processing_metrics.parallel_efficiency <= 1
       and .processing_metrics.load_balance > 0 and (.ranks | all(.busy_s > 0 and .rss_mb > 0 and .cpu_s > 0))' \
  "$r" >/dev/null || fail "metrics are not measured values"
echo "sample: ok"
