# docs/operations.md and the man page stay true: their options tables match
# `run --help`, every option of every other command is documented, no text calls a
# feature missing (issue #13 j: docs/stream.md called checkpoint/restart "a later
# release" and input.c called stdin streaming "not available in this build", both
# long after they shipped), every metric a run writes and every advisor rule is
# documented, and the man page renders without warnings.
source "$(dirname "$0")/../mpi/lib.sh"
source "$(dirname "$0")/lib.sh"
D=$ARCOS_SRC/docs
bash "$D/gen-options.sh" --check "$ARCOS_BIN" || fail "options tables out of date (docs/gen-options.sh --update)"

all_docs=$(cat "$D"/*.md "$D/arcos-scale.1" "$ARCOS_SRC/README.md" | sed 's/\\//g')
commands=$("$ARCOS_BIN" --help | awk '/^Commands:/ {on = 1; next} on && /^  [a-z]/ {print $1}')
[ "$(wc -w <<<"$commands")" -ge 5 ] || fail "could not read the commands of arcos-scale --help"
for c in $commands; do
  for o in $("$ARCOS_BIN" "$c" --help 2>&1 | grep -oE '^ +--[a-z0-9-]+'); do
    grep -qF -- "$o" <<<"$all_docs" || fail "$c $o is in --help but in no doc (docs/, README.md)"
  done
done
stale='later release|not available in this build|not (yet )?implemented|implemented later|coming soon'
hits=$(grep -rniE "$stale" "$D" "$ARCOS_SRC/README.md" "$ARCOS_SRC/src" "$ARCOS_SRC/include" \
  "$ARCOS_SRC/jobs" || true)
[ -z "$hits" ] || fail "text that calls a feature missing (ship it or say what is missing and why):
$hits"

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
