# HDF5 evidence archives (docs/formats.md, "HDF5 evidence archives"):
#  - convert of JSON Lines + gzip JSON Lines + a JSON array (duplicates within and
#    across files, bad lines, blank lines) at 1 and 3 ranks gives identical h5dump output;
#  - run over the archive at 1, 2, 3 and 4 ranks gives identical results.jsonl,
#    dlq.jsonl and duplicates.jsonl, equal to the run over the JSON inputs, with the
#    same counts;
#  - damaged or foreign archives fail cleanly (exit 1, a message), never crash.
source "$(dirname "$0")/lib.sh"

: "${ARCOS_TESTS_BIN:?run through ctest}"
command -v h5dump >/dev/null || { echo "h5dump not installed (hdf5-tools)"; exit 77; }

T=$ARCOS_TMP
REF="--reference-time 2026-11-01T00:00:00Z"
"$ARCOS_BIN" generate --out "$T/g1" --records 3000 --seed 11 --duplicate-rate 0.1 --bad-rate 0.03 >/dev/null 2>&1
"$ARCOS_BIN" generate --out "$T/g2" --records 1200 --seed 11 --format jsonl.gz --bad-rate 0.05 >/dev/null 2>&1
"$ARCOS_BIN" generate --out "$T/g3" --records 700 --seed 12 --format json --duplicate-rate 0.2 >/dev/null 2>&1
mkdir -p "$T/in/sub"
cp "$T/g1/evidence.jsonl" "$T/in/a.jsonl"
# blank lines and CRLF endings keep their line numbers
printf '\n  \r\n{"id": "crlf-1", "type": "build", "data": {"x": 1}}\r\nnot json\r\n' >>"$T/in/a.jsonl"
cp "$T/g2/evidence.jsonl.gz" "$T/in/sub/b.jsonl.gz" # same seed: ids repeat across files
cp "$T/g3/evidence.json" "$T/in/sub/c.json"
: >"$T/in/sub/empty.jsonl"
INPUTS=("$T/in/a.jsonl" "$T/in/sub")

# 1. convert at 1 and 3 ranks: identical content.
for np in 1 3; do
  mpi "$np" "$ARCOS_BIN" convert "${INPUTS[@]}" --out "$T/ev$np.h5" --chunk-rows 128 --quiet ||
    fail "convert on $np ranks"
  [ ! -e "$T/.ev$np.h5.tmp" ] || fail "temporary file left behind"
  h5dump "$T/ev$np.h5" | tail -n +2 >"$T/ev$np.dump"
done
assert_same_file "$T/ev3.dump" "$T/ev1.dump" "h5dump of the archive at 3 ranks vs 1 rank"
h5dump -a /arcos_format "$T/ev1.h5" | grep -q '"arcos-evidence-archive"' || fail "arcos_format attribute"
h5dump -p -H -d /records/data_chars "$T/ev1.h5" | grep -q 'COMPRESSION DEFLATE' ||
  fail "/records/data_chars is not deflate-compressed"
h5dump -p -H -d /records/line "$T/ev1.h5" | grep -q 'CHUNKED ( 128 )' || fail "/records/line chunks"
h5dump -a /inputs "$T/ev1.h5" >/dev/null 2>&1 || true
n=$(h5dump -d /records/line -H "$T/ev1.h5" | grep -o 'SIMPLE { ( [0-9]* )' | grep -o '[0-9]*')
assert_eq "$n" $((3000 + 2 + 1200 + 700)) "archive rows (every non-blank record, bad ones too)"

# 2. run over the JSON inputs (reference) and over the archive at 1-4 ranks.
mpi 2 "$ARCOS_BIN" run "${INPUTS[@]}" --output "$T/rj" --jsonl --quiet $REF >/dev/null ||
  fail "run over JSON"
for np in 1 2 3 4; do
  mpi "$np" "$ARCOS_BIN" run "$T/ev1.h5" --output "$T/ra$np" --jsonl --quiet $REF \
    --partitions-per-rank 3 >/dev/null || fail "run over the archive on $np ranks"
  for f in results.jsonl dlq.jsonl duplicates.jsonl; do
    assert_same_file "$T/ra$np/$f" "$T/rj/$f" "$f from the archive at $np ranks vs the JSON run"
  done
  assert_eq "$(jq -c .records "$T/ra$np/report.json")" \
    "$(jq -c .records "$T/rj/report.json")" "counts at $np ranks"
  assert_eq "$(jq -c .scores "$T/ra$np/report.json")" \
    "$(jq -c .scores "$T/rj/report.json")" "scores at $np ranks"
done
[ "$(json_get "$T/rj/report.json" .records.duplicates)" -gt 100 ] || fail "too few duplicates"
[ "$(json_get "$T/rj/report.json" .records.dead_lettered)" -gt 50 ] || fail "too few bad lines"
parts=$(json_get "$T/ra4/report.json" '[.ranks[].partitions] | min')
[ "$parts" -ge 2 ] || fail "archive row ranges: a rank at 4 ranks got $parts partitions"

# The archive mixed with JSON inputs in one run, at 3 ranks.
"$ARCOS_BIN" generate --out "$T/g4" --records 300 --seed 11 >/dev/null 2>&1
mpi 3 "$ARCOS_BIN" run "${INPUTS[@]}" "$T/g4/evidence.jsonl" --output "$T/rjm" --jsonl --quiet $REF \
  >/dev/null || fail "mixed run over JSON"
mpi 3 "$ARCOS_BIN" run "$T/ev3.h5" "$T/g4/evidence.jsonl" --output "$T/ram" --jsonl --quiet $REF \
  >/dev/null || fail "mixed run over the archive"
assert_same_file "$T/ram/results.jsonl" "$T/rjm/results.jsonl" "archive + JSON Lines in one run"

# A smaller --max-record-bytes at run time applies to archived records too (same
# counts, results and DLQ entries; `raw` is empty for records valid when converted).
mpi 2 "$ARCOS_BIN" run "${INPUTS[@]}" --output "$T/rjx" --jsonl --quiet $REF --max-record-bytes 300 \
  >/dev/null || fail "run over JSON, --max-record-bytes 300"
mpi 3 "$ARCOS_BIN" run "$T/ev1.h5" --output "$T/rax" --jsonl --quiet $REF --max-record-bytes 300 \
  >/dev/null || fail "run over the archive, --max-record-bytes 300"
assert_same_file "$T/rax/results.jsonl" "$T/rjx/results.jsonl" "results with --max-record-bytes 300"
jq -c 'del(.raw)' "$T/rjx/dlq.jsonl" >"$T/rjx.dlq"
jq -c 'del(.raw)' "$T/rax/dlq.jsonl" >"$T/rax.dlq"
assert_same_file "$T/rax.dlq" "$T/rjx.dlq" "DLQ entries (without raw) with --max-record-bytes 300"

# 3. damaged and foreign files: exit 1 with a message, no crash, nothing half-done.
expect_fail() { # NAME PATTERN INPUT...
  local name=$1 pattern=$2
  shift 2
  set +e
  mpi 2 "$ARCOS_BIN" run "$@" --output "$T/bad_$name" --quiet >"$T/bad_$name.log" 2>&1
  local rc=$?
  set -e
  assert_eq "$rc" 1 "exit code for $name"
  grep -q "$pattern" "$T/bad_$name.log" || { cat "$T/bad_$name.log" >&2; fail "message for $name"; }
  [ ! -e "$T/bad_$name/report.json" ] || fail "$name left a report"
}
expect_fail foreign "not an arcos-scale evidence archive" "$T/rj/results.h5"
head -c 20000 "$T/ev1.h5" >"$T/trunc.h5"
expect_fail truncated "cannot read as an HDF5 evidence archive" "$T/trunc.h5"
echo "not hdf5" >"$T/fake.h5"
expect_fail fake "not an HDF5 file" "$T/fake.h5"
cp "$T/ev1.h5" "$T/mismatch.h5"
"$ARCOS_TESTS_BIN/test_archive" --set-records "$T/mismatch.h5" 99999 || fail "damaging the archive"
expect_fail mismatch "declares 99999" "$T/mismatch.h5"
# convert refuses archives as inputs and an existing --out
set +e
"$ARCOS_BIN" convert "$T/ev1.h5" --out "$T/x.h5" >"$T/conv.log" 2>&1
assert_eq "$?" 2 "convert of an archive"
"$ARCOS_BIN" convert "$T/in/a.jsonl" --out "$T/ev1.h5" >"$T/conv.log" 2>&1
assert_eq "$?" 1 "convert onto an existing archive"
set -e

# Damaged data chunks: every unreadable row is an io error record, conservation holds.
cp "$T/ev1.h5" "$T/flip.h5"
size=$(stat -c %s "$T/flip.h5")
printf '\377%.0s' $(seq 1 4000) | dd of="$T/flip.h5" bs=1 seek=$((size / 2)) conv=notrunc status=none
set +e
mpi 2 "$ARCOS_BIN" run "$T/flip.h5" --output "$T/flip" --quiet $REF >"$T/flip.log" 2>&1
rc=$?
set -e
[ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || { cat "$T/flip.log" >&2; fail "damaged chunks: exit $rc"; }
if [ "$rc" -eq 0 ]; then
  assert_eq "$(json_get "$T/flip/report.json" .records.conserved)" true "conservation over a damaged archive"
  assert_eq "$(json_get "$T/flip/report.json" .records.input)" "$n" "rows of a damaged archive"
fi
echo "archive: convert identical at 1 and 3 ranks; run over it identical to JSON at 1-4 ranks; damaged archives refused"
