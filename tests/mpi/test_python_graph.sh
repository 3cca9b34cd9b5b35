# SPEC §1 and §7: a graph written by Python's json module, whose node properties hold
# what only Python writes (integers beyond 64 bits, NaN, Infinity, -Infinity, lone
# surrogates, "\u0000" in a key, a repeated key), is loaded in all three forms
# (nodes.json/relationships.json keyed by id, JSON Lines, HDF5 from convert --graph);
# a steps traverse and a match with property filters return the expected nodes, and
# their rows hold the properties exactly as Python's json.dumps(sort_keys=True)
# writes them, at 1 and 3 ranks. (The queries file itself is read by jansson: its
# filters hold ordinary values, docs/graph.md.)
source "$(dirname "$0")/lib.sh"
[ -x /usr/bin/python3 ] || { echo "no /usr/bin/python3: skipped"; exit 77; }
T=$ARCOS_TMP
/usr/bin/python3 - "$T" <<'PY'
import json, os, sys
T = sys.argv[1]
nodes = {
    "G": {"label": "Goal", "properties": {"name": "top"}},
    "S": {"label": "Goal", "properties": {"name": "sub", "weight": 10**30}},
    "E1": {"label": "Evidence", "properties": {
        "fingerprint": 18446744073709551616, "neg": -(2**70), "path": "src/legacy_\udcff.py",
        "x": float("nan"), "y": float("inf"), "z": float("-inf"), "kind": "scan",
        "\u0000init": 1, "nested": {"b": [10**40, 0.1, 1e-07], "a": "\u00e9\U0001f600"}}},
    "E2": {"label": "Evidence", "properties": {"kind": "scan", "score": 1.5e+300}},
    "E3": {"label": "Evidence", "properties": {"kind": "test", "n": 7}},
    "E4": {"label": "Evidence"},
}
rels = {
    "r1": ("S", "G", "SUPPORTS"), "r2": ("G", "E1", "EVIDENCED_BY"),
    "r3": ("S", "E2", "EVIDENCED_BY"), "r4": ("S", "E3", "EVIDENCED_BY"),
    "r5": ("S", "E4", "EVIDENCED_BY"),
}
def node(i):
    n = {"id": i, "label": nodes[i]["label"], "properties": nodes[i].get("properties", {})}
    return n
def rel(i):
    s, t, ty = rels[i]
    return {"id": i, "type": ty, "source_id": s, "target_id": t, "properties": {"w": 2**65}}
os.makedirs(T + "/dir"); os.makedirs(T + "/lines")
# The keyed form as EvidenceGraph.save_to_disk writes it (indent, created_at); E2's
# properties carry a repeated key, written by hand: the last one wins, as in Python.
keyed = {i: dict(node(i), created_at="2026-10-30T00:00:00") for i in nodes}
text = json.dumps(keyed, indent=2)
text = text.replace('"score": 1.5e+300', '"score": 1, "score": 1.5e+300')
assert '"score": 1, "score"' in text
open(T + "/dir/nodes.json", "w").write(text)
open(T + "/dir/relationships.json", "w").write(json.dumps({i: rel(i) for i in rels}, indent=2))
with open(T + "/lines/nodes.jsonl", "w") as f:
    for i in nodes:
        f.write(json.dumps(node(i)) + "\n")
with open(T + "/lines/relationships.jsonl", "w") as f:
    for i in rels:
        f.write(json.dumps(rel(i)) + "\n")
queries = [
    {"id": "q1", "type": "traverse", "start_nodes": ["G"],
     "steps": [{"relationship": "SUPPORTS", "direction": "in", "max_depth": 4},
               {"relationship": "EVIDENCED_BY", "direction": "out", "min_depth": 1,
                "max_depth": 1, "label": "Evidence"}],
     "return": ["label", "properties"]},
    {"id": "q2", "type": "match", "pattern": {"label": "Evidence", "properties": {"kind": "scan"}},
     "return": ["properties"]},
    {"id": "q3", "type": "match", "pattern": {"properties": {"kind": "scan", "fingerprint": 1}}},
    {"id": "q4", "type": "match", "pattern": {"properties": {"n": 7}}, "return": ["label"]},
]
json.dump(queries, open(T + "/queries.json", "w"))
def rows(ids, keys):
    out = []
    for i in ids:
        r = '{"id":' + json.dumps(i)
        if "label" in keys:
            r += ',"label":' + json.dumps(nodes[i]["label"])
        if "properties" in keys:
            r += ',"properties":' + json.dumps(nodes[i].get("properties", {}), sort_keys=True)
        out.append(r + "}")
    return '"rows":[' + ",".join(out) + "]"
with open(T + "/want", "w") as f:
    f.write("q1 " + json.dumps(["E1", "E2", "E3", "E4"]) + " " + rows(["E1", "E2", "E3", "E4"], ["label", "properties"]) + "\n")
    f.write("q2 " + json.dumps(["E1", "E2"]) + " " + rows(["E1", "E2"], ["properties"]) + "\n")
    f.write("q3 [] -\n")
    f.write("q4 " + json.dumps(["E3"]) + " " + rows(["E3"], ["label"]) + "\n")
PY
# What each line says: id, nodes, and its rows text as written (or - without rows).
summary() {
  while IFS= read -r line; do
    id=$(jq -r .id <<<"$line" 2>/dev/null || sed -e 's/^{"id":"\([^"]*\)".*/\1/' <<<"$line")
    nodes=$(sed -e 's/.*"nodes":\(\[[^]]*\]\).*/\1/' -e 's/","/", "/g' <<<"$line")
    if grep -q '"rows":\[' <<<"$line"; then
      rows=$(sed -e 's/.*\("rows":\[.*\]\),"plan":.*/\1/' <<<"$line")
    else
      rows=-
    fi
    echo "$id $nodes $rows"
  done <"$1"
}
mpi 1 "$ARCOS_BIN" convert "$T/lines" --out "$T/graph.h5" >/dev/null
for form in dir lines graph.h5; do
  for np in 1 3; do
    out=$T/out-$form-$np
    mpi "$np" "$ARCOS_BIN" query --graph "$T/$form" --queries "$T/queries.json" --output "$out" \
      >/dev/null
    [ ! -s "$out/graph_errors.jsonl" ] || { cat "$out/graph_errors.jsonl" >&2; fail "graph errors, $form at $np ranks"; }
    summary "$out/queries.jsonl" >"$T/got-$form-$np"
    assert_same_file "$T/got-$form-$np" "$T/want" "queries of the $form graph at $np ranks"
  done
done
echo "python graph: ok"
