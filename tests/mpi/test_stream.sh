# Streaming (SPEC §5): JSON Lines from a pipe give the same results as the file at 1, 2
# and 3 ranks; with a slow stage, throttle drops nothing and measurably holds the
# producer up, drop drops batches and dropped.jsonl lists exactly the dropped records.
#
# Multi-rank cases feed a named pipe that rank 0 opens itself: Open MPI 4.1's mpirun
# can crash forwarding a back-pressured standard input at end of file (open-mpi/ompi
# #7483, fixed in 5.0), see docs/stream.md. `run -` itself is tested without mpirun
# and through mpirun on an input small enough never to back up.
source "$(dirname "$0")/lib.sh"
G=$ARCOS_TMP/g
REF=--reference-time=2026-11-01T00:00:00Z
gen() { "$ARCOS_BIN" generate --out - --records "$1" --duplicate-rate 0.05 --bad-rate 0.01 --seed 41 2>/dev/null; }

# stream NP RECORDS OUT ARGS...: generator -> named pipe -> run on NP ranks
stream() {
  local np=$1 n=$2 out=$3
  shift 3
  local fifo=$ARCOS_TMP/pipe.$np.$(basename "$out")
  rm -f "$fifo"
  mkfifo "$fifo"
  gen "$n" >"$fifo" &
  local producer=$!
  mpi "$np" "$ARCOS_BIN" run "$fifo" --output "$out" --quiet $REF "$@"
  wait "$producer"
}

"$ARCOS_BIN" generate --out "$G" --records 60000 --duplicate-rate 0.05 --bad-rate 0.01 --seed 41 >/dev/null
f=$G/evidence.jsonl
mpi 2 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/file" --jsonl --quiet $REF
gen 60000 | "$ARCOS_BIN" run - --output "$ARCOS_TMP/s1" --jsonl --quiet $REF
stream 2 60000 "$ARCOS_TMP/s2" --jsonl
stream 3 60000 "$ARCOS_TMP/s3" --jsonl
for np in 1 2 3; do
  # stream lines and offsets are the file's: outputs differ only in the input name
  for x in results.jsonl duplicates.jsonl dlq.jsonl; do
    jq -c 'del(.input, .first_input)' "$ARCOS_TMP/file/$x" >"$ARCOS_TMP/a.txt"
    jq -c 'del(.input, .first_input)' "$ARCOS_TMP/s$np/$x" >"$ARCOS_TMP/b.txt"
    assert_same_file "$ARCOS_TMP/a.txt" "$ARCOS_TMP/b.txt" "$x streamed at $np ranks vs file"
  done
  assert_eq "$(json_get "$ARCOS_TMP/s$np/report.json" .stream.mode)" stdin "stream mode"
done
assert_eq "$(jq -r .input "$ARCOS_TMP/s1/results.jsonl" | sort -u)" "-" "standard input is named -"
# `run -` through mpirun (small input: the launcher's forwarding never backs up)
head -n 3000 "$f" | mpi 2 "$ARCOS_BIN" run - --output "$ARCOS_TMP/dash2" --jsonl --quiet $REF
assert_eq "$(json_get "$ARCOS_TMP/dash2/report.json" .records.input)" 3000 "run - at 2 ranks"
assert_eq "$(json_get "$ARCOS_TMP/dash2/report.json" .records.conserved)" true "run - conservation"

# Backpressure, 200k records and a slow stage.
"$ARCOS_BIN" generate --out "$G" --records 200000 --duplicate-rate 0.05 --bad-rate 0.01 --seed 41 >/dev/null
slow="stage=analysis,kind=delay,delay_ms=1,rate=0.01,seed=3"
stream 3 200000 "$ARCOS_TMP/throttle" --backpressure throttle --inject-fault "$slow" --max-in-flight 1
r=$ARCOS_TMP/throttle/report.json
assert_eq "$(json_get "$r" .records.dropped)" 0 "throttle drops nothing"
assert_eq "$(json_get "$r" .records.input)" 200000 "throttle reads everything"
assert_eq "$(json_get "$r" .records.conserved)" true "throttle conservation"
jq -e '.stream.throttle_s > 0' "$r" >/dev/null || fail "the producer was never held up (throttle_s = 0)"
[ "$(wc -c <"$ARCOS_TMP/throttle/dropped.jsonl")" -eq 0 ] || fail "dropped.jsonl not empty under throttle"

stream 3 200000 "$ARCOS_TMP/drop" --jsonl --backpressure drop --inject-fault "$slow" --max-in-flight 1
D=$ARCOS_TMP/drop
r=$D/report.json
dropped=$(json_get "$r" .records.dropped)
[ "$dropped" -gt 0 ] || fail "drop mode dropped nothing"
assert_eq "$(json_get "$r" .records.conserved)" true "drop conservation"
assert_eq "$(wc -l <"$D/dropped.jsonl")" "$dropped" "dropped.jsonl lines = dropped"
# Every input line is accounted for exactly once: stored, duplicate, dead-lettered or dropped.
cat <(jq .line "$D/results.jsonl") <(jq .line "$D/duplicates.jsonl") <(jq .line "$D/dlq.jsonl") \
  <(jq .line "$D/dropped.jsonl") | sort -n >"$ARCOS_TMP/lines"
assert_eq "$(wc -l <"$ARCOS_TMP/lines")" 200000 "lines accounted for"
assert_eq "$(uniq -d "$ARCOS_TMP/lines" | wc -l)" 0 "no line counted twice"
# ... and dropped.jsonl holds the ids that stand on those lines.
jq .line "$D/dropped.jsonl" >"$ARCOS_TMP/dropped_lines"
awk 'NR == FNR { want[$1] = 1; next } (FNR in want) { print }' "$ARCOS_TMP/dropped_lines" "$G/evidence.jsonl" |
  jq -R -r '(fromjson? // null) | if type == "object" then .id else null end
            | if type == "string" then . elif type == "number" and . == floor then tostring else "null" end' \
    >"$ARCOS_TMP/ids_expected"
jq -r '.id // "null" | tostring' "$D/dropped.jsonl" >"$ARCOS_TMP/ids_listed"
assert_same_file "$ARCOS_TMP/ids_expected" "$ARCOS_TMP/ids_listed" "dropped ids"
echo "stream: identical to file input; throttle $(json_get "$ARCOS_TMP/throttle/report.json" .stream.throttle_s) s, dropped $dropped"
