# Every error policy x delivery guarantee pair, with injected transient and permanent
# stage faults, at 1 and 3 ranks: stored / duplicates / dead_lettered / skipped equal
# what an independent reference model (tests/tools/fault_expect.c) computes from the
# same input and fault spec; conservation holds.
source "$(dirname "$0")/lib.sh"
"$ARCOS_BIN" generate --out "$ARCOS_TMP/g" --records 4000 --duplicate-rate 0.1 --bad-rate 0.02 --seed 31
f=$ARCOS_TMP/g/evidence.jsonl
faults="stage=analysis,rate=0.3,kind=transient,seed=7;stage=scoring,rate=0.03,kind=permanent,seed=9"
"$ARCOS_TESTS_BIN/fault_expect" "$f" "$faults" 2 >"$ARCOS_TMP/expect.json"
# The model must see both outcomes of retrying, or the test proves little.
[ "$(jq '."retry/exactly-once".stored' "$ARCOS_TMP/expect.json")" -gt \
  "$(jq '."dlq/exactly-once".stored' "$ARCOS_TMP/expect.json")" ] || fail "retries recover nothing"
[ "$(jq '."retry/exactly-once".dead_lettered' "$ARCOS_TMP/expect.json")" -gt \
  "$(jq '."dlq/exactly-once".dead_lettered * 0' "$ARCOS_TMP/expect.json")" ] || fail "nothing gives up"

for np in 1 3; do
  for policy in dlq skip retry; do
    for g in exactly-once at-least-once at-most-once; do
      o=$ARCOS_TMP/out-$np-$policy-$g
      mpi $np "$ARCOS_BIN" run "$f" --output "$o" --quiet --on-error $policy --guarantee $g \
        --inject-fault "$faults" --max-retries 2 --retry-backoff-ms 0 --reference-time 1790000000
      r=$o/report.json
      for k in stored duplicates dead_lettered skipped; do
        assert_eq "$(json_get "$r" .records.$k)" "$(jq ".\"$policy/$g\".$k" "$ARCOS_TMP/expect.json")" \
          "$k for $policy/$g at $np ranks"
      done
      assert_eq "$(json_get "$r" .records.conserved)" true "conservation for $policy/$g at $np ranks"
      assert_eq "$(wc -l <"$o/dlq.jsonl")" "$(json_get "$r" .records.dead_lettered)" "dlq lines $policy/$g"
    done
  done
  r=$ARCOS_TMP/out-$np-retry-exactly-once/report.json
  [ "$(json_get "$r" .errors.retries.recovered)" -gt 0 ] || fail "no retry succeeded at $np ranks"
  [ "$(json_get "$r" .errors.retries.gave_up)" -gt 0 ] || fail "no retry gave up at $np ranks"
  # a record that gave up after retries says so in the DLQ
  [ "$(jq -s 'map(select(.kind == "stage" and .attempts == 3)) | length' \
    "$ARCOS_TMP/out-$np-retry-exactly-once/dlq.jsonl")" -gt 0 ] || fail "no DLQ entry with 3 attempts"
done
for policy in dlq retry; do
  assert_same_file "$ARCOS_TMP/out-1-$policy-exactly-once/dlq.jsonl" \
    "$ARCOS_TMP/out-3-$policy-exactly-once/dlq.jsonl" "dlq.jsonl 1 vs 3 ranks ($policy)"
done

# Replaying the DLQ without the faults stores what only failed because of them.
o=$ARCOS_TMP/out-1-dlq-exactly-once
mpi 2 "$ARCOS_BIN" run --from-dlq "$o/dlq.jsonl" --output "$ARCOS_TMP/replay" --quiet --reference-time 1790000000
r=$ARCOS_TMP/replay/report.json
assert_eq "$(json_get "$r" .records.input)" "$(wc -l <"$o/dlq.jsonl")" "replay reads every DLQ entry"
assert_eq "$(json_get "$r" .records.dead_lettered)" \
  "$(jq -s '[.[] | select(.kind != "stage")] | length' "$o/dlq.jsonl")" "only bad records fail again"
assert_eq "$(json_get "$r" .records.conserved)" true "replay conservation"
echo "guarantees: 18 runs match the reference model"
