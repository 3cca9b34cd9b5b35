# arcos-scale query end to end: the generated assurance graph and the sample queries
# give the same results (ids, counts, scores) at 1, 2 and 3 ranks and under every
# forced strategy; --explain prints plans; bad inputs end in graph_errors.jsonl records or a
# clear message with the SPEC §9 exit code.
source "$(dirname "$0")/lib.sh"
expect_exit() { # CODE MESSAGE-REGEX CMD...
  local want=$1 re=$2 rc=0
  shift 2
  "$@" >"$ARCOS_TMP/stdout" 2>"$ARCOS_TMP/stderr" || rc=$?
  [ "$rc" -eq "$want" ] || { cat "$ARCOS_TMP/stderr" >&2; fail "exit $rc, expected $want: $*"; }
  grep -Eq "$re" "$ARCOS_TMP/stderr" "$ARCOS_TMP/stdout" || { cat "$ARCOS_TMP/stderr" >&2; fail "no message /$re/: $*"; }
}
G="$ARCOS_TMP/gen"
"$ARCOS_BIN" generate --out "$G" --records 500 --graph-nodes 600 --seed 9 2>/dev/null
Q="$ARCOS_SRC/inputs/sample/queries.json"
# The sample queries name claim/goal/subclaim ids that every assurance graph of this size has.
results() { # the parts of queries.jsonl that must not depend on ranks or strategy
  jq -c '{id, count, truncated, nodes, scores, score_min, score_mean}' "$1"
}
for np in 1 2 3; do
  mpi "$np" "$ARCOS_BIN" query --graph "$G/graph" --queries "$Q" --output "$ARCOS_TMP/np$np" 2>/dev/null
  results "$ARCOS_TMP/np$np/queries.jsonl" >"$ARCOS_TMP/np$np.txt"
done
assert_same_file "$ARCOS_TMP/np1.txt" "$ARCOS_TMP/np2.txt" "queries at 1 vs 2 ranks"
assert_same_file "$ARCOS_TMP/np1.txt" "$ARCOS_TMP/np3.txt" "queries at 1 vs 3 ranks"
[ "$(wc -l <"$ARCOS_TMP/np1.txt")" -eq "$(jq length "$Q")" ] || fail "one line per query"
for s in index_scan full_scan auto; do
  jq --arg s "$s" 'map(.strategy = $s)' "$Q" >"$ARCOS_TMP/q-$s.json"
  mpi 2 "$ARCOS_BIN" query --graph "$G/graph" --queries "$ARCOS_TMP/q-$s.json" --output "$ARCOS_TMP/s-$s" 2>/dev/null
  results "$ARCOS_TMP/s-$s/queries.jsonl" >"$ARCOS_TMP/s-$s.txt"
  assert_same_file "$ARCOS_TMP/np1.txt" "$ARCOS_TMP/s-$s.txt" "strategy $s vs the planner's choice"
done
# Every line carries a plan and measured metrics; sorted ids; count before limit.
jq -e 'select((.plan.strategy | test("^(index|full)_scan$")) and (.plan.reason | length > 0)
        and .performance_metrics.memory_usage > 0 and (.nodes == (.nodes | sort))
        and (.count >= (.nodes | length))) | .id' "$ARCOS_TMP/np1/queries.jsonl" |
  wc -l | grep -qx "$(jq length "$Q")" || fail "plan, metrics, sorting or count missing"
jq -se 'map(select(.id == "goal-0-case"))[0] | (.count > 25) == .truncated and (.nodes | length) == ([.count, 25] | min)' \
  "$ARCOS_TMP/np1/queries.jsonl" >/dev/null || fail "limit and truncated"
# --explain prints each plan.
expect_exit 0 "chosen (index|full)_scan" mpi 2 "$ARCOS_BIN" query --graph "$G/graph" --queries "$Q" \
  --output "$ARCOS_TMP/explain" --explain
[ "$(grep -c '^query ' "$ARCOS_TMP/stdout")" -eq "$(jq length "$Q")" ] || fail "--explain: one plan per query"
# Bad graph input: error records in graph_errors.jsonl, results still written.
B="$ARCOS_TMP/bad"
mkdir -p "$B"
cp "$G/graph/nodes.jsonl" "$B/"
cp "$G/graph/relationships.jsonl" "$B/"
head -1 "$G/graph/nodes.jsonl" >>"$B/nodes.jsonl"                      # duplicate node
echo '{"id":"x1","type":"SUPPORTS","source_id":"goal-0","target_id":"nowhere"}' >>"$B/relationships.jsonl"
echo '{"id":"rel-0","type":"SUPPORTS","source_id":"goal-0","target_id":"goal-1"}' >>"$B/relationships.jsonl"
echo '{"id":"x2","type":"SUPPORTS","source_id":"goal-0"}' >>"$B/relationships.jsonl"
echo '{"id":"x3","type":"SUPPORTS","source_id":"goal-0","target_id":"goal-0"}' >>"$B/relationships.jsonl" # self-loop: fine
echo 'garbage' >>"$B/relationships.jsonl"
mpi 3 "$ARCOS_BIN" query --graph "$B" --queries "$Q" --output "$ARCOS_TMP/badout" 2>/dev/null
assert_eq "$(wc -l <"$ARCOS_TMP/badout/graph_errors.jsonl")" 5 "error records"
assert_eq "$(jq -r .kind "$ARCOS_TMP/badout/graph_errors.jsonl" | sort | tr '\n' ' ')" \
  "dangling_relationship duplicate_node duplicate_relationship invalid parse " "error kinds"
assert_eq "$(jq -r '.line' "$ARCOS_TMP/badout/graph_errors.jsonl" | head -1)" 601 "duplicate node line"
# Usage and file errors.
expect_exit 2 "required" mpi 1 "$ARCOS_BIN" query --graph "$G/graph"
expect_exit 2 "unknown option" mpi 1 "$ARCOS_BIN" query --graph "$G/graph" --queries "$Q" --colour
echo '[{"id": "q", "type": "walk"}]' >"$ARCOS_TMP/badq.json"
expect_exit 2 "traverse.*match" mpi 2 "$ARCOS_BIN" query --graph "$G/graph" --queries "$ARCOS_TMP/badq.json" --output "$ARCOS_TMP/o1"
echo '[{"id": "q",' >"$ARCOS_TMP/badq.json"
expect_exit 2 "not valid JSON" mpi 2 "$ARCOS_BIN" query --graph "$G/graph" --queries "$ARCOS_TMP/badq.json" --output "$ARCOS_TMP/o2"
expect_exit 1 "no graph found" mpi 2 "$ARCOS_BIN" query --graph "$ARCOS_TMP/none" --queries "$Q" --output "$ARCOS_TMP/o3"
expect_exit 1 "already exists.*--force" mpi 1 "$ARCOS_BIN" query --graph "$G/graph" --queries "$Q" --output "$ARCOS_TMP/np1"
expect_exit 0 "" mpi 1 "$ARCOS_BIN" query --graph "$G/graph" --queries "$Q" --output "$ARCOS_TMP/np1" --force
ls -A "$ARCOS_TMP/np1" | grep -q '\.tmp$' && fail "temporary files left behind"
# Generators: the evidence is byte-identical with and without --graph-nodes; the graph
# is deterministic; its stored evidence nodes are records of the evidence file.
"$ARCOS_BIN" generate --out "$ARCOS_TMP/gen-plain" --records 500 --seed 9 2>/dev/null
assert_same_file "$G/evidence.jsonl" "$ARCOS_TMP/gen-plain/evidence.jsonl" "evidence with --graph-nodes"
assert_same_file "$G/manifest.json" "$ARCOS_TMP/gen-plain/manifest.json" "manifest with --graph-nodes"
"$ARCOS_BIN" generate --out "$ARCOS_TMP/gen2" --records 500 --graph-nodes 600 --seed 9 2>/dev/null
for f in nodes.jsonl relationships.jsonl; do
  assert_same_file "$G/graph/$f" "$ARCOS_TMP/gen2/graph/$f" "graph $f twice"
done
jq -r 'select(.label == "Evidence" and .properties.stored) | .id' "$G/graph/nodes.jsonl" | sort >"$ARCOS_TMP/evn.txt"
jq -rR 'fromjson? | objects | .id | strings' "$G/evidence.jsonl" | sort -u >"$ARCOS_TMP/evr.txt"
[ -s "$ARCOS_TMP/evn.txt" ] || fail "no stored evidence nodes"
[ -z "$(comm -23 "$ARCOS_TMP/evn.txt" "$ARCOS_TMP/evr.txt")" ] || fail "evidence nodes that are no record"
for t in SUPPORTS REFUTES DERIVED_FROM IN_CONTEXT_OF; do
  grep -q "\"type\":\"$t\"" "$G/graph/relationships.jsonl" || fail "no $t relationship"
done
"$ARCOS_BIN" generate --out "$ARCOS_TMP/rmat" --graph-kind rmat --scale 6 --edge-factor 4 2>/dev/null
assert_eq "$(wc -l <"$ARCOS_TMP/rmat/graph/nodes.jsonl") $(wc -l <"$ARCOS_TMP/rmat/graph/relationships.jsonl")" \
  "64 256" "R-MAT scale 6, edge factor 4"
[ ! -e "$ARCOS_TMP/rmat/evidence.jsonl" ] || fail "rmat without --records wrote evidence"
mpi 2 "$ARCOS_BIN" query --graph "$ARCOS_TMP/rmat/graph" --queries "$Q" --output "$ARCOS_TMP/rmat-q" 2>/dev/null
expect_exit 2 "graph-kind" "$ARCOS_BIN" generate --out "$ARCOS_TMP/x" --graph-kind tree
expect_exit 0 "" "$ARCOS_BIN" query --help
grep -q -- "--explain" "$ARCOS_TMP/stdout" || fail "query --help"
echo "graph cli: ok"
