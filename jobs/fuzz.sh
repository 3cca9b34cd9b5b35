#!/usr/bin/env bash
# jobs/fuzz.sh: run the libFuzzer targets of fuzz/ (docs/reliability.md "Fuzzing").
#
#   jobs/fuzz.sh [--smoke] [--merge] [TARGET...]
#
# TARGET: record canonical jsonl_ranges query config archive reader_diff (default: all).
#   --smoke   a short run per target (FUZZ_SECONDS default 30) on a scratch copy of the
#             seed corpus; what CI runs (ctest -L fuzz in build-fuzz/).
#   --merge   afterwards, add the inputs that bring new coverage to the checked-in
#             corpus tests/fuzz/corpus/<target>/ (libFuzzer -merge=1: minimal additions).
# Environment:
#   FUZZ_SECONDS    seconds per target (default 600; 30 with --smoke)
#   FUZZ_PARALLEL   targets run at the same time (default 1; at most 2 on a shared machine)
#   FUZZ_NICE       nice level of the fuzzers (default 19)
#   FUZZ_WORK       campaign directory (default build-fuzz/campaign): <target>/corpus
#                   (the growing corpus, kept between campaigns), <target>/log-TIME,
#                   <target>/crash-*, and summary.tsv (one line per target run: time,
#                   target, seconds, executions, corpus files, crashes)
#   ARCOS_FUZZ_BUILD  the ARCOS_FUZZ build (default build-fuzz; made with the fuzz
#                   preset when missing)
# A summary line per target: seconds, executions, corpus size, crashes. Exit status 1
# when any target found a crash (its reproducer is FUZZ_WORK/<target>/crash-*; replay it
# with build-fuzz/fuzz/fuzz_<target> FILE).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
all=(record canonical jsonl_ranges query config archive reader_diff)
smoke=false merge=false targets=()
for a in "$@"; do
  case $a in
    --smoke) smoke=true ;;
    --merge) merge=true ;;
    -h | --help)
      sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'
      exit 0
      ;;
    -*) echo "fuzz.sh: unknown option $a" >&2; exit 2 ;;
    *)
      [[ " ${all[*]} " == *" $a "* ]] || { echo "fuzz.sh: unknown target $a (${all[*]})" >&2; exit 2; }
      targets+=("$a")
      ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
build=${ARCOS_FUZZ_BUILD:-$root/build-fuzz}
seconds=${FUZZ_SECONDS:-$($smoke && echo 30 || echo 600)}
parallel=${FUZZ_PARALLEL:-1}
nice_level=${FUZZ_NICE:-19}
work=${FUZZ_WORK:-$build/campaign}
if $smoke; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/arcos-fuzz-smoke.XXXXXX")
  trap 'rm -rf "$work"' EXIT
fi

if [ ! -x "$build/fuzz/fuzz_${targets[0]}" ] || ! $smoke; then
  if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake --preset fuzz -S "$root" >/dev/null
  fi
  cmake --build "$build" -j "$(nproc)" --target "${targets[@]/#/fuzz_}" >/dev/null
fi

# Open MPI (the archive target initialises MPI, single rank) as root, in containers.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh" # the Open MPI settings (cmake/openmpi.env)
# Leak checking stays on (libFuzzer checks every input that grows memory). Open MPI's
# allocations at MPI_Init are process-lifetime; the end-of-process check is skipped
# (-detect_leaks applies per input; LSan at exit is off through ASAN_OPTIONS).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:leak_check_at_exit=0:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/tests/fuzz/lsan.supp:print_suppressions=0}

run_target() {
  local t=$1 dir=$work/$1
  mkdir -p "$dir/corpus"
  local rc=0 log
  log=$dir/log-$(date -u +%Y%m%dT%H%M%S)
  local t0
  t0=$(date +%s)
  # Growing corpus first (new inputs are written there), then the seeds.
  nice -n "$nice_level" "$build/fuzz/fuzz_$t" "$dir/corpus" "$root/tests/fuzz/corpus/$t" \
    -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -max_len=200000 \
    -print_final_stats=1 -artifact_prefix="$dir/" >"$log" 2>&1 || rc=$?
  local execs corpus crashes
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  local secs=$(($(date +%s) - t0))
  corpus=$(find "$dir/corpus" "$root/tests/fuzz/corpus/$t" -type f | wc -l)
  crashes=$(find "$dir" -maxdepth 1 -name 'crash-*' -o -maxdepth 1 -name 'leak-*' \
    -o -maxdepth 1 -name 'timeout-*' -o -maxdepth 1 -name 'oom-*' | wc -l)
  printf 'fuzz %-13s %5ss  %10s execs  corpus %5s files  %s crash(es)  rc %s\n' \
    "$t" "${secs:-?}" "${execs:-?}" "$corpus" "$crashes" "$rc"
  $smoke || printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "${secs:-?}" \
    "${execs:-?}" "$corpus" "$crashes" >>"$work/summary.tsv"
  if [ "$rc" -ne 0 ] || [ "$crashes" -gt 0 ]; then
    grep -m5 -E 'ERROR|SUMMARY|property failed|runtime error' "$log" >&2 || true
    echo "fuzz $t: see $log and $dir/crash-*" >&2
    return 1
  fi
  if $merge; then
    nice -n "$nice_level" "$build/fuzz/fuzz_$t" -merge=1 -max_len=200000 \
      "$root/tests/fuzz/corpus/$t" "$dir/corpus" >"$dir/merge.log" 2>&1
    echo "fuzz $t: checked-in corpus now $(find "$root/tests/fuzz/corpus/$t" -type f | wc -l) files"
  fi
}

status=0
pids=()
for t in "${targets[@]}"; do
  run_target "$t" &
  pids+=($!)
  if [ ${#pids[@]} -ge "$parallel" ]; then
    wait "${pids[0]}" || status=1
    pids=("${pids[@]:1}")
  fi
done
for p in "${pids[@]}"; do
  wait "$p" || status=1
done
exit $status
