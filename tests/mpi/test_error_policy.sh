# Error policy (SPEC §4) and conservation: dlq keeps every bad record byte for byte,
# skip counts them and keeps a sample, --max-error-rate exits 3 with outputs written.
source "$(dirname "$0")/lib.sh"
"$ARCOS_BIN" generate --out "$ARCOS_TMP/g" --records 3000 --bad-rate 0.05 --duplicate-rate 0.05 --seed 21
f=$(ls "$ARCOS_TMP"/g/evidence*.jsonl)
m=$ARCOS_TMP/g/manifest.json
bad=$(json_get "$m" .bad_lines.total)

mpi 3 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/dlq" --quiet --on-error dlq
r=$ARCOS_TMP/dlq/report.json
assert_eq "$(json_get "$r" .records.dead_lettered)" "$bad" "dead_lettered"
assert_eq "$(json_get "$r" .records.skipped)" 0 "skipped under dlq"
assert_eq "$(wc -l <"$ARCOS_TMP/dlq/dlq.jsonl")" "$bad" "dlq.jsonl lines"
assert_eq "$(json_get "$r" '.errors.by_kind.parse + .errors.by_kind.invalid')" "$bad" "errors by kind"
jq -s -e 'all(has("input") and has("line") and has("byte_offset") and has("stage") and has("kind")
       and has("message") and has("attempts") and has("raw"))' "$ARCOS_TMP/dlq/dlq.jsonl" >/dev/null ||
  fail "DLQ line lacks a field of SPEC §4"
# raw is the original line, byte for byte, found at byte_offset.
jq -c '[.byte_offset, .raw]' "$ARCOS_TMP/dlq/dlq.jsonl" | while read -r pair; do
  off=$(jq '.[0]' <<<"$pair")
  raw=$(jq -r '.[1]' <<<"$pair")
  n=$(printf '%s' "$raw" | wc -c)
  [ "$(tail -c +$((off + 1)) "$f" | head -c "$n")" == "$raw" ] || fail "raw differs at byte $off"
done
assert_eq "$(json_get "$r" '.errors.sample | length')" "$([ "$bad" -lt 20 ] && echo "$bad" || echo 20)" "sample size"
first=$(jq -r .line "$ARCOS_TMP/dlq/dlq.jsonl" | sed -n 1p)
assert_eq "$(json_get "$r" '.errors.sample[0].line')" "$first" "sample starts with the first error"

mpi 2 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/skip" --quiet --on-error skip
r=$ARCOS_TMP/skip/report.json
assert_eq "$(json_get "$r" .records.skipped)" "$bad" "skipped"
assert_eq "$(json_get "$r" .records.dead_lettered)" 0 "dead_lettered under skip"
assert_eq "$(wc -c <"$ARCOS_TMP/skip/dlq.jsonl")" 0 "no DLQ under skip"
assert_eq "$(json_get "$r" .records.conserved)" true "conservation under skip"

rc=0
mpi 2 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/rate" --quiet --max-error-rate 0.01 2>"$ARCOS_TMP/err" || rc=$?
assert_eq "$rc" 3 "exit code over --max-error-rate"
grep -q "max-error-rate" "$ARCOS_TMP/err" || fail "no message for exit 3"
[ -s "$ARCOS_TMP/rate/report.json" ] || fail "outputs not written on exit 3"
mpi 2 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/rate2" --quiet --max-error-rate 0.5
echo "error policy: $bad bad records handled by dlq and skip"
