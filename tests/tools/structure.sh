#!/usr/bin/env bash
# structure.sh [BUILD_DIR]: the house rules of src/ (docs/architecture.md, "Layers").
#   1. No function longer than 150 lines (a function runs from its first line at
#      column 0 to the closing brace at column 0, as .clang-format lays it out).
#   2. No include circle between src/ files, and none between layers: the folders of
#      src/ (core, evidence, io, dist, run, graph, ops, gen, cli) include each other one
#      way only. A public header include/arcos/X.h belongs to the layer of src/*/X.c.
#   3. No call circle between the library's object files (with BUILD_DIR: from `nm`,
#      file A calls into file B when A uses a symbol that B defines).
# Prints the ten longest functions and the layer graph (who includes whom); exits 1 on
# any finding.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$root/build}
cd "$root"
python3 - "$build" <<'PY'
import os, re, subprocess, sys
from collections import defaultdict

build = sys.argv[1]
MAX = 150
bad = 0
srcs = sorted(os.path.join(d, f) for d, _, fs in os.walk("src") for f in fs
              if f.endswith((".c", ".h", ".cpp")))

# 1. Function lengths.
funcs = []
start_re = re.compile(r"^[A-Za-z_][\w \*,\(\)\[\]]*\(")
for path in srcs:
    if not path.endswith((".c", ".cpp")):
        continue
    lines = open(path, encoding="utf-8", errors="replace").read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if start_re.match(line) and not line.rstrip().endswith(";") and \
                not line.startswith(("typedef", "struct", "enum", "static const", "const ")):
            # the signature may span lines; the body opens with '{' at the end of one
            j = i
            while j < len(lines) and not lines[j].rstrip().endswith("{") \
                    and not lines[j].rstrip().endswith(";"):
                j += 1
            if j < len(lines) and lines[j].rstrip().endswith("{") and not lines[j].startswith("}"):
                k = j + 1
                while k < len(lines) and lines[k] != "}":
                    k += 1
                name = re.search(r"(\w+)\s*\(", line)
                funcs.append((k - i + 1, path, i + 1, name.group(1) if name else "?"))
                i = k
        i += 1
funcs.sort(reverse=True)
print("Ten longest functions in src/ (lines, file:line, name):")
for n, path, ln, name in funcs[:10]:
    print(f"  {n:5d}  {path}:{ln}  {name}")
over = [f for f in funcs if f[0] > MAX]
for n, path, ln, name in over:
    print(f"FAIL: {path}:{ln}: {name} is {n} lines (at most {MAX})", file=sys.stderr)
bad += len(over)

# 2. Includes: file graph and layer graph.
layer_of_module = {}
for path in srcs:
    parts = path.split(os.sep)
    if len(parts) == 3 and path.endswith((".c", ".cpp")):
        layer_of_module[os.path.splitext(parts[2])[0]] = parts[1]

def layer(path):
    parts = path.split(os.sep)
    if parts[0] == "src":
        return parts[1]
    return layer_of_module.get(os.path.splitext(parts[-1])[0], "include")

inc_re = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
files = {}
for path in srcs + sorted(os.path.join("include/arcos", f) for f in os.listdir("include/arcos")):
    deps = []
    for line in open(path, encoding="utf-8", errors="replace"):
        m = inc_re.match(line)
        if not m:
            continue
        name = m.group(1)
        for cand in (os.path.join("include", name), os.path.join("src", name),
                     os.path.join(os.path.dirname(path), name)):
            if os.path.isfile(cand):
                deps.append(os.path.normpath(cand))
                break
    files[path] = deps

def cycles(graph):
    """Strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]
    def visit(v):
        index[v] = low[v] = counter[0]; counter[0] += 1
        stack.append(v); on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))
    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out

for comp in cycles(files):
    print("FAIL: include circle between " + ", ".join(comp), file=sys.stderr)
    bad += 1

layers = defaultdict(set)
for path, deps in files.items():
    a = layer(path)
    for d in deps:
        b = layer(d)
        if a != b and "include" not in (a, b):
            layers[a].add(b)
print("Layer graph (who includes whom):")
for a in sorted(layers):
    print(f"  {a:9s} -> {' '.join(sorted(layers[a]))}")
for comp in cycles({k: sorted(v) for k, v in layers.items()}):
    print("FAIL: layers include each other: " + ", ".join(comp), file=sys.stderr)
    # say which files make the circle
    for path, deps in sorted(files.items()):
        for d in deps:
            if layer(path) in comp and layer(d) in comp and layer(path) != layer(d):
                print(f"      {path} includes {d}", file=sys.stderr)
    bad += 1

# 3. Call circles between object files.
objdir = os.path.join(build, "CMakeFiles", "arcos.dir", "src")
if os.path.isdir(objdir):
    objs = sorted(os.path.join(d, f) for d, _, fs in os.walk(objdir) for f in fs if f.endswith(".o"))
    defined, used = {}, {}
    for o in objs:
        name = os.path.relpath(o, os.path.join(build, "CMakeFiles", "arcos.dir"))[:-2]
        if not os.path.isfile(name):
            continue  # a stale object whose source moved or went
        out = subprocess.run(["nm", "-P", o], capture_output=True, text=True, check=True).stdout
        used[name] = set()
        for line in out.splitlines():
            f = line.split()
            if len(f) < 2:
                continue
            if f[1] == "U":
                used[name].add(f[0])
            elif f[1] in "TDBRCV":
                defined[f[0]] = name
    calls = {a: sorted({defined[s] for s in syms if s in defined and defined[s] != a})
             for a, syms in used.items()}
    for comp in cycles(calls):
        print("FAIL: call circle between " + ", ".join(comp), file=sys.stderr)
        for a in comp:
            for s in sorted(used[a]):
                if defined.get(s) in comp and defined.get(s) != a:
                    print(f"      {a} uses {s} of {defined[s]}", file=sys.stderr)
        bad += 1
    print(f"Call graph: {len(objs)} object files checked")
else:
    print(f"(no {objdir}: call circles not checked)")

if bad:
    print(f"structure.sh: {bad} findings", file=sys.stderr)
    sys.exit(1)
print("structure.sh: clean")
PY
