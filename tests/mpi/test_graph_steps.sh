# Multi-step traverse queries (SPEC §7, docs/graph.md "Steps"): every query's count,
# truncated, nodes and rows equal an independent brute-force reference computed by
# tests/mpi/graph_steps_ref.py from the JSON graph files, on the JSON form and on the
# HDF5 form of the same graph, at 1, 2, 3 and 4 ranks: a CIV-ARCOS store (goals,
# claims and evidence; SUPPORTS child -> parent, EVIDENCED_BY goal -> evidence) with
# SPEC's "evidence under goal G" query, and a random graph with 1-3 steps per query,
# min_depth, per-step label and property filters, directions in/out/both, forced
# strategies, limit with rows. queries.jsonl less performance_metrics is
# byte-identical for every rank count and both forms. --explain shows each step; bad
# steps are configuration errors (exit 2) naming the query and the key.
source "$(dirname "$0")/lib.sh"
T=$ARCOS_TMP
REF=$ARCOS_SRC/tests/mpi/graph_steps_ref.py
python3 "$REF" gen "$T"
strip_timing() { sed -E 's/,"performance_metrics":\{[^}]*\}\}$/}/' "$1"; }
for g in civ rnd; do
  mpi 1 "$ARCOS_BIN" convert "$T/$g" --out "$T/$g.h5" >/dev/null 2>&1 || fail "convert $g"
  for np in 1 2 3 4; do
    for form in json h5; do
      src=$T/$g
      [ "$form" == h5 ] && src=$T/$g.h5
      out=$T/out-$g-$form-$np
      mpi "$np" "$ARCOS_BIN" query --graph "$src" --queries "$T/q_$g.json" --output "$out" \
        2>"$T/err" || { cat "$T/err" >&2; fail "query $g $form at $np ranks"; }
      python3 "$REF" check "$T/$g" "$T/q_$g.json" "$out/queries.jsonl" >/dev/null ||
        fail "$g ($form form) at $np ranks differs from the reference"
      strip_timing "$out/queries.jsonl" >"$T/lines-$g-$form-$np"
      assert_same_file "$T/lines-$g-json-1" "$T/lines-$g-$form-$np" "queries.jsonl of $g, $form at $np ranks"
    done
  done
done
# The evidence under goal G is exactly the evidence attached to G's subtree (ids
# ev-G-*, one of which H's subtree shares), with label and properties in rows.
L=$(head -1 "$T/out-civ-h5-3/queries.jsonl")
want=$(jq -r '[.[] | select(.label == "Evidence" and (.id | startswith("ev-G-")))] | length' "$T/civ/nodes.json")
assert_eq "$(jq -r '.count' <<<"$L")" "$want" "evidence under G"
assert_eq "$(jq -r '[.nodes[] | select(startswith("ev-G-") | not)] | length' <<<"$L")" 0 "only G's evidence"
assert_eq "$(jq -r '[.rows[] | select(.label == "Evidence" and .properties.id == .id)] | length' <<<"$L")" "$want" "rows"
jq -e '.plan.steps | length == 2 and .[0].start_nodes == 1 and .[1].result_nodes > 0' <<<"$L" >/dev/null ||
  fail "plan.steps: $(jq -c .plan <<<"$L")"
# --explain prints each step with its plan.
mpi 2 "$ARCOS_BIN" query --graph "$T/civ" --queries "$T/q_civ.json" --output "$T/explain" --explain \
  >"$T/explain.txt" 2>/dev/null
grep -q '^query evidence-under-G: traverse from 1 start node(s) in 2 steps' "$T/explain.txt" || fail "explain header"
grep -q '^  step 2, min_depth 1, max_depth 1, direction out, relationship EVIDENCED_BY, label Evidence' \
  "$T/explain.txt" || fail "explain step 2: $(cat "$T/explain.txt")"
[ "$(grep -c '^    chosen ' "$T/explain.txt")" -ge 2 ] || fail "explain: a plan per step"
# Bad steps: exit 2, the message names the query and the key.
bad() { # QUERY-JSON EXPECTED-MESSAGE-PART
  echo "[$1]" >"$T/bad.json"
  local rc=0
  mpi 2 "$ARCOS_BIN" query --graph "$T/civ" --queries "$T/bad.json" --output "$T/bad-out" 2>"$T/err" || rc=$?
  assert_eq "$rc" 2 "exit code for $1"
  grep -q -- "$2" "$T/err" || fail "message for $1: $(cat "$T/err")"
  [ ! -e "$T/bad-out/queries.jsonl" ] || fail "queries.jsonl written for a bad query"
}
S='"id": "b", "type": "traverse", "start_nodes": ["G"]'
bad "{$S, \"steps\": [{\"min_depth\": 3, \"max_depth\": 2}]}" '(b): step 1 "min_depth" 3 is above "max_depth" 2'
bad "{$S, \"steps\": [{}, {\"depth\": 1}]}" '(b): unknown step 2 field "depth"'
bad "{$S, \"steps\": [{}], \"pattern\": {}}" '(b): give either "pattern" or "steps"'
bad "{$S, \"steps\": []}" '(b): "steps" must be a non-empty array'
bad "{$S, \"steps\": [1]}" '(b): step 1 must be an object'
bad "{$S, \"pattern\": {}, \"return\": [\"score\"]}" '(b): "return" holds "label" and "properties" only'
bad '{"id": "b", "type": "match", "steps": [{}]}' '(b): "steps" belongs to traverse queries'
echo "graph steps: ok"
