#!/usr/bin/env bash
# One big document at 1 and 2 ranks, two builds interleaved (docs/performance.md, "One
# big document", "Measured"): for each round, in alternating order, A and B at 1 rank
# and at 2 ranks on INPUT (a directory or file holding one .jsonl.gz or .json).
#
#   A=old/arcos-scale B=build/bin/arcos-scale [ROUNDS=3] jobs/ab_bigdoc.sh INPUT [run options]
#
# Writes one JSON line per run to $BENCH_DIR/ab_bigdoc.jsonl (side, ranks, records/s,
# wall, and per rank: items, busy_s, io_s, comm_s, idle_s, cpu_s), then prints per side
# the median records/s at 1 and 2 ranks and the efficiency rps2 / (2 rps1) of the
# medians. Checks that every run's results.jsonl, dlq.jsonl and duplicates.jsonl are
# byte-identical to the first one's (exit 1 if not). The load average is printed at the
# start and the end: on a shared machine only ratios from one interleaved session mean
# anything.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
: "${A:?A=old arcos-scale binary}" "${B:?B=new arcos-scale binary}"
[ $# -ge 1 ] || { echo "usage: A=old B=new jobs/ab_bigdoc.sh INPUT [run options]" >&2; exit 2; }
ROUNDS=${ROUNDS:-3}
DIR=${BENCH_DIR:-$ARCOS_ROOT/build/bench-ab}
mkdir -p "$DIR"
in=$1
shift
echo "load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$DIR/ab_bigdoc.jsonl"
ref=
one() { # SIDE BIN NP [run options]
  local side=$1 bin=$2 np=$3 out=$DIR/out-$1-$3
  shift 3
  mpirun -np "$np" --oversubscribe "$bin" run "$in" --output "$out" --force --quiet --jsonl \
    --reference-time=2026-11-01T00:00:00Z "$@" >/dev/null
  jq -c --arg s "$side" --argjson np "$np" '{side: $s, ranks: $np,
    records_per_s: .processing_metrics.throughput, wall_s: .processing_metrics.total_processing_time,
    per_rank: [.ranks[] | {items, busy_s, io_s, comm_s, idle_s, cpu_s}]}' \
    "$out/report.json" >>"$DIR/ab_bigdoc.jsonl"
  [ -n "$ref" ] || ref=$out.ref
  if [ ! -d "$ref" ]; then
    mkdir -p "$ref" && cp "$out"/{results,dlq,duplicates}.jsonl "$ref"/
  fi
  for x in results.jsonl dlq.jsonl duplicates.jsonl; do
    cmp -s "$ref/$x" "$out/$x" || { echo "ab_bigdoc.sh: $x of $side at $np ranks differs" >&2; exit 1; }
  done
}
for i in $(seq 1 "$ROUNDS"); do
  if [ $((i % 2)) = 1 ]; then order=(A B); else order=(B A); fi
  for np in 1 2; do
    for s in "${order[@]}"; do
      if [ "$s" = A ]; then one A "$A" "$np" "$@"; else one B "$B" "$np" "$@"; fi
    done
  done
done
rm -rf "$ref"
jq -s --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" '
  def med: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  def rps(s; n): map(select(.side == s and .ranks == n) | .records_per_s) | med;
  {A: {rps1: rps("A"; 1), rps2: rps("A"; 2)}, B: {rps1: rps("B"; 1), rps2: rps("B"; 2)},
   load_average_end: $load}
  | .A.efficiency = .A.rps2 / (2 * .A.rps1) | .B.efficiency = .B.rps2 / (2 * .B.rps1)' \
  "$DIR/ab_bigdoc.jsonl" | tee "$DIR/ab_bigdoc.json" |
  jq -r '"A: \(.A.rps1 | round) records/s at 1 rank, \(.A.rps2 | round) at 2, efficiency \(.A.efficiency * 1000 | round / 1000)",
         "B: \(.B.rps1 | round) records/s at 1 rank, \(.B.rps2 | round) at 2, efficiency \(.B.efficiency * 1000 | round / 1000)",
         "load average at end \(.load_average_end); results identical"'
