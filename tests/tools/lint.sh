#!/usr/bin/env bash
# lint.sh MODE [BUILD_DIR]: static checks of src/ (docs/reliability.md "Static analysis").
#   cppcheck   cppcheck (warning, performance, portability) over src/; ~10 s
#   tidy       clang-tidy with the checked-in .clang-tidy over src/ and src/cli/,
#              using BUILD_DIR/compile_commands.json (default build/); a few minutes
#   format     clang-format --dry-run against .clang-format over src/, include/, fuzz/
#              and the C files of tests/ and bench/
# Exits 1 with the findings on stderr when any check reports something. False
# positives are suppressed inline, next to the code, with the reason:
#   cppcheck:    // cppcheck-suppress <id> -- why
#   clang-tidy:  // NOLINT(<check>): why       (or NOLINTNEXTLINE)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
mode=${1:?usage: lint.sh cppcheck|tidy|format [BUILD_DIR]}
build=${2:-$root/build}
cd "$root"
jobs=$(nproc)
case $mode in
  cppcheck)
    command -v cppcheck >/dev/null || { echo "lint.sh: cppcheck not installed" >&2; exit 77; }
    # -D__GNUC__: the headers' format attributes; missingIncludeSystem: cppcheck does
    # not need the system headers to check our code.
    cppcheck --quiet --std=c11 --enable=warning,performance,portability --inline-suppr \
      --error-exitcode=1 -j "$jobs" -D__GNUC__ -DARCOS_VERSION='"lint"' -I include -I src \
      --suppress=missingIncludeSystem src/
    ;;
  tidy)
    command -v clang-tidy >/dev/null || { echo "lint.sh: clang-tidy not installed" >&2; exit 77; }
    [ -f "$build/compile_commands.json" ] ||
      { echo "lint.sh: no $build/compile_commands.json (configure the build first)" >&2; exit 1; }
    # tests/tools/lint_model.h tells the analyser that MPI_Abort does not return.
    out=$(mktemp)
    trap 'rm -f "$out"' EXIT
    rc=0
    skip='^$' # no file is skipped (a regex of paths to leave out, for a file in triage)
    printf '%s\n' src/*/*.c | grep -v -E "$skip" |
      xargs -P "$jobs" -n 4 clang-tidy -p "$build" --quiet \
        --extra-arg=-include --extra-arg="$root/tests/tools/lint_model.h" >"$out" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ] || grep -E -c '(warning|error):' "$out" >/dev/null; then
      grep -E -A3 '(warning|error):' "$out" >&2 || cat "$out" >&2
      echo "lint.sh: clang-tidy findings: $(grep -E -c '(warning|error):' "$out")" >&2
      exit 1
    fi
    echo "clang-tidy: $(printf '%s\n' src/*/*.c | grep -v -c -E "$skip") files clean"
    ;;
  format)
    command -v clang-format >/dev/null || { echo "lint.sh: clang-format not installed" >&2; exit 77; }
    files=$(git ls-files 'src/*.c' 'src/*.cpp' 'src/*.h' 'include/*.h' 'fuzz/*.c' 'fuzz/*.h' \
      'tests/*.c' 'tests/*.h' 'bench/*.c' 2>/dev/null || find src include fuzz tests bench -name '*.[ch]')
    bad=()
    for f in $files; do
      clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
    done
    if [ ${#bad[@]} -gt 0 ]; then
      printf '  %s\n' "${bad[@]}" >&2
      echo "lint.sh: ${#bad[@]} files differ from .clang-format (show: clang-format FILE | diff FILE -;" \
        "fix: clang-format -i FILE)" >&2
      exit 1
    fi
    echo "clang-format: $(echo $files | wc -w) files formatted"
    ;;
  *)
    echo "lint.sh: unknown mode $mode" >&2
    exit 2
    ;;
esac
