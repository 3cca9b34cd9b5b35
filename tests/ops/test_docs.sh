# docs/operations.md and the man page stay true: their options tables match
# `run --help`, every metric a run writes and every advisor rule is documented, and
# the man page renders without warnings.
source "$(dirname "$0")/../mpi/lib.sh"
source "$(dirname "$0")/lib.sh"
D=$ARCOS_SRC/docs
bash "$D/gen-options.sh" --check "$ARCOS_BIN" || fail "options tables out of date (docs/gen-options.sh --update)"

S=$ARCOS_SRC/inputs/sample
"$ARCOS_BIN" run --config "$S/job.json" --output "$ARCOS_TMP/out" --quiet "$S/evidence"
for m in $(awk '$1 == "#" && $2 == "TYPE" {print $3}' "$ARCOS_TMP/out/metrics.prom"); do
  grep -q "\`$m\`" "$D/operations.md" || fail "metric $m is not in docs/operations.md"
done
rules=$(sed -n '/arcos_advisor_rules\[\] = {/,/NULL}/p' "$ARCOS_SRC/src/ops/advisor.c" | grep -o '"[a-z_]*"' | tr -d '"')
[ "$(wc -w <<<"$rules")" -ge 12 ] || fail "could not read the advisor rules"
for r in $rules; do
  grep -q "^| \`$r\` |" "$D/operations.md" || fail "advisor rule $r is not in docs/operations.md"
done

if command -v groff >/dev/null 2>&1; then
  warn=$(groff -man -ww -z -Tutf8 "$D/arcos-scale.1" 2>&1) || fail "groff failed: $warn"
  [ -z "$warn" ] || fail "man page warnings: $warn"
else
  echo "groff not installed: man page rendering not checked"
fi
grep -q "install(FILES .*docs/arcos-scale.1 DESTINATION .*man1)" "$ARCOS_SRC/CMakeLists.txt" ||
  fail "the man page is not installed by CMake"
echo "docs: ok"
