#!/usr/bin/env bash
# Issue #14's per-core ratios, interleaved: on a shared or noisy machine the rows of
# jobs/bench.sh are measured minutes apart and a ratio between two of them moves as
# much as the machine does. Here each round runs, one after the other, the simdjson
# floor, the Python peer (1 process), `run` at 1 rank on the JSON Lines file and `run`
# at 1 rank on its HDF5 archive, so that a drift hits all four alike; the ratios are
# taken within each round and their medians printed (and written as JSON).
#
#   [ROUNDS=5] [BENCH_DIR=build/bench] jobs/bench_ratios.sh [FILE.jsonl [ARCHIVE.h5]]
#
# Default input: the file and archive jobs/bench.sh leaves in BENCH_DIR (data/
# evidence.jsonl, data.h5); the archive is made with `convert` when missing.
# Prints per round the four records/s figures, then the medians of run/floor,
# run/peer and archive/floor (the goals: >= 0.5, >= 3, >= 1.0). Asserts nothing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
BIN=${ARCOS_BIN_DIR:-$ARCOS_ROOT/build/bin}
DIR=${BENCH_DIR:-$ARCOS_ROOT/build/bench}
ROUNDS=${ROUNDS:-5}
f=${1:-$DIR/data/evidence.jsonl}
h5=${2:-$DIR/data.h5}
[ -s "$f" ] || { echo "bench_ratios: no $f (run jobs/bench.sh first, or name a file)" >&2; exit 2; }
[ -s "$h5" ] || mpirun -np 1 "$BIN/arcos-scale" convert "$f" --out "$h5" --force --quiet
REF=--reference-time=2026-11-01T00:00:00Z
out=$DIR/ratios
mkdir -p "$out"
tp() { jq .processing_metrics.throughput "$1/report.json"; }
echo "load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$out/rounds.jsonl"
for i in $(seq 1 "$ROUNDS"); do
  floor=$("$BIN/arcos-floor-simdjson" "$f" 2>/dev/null | awk '/floor_records_per_s/ {print $2}')
  peer=$(/usr/bin/python3 "$ARCOS_ROOT/jobs/peer_python.py" "$f" 1 | awk '/peer_records_per_s/ {print $2}')
  mpirun -np 1 "$BIN/arcos-scale" run "$f" --output "$out/run" --force --quiet $REF >/dev/null
  mpirun -np 1 "$BIN/arcos-scale" run "$h5" --output "$out/archive" --force --quiet $REF >/dev/null
  jq -cn --argjson fl "$floor" --argjson py "$peer" --argjson r "$(tp "$out/run")" \
    --argjson a "$(tp "$out/archive")" \
    '{floor_simdjson: $fl, peer_python_1: $py, run_1: $r, archive_1: $a,
      run_over_floor: ($r / $fl), run_over_peer: ($r / $py), archive_over_floor: ($a / $fl)}' |
    tee -a "$out/rounds.jsonl"
done
jq -s 'def med: sort | if length % 2 == 1 then .[length / 2 | floor]
                         else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  {rounds: length, load_average_end: "'"$(cut -d' ' -f1-3 /proc/loadavg)"'",
   median: {floor_simdjson: (map(.floor_simdjson) | med), run_1: (map(.run_1) | med),
            archive_1: (map(.archive_1) | med), peer_python_1: (map(.peer_python_1) | med),
            run_over_floor: (map(.run_over_floor) | med), run_over_peer: (map(.run_over_peer) | med),
            archive_over_floor: (map(.archive_over_floor) | med)},
   range: {run_over_floor: [(map(.run_over_floor) | min), (map(.run_over_floor) | max)],
           archive_over_floor: [(map(.archive_over_floor) | min), (map(.archive_over_floor) | max)]}}' \
  "$out/rounds.jsonl" | tee "$out/ratios.json"
