# run --graph --queries: queries after the pipeline with this run's scores. The scores
# in queries.jsonl are those of results.jsonl (null for nodes that are no stored
# evidence); every output but the timings is byte-identical at 1, 2, 3 and 4 ranks;
# report.json has queries[] and optimization_recommendations; graph error records go
# to graph_errors.jsonl without touching dlq.jsonl or the evidence conservation; a bad
# queries file stops the run before any work.
source "$(dirname "$0")/lib.sh"
S="$ARCOS_SRC/inputs/sample"
args=(--graph "$S/graph" --queries "$S/queries.json" --jsonl --quiet --reference-time 2026-11-01T00:00:00Z)
# SPEC §6: every output but the timings is byte-identical for any rank count:
# queries.jsonl less performance_metrics (plan counts included, #13 d), the JSON Lines
# files, and every dataset of results.h5 but /ranks, without the attributes (timings).
h5_tables() {
  h5ls -r "$1" | awk '$2 == "Dataset" { print $1 }' | grep -v '^/ranks' | sort | while read -r ds; do
    echo "== $ds"
    h5dump -A 0 -d "$ds" "$1" | tail -n +2
  done
}
for np in 1 2 3 4; do
  O="$ARCOS_TMP/np$np"
  mpi "$np" "$ARCOS_BIN" run "$S/evidence" "${args[@]}" --output "$O" 2>/dev/null
  sed -E 's/,"performance_metrics":\{[^}]*\}\}$/}/' "$O/queries.jsonl" >"$ARCOS_TMP/q$np.txt"
  grep -q performance_metrics "$ARCOS_TMP/q$np.txt" && fail "performance_metrics not stripped"
  h5_tables "$O/results.h5" >"$ARCOS_TMP/h5-$np.txt"
  assert_same_file "$ARCOS_TMP/q1.txt" "$ARCOS_TMP/q$np.txt" "queries.jsonl at 1 vs $np ranks"
  assert_same_file "$ARCOS_TMP/h5-1.txt" "$ARCOS_TMP/h5-$np.txt" "results.h5 datasets at 1 vs $np ranks"
  for f in results.jsonl dlq.jsonl duplicates.jsonl graph_errors.jsonl; do
    assert_same_file "$ARCOS_TMP/np1/$f" "$O/$f" "$f at 1 vs $np ranks"
  done
done
grep -q '^== /queries/evidence-under-goal-0/' "$ARCOS_TMP/h5-1.txt" || fail "steps query in results.h5"
jq -se 'map(select(.id == "evidence-under-goal-0"))[0] | (.rows | length) == (.nodes | length)
       and (.plan.steps | length) == 2' "$O/queries.jsonl" >/dev/null || fail "steps query rows and plan"
# Join check: every score in queries.jsonl is the node's score in results.jsonl.
jq -r '.scores // {} | to_entries[] | "\(.key) \(.value)"' "$O/queries.jsonl" | sort -u >"$ARCOS_TMP/qs.txt"
[ "$(grep -vc ' null$' "$ARCOS_TMP/qs.txt")" -gt 5 ] || fail "too few scored nodes to check the join"
jq -r '"\(.id) \(.score)"' "$O/results.jsonl" | sort -u >"$ARCOS_TMP/rs.txt"
while read -r id score; do
  want=$(awk -v id="$id" '$1 == id { print $2; exit }' "$ARCOS_TMP/rs.txt")
  assert_eq "$score" "${want:-null}" "score of $id"
done <"$ARCOS_TMP/qs.txt"
# score_min / score_mean are over the whole result, before limit (SPEC §7): the same
# queries without limit list every node, and there they are the min and mean of the
# listed scores; with limit they must not change.
jq 'map(del(.limit))' "$S/queries.json" >"$ARCOS_TMP/nolimit.json"
mpi 2 "$ARCOS_BIN" run "$S/evidence" --graph "$S/graph" --queries "$ARCOS_TMP/nolimit.json" --quiet \
  --reference-time 2026-11-01T00:00:00Z --output "$ARCOS_TMP/nolimit" 2>/dev/null
N="$ARCOS_TMP/nolimit/queries.jsonl"
jq -e 'select(.scores != null) | [.scores[] | select(. != null)] as $s |
       if ($s | length) == 0 then .score_min == null and .score_mean == null
       else .score_min == ($s | min) and ((.score_mean - (($s | add) / ($s | length))) | fabs) < 1e-9 end' \
  "$N" | grep -qv true && fail "score_min/score_mean"
jq -c 'select(.scores != null) | {id, score_min, score_mean}' "$N" >"$ARCOS_TMP/stats-nolimit.txt"
jq -c 'select(.scores != null) | {id, score_min, score_mean}' "$O/queries.jsonl" >"$ARCOS_TMP/stats-limit.txt"
assert_same_file "$ARCOS_TMP/stats-nolimit.txt" "$ARCOS_TMP/stats-limit.txt" "score_min/score_mean before limit"
jq -se 'map(select(.id == "security-scans"))[0] | .truncated and .score_min != null' "$O/queries.jsonl" >/dev/null ||
  fail "a truncated query with scores is checked"
jq -e '(.queries | length) == 7 and (.queries[0] | has("performance_metrics")) and
       (.optimization_recommendations | length) >= 1 and .records.conserved' "$O/report.json" >/dev/null ||
  fail "report.json queries / optimization_recommendations"
# Graph error records go to graph_errors.jsonl (SPEC §6, §7), not dlq.jsonl, whose
# line count stays records.dead_lettered; the file is there, empty, without errors.
B="$ARCOS_TMP/badgraph"
mkdir -p "$B"
cp "$S/graph/nodes.jsonl" "$S/graph/relationships.jsonl" "$B/"
echo '{"id":"x1","type":"SUPPORTS","source_id":"goal-0","target_id":"nowhere"}' >>"$B/relationships.jsonl"
echo '{"id":"goal-0","label":"Goal","properties":{}}' >>"$B/nodes.jsonl"
for np in 1 2 3 4; do
  mpi "$np" "$ARCOS_BIN" run "$S/evidence" --graph "$B" --queries "$S/queries.json" --quiet \
    --reference-time 2026-11-01T00:00:00Z --output "$ARCOS_TMP/bad$np" 2>/dev/null
  D="$ARCOS_TMP/bad$np"
  assert_eq "$(wc -l <"$D/dlq.jsonl")" "$(jq -r .records.dead_lettered "$D/report.json")" \
    "dlq.jsonl lines = dead_lettered at $np ranks"
  assert_eq "$(wc -l <"$D/graph_errors.jsonl")" 2 "graph error records at $np ranks"
  assert_eq "$(jq -r .kind "$D/graph_errors.jsonl" | sort | tr '\n' ' ')" \
    "dangling_relationship duplicate_node " "graph error kinds at $np ranks"
  ls -a "$D" | grep -q '\.tmp' && fail "temporary file left in $D"
  assert_same_file "$ARCOS_TMP/bad1/graph_errors.jsonl" "$D/graph_errors.jsonl" "graph_errors.jsonl 1 vs $np ranks"
done
assert_same_file "$ARCOS_TMP/np1/dlq.jsonl" "$ARCOS_TMP/bad1/dlq.jsonl" "dlq.jsonl untouched by graph errors"
[ -f "$O/graph_errors.jsonl" ] && [ ! -s "$O/graph_errors.jsonl" ] || fail "empty graph_errors.jsonl with --graph"
assert_eq "$(jq -r .records.conserved "$ARCOS_TMP/bad2/report.json")" true "conservation"
# SPEC §6: results.h5 holds /queries/<query id> with the same ids and counts.
for id in $(jq -r .id "$O/queries.jsonl"); do
  want=$(jq -r --arg id "$id" 'select(.id == $id) | .nodes | join(" ")' "$O/queries.jsonl")
  h5dump -d "/queries/$id/nodes_chars" -b -o "$ARCOS_TMP/chars.bin" "$O/results.h5" >/dev/null ||
    fail "/queries/$id missing from results.h5"
  h5dump -a "/queries/$id/count" "$O/results.h5" >"$ARCOS_TMP/count.txt"
  grep -c "(0): $(jq -r --arg id "$id" 'select(.id == $id) | .count' "$O/queries.jsonl")\$" \
    "$ARCOS_TMP/count.txt" >/dev/null || fail "/queries/$id count"
  [ "$(tr -d '\n' <"$ARCOS_TMP/chars.bin")" == "$(tr -d ' ' <<<"$want")" ] || fail "/queries/$id nodes"
done
# Usage errors come before any work.
rc=0
mpi 1 "$ARCOS_BIN" run "$S/evidence" --graph "$S/graph" --output "$ARCOS_TMP/u1" 2>"$ARCOS_TMP/err" || rc=$?
assert_eq "$rc" 2 "--graph without --queries"
echo '[{"id": 1}]' >"$ARCOS_TMP/badq.json"
rc=0
mpi 2 "$ARCOS_BIN" run "$S/evidence" --graph "$S/graph" --queries "$ARCOS_TMP/badq.json" \
  --output "$ARCOS_TMP/u2" 2>"$ARCOS_TMP/err" || rc=$?
assert_eq "$rc" 2 "bad queries file"
grep -q 'badq.json.*"id"' "$ARCOS_TMP/err" || fail "message names the file and field: $(cat "$ARCOS_TMP/err")"
[ ! -e "$ARCOS_TMP/u2" ] || fail "output directory created despite a bad queries file"
echo "graph in run: ok"
