# --schedule static|dynamic (docs/architecture.md, partitions): who processes a
# partition never shows in the results.
# - at 1, 2, 3 and 4 ranks, static and dynamic dealing give byte-identical
#   results.jsonl, dlq.jsonl, duplicates.jsonl and /evidence columns, and conservation
#   holds;
# - on skewed inputs (one file far bigger than the others, a delay fault) every rank
#   takes partitions under dynamic dealing and together they take each one once
#   (counts, never timings); --max-workers 2 keeps rank 2 out;
# - a dynamic run stopped by --max-time and resumed gives the uninterrupted results;
# - the checksum memo's lock-step rounds and --max-memory-mb work under dynamic
#   dealing with the same results.
source "$(dirname "$0")/lib.sh"
T=$ARCOS_TMP
"$ARCOS_BIN" generate --out "$T/D" --records 30000 --duplicate-rate 0.1 --bad-rate 0.01 --seed 5 \
  >/dev/null 2>&1
args=(--jsonl --quiet --reference-time 2026-11-01T00:00:00Z)
outs=(results.jsonl dlq.jsonl duplicates.jsonl)

h5cols() {
  h5dump -d /evidence/id_chars -d /evidence/score "$1/results.h5" | sed 1d
}

# same_results A B WHAT: the text outputs and the /evidence columns of two runs.
same_results() {
  for f in "${outs[@]}"; do
    assert_same_file "$1/$f" "$2/$f" "$3: $f"
  done
  cmp -s <(h5cols "$1") <(h5cols "$2") || fail "$3: /evidence/id_chars or /evidence/score differ"
  assert_eq "$(json_get "$2/report.json" .records.conserved)" true "$3: conserved"
  assert_eq "$(jq -c .records "$2/report.json")" "$(jq -c .records "$1/report.json")" "$3: counts"
}

for np in 1 2 3 4; do
  mpi "$np" "$ARCOS_BIN" run "$T/D" --output "$T/s$np" "${args[@]}" --schedule static
  mpi "$np" "$ARCOS_BIN" run "$T/D" --output "$T/d$np" "${args[@]}" --schedule dynamic
  same_results "$T/s$np" "$T/d$np" "$np ranks, dynamic vs static"
  same_results "$T/s1" "$T/d$np" "$np ranks dynamic vs 1 rank static"
  total=$(jq '[.ranks[].partitions] | add' "$T/s$np/report.json")
  assert_eq "$(jq '[.ranks[].partitions] | add' "$T/d$np/report.json")" "$total" \
    "$np ranks: partitions dealt"
  echo "$np ranks: partitions per rank static $(jq -c '[.ranks[].partitions]' "$T/s$np/report.json")," \
    "dynamic $(jq -c '[.ranks[].partitions]' "$T/d$np/report.json")"
done

# Skewed: one input 8 times the size of the two others, and a slow stage (results
# unchanged) so that the first partitions are still running when every rank asks for
# its first one.
mkdir -p "$T/skew"
head -n 24000 "$T/D/evidence.jsonl" >"$T/skew/a.jsonl"
sed -n 24001,27000p "$T/D/evidence.jsonl" >"$T/skew/b.jsonl"
sed -n '27001,$p' "$T/D/evidence.jsonl" >"$T/skew/c.jsonl"
slow="stage=scoring,kind=delay,delay_ms=2,rate=0.02,seed=1"
sk=("${args[@]}" --inject-fault "$slow" --partition-bytes 400000)
mpi 1 "$ARCOS_BIN" run "$T/skew" --output "$T/skew-ref" "${sk[@]}" --schedule static
total=$(jq '[.ranks[].partitions] | add' "$T/skew-ref/report.json")
[ "$total" -ge 12 ] || fail "skewed case: only $total partitions"
for np in 2 3 4; do
  o=$T/skew-d$np
  mpi "$np" "$ARCOS_BIN" run "$T/skew" --output "$o" "${sk[@]}" --schedule dynamic
  same_results "$T/skew-ref" "$o" "skewed, $np ranks dynamic"
  jq -e --argjson np "$np" '.ranks | length == $np and all(.[]; .partitions > 0)' "$o/report.json" \
    >/dev/null || fail "skewed, $np ranks: a rank took no partition: $(jq -c '[.ranks[].partitions]' "$o/report.json")"
  assert_eq "$(jq '[.ranks[].partitions] | add' "$o/report.json")" "$total" "skewed, $np ranks: dealt once each"
  echo "skewed, $np ranks: partitions per rank $(jq -c '[.ranks[].partitions]' "$o/report.json")"
done

# --max-workers 2 on 3 ranks: rank 2 takes nothing, the results do not change.
o=$T/mw
mpi 3 "$ARCOS_BIN" run "$T/skew" --output "$o" "${sk[@]}" --schedule dynamic --max-workers 2
same_results "$T/skew-ref" "$o" "--max-workers 2, dynamic"
assert_eq "$(json_get "$o/report.json" '.ranks[2].partitions')" 0 "--max-workers 2: rank 2's partitions"

# The interrupted runs below use a slower stage (30000 x 0.1 x 2 ms: 3 s of delays per
# rank at 2 ranks) so that --max-time 1 lands mid-run on any machine; delays do not
# change results, so the reference stays the skewed one.
mt=("${args[@]}" --inject-fault "stage=scoring,kind=delay,delay_ms=2,rate=0.1,seed=1" \
  --partition-bytes 400000)

# --max-time under dynamic dealing, then --resume (on another rank count): the
# partitions done are not redone, the rest are dealt, the results are the reference's.
rc=0
mpi 2 "$ARCOS_BIN" run "$T/skew" --output "$T/mt" "${mt[@]}" --schedule dynamic --max-time 1 \
  2>"$T/mt.err" || rc=$?
assert_eq "$rc" 75 "exit code after --max-time"
grep -q '^done ' "$T"/mt/.arcos-state/journal-*.log || fail "nothing journaled before --max-time"
done_before=$(cat "$T"/mt/.arcos-state/journal-*.log | grep -c '^done ')
[ "$done_before" -lt "$total" ] || fail "--max-time 1 did not interrupt ($done_before of $total done)"
mpi 3 "$ARCOS_BIN" run "$T/skew" --output "$T/mt" "${mt[@]}" --schedule dynamic --resume
same_results "$T/skew-ref" "$T/mt" "dynamic, resumed after --max-time"
echo "resume: $done_before of $total partitions done before --max-time"

# at-most-once under dynamic dealing: the partitions in flight at the interruption
# (journaled "start", never "done") are dealt on --resume like the others, and whoever
# takes one counts it as a skipped range instead of redoing it (ranges at their
# absolute lines, none holding a stored record; conservation holds).
rc=0
mpi 2 "$ARCOS_BIN" run "$T/skew" --output "$T/amo" "${mt[@]}" --schedule dynamic --max-time 1 \
  --guarantee at-most-once 2>/dev/null || rc=$?
assert_eq "$rc" 75 "at-most-once interruption"
mpi 3 "$ARCOS_BIN" run "$T/skew" --output "$T/amo" "${mt[@]}" --schedule dynamic --resume \
  --guarantee at-most-once
r=$T/amo/report.json
assert_eq "$(json_get "$r" .records.conserved)" true "at-most-once, dynamic: conserved"
assert_eq "$(json_get "$r" .records.input)" 30000 "at-most-once, dynamic: every record counted"
skipped=$(json_get "$r" .records.skipped)
[ "$skipped" -gt 0 ] || fail "at-most-once, dynamic: the work in flight was redone"
assert_eq "$(json_get "$r" '[.records.skipped_ranges[].records] | add')" "$skipped" \
  "at-most-once, dynamic: skipped ranges add up"
jq -r '.records.skipped_ranges[] | "\(.input) \(.first_line) \(.last_line)"' "$r" >"$T/ranges"
jq -r '"\(.input) \(.line)"' "$T/amo/results.jsonl" | awk 'NR == FNR { f[NR] = $1; a[NR] = $2; b[NR] = $3; n = NR; next }
  { for (i = 1; i <= n; i++) if ($1 == f[i] && $2 >= a[i] && $2 <= b[i]) { print "inside: " $0; exit 1 } }' \
  "$T/ranges" - || fail "at-most-once, dynamic: a record of a skipped range was stored"
echo "at-most-once: $skipped records skipped in $(jq '.records.skipped_ranges | length' "$r") ranges"

# The checksum memo (collective rounds in lock-step) and bounded memory (spill).
for extra in "--checksum-memo=true" "--max-memory-mb 64"; do
  read -r -a x <<<"$extra"
  for np in 2 3; do
    o=$T/x$np-${x[0]#--}
    mpi "$np" "$ARCOS_BIN" run "$T/D" --output "$o" "${args[@]}" --schedule dynamic "${x[@]}"
    same_results "$T/s1" "$o" "$extra, $np ranks dynamic"
  done
done
echo "ok"
