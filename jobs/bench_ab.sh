#!/usr/bin/env bash
# A/B of two builds of arcos-scale on the same input, interleaved (A B, B A, A B, ...)
# so that the machine's load drifts over both alike; how each change in
# docs/performance.md ("What was tuned") was measured.
#
#   A=path/to/old/arcos-scale B=build/bin/arcos-scale [NP=1] [REPEATS=5] \
#     jobs/bench_ab.sh INPUT [more run options]
#
# Prints per side the median records/s (wall), the median CPU seconds summed over the
# ranks, and the medians' ratios B/A; checks that both give byte-identical
# results.jsonl, dlq.jsonl and duplicates.jsonl (exit 1 if not). Also written as JSON to
# $BENCH_DIR/ab.json. The load average is printed at the start and the end.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
: "${A:?A=old arcos-scale binary}" "${B:?B=new arcos-scale binary}"
[ $# -ge 1 ] || { echo "usage: A=old B=new jobs/bench_ab.sh INPUT [run options]" >&2; exit 2; }
NP=${NP:-1}
REPEATS=${REPEATS:-5}
DIR=${BENCH_DIR:-$ARCOS_ROOT/build/bench-ab}
mkdir -p "$DIR"
in=$1
shift
echo "load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$DIR/ab.jsonl"
one() { # SIDE BIN [run options]
  local side=$1 bin=$2 out=$DIR/out-$1
  shift 2
  mpirun -np "$NP" --oversubscribe "$bin" run "$in" --output "$out" --force --quiet --jsonl \
    --reference-time=2026-11-01T00:00:00Z "$@" >/dev/null
  jq -c --arg s "$side" '{side: $s, records_per_s: .processing_metrics.throughput,
    cpu_s: ([.ranks[].cpu_s] | add), wall_s: .processing_metrics.total_processing_time,
    efficiency: .processing_metrics.parallel_efficiency}' "$out/report.json" >>"$DIR/ab.jsonl"
}
for i in $(seq 1 "$REPEATS"); do
  if [ $((i % 2)) = 1 ]; then
    one A "$A" "$@"
    one B "$B" "$@"
  else
    one B "$B" "$@"
    one A "$A" "$@"
  fi
done
for x in results.jsonl dlq.jsonl duplicates.jsonl; do
  cmp -s "$DIR/out-A/$x" "$DIR/out-B/$x" || { echo "bench_ab.sh: $x differs between A and B" >&2; exit 1; }
done
jq -s --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" --argjson np "$NP" '
  def med: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  def side(s): map(select(.side == s)) | {records_per_s: (map(.records_per_s) | med),
    cpu_s: (map(.cpu_s) | med), efficiency: (map(.efficiency) | med), runs: length};
  {ranks: $np, A: side("A"), B: side("B"), load_average_end: $load, identical_results: true}
  | .ratio_records_per_s = (.B.records_per_s / .A.records_per_s)
  | .ratio_cpu_s = (.B.cpu_s / .A.cpu_s)' "$DIR/ab.jsonl" | tee "$DIR/ab.json" |
  jq -r '"A: \(.A.records_per_s | round) records/s, \(.A.cpu_s * 1000 | round / 1000) CPU s (median of \(.A.runs))",
         "B: \(.B.records_per_s | round) records/s, \(.B.cpu_s * 1000 | round / 1000) CPU s (median of \(.B.runs))",
         "B/A: records/s \(.ratio_records_per_s * 1000 | round / 1000), CPU s \(.ratio_cpu_s * 1000 | round / 1000); results identical",
         "load average at end \(.load_average_end)"'
