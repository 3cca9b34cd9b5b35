#!/usr/bin/env bash
# The benchmark suite of issue #8, in one go on the same generated data: one table on
# stdout and $BENCH_DIR/bench.json (one object per row, stable ids) to compare commits.
# Compare the ratios measured in one run; absolute numbers drift between machines and
# with the machine's load (the table starts and ends with the load average).
#
#   jobs/bench.sh              run the suite, print the table, write bench.json
#   jobs/bench.sh --plot       the same, then render docs/img/bench-*.svg with gnuplot
#   jobs/bench.sh --plot-only  only render the charts from an existing bench.json
#   jobs/bench.sh --markdown   print an existing bench.json as a Markdown table (docs)
#
# Sizes (environment):
#   RECORDS        records of the generated JSON Lines file (default 500000)
#   RANKS          rank counts for `run` on the file; beyond the cores they run with
#                  --oversubscribe, for the shape of the curve only (default "1 2 3 4")
#   ARCHIVE_RANKS  rank counts for `run` on the HDF5 archive of the same records, and on
#                  one .jsonl.gz of them (the gz.<np> rows) ("1 2")
#   STREAM_RANKS   rank count of the named-pipe streaming row (default 2)
#   SCALE          R-MAT scale of the graph rows, through jobs/bench_graph.sh (default
#                  20; 0 leaves the graph rows out); GRAPH_RANKS (default "1 2"),
#                  STARTS (BFS start vertices, default 8)
#   GROWTH         two record counts for the RSS-growth rows (default "100000 1000000")
#   FORMAT_RECORDS synthetic records of the output-formatter row (default 200000)
#   MEM_LIMIT_MB   --max-memory-mb of the bounded-memory rows (default 64)
#   BENCH_DIR      scratch directory (default build/bench); PLOT_DIR (default docs/img)
#   ARCOS_BIN_DIR  where the binaries are (default build/bin)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
BIN=${ARCOS_BIN_DIR:-$ARCOS_ROOT/build/bin}
DIR=${BENCH_DIR:-$ARCOS_ROOT/build/bench}
PLOT_DIR=${PLOT_DIR:-$ARCOS_ROOT/docs/img}
RECORDS=${RECORDS:-500000}
RANKS=${RANKS:-1 2 3 4}
ARCHIVE_RANKS=${ARCHIVE_RANKS:-1 2}
STREAM_RANKS=${STREAM_RANKS:-2}
SCALE=${SCALE:-20}
GRAPH_RANKS=${GRAPH_RANKS:-1 2}
GROWTH=${GROWTH:-100000 1000000}
FORMAT_RECORDS=${FORMAT_RECORDS:-200000}
MEM_LIMIT_MB=${MEM_LIMIT_MB:-64}
REF=--reference-time=2026-11-01T00:00:00Z
plot=0 run=1 md=0
for a in "$@"; do
  case $a in
  --plot) plot=1 ;;
  --plot-only) plot=1 run=0 ;;
  --markdown) md=1 run=0 ;;
  -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  *) echo "bench.sh: unknown argument $a (see --help)" >&2; exit 2 ;;
  esac
done
mkdir -p "$DIR"
J=$DIR/bench.json

plot_charts() { # JSON: scaling (speed-up, efficiency) and throughput (records/s per row)
  if ! command -v gnuplot >/dev/null; then # installed on demand, only for the charts
    local ARCOS_PACKAGES=(gnuplot-nox)
    arcos_install_packages
  fi
  [ -s "$J" ] || { echo "bench.sh: no $J to plot (run jobs/bench.sh first)" >&2; return 1; }
  mkdir -p "$PLOT_DIR"
  local t=$DIR/plot
  mkdir -p "$t"
  jq -r '.rows[] | select(.group == "scaling") | "\(.ranks) \(.speedup) \(.efficiency)"' "$J" >"$t/scaling.dat"
  jq -r '.rows[] | select(.records_per_s != null) | "\"\(.what)\" \(.records_per_s)"' "$J" >"$t/throughput.dat"
  local cores maxr sub
  cores=$(jq -r .cores "$J")
  maxr=$(awk 'BEGIN{m=1} $1>m{m=$1} END{print m}' "$t/scaling.dat")
  sub="$(jq -r '"\(.records) records, \(.host), \(.cores) cores, load \(.load_average_start)"' "$J")"
  gnuplot <<EOF
set terminal svg size 720,420 dynamic font "sans,11" background rgb "white"
set output "$PLOT_DIR/bench-scaling.svg"
set title "run on one JSON Lines file: strong scaling\n{/*0.8 $sub; ranks > $cores oversubscribed}"
set xlabel "ranks"
set ylabel "speed-up over 1 rank"
set y2label "strong-scaling efficiency"
set xrange [0.5:$maxr+0.5]
set xtics 1
set yrange [0:$maxr+0.5]
set y2range [0:1.2]
set y2tics 0.2
set ytics nomirror
set key top left
set grid
set arrow from $cores+0.5, graph 0 to $cores+0.5, graph 1 nohead dt 2 lc rgb "gray40"
plot x title "ideal" dt 3 lc rgb "gray50", \
     "$t/scaling.dat" using 1:2 with linespoints lw 2 pt 7 title "speed-up", \
     "$t/scaling.dat" using 1:3 axes x1y2 with linespoints lw 2 pt 5 title "efficiency"
EOF
  local n
  n=$(wc -l <"$t/throughput.dat")
  gnuplot <<EOF
set terminal svg size 760,$((120 + 26 * n)) dynamic font "sans,11" background rgb "white"
set output "$PLOT_DIR/bench-throughput.svg"
set title "records/s per row of jobs/bench.sh\n{/*0.8 $sub}"
set style fill solid 0.8 noborder
set yrange [$n-0.4:-0.6]
set xlabel "records/s (wall clock)"
set format x "%.0s%c"
set grid x
unset key
set lmargin 34
set offsets 0, graph 0.12, 0, 0
plot "$t/throughput.dat" using (\$2*0.5):0:(\$2*0.5):(0.35):yticlabels(1) with boxxyerrorbars lc rgb "#4477aa", \
     "" using 2:0:(sprintf(" %.0fk", \$2/1000)) with labels left font ",9"
EOF
  echo "written $PLOT_DIR/bench-scaling.svg $PLOT_DIR/bench-throughput.svg"
}

markdown() { # bench.json as the table of docs/performance.md
  jq -r '
    def r(x; d): if x == null then "–" else (x * pow(10; d) | round / pow(10; d) | tostring) end;
    def commas: if length > 3 then (.[:-3] | commas) + "," + .[-3:] else . end;
    def k(x): if x == null then "–" else (x | round | tostring | commas) end;
    def note: if .group == "scaling" then "×\(r(.ratio_to_floor; 2)) floor; speed-up \(r(.speedup; 2)), efficiency \(r(.efficiency; 2))\(if .oversubscribed then " (oversubscribed)" else "" end)"
    elif .group == "gz" then "efficiency \(r(.efficiency; 2)), busy s per rank \([.busy_s_per_rank[] | r(.; 2)] | join(" ")), records per rank \(.records_per_rank | map(tostring) | join(" ")), same results \(.same_results)"
    elif .group == "archive" then "\(r(.ratio_to_jsonl; 2))× JSON Lines at \(.ranks) rank(s); \(k(.records_per_s_per_rank)) per rank; same results: \(.same_results)"
      elif .group == "stream" then "\(r(.ratio_to_file; 2)) of the file at \(.ranks) rank(s)"
      elif .group == "graph" then "load \(r(.load_s; 1)) s from \(if .form == "h5" then "HDF5" else "JSON Lines" end); \(r(.mteps; 1)) MTEPS wall (\(r(.ratio_to_gap; 2)) of GAP), \(r(.mteps_cpu; 1)) on CPU time; top-down \(r(.mteps_top_down; 1))"
      elif .group == "formats" then (.ns_per_record | to_entries | map("\(.key) \(r(.value; 0)) ns") | join(", "))
      elif .group == "memory" then "\(r(.rss_mb_small; 1)) → \(r(.rss_mb_large; 1)) MB: \(k(.bytes_per_unique_id)) B per unique id\(if .seen_set_bytes_per_unique_id then " (seen-set \(k(.seen_set_bytes_per_unique_id)) B)" else "" end)\(if .max_memory_mb then "; limit \(.max_memory_mb) MB + baseline \(r(.baseline_rss_mb; 1)) MB" else "" end)"
      else "" end;
    "Run \(.date) at commit \(.commit) on \(.host) (\(.cores) cores), \(.records) records; load average \(.load_average_start) at the start, \(.load_average_end) at the end.",
    "",
    "| row | records/s | peak RSS per rank | figures |",
    "|---|---:|---:|---|",
    (.rows[] | "| \(.what) | \(k(.records_per_s)) | \(if .max_rss_mb_per_rank then "\(r(.max_rss_mb_per_rank; 0)) MB" else "–" end) | \(note) |")' "$J"
}

if [ "$run" = 0 ]; then
  if [ "$md" = 1 ]; then
    [ -s "$J" ] || { echo "bench.sh: no $J (run jobs/bench.sh first)" >&2; exit 1; }
    markdown
  fi
  [ "$plot" = 0 ] || plot_charts
  exit 0
fi

[ -x "$BIN/arcos-scale" ] && [ -x "$BIN/arcos-floor" ] && [ -x "$BIN/arcos-floor-simdjson" ] &&
  [ -x "$BIN/arcos-bench-formats" ] || arcos_build
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
load0=$(loadavg)
gen() { # N DIR: generated records (same seed for every size)
  if [ ! -s "$2/manifest.json" ] || [ "$(jq .lines "$2/manifest.json")" != "$1" ]; then
    rm -rf "$2"
    "$BIN/arcos-scale" generate --out "$2" --records "$1" --seed 7 >/dev/null
  fi
}
gen "$RECORDS" "$DIR/data"
f=$DIR/data/evidence.jsonl

rows=$DIR/rows.jsonl
: >"$rows"
# row ID GROUP WHAT RANKS JSON-OBJECT-OF-FIGURES: one JSON row; the table is made from them.
row() { jq -cn --arg id "$1" --arg g "$2" --arg w "$3" --argjson r "$4" --argjson x "$5" \
  '{id: $id, group: $g, what: $w, ranks: $r} + $x' >>"$rows"; }
# report figures: records/s, wall, peak RSS per rank (max over the ranks), records
rep() { jq -c '{records_per_s: .processing_metrics.throughput,
  wall_s: .processing_metrics.total_processing_time,
  max_rss_mb_per_rank: ([.ranks[].rss_mb] | max), rss_mb_per_rank: [.ranks[].rss_mb],
  parallel_efficiency: .processing_metrics.parallel_efficiency,
  load_balance: .processing_metrics.load_balance, conserved: .records.conserved}' "$1"; }
mpi() { local np=$1; shift; mpirun -np "$np" --oversubscribe "$@"; }
run_file() { # NP SRC OUT [options]: `run`, report figures
  local np=$1 src=$2 out=$3; shift 3
  mpi "$np" "$BIN/arcos-scale" run "$src" --output "$out" --force --quiet $REF "$@" >/dev/null
  rep "$out/report.json"
}
same() { # OUT1 OUT2: the same counts, alerts and scores (mean, min, max, histogram)
  jq -n --slurpfile a "$1/report.json" --slurpfile b "$2/report.json" \
    '[$a[0], $b[0]] | map({records: (.records | del(.skipped_ranges)), alerts, scores}) | .[0] == .[1]'
}

cat "$f" >/dev/null # warm the page cache for everyone alike
# 1. The floor: read + json_loadb + sorted dump + SHA-256, one core.
floor=$("$BIN/arcos-floor" "$f" | awk '/floor_records_per_s/ {print $2}')
row floor floor "floor: parse + dump + SHA-256" 1 "{\"records_per_s\": $floor}"
# 1b. The simdjson floor: the per-record reader alone (Python-exact canonical text in
#     its walk) + SHA-256, one core; and the Python peer (json.loads + json.dumps(
#     sort_keys=True) + hashlib, standard library only) at 1 and 2 processes.
floor_sj=$("$BIN/arcos-floor-simdjson" "$f" 2>/dev/null | awk '/floor_records_per_s/ {print $2}')
row floor.simdjson floor "floor: simdjson reader + SHA-256" 1 "{\"records_per_s\": $floor_sj}"
for np in 1 2; do
  peer=$(/usr/bin/python3 "$ARCOS_ROOT/jobs/peer_python.py" "$f" "$np" | awk '/peer_records_per_s/ {print $2}')
  row "peer.python.$np" peer "peer: Python json + hashlib, $np process(es)" "$np" \
    "$(jq -cn --argjson p "$peer" --argjson n "$np" '{records_per_s: $p, records_per_s_per_core: ($p / $n)}')"
done

# 1c. The output formatters, per record (CPU ns; bench/bench_formats.c): results.jsonl,
#     duplicates.jsonl, dlq.jsonl and the results.h5 /evidence and /errors columns.
fmt=$("$BIN/arcos-bench-formats" "$FORMAT_RECORDS" 3 2>/dev/null | jq -Rsc '
  [split("\n")[] | select(length > 0) | split(" ")] as $l
  | {records: '"$FORMAT_RECORDS"',
     ns_per_record: ([$l[] | select(.[0] == "format_ns_per_record") | {(.[1]): (.[2] | tonumber)}] | add),
     bytes_per_record: ([$l[] | select(.[0] == "format_bytes_per_record") | {(.[1]): (.[2] | tonumber)}] | add)}')
row formats formats "output formatters: ns per record (CPU)" 1 "$fmt"

# 2. `run` on the file at each rank count: ratio to the floor, speed-up, efficiency.
tp1=""
for np in $RANKS; do
  x=$(run_file "$np" "$f" "$DIR/run-$np")
  tp=$(jq .records_per_s <<<"$x")
  [ -n "$tp1" ] || tp1=$tp
  x=$(jq -c --argjson tp1 "$tp1" --argjson fl "$floor" --argjson np "$np" --argjson c "$(nproc)" \
    '. + {ratio_to_floor: (.records_per_s / $fl), speedup: (.records_per_s / $tp1),
     efficiency: (.records_per_s / $tp1 / $np), oversubscribed: ($np > $c)}' <<<"$x")
  row "run.$np" scaling "run, file, $np rank(s)" "$np" "$x"
done
first=${RANKS%% *}

# 3. `run` on the HDF5 archive of the same records (convert once, all cores).
t0=$(date +%s.%N)
mpi "$(nproc)" "$BIN/arcos-scale" convert "$f" --out "$DIR/data.h5" --force --quiet >/dev/null
conv_s=$(echo "$(date +%s.%N) - $t0" | bc)
cat "$DIR/data.h5" >/dev/null
for np in $ARCHIVE_RANKS; do
  x=$(run_file "$np" "$DIR/data.h5" "$DIR/archive-$np")
  if [ -s "$DIR/run-$np/report.json" ]; then
    j=$(jq .processing_metrics.throughput "$DIR/run-$np/report.json")
    identical=$(same "$DIR/run-$np" "$DIR/archive-$np")
  else # no file run at this rank count in RANKS: measure it now
    j=$(run_file "$np" "$f" "$DIR/run-$np" | jq .records_per_s)
    identical=$(same "$DIR/run-$np" "$DIR/archive-$np")
  fi
  x=$(jq -c --argjson j "$j" --argjson np "$np" --argjson c "$conv_s" --argjson same "$identical" \
    '. + {records_per_s_per_rank: (.records_per_s / $np), jsonl_records_per_s: $j,
     ratio_to_jsonl: (.records_per_s / $j), convert_s: $c, same_results: $same}' <<<"$x")
  row "archive.$np" archive "run, HDF5 archive, $np rank(s)" "$np" "$x"
done

# 3b. One big .jsonl.gz of the same records at the ARCHIVE_RANKS counts: the rank that
#     inflates it deals slices to the others (docs/performance.md, "One big document").
#     Figures: records/s, efficiency against 1 rank, each rank's busy time and records.
gz=$DIR/data.jsonl.gz
[ "$gz" -nt "$f" ] || gzip -c "$f" >"$gz"
gz1=""
for np in $ARCHIVE_RANKS; do
  x=$(run_file "$np" "$gz" "$DIR/gz-$np")
  tp=$(jq .records_per_s <<<"$x")
  [ -n "$gz1" ] || gz1=$tp
  x=$(jq -c --argjson tp1 "$gz1" --argjson np "$np" --slurpfile r "$DIR/gz-$np/report.json" \
    '. + {efficiency: (.records_per_s / $tp1 / $np), busy_s_per_rank: [$r[0].ranks[].busy_s],
     records_per_rank: [$r[0].ranks[].items], same_results: true}' <<<"$x")
  if [ -s "$DIR/gz-1/report.json" ]; then
    x=$(jq -c --argjson same "$(same "$DIR/gz-1" "$DIR/gz-$np")" '.same_results = $same' <<<"$x")
  fi
  row "gz.$np" gz "run, one .jsonl.gz, $np rank(s)" "$np" "$x"
done

# 4. Streaming: `run -` at 1 rank from stdin; a named pipe at STREAM_RANKS (the same
#    code path as `-`; Open MPI 4.1's mpirun cannot be trusted to forward a
#    back-pressured stdin to rank 0, see docs/stream.md).
mpi 1 "$BIN/arcos-scale" run - --output "$DIR/stdin-1" --force --quiet $REF <"$f" >/dev/null
x=$(rep "$DIR/stdin-1/report.json")
j=$(jq .processing_metrics.throughput "$DIR/run-1/report.json" 2>/dev/null || echo null)
x=$(jq -c --argjson j "$j" '. + {file_records_per_s: $j, ratio_to_file: (if $j then .records_per_s / $j else null end)}' <<<"$x")
row stream.stdin.1 stream "run -, stdin, 1 rank" 1 "$x"
fifo=$DIR/stream.pipe
rm -f "$fifo"
mkfifo "$fifo"
cat "$f" >"$fifo" &
x=$(run_file "$STREAM_RANKS" "$fifo" "$DIR/stream-$STREAM_RANKS")
wait
rm -f "$fifo"
j=$(jq .processing_metrics.throughput "$DIR/run-$STREAM_RANKS/report.json" 2>/dev/null || echo null)
x=$(jq -c --argjson j "$j" '. + {file_records_per_s: $j, ratio_to_file: (if $j then .records_per_s / $j else null end)}' <<<"$x")
row "stream.pipe.$STREAM_RANKS" stream "run, named pipe, $STREAM_RANKS rank(s)" "$STREAM_RANKS" "$x"

# 5. Graph: jobs/bench_graph.sh per rank count (load time, BFS MTEPS of the direction-
#    optimising `auto` strategy and of top-down `index_scan`). It loads the graph from
#    HDF5 and prints the path of its JSON as its last line where it does so; an older
#    one loads JSON Lines and prints text only, which is parsed then.
#    Peak RSS: GNU time over the whole call (the maximum over its processes).
if [ "$SCALE" != 0 ]; then
  for np in $GRAPH_RANKS; do
    log=$DIR/graph-$np
    RANKS=$np SCALE=$SCALE BENCH_DIR=$DIR STARTS=${STARTS:-8} /usr/bin/time -f 'maxrss_kb %M' \
      -o "$log.rss" bash "$ARCOS_ROOT/jobs/bench_graph.sh" >"$log.out" 2>"$log.err" ||
      { cat "$log.out" "$log.err" >&2; exit 1; }
    rss=$(awk '/maxrss_kb/ {printf "%.1f", $2 / 1024}' "$log.rss")
    gj=$(tail -n 1 "$log.out")
    if [ -n "$gj" ] && [ -s "$gj" ] && jq -e .runs "$gj" >/dev/null 2>&1; then
      x=$(jq -c --argjson np "$np" '[.runs[] | select(.ranks == $np)] | (map(select(.form == "h5")) + .)[0] // {}
        | {form: (.form // null), load_s: (.load_s // null),
           mteps: (.strategies.auto.mteps_wall // null),
           mteps_top_down: (.strategies.index_scan.mteps_wall // null),
           mteps_cpu: (.strategies.auto.mteps_cpu // null),
           rss_mb_after_load: ((.peak_rss_mb_after_load // null) | if type == "array" then max else . end)}' "$gj")
    else
      cat "$log.out" "$log.err" >"$log.txt"
      load=$(sed -n 's/.*loaded in \([0-9.]*\) s.*/\1/p' "$log.txt" | tail -n 1)
      auto=$(sed -n 's/^auto .*harmonic mean \([0-9.]*\) MTEPS (wall).*/\1/p' "$log.txt" | tail -n 1)
      td=$(sed -n 's/^index_scan .*harmonic mean \([0-9.]*\) MTEPS (wall).*/\1/p' "$log.txt" | tail -n 1)
      cpu=$(sed -n 's/^auto .*MTEPS (wall), \([0-9.]*\) MTEPS (cpu).*/\1/p' "$log.txt" | tail -n 1)
      x=$(jq -cn --arg l "${load:-}" --arg a "${auto:-}" --arg t "${td:-}" --arg c "${cpu:-}" \
        '{form: "jsonl", load_s: ($l | tonumber? // null), mteps: ($a | tonumber? // null),
          mteps_top_down: ($t | tonumber? // null), mteps_cpu: ($c | tonumber? // null)}')
    fi
    x=$(jq -c --argjson rss "$rss" --argjson s "$SCALE" \
      '. + {max_rss_mb_per_rank: $rss, scale: $s, ratio_to_gap: (if .mteps then .mteps / 436 else null end)}' <<<"$x")
    row "graph.$np" graph "graph BFS, R-MAT $SCALE, $np rank(s)" "$np" "$x"
  done
fi

# 6. Peak RSS growth from the smaller to the larger GROWTH size at 1 rank, against the
#    bytes the exactly-once seen-set holds per unique id (the cache's own byte count),
#    and the same under --max-memory-mb (should stay flat).
read -r g1 g2 <<<"$GROWTH"
for n in "$g1" "$g2"; do gen "$n" "$DIR/growth-$n"; done
for mode in free bounded; do
  opts=()
  [ "$mode" = bounded ] && opts=(--max-memory-mb "$MEM_LIMIT_MB")
  for n in "$g1" "$g2"; do
    run_file 1 "$DIR/growth-$n/evidence.jsonl" "$DIR/growth-$mode-$n" "${opts[@]}" >/dev/null
  done
  a=$DIR/growth-$mode-$g1/report.json b=$DIR/growth-$mode-$g2/report.json
  x=$(jq -cn --slurpfile a "$a" --slurpfile b "$b" --argjson lim "$([ $mode = bounded ] && echo "$MEM_LIMIT_MB" || echo null)" '
    $a[0] as $a | $b[0] as $b |
    def rss(r): [r.ranks[].rss_mb] | max;
    def uniq(r): r.records.stored;
    def seen(r): if r.cache.exactly_once_on_cache then ([r.cache.per_node[].bytes] | add) else null end;
    {records_small: $a.records.input, records_large: $b.records.input,
     rss_mb_small: rss($a), rss_mb_large: rss($b), rss_growth_mb: (rss($b) - rss($a)),
     bytes_per_unique_id: ((rss($b) - rss($a)) * 1048576 / (uniq($b) - uniq($a))),
     seen_set_bytes_per_unique_id: (if seen($b) and seen($a) then (seen($b) - seen($a)) / ($b.records.stored - $a.records.stored) else null end),
     max_memory_mb: $lim, baseline_rss_mb: $b.processing_metrics.resource_utilization.baseline_rss_mb,
     spill: $b.processing_metrics.resource_utilization.spill, max_rss_mb_per_rank: rss($b),
     within_limit: (if $lim then rss($b) < $lim + $b.processing_metrics.resource_utilization.baseline_rss_mb else null end)}')
  label="peak RSS growth $g1 -> $g2 records"
  [ "$mode" = bounded ] && label="$label, --max-memory-mb $MEM_LIMIT_MB"
  row "rss.$mode" memory "$label" 1 "$x"
done
load1=$(loadavg)
# The goals of issue #14, as ratios measured in this one run.
ratios=$(jq -sc '
  def rps(id): (map(select(.id == id)) | .[0].records_per_s) // null;
  def div(a; b): if a != null and b != null and b != 0 then a / b else null end;
  {run1_over_floor_simdjson: {value: div(rps("run.1"); rps("floor.simdjson")), goal: 0.5},
   run1_over_peer_python_per_core: {value: div(rps("run.1"); rps("peer.python.1")), goal: 3},
   archive1_over_floor_simdjson: {value: div(rps("archive.1"); rps("floor.simdjson")), goal: 1.0},
   efficiency_1_to_2_ranks: {value: div(div(rps("run.2"); rps("run.1")); 2), goal: 0.9},
   gz_efficiency_1_to_2_ranks: {value: div(div(rps("gz.2"); rps("gz.1")); 2), goal: 0.9}}' "$rows")
jq -r 'to_entries[] | "\(.key): \(if .value.value == null then "-" else (.value.value * 100 | round / 100) end) (goal >= \(.value.goal))"' <<<"$ratios"

# The table, then bench.json.
jq -sr --arg l0 "$load0" --arg l1 "$load1" '
  def n(x; d): if x == null then "-" else (x * pow(10; d) | round | tostring) as $s
    | (if ($s | length) <= d then ("0" * (d + 1 - ($s | length))) + $s else $s end) as $s
    | if d == 0 then $s else $s[:-d] + "." + $s[-d:] end end;
  def k(x): if x == null then "-" else (x | round | tostring) end;
  def pad(s; w): (s | tostring) as $s | if ($s | length) >= w then $s else ((" " * (w - ($s | length))) + $s) end;
  def lpad(s; w): (s | tostring) as $s | if ($s | length) >= w then $s else ($s + (" " * (w - ($s | length)))) end;
  def ratio: if .ratio_to_floor then "\(n(.ratio_to_floor; 2)) floor"
    elif .ratio_to_jsonl then "\(n(.ratio_to_jsonl; 2))x jsonl"
    elif .ratio_to_file then "\(n(.ratio_to_file; 2)) file"
    elif .ratio_to_gap then "\(n(.ratio_to_gap; 2)) GAP" else "-" end;
  def extra: if .group == "scaling" then "speed-up \(n(.speedup; 2)), efficiency \(n(.efficiency; 2))\(if .oversubscribed then " (oversubscribed)" else "" end)"
    elif .group == "gz" then "efficiency \(n(.efficiency; 2)), busy s per rank \([.busy_s_per_rank[] | n(.; 2)] | join(" ")), records per rank \(.records_per_rank | map(tostring) | join(" ")), same results \(.same_results)"
    elif .group == "archive" then "\(k(.records_per_s_per_rank))/s per rank, same results \(.same_results)"
    elif .group == "graph" then "load \(n(.load_s; 2)) s (\(.form)), \(n(.mteps; 1)) MTEPS wall, \(n(.mteps_cpu; 1)) CPU (top-down \(n(.mteps_top_down; 1)))"
    elif .group == "formats" then (.ns_per_record | to_entries | map("\(.key) \(n(.value; 0)) ns") | join(", "))
    elif .group == "memory" then "\(n(.rss_mb_small; 1)) -> \(n(.rss_mb_large; 1)) MB: \(k(.bytes_per_unique_id)) B/unique id (seen-set \(k(.seen_set_bytes_per_unique_id)) B)\(if .max_memory_mb then ", limit+baseline \(n(.max_memory_mb + .baseline_rss_mb; 1)) MB" else "" end)"
    else "" end;
  "load average at start \($l0)",
  "\(lpad("what"; 44)) \(pad("records/s"; 10)) \(pad("ratio"; 12)) \(pad("RSS/rank"; 9))  notes",
  (.[] | "\(lpad(.what; 44)) \(pad(k(.records_per_s); 10)) \(pad(ratio; 12)) \(pad(n(.max_rss_mb_per_rank; 0) + " MB"; 9))  \(extra)"),
  "load average at end \($l1)"' "$rows"
jq -s --arg l0 "$load0" --arg l1 "$load1" --arg host "$(hostname)" --argjson cores "$(nproc)" \
  --arg commit "$(git -C "$ARCOS_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  --arg date "$(date -u +%FT%TZ)" --argjson records "$RECORDS" --argjson ratios "$ratios" \
  '{date: $date, commit: $commit, host: $host, cores: $cores, records: $records,
    load_average_start: $l0, load_average_end: $l1, ratios: $ratios, rows: .}' "$rows" >"$J"
echo "written $J"
[ "$plot" = 0 ] || plot_charts
