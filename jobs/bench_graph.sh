#!/usr/bin/env bash
# BFS throughput (MTEPS) on a generated R-MAT graph loaded from HDF5, at several rank
# counts (docs/graph.md, "Benchmark"; docs/performance.md, "Graph"). Not a test.
#   generate (JSON Lines, once) -> convert to HDF5 (once) -> for each rank count:
#   load the HDF5 graph, BFS from STARTS vertices under each strategy.
# Prints a table (load time, MTEPS, peak RSS per rank after the load) and, last, the
# path of a JSON file with the same figures (jobs/bench.sh reuses it).
#   SCALE      R-MAT scale (default 20: 1 M vertices, 16.7 M edges)
#   RANKS      rank counts (default "1 2")
#   STARTS     BFS start vertices per strategy (default 8)
#   BENCH_DIR  scratch directory (default build/bench)
#   FROM_JSON  1: also load the JSON Lines form at each rank count (load time and RSS
#              before HDF5; slow at scale 20)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
[ -x "$ARCOS_ROOT/build/bin/arcos-bench-graph" ] || arcos_build
BIN=${ARCOS_BIN_DIR:-$ARCOS_ROOT/build/bin}
DIR=${BENCH_DIR:-$ARCOS_ROOT/build/bench}
SCALE=${SCALE:-20}
RANKS=${RANKS:-1 2}
STARTS=${STARTS:-8}
G=$DIR/rmat-$SCALE
H5=$DIR/rmat-$SCALE.h5
mkdir -p "$DIR"
if [ ! -s "$G/graph/relationships.jsonl" ]; then
  rm -rf "$G" "$H5"
  "$BIN/arcos-scale" generate --out "$G" --graph-kind rmat --scale "$SCALE" --edge-factor 16 >&2
fi
if [ ! -s "$H5" ] || [ "$H5" -ot "$G/graph/relationships.jsonl" ]; then
  rm -f "$H5"
  "$BIN/arcos-scale" convert "$G/graph" --out "$H5" >&2
fi
load=$(cut -d' ' -f1-3 /proc/loadavg)
echo "host $(hostname), $(nproc) cores, load average $load" >&2
parts=()
for np in $RANKS; do
  forms=(h5)
  [ "${FROM_JSON:-0}" = 1 ] && forms+=(jsonl)
  for form in "${forms[@]}"; do
    src=$H5
    [ "$form" = jsonl ] && src=$G/graph
    out=$DIR/bench_graph-$SCALE-np$np-$form.json
    mpirun -np "$np" --oversubscribe "$BIN/arcos-bench-graph" "$src" "$STARTS" "$out" >&2
    parts+=("$(jq -c --arg form "$form" '. + {form: $form}' "$out")")
  done
done
json=$DIR/bench_graph-$SCALE.json
printf '%s\n' "${parts[@]}" |
  jq -s --argjson scale "$SCALE" --arg load "$load" --arg host "$(hostname)" \
    '{benchmark: "graph_bfs", scale: $scale, edge_factor: 16, host: $host,
      load_average: $load, runs: .}' >"$json"
jq -r '["ranks", "form", "load_s", "MTEPS auto", "MTEPS top-down", "MTEPS bottom-up", "peak RSS MB/rank"],
       (.runs[] | [.ranks, .form, (.load_s * 100 | round / 100),
         (.strategies.auto.mteps_wall // 0 | round), (.strategies.index_scan.mteps_wall // 0 | round),
         (.strategies.full_scan.mteps_wall // 0 | round),
         (.peak_rss_mb_after_load | map(round | tostring) | join(" / "))]) | @tsv' "$json" |
  column -t -s $'\t' >&2
echo "$json"
