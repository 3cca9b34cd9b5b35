#!/usr/bin/env python3
"""Independent reference for multi-step traverse queries (SPEC section 7).

  graph_steps_ref.py gen DIR      writes DIR/civ (a CIV-ARCOS store: nodes.json and
                                  relationships.json keyed by id), DIR/rnd (a random
                                  graph as JSON Lines) and DIR/q_civ.json, DIR/q_rnd.json
  graph_steps_ref.py check GRAPH_DIR QUERIES QUERIES_JSONL
                                  recomputes every query from the JSON graph files by
                                  brute force and compares queries.jsonl with it: count,
                                  truncated, nodes, rows (label, and properties written
                                  as Python's json.dumps(properties, sort_keys=True))

Only the standard library; shares no code with the C executor.
"""
import json
import os
import random
import sys


def load_graph(d):
    """Nodes {id: (label, properties)} and edges [(type, source, target)], keeping the
    first of repeated ids and dropping relationships with an unknown endpoint."""
    nodes, edges, seen_rel = {}, [], set()
    if os.path.exists(os.path.join(d, "nodes.json")):
        with open(os.path.join(d, "nodes.json")) as f:
            raw_nodes = list(json.load(f).values())
        with open(os.path.join(d, "relationships.json")) as f:
            raw_rels = list(json.load(f).values())
    else:
        with open(os.path.join(d, "nodes.jsonl")) as f:
            raw_nodes = [json.loads(l) for l in f if l.strip()]
        with open(os.path.join(d, "relationships.jsonl")) as f:
            raw_rels = [json.loads(l) for l in f if l.strip()]
    for n in raw_nodes:
        if n["id"] not in nodes:
            nodes[n["id"]] = (n["label"], n.get("properties") or {})
    for r in raw_rels:
        if r["id"] in seen_rel:
            continue
        seen_rel.add(r["id"])
        if r["source_id"] in nodes and r["target_id"] in nodes:
            edges.append((r["type"], r["source_id"], r["target_id"]))
    return nodes, edges


def run_step(nodes, edges, start, st):
    rels = st.get("relationship")
    if isinstance(rels, str):
        rels = [rels]
    direction = st.get("direction", "out")
    lo, hi = st.get("min_depth", 0), st.get("max_depth", 1)
    depth = {s: 0 for s in start}
    frontier = set(start)
    d = 0
    while frontier and d < hi:
        d += 1
        nxt = set()
        for t, s, g in edges:
            if rels is not None and t not in rels:
                continue
            if direction in ("out", "both") and s in frontier and g not in depth:
                nxt.add(g)
            if direction in ("in", "both") and g in frontier and s not in depth:
                nxt.add(s)
        for v in nxt:
            depth[v] = d
        frontier = nxt
    out = set()
    for v, dv in depth.items():
        label, props = nodes[v]
        if not lo <= dv <= hi:
            continue
        if "label" in st and label != st["label"]:
            continue
        if any(k not in props or props[k] != w for k, w in st.get("properties", {}).items()):
            continue
        out.add(v)
    return out


def expected(nodes, edges, q):
    if q["type"] == "match":
        return run_step(nodes, edges, set(nodes), dict(q["pattern"], max_depth=0))
    cur = {s for s in q["start_nodes"] if s in nodes}
    for st in q.get("steps", [q.get("pattern", {})]):
        cur = run_step(nodes, edges, cur, st)
    return cur


def sort_bytes(ids):
    return sorted(ids, key=lambda s: s.encode("utf-8", "surrogatepass"))


def check(gdir, qfile, out):
    nodes, edges = load_graph(gdir)
    with open(qfile) as f:
        queries = json.load(f)
    with open(out) as f:
        lines = f.read().splitlines()
    assert len(lines) == len(queries), "one line per query"
    bad = 0
    for q, text in zip(queries, lines):
        got = json.loads(text)
        want = sort_bytes(expected(nodes, edges, q))
        limit = q.get("limit")
        listed = want if limit is None else want[:limit]
        problems = []
        if got["id"] != q["id"]:
            problems.append("id")
        if got["count"] != len(want):
            problems.append("count %d, expected %d" % (got["count"], len(want)))
        if got["nodes"] != listed:
            problems.append("nodes %s, expected %s" % (got["nodes"][:8], listed[:8]))
        if got["truncated"] != (limit is not None and len(want) > limit):
            problems.append("truncated")
        ret = q.get("return")
        if ret is None:
            if "rows" in got:
                problems.append("rows without return")
        else:
            rows = []
            for v in listed:
                row = {"id": v}
                if "label" in ret:
                    row["label"] = nodes[v][0]
                if "properties" in ret:
                    row["properties"] = nodes[v][1]
                    # The text as Python writes it, not only an equal value.
                    frag = '"properties":' + json.dumps(nodes[v][1], sort_keys=True)
                    if frag not in text:
                        problems.append("properties of %s not written as %s" % (v, frag))
                rows.append(row)
            if got.get("rows") != rows:
                problems.append("rows %s, expected %s" % (got.get("rows", [])[:3], rows[:3]))
        if "steps" in q:
            steps = got["plan"].get("steps")
            if not isinstance(steps, list) or len(steps) != len(q["steps"]):
                problems.append("plan.steps")
            elif steps[-1]["result_nodes"] != len(want):
                problems.append("plan.steps[-1].result_nodes")
        if problems:
            bad += 1
            print("query %s: %s" % (q["id"], "; ".join(problems)), file=sys.stderr)
    if bad:
        sys.exit(1)
    print("%d queries match the reference" % len(queries))


PROPS = [
    {"status": "open", "weight": 0.1, "note": "caf\u00e9"},
    {"status": "closed", "weight": 100.0, "tags": ["a", "b"]},
    {"status": "open", "weight": 1e-07, "nested": {"z": 1, "a": [True, None]}},
    {"status": "closed", "level": 2},
    {},
]


def gen_civ(d):
    """A CIV-ARCOS evidence store: goals decomposed into sub-goals and claims
    (SUPPORTS points from child to parent), evidence attached with EVIDENCED_BY (from
    the goal or claim to the evidence), some REFUTES, a shared evidence node, a cycle."""
    rnd = random.Random(7)
    nodes, rels = {}, {}

    def node(i, label, props):
        nodes[i] = {"id": i, "label": label, "properties": props,
                    "created_at": "2026-10-0%dT12:00:00" % (1 + len(nodes) % 9)}

    def rel(t, s, g):
        r = "rel-%d" % len(rels)
        rels[r] = {"id": r, "type": t, "source_id": s, "target_id": g, "properties": {}}

    ev = 0
    for G in ("G", "H"):
        node(G, "Goal", {"title": "goal " + G, "level": 0})
        parents = [G]
        for depth in range(1, 5):
            kids = []
            for p in parents:
                for k in range(rnd.randint(1, 3)):
                    c = "%s.%d" % (p, k)
                    node(c, "Claim" if depth > 1 else "Goal", dict(PROPS[rnd.randrange(5)], level=depth))
                    rel("SUPPORTS", c, p)
                    kids.append(c)
            parents = kids
        for c in [n for n in nodes if n.startswith(G)]:
            for k in range(rnd.randint(0, 2)):
                e = "ev-%s-%03d" % (G, ev)
                ev += 1
                node(e, "Evidence", dict(PROPS[rnd.randrange(5)], id=e, type="test_result"))
                rel("EVIDENCED_BY", c, e)
    # Distractors: evidence of H reached from G only through REFUTES, a Claim reached
    # by EVIDENCED_BY (not Evidence), a SUPPORTS cycle inside G's tree, shared evidence.
    rel("REFUTES", "ev-H-%03d" % (ev - 1), "G.0")
    node("note-1", "Claim", {"status": "open"})
    rel("EVIDENCED_BY", "G", "note-1")
    rel("SUPPORTS", "G", "G.0.0")
    rel("EVIDENCED_BY", "H.0", "ev-G-000")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "nodes.json"), "w") as f:
        json.dump(nodes, f, indent=1)
    with open(os.path.join(d, "relationships.json"), "w") as f:
        json.dump(rels, f, indent=1)
    return [
        {"id": "evidence-under-G", "type": "traverse", "start_nodes": ["G"],
         "steps": [{"relationship": "SUPPORTS", "direction": "in", "max_depth": 16},
                   {"relationship": "EVIDENCED_BY", "direction": "out", "min_depth": 1,
                    "max_depth": 1, "label": "Evidence"}],
         "return": ["label", "properties"], "with_scores": True},
        {"id": "evidence-under-H", "type": "traverse", "start_nodes": ["H"],
         "steps": [{"relationship": "SUPPORTS", "direction": "in", "max_depth": 16},
                   {"relationship": "EVIDENCED_BY", "direction": "out", "min_depth": 1,
                    "max_depth": 1, "label": "Evidence"}],
         "return": ["properties"], "limit": 5},
        {"id": "claims-two-below-G", "type": "traverse", "start_nodes": ["G"],
         "steps": [{"relationship": "SUPPORTS", "direction": "in", "min_depth": 2,
                    "max_depth": 3, "label": "Claim", "properties": {"status": "open"}}],
         "return": ["label"]},
        {"id": "goals-of-evidence", "type": "traverse", "start_nodes": ["ev-G-000", "ev-G-003"],
         "steps": [{"relationship": "EVIDENCED_BY", "direction": "in", "min_depth": 1},
                   {"relationship": "SUPPORTS", "direction": "out", "max_depth": 8,
                    "label": "Goal"}],
         "return": ["label", "properties"]},
    ]


def gen_rnd(d, rnd):
    labels, types = ["Goal", "Claim", "Evidence", "Other"], ["A", "B", "C"]
    n = 240
    ids = ["n%03d" % i for i in range(n)] + ["caf\u00e9-%d" % i for i in range(4)]
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "nodes.jsonl"), "w") as f:
        for i, v in enumerate(ids):
            props = dict(PROPS[i % 5], level=i % 3) if i % 7 else {}
            f.write(json.dumps({"id": v, "label": labels[rnd.randrange(4)], "properties": props}) + "\n")
    with open(os.path.join(d, "relationships.jsonl"), "w") as f:
        for k in range(520):
            s, g = rnd.choice(ids), rnd.choice(ids)
            if k % 97 == 0:
                g = s  # self-loops are valid
            f.write(json.dumps({"id": "r%d" % k, "type": rnd.choice(types), "source_id": s,
                                "target_id": g, "properties": {}}) + "\n")
    queries = []
    for k in range(40):
        steps = []
        for _ in range(rnd.randint(1, 3)):
            hi = rnd.choice([0, 1, 1, 2, 3, 6])
            st = {"max_depth": hi, "direction": rnd.choice(["out", "in", "both"])}
            if rnd.random() < 0.6:
                st["min_depth"] = rnd.randint(0, hi)
            if rnd.random() < 0.5:
                st["relationship"] = rnd.sample(types, rnd.randint(1, 2))
            if rnd.random() < 0.3:
                st["label"] = rnd.choice(labels)
            if rnd.random() < 0.2:
                st["properties"] = rnd.choice([{"level": 1}, {"status": "open"}, {"weight": 100.0}])
            steps.append(st)
        q = {"id": "r%02d" % k, "type": "traverse",
             "start_nodes": rnd.sample(ids, rnd.randint(1, 4)) + (["missing"] if k % 9 == 0 else []),
             "steps": steps, "strategy": rnd.choice(["auto", "auto", "index_scan", "full_scan"])}
        if rnd.random() < 0.4:
            q["limit"] = rnd.randint(0, 6)
        if rnd.random() < 0.6:
            q["return"] = rnd.choice([["label"], ["properties"], ["label", "properties"],
                                      ["properties", "label"]])
        queries.append(q)
    queries.append({"id": "single-pattern", "type": "traverse", "start_nodes": ["n001"],
                    "pattern": {"direction": "both", "max_depth": 2}, "return": ["label"]})
    queries.append({"id": "match-rows", "type": "match", "pattern": {"label": "Goal"},
                    "return": ["properties"], "limit": 4})
    return queries


def gen(d):
    rnd = random.Random(11)
    with open(os.path.join(d, "q_civ.json"), "w") as f:
        json.dump(gen_civ(os.path.join(d, "civ")), f, indent=1)
    with open(os.path.join(d, "q_rnd.json"), "w") as f:
        json.dump(gen_rnd(os.path.join(d, "rnd"), rnd), f, indent=1)


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2])
    else:
        check(sys.argv[2], sys.argv[3], sys.argv[4])
