#!/usr/bin/env bash
# Install packages, build, and run the default test suite (unit + multi-rank tests).
# Long benchmarks and campaigns have their own CTest labels and are not run here, nor
# are valgrind memcheck (ctest -L valgrind), clang-tidy (ctest -L tidy) and the long
# rank sweeps (ctest -L sweep), which are CI steps of their own.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../jobs/setup.sh"
arcos_install_packages
arcos_build
ctest --test-dir "$ARCOS_ROOT/build" --output-on-failure -j "$(nproc)" -LE 'bench|long|valgrind|tidy|sweep' "$@"
