#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer pass: builds the `asan` preset in
# build-asan/ and runs the unit tests, the fuzz corpus replays and multi-rank tests
# under it. Any sanitizer report fails the run (halt_on_error, abort_on_error).
#   tests/sanitizers/run.sh         the main multi-rank tests (about 10 minutes)
#   tests/sanitizers/run.sh --ci    what CI runs after the default suite: unit tests,
#                                   corpus replays and three multi-rank tests that run
#                                   at 2 ranks (and 1, 3, 4), a few minutes
# Leak checking is on. Open MPI 4.1 keeps process-lifetime allocations that it never
# frees; the asan build keeps every shared object loaded (keep_modules.c) so that
# LeakSanitizer names their libraries, and tests/sanitizers/lsan.supp suppresses them
# by library name only.
# Left out: the bounded-memory test (mpi.test_memory) asserts a peak-RSS bound, and
# ASan's shadow memory and quarantine inflate RSS, so its bound cannot hold here.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../jobs/setup.sh"
mode=full
[ "${1:-}" = "--ci" ] && mode=ci
arcos_install_packages
cmake --preset asan -S "$ARCOS_ROOT" >/dev/null
cmake --build "$ARCOS_ROOT/build-asan" -j "$(nproc)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export LSAN_OPTIONS=suppressions=$ARCOS_ROOT/tests/sanitizers/lsan.supp:print_suppressions=0
if [ "$mode" = ci ]; then
  tests='unit\.|fuzz\.replay|rank_invariance|test_archive|error_policy'
else
  tests='unit\.|fuzz\.replay|rank_invariance|guarantees|stream|cache_run|archive|graph_run|graph_h5|byte_ranges|resume|error_policy'
fi
ctest --test-dir "$ARCOS_ROOT/build-asan" --output-on-failure -j "$(nproc)" -R "$tests" \
  -E 'memory|campaign'
