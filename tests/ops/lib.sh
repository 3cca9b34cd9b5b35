# Helpers for the operations tests (sourced after tests/mpi/lib.sh).

# skip_or_fail MESSAGE: a test that cannot run here skips (exit 77) on a workstation
# but fails in CI, where the packages must be installable.
skip_or_fail() {
  if [ "${CI:-}" = "true" ]; then
    fail "$* (CI must be able to run this test)"
  fi
  echo "SKIP: $*"
  exit 77
}

# ensure_packages PKG...: install the missing Debian packages (root or sudo), one
# installer at a time (ctest -j runs tests side by side). Returns 1 when impossible.
ensure_packages() {
  local missing=() p
  for p in "$@"; do
    [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || return 1
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null || return 1
    sudo=(sudo -n)
  fi
  echo "installing ${missing[*]}"
  local t0=$SECONDS
  (
    flock 9
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq &&
      "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 \
        install -y -qq --no-install-recommends "${missing[@]}"
  ) 9>/tmp/arcos-apt.lock >"$ARCOS_TMP/apt.log" 2>&1 || { tail -5 "$ARCOS_TMP/apt.log" >&2; return 1; }
  echo "installed ${missing[*]} in $((SECONDS - t0)) s"
}
