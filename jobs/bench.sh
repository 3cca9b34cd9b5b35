#!/usr/bin/env bash
# Throughput of `run` against the JSON parse floor, on one generated file, in one go
# (compare ratios measured in one run; absolute numbers drift between machines).
#   RECORDS   records to generate (default 500000)
#   RANKS     rank counts to run (default "1 2")
#   BENCH_DIR scratch directory (default build/bench)
# Prints a table and writes $BENCH_DIR/bench.json.
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
floor=$("$BIN/arcos-floor" "$f" 2>/dev/null | awk '/floor_records_per_s/ {print $2}')
printf '%-28s %12s %8s %10s %10s %9s\n' "what" "records/s" "ratio" "efficiency" "balance" "max RSS"
printf '%-28s %12.0f %8s %10s %10s %9s\n' "floor (parse+dump+SHA-256)" "$floor" "1.00" "-" "-" "-"
json="{\"records\": $RECORDS, \"floor_records_per_s\": $floor, \"runs\": ["
sep=""
for np in $RANKS; do
  out=$DIR/run-$np
  mpirun -np "$np" --oversubscribe "$BIN/arcos-scale" run "$f" --output "$out" --force --quiet \
    --reference-time 2026-11-01T00:00:00Z
  r=$out/report.json
  tp=$(jq .processing_metrics.throughput "$r")
  eff=$(jq .processing_metrics.parallel_efficiency "$r")
  bal=$(jq .processing_metrics.load_balance "$r")
  rss=$(jq .processing_metrics.resource_utilization.max_rss_mb "$r")
  printf '%-28s %12.0f %8.2f %10.2f %10.2f %7.0fMB\n' "run, $np rank(s)" "$tp" \
    "$(echo "$tp / $floor" | bc -l)" "$eff" "$bal" "$rss"
  json+="$sep{\"ranks\": $np, \"records_per_s\": $tp, \"parallel_efficiency\": $eff, \"load_balance\": $bal, \"max_rss_mb\": $rss}"
  sep=", "
done
echo "$json]}" | jq . >"$DIR/bench.json"
echo "written $DIR/bench.json"
