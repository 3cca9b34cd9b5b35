#!/usr/bin/env bash
# BFS throughput (MTEPS) on a generated R-MAT graph at several rank counts
# (docs/graph.md, "Benchmark"). Not a test: a scale-20 graph is 1.3 GB of JSON Lines
# and takes minutes to load.
#   SCALE     R-MAT scale (default 20: 1 M vertices, 16.7 M edges)
#   RANKS     rank counts (default "1 2")
#   STARTS    BFS start vertices per strategy (default 8)
#   BENCH_DIR scratch directory (default build/bench)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
[ -x "$ARCOS_ROOT/build/bin/arcos-bench-graph" ] || arcos_build
BIN=$ARCOS_ROOT/build/bin
DIR=${BENCH_DIR:-$ARCOS_ROOT/build/bench}
SCALE=${SCALE:-20}
RANKS=${RANKS:-1 2}
G=$DIR/rmat-$SCALE
if [ ! -s "$G/graph/relationships.jsonl" ]; then
  rm -rf "$G"
  "$BIN/arcos-scale" generate --out "$G" --graph-kind rmat --scale "$SCALE" --edge-factor 16
fi
echo "host $(hostname), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for np in $RANKS; do
  mpirun -np "$np" --oversubscribe "$BIN/arcos-bench-graph" "$G/graph" "${STARTS:-8}"
done
