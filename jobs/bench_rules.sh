#!/usr/bin/env bash
# Per-record cost of the scoring rules: the same input run with the built-in set and
# with a 50-rule file (33 rules that list the common types but never apply, then the
# built-in 17, so every record walks 33 extra candidates and 33 extra paths), in
# alternation; prints CPU seconds of rank 0 per side and the difference per record.
# The outputs must be identical (the extra rules never apply).
#   jobs/bench_rules.sh INPUT [REPEATS]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
in=$1
reps=${2:-3}
B=${B:-$ARCOS_ROOT/build/bin/arcos-scale}
D=$(mktemp -d)
"$B" rules --print-default >"$D/default.json"
jq '[range(33) as $i | {types: ["test_result", "coverage", "security_scan", "static_analysis",
     "build", "code_review"], metric: {field: "missing_\($i)"}, at_least: [[1, 10]]}] + .' \
  "$D/default.json" >"$D/r50.json"
"$B" rules --check "$D/r50.json"
for r in $(seq "$reps"); do
  for side in builtin r50; do
    opt=()
    [ "$side" = r50 ] && opt=(--scoring-rules "$D/r50.json")
    "$B" run "$in" --output "$D/o-$side" --force --quiet --jsonl \
      --reference-time=2026-11-01T00:00:00Z "${opt[@]}"
    echo "$side $(jq -r '"\(.records.input) \(.ranks[0].cpu_s)"' "$D/o-$side/report.json")"
  done
done | awk '{n[$1] = $2; s[$1] += $3; c[$1]++} END {
  a = s["builtin"] / c["builtin"]; b = s["r50"] / c["r50"];
  printf "built-in %.3f CPU s, 50 rules %.3f CPU s, +%.2f us/record (%d records)\n", a, b, (b - a) / n["builtin"] * 1e6, n["builtin"] }'
cmp "$D/o-builtin/results.jsonl" "$D/o-r50/results.jsonl" || { echo "results differ" >&2; exit 1; }
rm -rf "$D"
