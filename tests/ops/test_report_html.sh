# report.html is self-contained and renders: headless Chromium takes a screenshot that
# must show the per-rank bars and the histogram in their colours; a blank page must
# fail the same check (so the check can fail).
source "$(dirname "$0")/../mpi/lib.sh"
source "$(dirname "$0")/lib.sh"
S=$ARCOS_SRC/inputs/sample
O=$ARCOS_TMP/out
PNG_CHECK=$ARCOS_TESTS_BIN/png_check
mpi 2 "$ARCOS_BIN" run --config "$S/job.json" --output "$O" --quiet "$S/evidence"
h=$O/report.html
[ -s "$h" ] || fail "report.html missing"
# self-contained: no scripts, no external references (the SVG namespace is a name, not a fetch)
! grep -qi '<script' "$h" || fail "report.html has a script"
! grep -Eqi '(src|href)=|url\(|@import' "$h" || fail "report.html references something outside"
[ "$(grep -Eo 'https?://[^"]*' "$h" | sort -u)" = "http://www.w3.org/2000/svg" ] || fail "unexpected URL in report.html"
grep -q 'aria-label="time per rank"' "$h" || fail "no per-rank bars"
grep -q 'aria-label="score histogram"' "$h" || fail "no histogram"
grep -q 'aria-label="alerts by severity"' "$h" || fail "no alerts chart"
# the per-host sums: one host here, both ranks and all their records on it
host=$(jq -r '.ranks[0].host' "$O/report.json")
items=$(jq '[.ranks[].items] | add' "$O/report.json")
grep -q '<h2>Time per host</h2>' "$h" || fail "no per-host table"
grep -qF "<tr><th scope=\"row\">$host</th><td class=\"n\">2</td><td class=\"n\">$items</td>" "$h" ||
  fail "the per-host table lacks host $host with 2 ranks and $items records"

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  ensure_packages chromium || skip_or_fail "chromium is not installed and cannot be installed (apt-get install chromium)"
  browser=$(command -v chromium)
fi
shot() { # shot HTML PNG
  local profile
  profile=$(mktemp -d "$ARCOS_TMP/profile.XXXXXX")
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --screenshot="$2" --window-size=1200,1600 "file://$1" \
    >"$ARCOS_TMP/chromium.log" 2>&1 || { tail -5 "$ARCOS_TMP/chromium.log" >&2; fail "chromium failed on $1"; }
  rm -rf "$profile"
  [ -s "$2" ] || fail "no screenshot of $1"
}
t0=$SECONDS
shot "$h" "$ARCOS_TMP/report.png"
echo "chromium screenshot in $((SECONDS - t0)) s"
# busy green and I/O blue of the rank bars, the histogram's violet
"$PNG_CHECK" "$ARCOS_TMP/report.png" --min-colours 16 --min-ink 0.05 \
  --expect 2f9e44 --expect 1c7ed6 --expect 7048e8 || fail "the screenshot does not show the report"

printf '<!DOCTYPE html><html><body style="background:#fff"></body></html>\n' >"$ARCOS_TMP/blank.html"
shot "$ARCOS_TMP/blank.html" "$ARCOS_TMP/blank.png"
if "$PNG_CHECK" "$ARCOS_TMP/blank.png" --min-colours 16 --min-ink 0.05 --expect 2f9e44; then
  fail "png_check accepted a blank page"
fi
echo "report.html: ok"
