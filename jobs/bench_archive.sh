#!/usr/bin/env bash
# `run` from an HDF5 evidence archive versus from JSON Lines, on the same records
# (docs/performance.md, "HDF5 archive input"). Not a test: timings depend on the machine.
#   RECORDS   records to generate (default 1000000)
#   RANKS     rank counts for the end-to-end runs (default "1 2")
#   BENCH_DIR scratch directory (default build/bench-archive)
# Prints a table and writes $BENCH_DIR/bench_archive.json.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
[ -x "$ARCOS_ROOT/build/bin/arcos-bench-archive" ] || arcos_build
BIN=$ARCOS_ROOT/build/bin
DIR=${BENCH_DIR:-$ARCOS_ROOT/build/bench-archive}
RECORDS=${RECORDS:-1000000}
RANKS=${RANKS:-1 2}
REF="--reference-time 2026-11-01T00:00:00Z"
mkdir -p "$DIR"
if [ ! -s "$DIR/data/manifest.json" ] || [ "$(jq .lines "$DIR/data/manifest.json")" != "$RECORDS" ]; then
  rm -rf "$DIR/data"
  "$BIN/arcos-scale" generate --out "$DIR/data" --records "$RECORDS" --seed 7 >/dev/null
fi
f=$DIR/data/evidence.jsonl
np_convert=$(nproc)
for variant in default data0; do
  opts=()
  [ "$variant" = data0 ] && opts=(--data-deflate 0)
  t0=$(date +%s.%N)
  mpirun -np "$np_convert" --oversubscribe "$BIN/arcos-scale" convert "$f" --out "$DIR/$variant.h5" \
    --force --quiet "${opts[@]}"
  t1=$(date +%s.%N)
  echo "convert ($variant, $np_convert ranks): $(echo "$t1 - $t0" | bc) s, $(stat -c %s "$DIR/$variant.h5") bytes (JSON Lines: $(stat -c %s "$f"))"
done
cat "$f" "$DIR/default.h5" "$DIR/data0.h5" >/dev/null # warm the page cache alike

# 1. The processing phase on one core: plan + reader + the four stages.
echo "== processing phase, one core (best of 3; CPU time of the process) =="
for variant in default data0; do
  "$BIN/arcos-bench-archive" "$f" "$DIR/$variant.h5" 3 | tee "$DIR/phase_$variant.json" |
    jq -r --arg v "$variant" '"\($v): JSON Lines \(.jsonl.records_per_cpu_s) records/s, archive \(.archive.records_per_cpu_s) records/s (CPU); ratio \(.ratio_cpu) on CPU time, \(.ratio_wall) on wall time; same results: \(.same_results)"'
done

# 2. End to end: `run` (report.json), JSON Lines versus the default archive.
echo "== run, end to end (report.json) =="
printf '%-10s %-6s %14s %16s %10s %10s\n' input ranks "records/s" "records/s/rank" "cpu_s/rank" "wall_s"
json="{\"records\": $RECORDS, \"runs\": ["
sep=""
for np in $RANKS; do
  for input in jsonl default; do
    src=$f
    [ "$input" = default ] && src=$DIR/default.h5
    out=$DIR/run-$input-$np
    mpirun -np "$np" --oversubscribe "$BIN/arcos-scale" run "$src" --output "$out" --force --quiet $REF >/dev/null
    r=$out/report.json
    tp=$(jq .processing_metrics.throughput "$r")
    cpu=$(jq '[.ranks[].cpu_s] | add / length' "$r")
    wall=$(jq .processing_metrics.total_processing_time "$r")
    printf '%-10s %-6s %14.0f %16.0f %10.2f %10.2f\n' "$input" "$np" "$tp" "$(echo "$tp / $np" | bc -l)" "$cpu" "$wall"
    json+="$sep{\"input\": \"$input\", \"ranks\": $np, \"records_per_s\": $tp, \"cpu_s_per_rank\": $cpu, \"wall_s\": $wall, \"records\": $(jq -c .records "$r")}"
    sep=", "
  done
done
echo "$json], \"phase_default\": $(cat "$DIR/phase_default.json"), \"phase_data0\": $(cat "$DIR/phase_data0.json")}" |
  jq . >"$DIR/bench_archive.json"
echo "written $DIR/bench_archive.json"
