# HDF5 graphs (docs/graph.md, "HDF5 graphs"): `convert GRAPH_DIR --out FILE.h5` gives
# the same file at 1 and 3 ranks, readable by h5dump; `query --graph FILE.h5` and `run
# --graph FILE.h5` give the same results and error records as the JSON form at 1, 2,
# 3 and 4 ranks (an assurance graph with bad elements, an R-MAT graph with self-loops
# and repeated edges); a damaged file (declared sizes that do not match, a missing
# dataset, a wrong type, an index out of range, a foreign or truncated file) ends in
# exit 1 with a message naming the file and what to do, at every rank count, never a
# crash or a hang.
source "$(dirname "$0")/lib.sh"
T=$ARCOS_TMP
DMG=$ARCOS_TESTS_BIN/graph_h5_damage
Q=$ARCOS_SRC/inputs/sample/queries.json
results() { # the parts of queries.jsonl that must not depend on the graph's form
  jq -c '{id, count, truncated, nodes, scores, score_min, score_mean,
          plan: (.plan | {strategy, estimated_nodes, estimated_edges, actual_nodes, actual_edges})}' "$1"
}
answers() { # ... nor on the ranks (a bottom-up level's actual work depends on the layout)
  jq -c '{id, count, truncated, nodes, scores, score_min, score_mean}' "$1"
}

# An assurance graph with every kind of bad element (error records) and a self-loop.
"$ARCOS_BIN" generate --out "$T/gen" --records 400 --graph-nodes 500 --seed 4 >/dev/null 2>&1
G=$T/g
mkdir -p "$G"
cp "$T/gen/graph/nodes.jsonl" "$T/gen/graph/relationships.jsonl" "$G/"
head -1 "$T/gen/graph/nodes.jsonl" >>"$G/nodes.jsonl"
{
  echo '{"id":"x1","type":"SUPPORTS","source_id":"goal-0","target_id":"nowhere"}'
  echo '{"id":"rel-0","type":"SUPPORTS","source_id":"goal-0","target_id":"goal-1"}'
  echo '{"id":"x2","type":"SUPPORTS","source_id":"goal-0"}'
  echo '{"id":"x3","type":"SUPPORTS","source_id":"goal-0","target_id":"goal-0"}'
  echo 'garbage'
} >>"$G/relationships.jsonl"
"$ARCOS_BIN" convert "$G" --out "$T/g1.h5" >"$T/conv1.log"
grep -Eq "graph of 500 nodes, [0-9]+ relationships, 5 error records kept" "$T/conv1.log" ||
  { cat "$T/conv1.log" >&2; fail "convert summary"; }
mpi 3 "$ARCOS_BIN" convert "$G" --out "$T/g3.h5" --quiet
h5dump "$T/g1.h5" | tail -n +2 >"$T/g1.dump"
h5dump "$T/g3.h5" | tail -n +2 >"$T/g3.dump"
assert_same_file "$T/g1.dump" "$T/g3.dump" "convert at 1 and 3 ranks"
grep -c '"arcos-graph"' "$T/g1.dump" >/dev/null || fail "h5dump shows no arcos_format"
set +e
"$ARCOS_BIN" convert "$G" --out "$T/g1.h5" >/dev/null 2>&1
assert_eq "$?" 1 "convert onto an existing file"
"$ARCOS_BIN" convert "$G" "$T/gen/evidence.jsonl" --out "$T/mixed.h5" >/dev/null 2>"$T/mixed.err"
assert_eq "$?" 2 "convert of a graph with another input"
set -e
grep -c "must be the only input" "$T/mixed.err" >/dev/null || fail "message for a mixed convert"

for np in 1 2 3 4; do
  mpi "$np" "$ARCOS_BIN" query --graph "$G" --queries "$Q" --output "$T/j$np" >/dev/null 2>&1
  mpi "$np" "$ARCOS_BIN" query --graph "$T/g1.h5" --queries "$Q" --output "$T/h$np" >/dev/null 2>&1
  results "$T/j$np/queries.jsonl" >"$T/j$np.txt"
  results "$T/h$np/queries.jsonl" >"$T/h$np.txt"
  assert_same_file "$T/j$np.txt" "$T/h$np.txt" "queries from JSON and HDF5 at $np ranks"
  answers "$T/h$np/queries.jsonl" >"$T/ha$np.txt"
  assert_same_file "$T/ha1.txt" "$T/ha$np.txt" "queries from HDF5 at $np vs 1 rank"
  assert_same_file "$T/j$np/graph_errors.jsonl" "$T/h$np/graph_errors.jsonl" "error records from JSON and HDF5 at $np ranks"
done
assert_eq "$(wc -l <"$T/h1/graph_errors.jsonl")" 5 "error records kept by convert"
[ "$(wc -l <"$T/h1.txt")" -eq "$(jq length "$Q")" ] || fail "one line per query"

# run --graph FILE.h5 joins the scores like run --graph DIR.
mpi 2 "$ARCOS_BIN" run "$T/gen/evidence.jsonl" --graph "$G" --queries "$Q" --output "$T/rj" --quiet
mpi 2 "$ARCOS_BIN" run "$T/gen/evidence.jsonl" --graph "$T/g1.h5" --queries "$Q" --output "$T/rh" --quiet
results "$T/rj/queries.jsonl" >"$T/rj.txt"
results "$T/rh/queries.jsonl" >"$T/rh.txt"
assert_same_file "$T/rj.txt" "$T/rh.txt" "run --graph: JSON vs HDF5"
jq -se 'map(select(.scores != null)) | length > 0' "$T/rh/queries.jsonl" >/dev/null || fail "no scores joined"

# R-MAT: hubs, self-loops, repeated edges; BFS in both directions, every strategy.
"$ARCOS_BIN" generate --out "$T/rmat" --graph-kind rmat --scale 9 --edge-factor 8 >/dev/null 2>&1
mpi 2 "$ARCOS_BIN" convert "$T/rmat/graph" --out "$T/rmat.h5" --quiet
jq -n '[range(0; 6) as $i | ["index_scan", "full_scan", "auto"][] as $s |
        {id: "q\($i)-\($s)", type: "traverse", start_nodes: ["v\($i * 37)"], strategy: $s,
         pattern: {direction: (["out", "in", "both"][$i % 3]), max_depth: ($i + 1)}}]' >"$T/rq.json"
for np in 1 2 3 4; do
  mpi "$np" "$ARCOS_BIN" query --graph "$T/rmat/graph" --queries "$T/rq.json" --output "$T/rj$np" >/dev/null 2>&1
  mpi "$np" "$ARCOS_BIN" query --graph "$T/rmat.h5" --queries "$T/rq.json" --output "$T/rh$np" >/dev/null 2>&1
  jq -c '{id, count, nodes}' "$T/rj$np/queries.jsonl" >"$T/rj$np.txt"
  jq -c '{id, count, nodes}' "$T/rh$np/queries.jsonl" >"$T/rh$np.txt"
  assert_same_file "$T/rj$np.txt" "$T/rh$np.txt" "R-MAT BFS from JSON and HDF5 at $np ranks"
  assert_same_file "$T/rj1.txt" "$T/rh$np.txt" "R-MAT BFS from HDF5 at $np vs 1 rank"
done
jq -se 'map(.count) | max > 50' "$T/rh1/queries.jsonl" >/dev/null || fail "R-MAT BFS reached too little"

# Damaged files: exit 1, a message naming the file, what is wrong and what to do; no
# queries.jsonl; run refuses before its pipeline. The acceptance case (declared sizes
# that do not match the data) and an index out of range at 1-4 ranks, the others at 3
# (NPS), where ranks must agree on a failure only some of them see.
damaged() { # NAME PATTERN DAMAGE-ARGS...
  local name=$1 pattern=$2
  shift 2
  local f=$T/bad-$name.h5
  cp "$T/g1.h5" "$f"
  if [ $# -gt 0 ]; then "$DMG" "$f" "$@" || fail "damaging $name"; fi
  expect_refused "$name" "$pattern" "$f"
}
expect_refused() { # NAME PATTERN FILE
  local name=$1 pattern=$2 f=$3 np rc
  for np in ${NPS:-3}; do
    rc=0
    mpi_launcher "$np"
    timeout 60 "${MPI_LAUNCH[@]}" "$ARCOS_BIN" query --graph "$f" --queries "$Q" \
      --output "$T/out-$name-$np" >"$T/$name-$np.log" 2>&1 || rc=$?
    [ "$rc" -eq 1 ] || { cat "$T/$name-$np.log" >&2; fail "$name at $np ranks: exit $rc, expected 1"; }
    grep -F "$f" "$T/$name-$np.log" | grep -cE "$pattern" >/dev/null ||
      { cat "$T/$name-$np.log" >&2; fail "$name at $np ranks: no message /$pattern/ naming the file"; }
    [ ! -e "$T/out-$name-$np/queries.jsonl" ] || fail "$name at $np ranks wrote queries.jsonl"
    [ "$(grep -c 'Segmentation\|Abort\|core dumped\|MPI_ABORT' "$T/$name-$np.log")" -eq 0 ] ||
      fail "$name at $np ranks crashed"
  done
}
FIX="convert the graph again"
NPS="1 2 3 4" damaged nodes-declared "has 500 elements, the file declares 600 \\(attribute nodes\\).*$FIX" attr nodes 600
damaged rels-declared "relationships/source has [0-9]+ elements, the file declares 7 .*$FIX" attr relationships 7
damaged errors-declared "errors/line has 5 elements, the file declares 9" attr errors 9
damaged missing-dataset "dataset /graph/relationships/target is missing.*$FIX" delete /graph/relationships/target
damaged wrong-type "/graph/relationships/source holds floating-point numbers, expected integers" \
  float /graph/relationships/source
NPS="1 2 3 4" damaged target-range "relationship 3: .*beyond the 500 nodes" set /graph/relationships/target 3 500
damaged type-range "relationship 0: .*beyond the 500 nodes or [0-9]+ types" set /graph/relationships/type 0 99
damaged label-range "node 7: label index 40 is beyond the [0-9]+ labels" set /graph/nodes/label 7 40
damaged degree-sum "the out-degrees add up to [0-9]+ .* the file declares" add /graph/nodes/out_degree 0 1
# Degrees moved between two nodes: the sums still match, one node overflows.
h5dump -d /graph/nodes/out_degree -y -w 0 -o "$T/od.txt" "$T/g1.h5" >/dev/null
v=$(tr -d ' \n' <"$T/od.txt" | tr ',' '\n' | grep -n -m1 -v '^0$' | cut -d: -f1)
[ -n "$v" ] || fail "no node with relationships"
cp "$T/g1.h5" "$T/bad-degree-node.h5"
"$DMG" "$T/bad-degree-node.h5" add /graph/nodes/out_degree $((v - 1)) -1 || fail "damaging degree-node"
"$DMG" "$T/bad-degree-node.h5" add /graph/nodes/out_degree "$v" 1 || fail "damaging degree-node"
expect_refused degree-node "node \".*\" has (more|fewer) .*relationships.* than its declared" "$T/bad-degree-node.h5"
damaged id-offset "id_offset row 1 .* does not follow the previous row" add /graph/nodes/id_offset 1 1
damaged version "format version 7 is not supported" attr arcos_format_version 7
head -c 3000 "$T/g1.h5" >"$T/bad-truncated.h5"
expect_refused truncated "cannot read as an HDF5 graph" "$T/bad-truncated.h5"
echo "not hdf5" >"$T/bad-text.h5"
expect_refused text "not an HDF5 file" "$T/bad-text.h5"
expect_refused foreign "not an arcos-scale graph" "$T/rh/results.h5"
# run: the same damage fails before the pipeline, with no output directory.
rc=0
mpi 2 "$ARCOS_BIN" run "$T/gen/evidence.jsonl" --graph "$T/bad-nodes-declared.h5" --queries "$Q" \
  --output "$T/rbad" --quiet >"$T/rbad.log" 2>&1 || rc=$?
assert_eq "$rc" 1 "run with a damaged HDF5 graph"
grep -c "declares 600" "$T/rbad.log" >/dev/null || { cat "$T/rbad.log" >&2; fail "run: message"; }
[ ! -e "$T/rbad" ] || fail "run with a damaged graph created its output directory"
echo "graph_h5: convert identical at 1 and 3 ranks; HDF5 = JSON at 1-4 ranks; damaged files refused"
