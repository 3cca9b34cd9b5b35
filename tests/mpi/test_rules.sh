#!/usr/bin/env bash
# Scoring rules (SPEC §2) in runs:
#  - upstream-shaped records of every type the built-in rules name score the points the
#    rules give (tests/data/rules/upstream.jsonl carries each record's expected signal;
#    null = signal_unknown, set to 3 here), low_quality fires exactly where the score
#    is under 50, at 1, 2, 3 and 4 ranks, byte-identical results;
#  - a custom rules file over the JSON and over an HDF5 archive of it (converted under
#    the built-in rules, so its stored values do not cover the custom paths and the
#    run reads the stored `data`) scores the same, at 1-4 ranks; the built-in rules
#    over the archive (stored values) score as over the JSON;
#  - report.json names the rules and their SHA-256 (as `rules --check` prints it),
#    results.h5 keeps the canonical text;
#  - bad rules files: exit 2 naming the rule and key, before any input is read.
source "$(dirname "$0")/lib.sh"
command -v h5dump >/dev/null || { echo "h5dump not installed (hdf5-tools)"; exit 77; }
T=$ARCOS_TMP
IN=$ARCOS_SRC/tests/data/rules/upstream.jsonl
REF=--reference-time=2026-11-01T00:00:00Z

# 1. Built-in rules over upstream-shaped evidence.
for np in 1 2 3 4; do
  mpi "$np" "$ARCOS_BIN" run "$IN" --output "$T/up$np" --jsonl --quiet "$REF" \
    --scoring-signal-neutral 3 || fail "run on $np ranks"
  [ "$np" = 1 ] || assert_same_file "$T/up$np/results.jsonl" "$T/up1/results.jsonl" "results at $np ranks"
done
jq -c '{id, s: (.expected_signal // 3)}' "$IN" | sort >"$T/expected"
jq -c '{id, s: .components.signal}' "$T/up1/results.jsonl" | sort >"$T/got"
assert_same_file "$T/got" "$T/expected" "signal points of upstream-shaped records"
# completeness 30 + provenance 10 + freshness 0 + integrity 0: score = 40 + signal.
bad=$(jq -r 'select(.score != 40 + .components.signal or
                    ((.score < 50) != (.alerts | index("low_quality") != null))) | .id' \
  "$T/up1/results.jsonl")
assert_eq "$bad" "" "score and low_quality follow the signal"
assert_eq "$(jq -r 'select(.alerts | index("low_quality")) | .id' "$T/up1/results.jsonl" | wc -l)" \
  "$(jq -r 'select((.expected_signal // 3) < 10) | .id' "$IN" | wc -l)" "low_quality count"
r=$T/up1/report.json
assert_eq "$(json_get "$r" .scoring_rules.source)" built-in "report source"
sha=$("$ARCOS_BIN" rules --print-default >"$T/default.json" && "$ARCOS_BIN" rules --check "$T/default.json" | sed 's/.*sha256 //')
assert_eq "$(json_get "$r" .scoring_rules.sha256)" "$sha" "report sha256 = rules --check"
h5dump -a /scoring_rules "$T/up1/results.h5" | grep -q 'ci_coverage_report' || fail "results.h5 scoring_rules"

# 2. Custom rules: the JSON and an archive converted under the built-in rules agree.
cat >"$T/custom.json" <<'JSON'
[{"types": ["ci_test_results"], "metric": {"field": "skipped"}, "at_most": [[0, 7]], "otherwise": 1},
 {"types": ["security_scan", "security_vulnerabilities"], "metric": {"sum": ["severity_breakdown.Medium"], "weights": [2]}, "at_least": [[1, 2]], "otherwise": 9},
 {"types": ["security_scan"], "metric": {"field": "total_issues"}, "at_most": [[1, 8]], "otherwise": 4},
 {"types": ["veracode_policy_compliance"], "metric": {"bool": "compliant"}, "at_least": [[1, 6]]}]
JSON
"$ARCOS_BIN" rules --check "$T/custom.json" >/dev/null || fail "custom rules are valid"
mpi 2 "$ARCOS_BIN" convert "$IN" --out "$T/up.h5" --quiet || fail "convert"
for np in 1 2 3 4; do
  mpi "$np" "$ARCOS_BIN" run "$IN" --output "$T/cj$np" --jsonl --quiet "$REF" \
    --scoring-rules "$T/custom.json" || fail "custom rules over JSON on $np ranks"
  mpi "$np" "$ARCOS_BIN" run "$T/up.h5" --output "$T/ch$np" --jsonl --quiet "$REF" \
    --scoring-rules "$T/custom.json" || fail "custom rules over the archive on $np ranks"
  jq -c 'del(.input)' "$T/cj$np/results.jsonl" >"$T/cj$np.r"
  jq -c 'del(.input)' "$T/ch$np/results.jsonl" >"$T/ch$np.r"
  assert_same_file "$T/ch$np.r" "$T/cj1.r" "archive vs JSON under custom rules at $np ranks"
  assert_same_file "$T/cj$np.r" "$T/cj1.r" "custom rules at $np ranks"
done
sig() { jq -r --arg id "$2" 'select(.id == $id) | .components.signal' "$1"; }
assert_eq "$(sig "$T/cj1.r" up-00)" 7 "custom: skipped 0"
assert_eq "$(sig "$T/cj1.r" up-02)" 5 "custom: no skipped -> unknown"
assert_eq "$(sig "$T/cj1.r" up-07)" 2 "custom: Medium 1"
assert_eq "$(sig "$T/cj1.r" up-08)" 9 "custom: Medium 0"
assert_eq "$(sig "$T/cj1.r" up-09)" 9 "custom: Medium 0 again"
assert_eq "$(sig "$T/cj1.r" up-10)" 5 "custom: listed type, path missing, no later rule -> unknown"
assert_eq "$(sig "$T/cj1.r" up-26)" 6 "custom: bool with bands"
assert_eq "$(sig "$T/cj1.r" up-27)" 0 "custom: bool false, otherwise 0"
assert_eq "$(sig "$T/cj1.r" up-04)" 5 "custom: unlisted type"
assert_eq "$(json_get "$T/ch1/report.json" .scoring_rules.source)" "$T/custom.json" "report source path"
# The built-in rules over the archive use its stored values (their paths are the
# convert-time ones) and give the JSON's results.
jq -c 'del(.input)' "$T/up1/results.jsonl" >"$T/up1.r"
for np in 1 3; do
  mpi "$np" "$ARCOS_BIN" run "$T/up.h5" --output "$T/bh$np" --jsonl --quiet "$REF" \
    --scoring-signal-neutral 3 || fail "built-in rules over the archive on $np ranks"
  jq -c 'del(.input)' "$T/bh$np/results.jsonl" >"$T/bh$np.r"
  assert_same_file "$T/bh$np.r" "$T/up1.r" "archive vs JSON under the built-in rules at $np ranks"
done
h5dump -a /rule_paths "$T/up.h5" | grep -q 'severity_breakdown.Critical' || fail "archive rule_paths"
# The config key does the same as the flag.
echo "{\"scoring_rules\": \"$T/custom.json\"}" >"$T/job.json"
mpi 1 "$ARCOS_BIN" run "$IN" --config "$T/job.json" --output "$T/cfg" --jsonl --quiet "$REF" ||
  fail "scoring_rules config key"
jq -c 'del(.input)' "$T/cfg/results.jsonl" >"$T/cfg.r"
assert_same_file "$T/cfg.r" "$T/cj1.r" "config key vs flag"

# 3. Bad rules: exit 2 naming rule and key, no output written.
echo '[{"types": ["a"], "metric": {"bool": "x"}}, {"types": ["a"], "metric": {"field": "x"}, "at_least": [[1, 10.0]]}]' >"$T/bad.json"
set +e
"$ARCOS_BIN" rules --check "$T/bad.json" 2>"$T/err1"
rc1=$?
mpi 2 "$ARCOS_BIN" run "$IN" --output "$T/bad" --quiet --scoring-rules "$T/bad.json" 2>"$T/err2"
rc2=$?
mpi 1 "$ARCOS_BIN" run "$IN" --output "$T/bad" --quiet --scoring-rules "$T/missing.json" 2>"$T/err3"
rc3=$?
set -e
assert_eq "$rc1" 2 "rules --check exit code"
assert_eq "$rc2" 2 "run with bad rules exit code"
assert_eq "$rc3" 2 "run with a missing rules file exit code"
grep -q 'rule 1, key "at_least"' "$T/err1" || fail "check message: $(cat "$T/err1")"
grep -q 'rule 1, key "at_least"' "$T/err2" || fail "run message: $(cat "$T/err2")"
grep -q 'missing.json' "$T/err3" || fail "missing file message: $(cat "$T/err3")"
[ ! -e "$T/bad/report.json" ] || fail "no output for bad rules"
echo "ok"
