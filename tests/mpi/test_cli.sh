# Command-line contract: exit codes, refusal of an existing output directory, clear
# messages for missing inputs and bad options, atomic outputs, HDF5 schema.
source "$(dirname "$0")/lib.sh"
"$ARCOS_BIN" generate --out "$ARCOS_TMP/g" --records 500 --seed 3
f=$(ls "$ARCOS_TMP"/g/evidence*.jsonl)
O=$ARCOS_TMP/out

expect_exit() { # CODE MESSAGE-REGEX CMD...
  local want=$1 re=$2 rc=0
  shift 2
  "$@" >"$ARCOS_TMP/stdout" 2>"$ARCOS_TMP/stderr" || rc=$?
  [ "$rc" -eq "$want" ] || { cat "$ARCOS_TMP/stderr" >&2; fail "exit $rc, expected $want: $*"; }
  grep -Eq -e "$re" "$ARCOS_TMP/stderr" || { cat "$ARCOS_TMP/stderr" >&2; fail "no message /$re/: $*"; }
}

mpi 2 "$ARCOS_BIN" run "$f" --output "$O" --quiet
[ -s "$O/report.json" ] && [ -s "$O/results.h5" ] && [ -e "$O/dlq.jsonl" ] || fail "outputs missing"
[ ! -e "$O/results.jsonl" ] || fail "results.jsonl written without --jsonl"
ls -A "$O" | grep -c '\.tmp$' >/dev/null && fail "temporary files left behind"
h5dump -H "$O/results.h5" >"$ARCOS_TMP/schema.txt"
for d in id_chars id_offset id_length type_chars source_chars timestamp score completeness \
  integrity provenance freshness signal alert_severity input line; do
  grep -q "DATASET \"$d\"" "$ARCOS_TMP/schema.txt" || fail "/evidence/$d missing from h5dump -H"
done
grep -q 'GROUP "/evidence"\|GROUP "evidence"' "$ARCOS_TMP/schema.txt" || fail "no /evidence group"
stored=$(json_get "$O/report.json" .records.stored)
rows=$(h5dump -H -d /evidence/score "$O/results.h5" | grep -o 'DATASPACE  SIMPLE { ( [0-9]*' | grep -o '[0-9]*$')
assert_eq "$rows" "$stored" "/evidence rows = stored"

expect_exit 1 "already exists.*--force" mpi 1 "$ARCOS_BIN" run "$f" --output "$O"
mpi 1 "$ARCOS_BIN" run "$f" --output "$O" --force --quiet
expect_exit 1 "nonexistent.*not found" "$ARCOS_BIN" run /nonexistent/x.jsonl --output "$ARCOS_TMP/o2"
[ ! -e "$ARCOS_TMP/o2" ] || fail "a run that cannot start created its output directory"
expect_exit 2 "unknown option --no-such-flag" "$ARCOS_BIN" run "$f" --no-such-flag
expect_exit 2 "--batch-size: 0 is out of range" "$ARCOS_BIN" run "$f" --batch-size 0
expect_exit 2 "--on-error: 'explode' is not one of the choices \(dlq, skip, retry\)" "$ARCOS_BIN" run "$f" --on-error explode
# SPEC §2: the retired scoring flags and keys exit 2 and name --scoring-rules.
for flag in --scoring-signal-max --scoring-signal-partial --scoring-coverage-high --scoring-coverage-low; do
  expect_exit 2 "$flag is retired.*--scoring-rules" "$ARCOS_BIN" run "$f" "$flag" 5 --output "$ARCOS_TMP/r"
done
echo '{"scoring": {"coverage_high": 70}}' >"$ARCOS_TMP/retired.json"
expect_exit 2 "key scoring.coverage_high is retired.*--scoring-rules" "$ARCOS_BIN" run "$f" --config "$ARCOS_TMP/retired.json" --output "$ARCOS_TMP/r"
[ ! -e "$ARCOS_TMP/r" ] || fail "a retired option created the output directory"
# Every other command's bad option is named, with exit 2.
expect_exit 2 "--deflate: 12 is out of range" "$ARCOS_BIN" convert "$f" --out "$ARCOS_TMP/a.h5" --deflate 12
expect_exit 2 "--out PATH is required" "$ARCOS_BIN" convert "$f"
expect_exit 2 "unknown option --bogus" "$ARCOS_BIN" query --graph x --queries y --bogus
expect_exit 2 "--graph PATH is required" "$ARCOS_BIN" query --queries y
expect_exit 2 "--nodes: 1 is out of range" "$ARCOS_BIN" cache-check --nodes 1 --keys 5
expect_exit 2 "--duplicate-rate: 2 is out of range" "$ARCOS_BIN" generate --out "$ARCOS_TMP/g2" --records 5 --duplicate-rate 2
for cmd in run convert query cache-check generate; do
  "$ARCOS_BIN" $cmd --help >"$ARCOS_TMP/help.txt" || fail "$cmd --help"
  grep -q -- '--help' "$ARCOS_TMP/help.txt" || fail "$cmd --help does not list --help"
done
echo '{"bogus_key": 1}' >"$ARCOS_TMP/bad.json"
expect_exit 2 "unknown key 'bogus_key'" "$ARCOS_BIN" run "$f" --config "$ARCOS_TMP/bad.json"
expect_exit 2 "unknown command" "$ARCOS_BIN" frobnicate
[[ "$("$ARCOS_BIN" --version)" =~ ^arcos-scale\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "--version"
"$ARCOS_BIN" run --help >"$ARCOS_TMP/help.txt"
grep -q -- '--on-error' "$ARCOS_TMP/help.txt" || fail "run --help lists options"

# Precedence: flag > environment > config > default.
echo '{"batch_size": 7, "reference_time": "2026-01-01T00:00:00Z"}' >"$ARCOS_TMP/job.json"
"$ARCOS_BIN" run "$f" --config "$ARCOS_TMP/job.json" --output "$ARCOS_TMP/p1" --quiet
assert_eq "$(json_get "$ARCOS_TMP/p1/report.json" .config.batch_size)" 7 "config file value"
ARCOS_BATCH_SIZE=9 "$ARCOS_BIN" run "$f" --config "$ARCOS_TMP/job.json" --output "$ARCOS_TMP/p2" --quiet
assert_eq "$(json_get "$ARCOS_TMP/p2/report.json" .config.batch_size)" 9 "environment over config"
ARCOS_BATCH_SIZE=9 "$ARCOS_BIN" run "$f" --config "$ARCOS_TMP/job.json" --batch-size 11 \
  --output "$ARCOS_TMP/p3" --quiet
assert_eq "$(json_get "$ARCOS_TMP/p3/report.json" .config.batch_size)" 11 "flag over environment"
assert_eq "$(json_get "$ARCOS_TMP/p3/report.json" .config.reference_time)" 1767225600 "reference time"

# The summary names every outcome.
mpi 2 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/s" >"$ARCOS_TMP/summary.txt"
grep -q "conserved: yes" "$ARCOS_TMP/summary.txt" || fail "summary lacks conservation"
grep -q "parallel  efficiency" "$ARCOS_TMP/summary.txt" || fail "summary lacks efficiency"
echo "cli: ok"
