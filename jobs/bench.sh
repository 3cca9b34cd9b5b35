#!/usr/bin/env bash
# Throughput of `run` against the JSON parse floor, on one generated file, in one go
# (compare ratios measured in one run; absolute numbers drift between machines).
#   RECORDS   records to generate (default 500000)
#   RANKS     rank counts for file input (default "1 2")
#   BENCH_DIR scratch directory (default build/bench)
# Prints a table (also as $BENCH_DIR/bench.json): the floor; `run` on the file at each
# rank count; `run` without the checkpoint journal; streaming through a named pipe at
# the largest rank count; the same with the file for comparison.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
[ -x "$ARCOS_ROOT/build/bin/arcos-scale" ] || arcos_build
BIN=$ARCOS_ROOT/build/bin
DIR=${BENCH_DIR:-$ARCOS_ROOT/build/bench}
RECORDS=${RECORDS:-500000}
RANKS=${RANKS:-1 2}
mkdir -p "$DIR"
if [ ! -s "$DIR/data/manifest.json" ] || [ "$(jq .lines "$DIR/data/manifest.json")" != "$RECORDS" ]; then
  rm -rf "$DIR/data"
  "$BIN/arcos-scale" generate --out "$DIR/data" --records "$RECORDS" --seed 7 >/dev/null
fi
f=$DIR/data/evidence.jsonl
cat "$f" >/dev/null # warm the page cache for everyone alike
REF=--reference-time=2026-11-01T00:00:00Z
floor=$("$BIN/arcos-floor" "$f" 2>/dev/null | awk '/floor_records_per_s/ {print $2}')
printf '%-34s %11s %7s %10s %8s %8s\n' "what" "records/s" "/floor" "efficiency" "balance" "max RSS"
printf '%-34s %11.0f %7s %10s %8s %8s\n' "floor: parse + dump + SHA-256" "$floor" "1.00" "-" "-" "-"
json="{\"records\": $RECORDS, \"floor_records_per_s\": $floor, \"runs\": ["
sep=""
row() { # LABEL NP REPORT
  local r=$3 tp eff bal rss
  tp=$(jq .processing_metrics.throughput "$r")
  eff=$(jq .processing_metrics.parallel_efficiency "$r")
  bal=$(jq .processing_metrics.load_balance "$r")
  rss=$(jq .processing_metrics.resource_utilization.max_rss_mb "$r")
  printf '%-34s %11.0f %7.2f %10.2f %8.2f %6.0fMB\n' "$1" "$tp" "$(echo "$tp / $floor" | bc -l)" "$eff" "$bal" "$rss"
  json+="$sep{\"what\": \"$1\", \"ranks\": $2, \"records_per_s\": $tp, \"parallel_efficiency\": $eff, \"load_balance\": $bal, \"max_rss_mb\": $rss}"
  sep=", "
}
last=1
for np in $RANKS; do
  mpirun -np "$np" --oversubscribe "$BIN/arcos-scale" run "$f" --output "$DIR/run-$np" --force --quiet $REF
  row "run, file, $np rank(s)" "$np" "$DIR/run-$np/report.json"
  last=$np
done
mpirun -np 1 "$BIN/arcos-scale" run "$f" --output "$DIR/nockpt" --force --quiet $REF --checkpoint=false
row "run, file, 1 rank, no journal" 1 "$DIR/nockpt/report.json"
fifo=$DIR/stream.pipe
rm -f "$fifo"
mkfifo "$fifo"
cat "$f" >"$fifo" &
mpirun -np "$last" --oversubscribe "$BIN/arcos-scale" run "$fifo" --output "$DIR/stream" --force --quiet $REF
wait
row "run, stream (pipe), $last rank(s)" "$last" "$DIR/stream/report.json"
echo "$json]}" | jq . >"$DIR/bench.json"
echo "written $DIR/bench.json"
