#!/usr/bin/env bash
# Install what arcos-scale needs (Debian 12 packages), then configure and build it in
# build/. Sourced by jobs/quickstart.sh and tests/run.sh; also runnable on its own.
#   ARCOS_BUILD_TYPE   Release (default) or Debug
#   ARCOS_WERROR       ON to treat warnings as errors (CI sets it)
set -euo pipefail

ARCOS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ARCOS_PACKAGES=(build-essential cmake pkg-config openmpi-bin libopenmpi-dev
  libhdf5-openmpi-dev hdf5-tools libjansson-dev libssl-dev zlib1g-dev libxxhash-dev libsimdjson-dev libdeflate-dev jq
  prometheus chromium
  valgrind clang-14 libclang-rt-14-dev clang-tidy cppcheck clang-format)
# The last line: hardening checks (docs/reliability.md): valgrind memcheck, libFuzzer
# (clang-14 and its runtime), static analysis and the format check.

arcos_install_packages() {
  local missing=()
  for p in "${ARCOS_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "arcos-scale: installing Debian packages: ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      echo "arcos-scale: missing packages ${missing[*]}; run as root or install them with apt-get" >&2
      return 1
    fi
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

arcos_build() {
  local werror=${ARCOS_WERROR:-OFF}
  [ "${CI:-}" = "true" ] && werror=ON
  cmake -S "$ARCOS_ROOT" -B "$ARCOS_ROOT/build" -DCMAKE_BUILD_TYPE="${ARCOS_BUILD_TYPE:-Release}" \
    -DARCOS_WERROR="$werror" >/dev/null
  cmake --build "$ARCOS_ROOT/build" -j "$(nproc)"
}

# The Open MPI settings (root, containers) from their one place, cmake/openmpi.env.
arcos_openmpi_env() {
  local line
  while IFS= read -r line; do
    case $line in '' | '#'*) continue ;; esac
    export "${line?}"
  done <"$ARCOS_ROOT/cmake/openmpi.env"
}
arcos_openmpi_env

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  arcos_install_packages
  arcos_build
fi
