#!/usr/bin/env bash
# The checksum memo, A/B (docs/cache.md): the same file with --checksum-memo=true and
# =false, interleaved (on, off, on, off, ...) at each rank count, REPEATS times, so that
# load on a shared machine hits both alike. Compare the ratio of one repeat, not
# absolute figures.
#   RECORDS        records to generate (default 500000)
#   REPEAT_RATE    --payload-repeat-rate (default 0.5)
#   PAYLOAD_BYTES  --payload-bytes (default 2048; 0 = the generator's small payloads)
#   RANKS          rank counts (default "1 2")
#   REPEATS        A/B pairs per rank count (default 3)
#   EXTRA          more run options for both sides (e.g. "--checksum-memo-min-bytes 0")
#   BENCH_DIR      scratch directory (default build/bench-memo)
# Prints one line per run: ranks, memo, wall s, records/s, CPU seconds over all ranks
# (report.json ranks[].cpu_s: less sensitive to a loaded machine than wall time), hit
# ratio, max RSS per rank; then the on/off speed-up of each pair, in wall and CPU time.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
[ -x "$ARCOS_ROOT/build/bin/arcos-scale" ] || arcos_build
BIN=$ARCOS_ROOT/build/bin/arcos-scale
RECORDS=${RECORDS:-500000}
RATE=${REPEAT_RATE:-0.5}
PB=${PAYLOAD_BYTES:-2048}
RANKS=${RANKS:-1 2}
REPEATS=${REPEATS:-3}
DIR=${BENCH_DIR:-$ARCOS_ROOT/build/bench-memo}
data=$DIR/data-$RECORDS-$RATE-$PB
mkdir -p "$DIR"
if [ ! -s "$data/manifest.json" ]; then
  "$BIN" generate --out "$data" --records "$RECORDS" --payload-repeat-rate "$RATE" \
    --payload-bytes "$PB" --duplicate-rate 0 --seed 5 >/dev/null
fi
f=$data/evidence.jsonl
cat "$f" >/dev/null # warm the page cache for both sides alike
echo "# $(uptime)"
echo "# $RECORDS records, $(du -m "$f" | cut -f1) MB, payload repeat rate $RATE, payload bytes $PB"
printf '%-5s %-5s %8s %10s %8s %9s %8s\n' ranks memo wall_s records/s cpu_s hit_ratio rss_mb
for np in $RANKS; do
  for rep in $(seq 1 "$REPEATS"); do
    for memo in true false; do
      o=$DIR/out-$np-$memo
      t0=$(date +%s.%N)
      # shellcheck disable=SC2086
      mpirun -np "$np" "$BIN" run "$f" --output "$o" --force --quiet \
        --reference-time 2026-11-01T00:00:00Z --checksum-memo="$memo" ${EXTRA:-}
      t1=$(date +%s.%N)
      wall=$(echo "$t1 - $t0" | bc -l)
      cpu=$(jq '[.ranks[].cpu_s] | add' "$o/report.json")
      eval "w_$memo=$wall c_$memo=$cpu"
      printf '%-5s %-5s %8.2f %10.0f %8.2f %9.3f %8.0f\n' "$np" "$memo" "$wall" \
        "$(echo "$RECORDS / $wall" | bc -l)" "$cpu" "$(jq .cache.memo.hit_ratio "$o/report.json")" \
        "$(jq '[.ranks[].rss_mb] | max' "$o/report.json")"
    done
    # shellcheck disable=SC2154
    printf '# ranks %s pair %s: speed-up on/off wall %.2f, cpu %.2f\n' "$np" "$rep" \
      "$(echo "$w_false / $w_true" | bc -l)" "$(echo "$c_false / $c_true" | bc -l)"
  done
done
echo "# $(uptime)"
