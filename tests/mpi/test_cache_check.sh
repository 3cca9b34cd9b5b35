#!/usr/bin/env bash
# arcos-scale cache-check: the acceptance figures of issue 5 (10 nodes, 1,000,000 keys:
# max deviation <= 5 %, moved on one removal <= 1.2/N, nothing moves between the other
# nodes), the text form, and usage errors.
source "$(dirname "$0")/lib.sh"
out=$ARCOS_TMP/check.json
"$ARCOS_BIN" cache-check --nodes 10 --keys 1000000 --json > "$out" || fail "cache-check failed"
cat "$out"
assert_eq "$(json_get "$out" '.max_deviation <= 0.05')" true "max deviation"
assert_eq "$(json_get "$out" '.leave.moved <= 1.2 / 10')" true "moved on removal"
assert_eq "$(json_get "$out" '.leave.moved >= 0.8 / 10')" true "moved on removal (low)"
assert_eq "$(json_get "$out" '.join.moved <= 1.2 / 11')" true "moved on join"
assert_eq "$(json_get "$out" '.leave.moved_between_others')" 0 "keys moved between others (leave)"
assert_eq "$(json_get "$out" '.join.moved_between_others')" 0 "keys moved between others (join)"
assert_eq "$(json_get "$out" '[.per_node[]] | add')" 1000000 "every key placed"
"$ARCOS_BIN" cache-check --nodes 4 --keys 1000 --vnodes 64 > "$ARCOS_TMP/check.txt" || fail "text form"
grep -q "max deviation from the mean" "$ARCOS_TMP/check.txt" || fail "text form lacks the deviation"
grep -q "node 3 leaves" "$ARCOS_TMP/check.txt" || fail "text form lacks the removal"
set +e
"$ARCOS_BIN" cache-check --nodes 1 --keys 10 2> /dev/null
rc=$?
"$ARCOS_BIN" cache-check --keys 10 2> /dev/null
rc2=$?
set -e
assert_eq "$rc" 2 "exit code for --nodes 1"
assert_eq "$rc2" 2 "exit code without --nodes"
"$ARCOS_BIN" cache-check --help > "$ARCOS_TMP/help.txt" || fail "--help exit code"
grep -q "usage: arcos-scale cache-check" "$ARCOS_TMP/help.txt" || fail "--help"
echo "PASS"
