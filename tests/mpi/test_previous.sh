# Incremental runs (SPEC §3, --previous): three batches scored one after the other,
# each run seeded with the ids of the runs before it, equal one run over all three.
#   test_previous.sh NP [PREV_N]: the series on NP ranks; PREV_N records in all
#   (default 60000, enough that a --max-memory-mb run needs several bucket rounds).
# Checked: every id stored once across the series; the series' results.jsonl, dlq.jsonl
# and duplicates.jsonl (first_run left out) together are byte for byte the single
# run's (the inputs are named alike, so input and line agree too); first_run names the
# earlier run as given; previous_runs counts; conservation; the same at --max-memory-mb
# (which must spill and run several rounds); a --resume that changes --previous is
# refused; bad --previous paths exit 2 before any output exists.
source "$(dirname "$0")/lib.sh"
NP=${1:-1}
N=${2:-${PREV_N:-60000}}
cd "$ARCOS_TMP"
"$ARCOS_BIN" generate --out g --records "$N" --files 3 --duplicate-rate 0.2 --bad-rate 0.01 \
  --seed 5 >/dev/null
b1=g/evidence-000.jsonl b2=g/evidence-001.jsonl b3=g/evidence-002.jsonl
args=(--jsonl --quiet --reference-time 2026-11-01T00:00:00Z)
run() { mpi "$NP" "$ARCOS_BIN" run "$@" "${args[@]}"; }

run "$b1" "$b2" "$b3" --output all
run "$b1" --output r1
run "$b2" --output r2 --previous r1
# the third names the results.h5 files themselves (the directory form is tested above)
run "$b3" --output r3 --previous r1/results.h5 --previous r2/results.h5

# Each id stored once across the series, and the series is the single run.
dups=$(jq -r .id r1/results.jsonl r2/results.jsonl r3/results.jsonl | sort | uniq -d | wc -l)
assert_eq "$dups" 0 "ids stored more than once across the series"
cat r1/results.jsonl r2/results.jsonl r3/results.jsonl >series.results.jsonl
assert_same_file all/results.jsonl series.results.jsonl "stored records of the series"
cat r1/dlq.jsonl r2/dlq.jsonl r3/dlq.jsonl >series.dlq.jsonl
assert_same_file all/dlq.jsonl series.dlq.jsonl "dead-lettered records of the series"
jq -c 'del(.first_run)' r1/duplicates.jsonl r2/duplicates.jsonl r3/duplicates.jsonl >series.dup.jsonl
jq -c . all/duplicates.jsonl >all.dup.jsonl
assert_same_file all.dup.jsonl series.dup.jsonl "duplicates of the series (first_run aside)"

# first_run: the earlier run that stored the first occurrence, as given; absent within
# the run. Cross-batch duplicates must exist, or the test proves nothing.
cross=$(jq -s '[.[] | select(.first_run != null)] | length' r2/duplicates.jsonl r3/duplicates.jsonl)
[ "$cross" -gt 100 ] || fail "only $cross duplicates of an earlier run: the data does not test --previous"
jq --arg b1 "$b1" 'select(.first_run != null) | .first_run == "r1" and .first_input == $b1' \
  r2/duplicates.jsonl | grep -qv true && fail "r2: a first_run that is not r1 / $b1"
jq --arg b1 "$b1" --arg b2 "$b2" --arg b3 "$b3" '
  if .first_input == $b3 then .first_run == null
  elif .first_input == $b1 then .first_run == "r1/results.h5"
  else .first_run == "r2/results.h5" and .first_input == $b2 end' r3/duplicates.jsonl |
  grep -qv true && fail "r3: first_run does not name the run that stored the first occurrence"
grep -q '"first_run"' r1/duplicates.jsonl && fail "r1 (no --previous) names a first_run"

# The report and results.h5 list the earlier runs and the ids each seeded.
s1=$(json_get r1/report.json .records.stored)
s2=$(json_get r2/report.json .records.stored)
assert_eq "$(jq -c .previous_runs r1/report.json)" "[]" "previous_runs without --previous"
assert_eq "$(jq -c .previous_runs r3/report.json)" \
  "[{\"path\":\"r1/results.h5\",\"ids\":$s1},{\"path\":\"r2/results.h5\",\"ids\":$s2}]" "r3 previous_runs"
h5dump -a previous_runs r3/results.h5 | grep -qF "{\"path\":\"r1/results.h5\",\"ids\":$s1}" ||
  fail "results.h5 attribute previous_runs"
for r in r1 r2 r3; do
  assert_eq "$(json_get $r/report.json .records.conserved)" true "$r conservation"
done
# /duplicates/first_run: 0 = the first --previous, 0xFFFFFFFF = this run
n0=$(h5dump -d /duplicates/first_run -y -w 0 r3/results.h5 | sed -n '/DATA {/,/}/p' |
  tr -c '0-9\n' ' ' | tr ' ' '\n' | grep -cx 0 || true)
want0=$(jq -s '[.[] | select(.first_run == "r1/results.h5")] | length' r3/duplicates.jsonl)
assert_eq "$n0" "$want0" "/duplicates/first_run rows that name the first --previous"

# Bounded memory: the same answers, the earlier ids going through the bucket rounds.
run "$b3" --output r3m --previous r1/results.h5 --previous r2/results.h5 --max-memory-mb 20
for x in results.jsonl dlq.jsonl duplicates.jsonl; do
  assert_same_file r3/$x r3m/$x "$x with --max-memory-mb"
done
jq -e '.processing_metrics.resource_utilization.spill' r3m/report.json >/dev/null || fail "no spill"
rounds=$(json_get r3m/report.json .processing_metrics.resource_utilization.exactly_once_rounds)
if [ "$NP" = 1 ] && [ "$N" -ge 60000 ]; then
  [ "$rounds" -gt 1 ] || fail "--max-memory-mb 20 ran $rounds exactly-once round: nothing bounded"
fi

# --resume with other earlier runs is refused (the seen-set would differ).
rc=0
slow=(--inject-fault "stage=scoring,kind=delay,delay_ms=1,rate=0.05,seed=1")
run "$b3" --output cut --previous r1 --previous r2 "${slow[@]}" --max-time 0.3 2>/dev/null || rc=$?
if [ "$rc" = 75 ]; then
  rc=0
  run "$b3" --output cut --previous r1 "${slow[@]}" --resume 2>cut.err || rc=$?
  [ "$rc" != 0 ] || fail "--resume with another --previous list was accepted"
  grep -q "differ" cut.err || fail "no message for a --resume with another --previous: $(cat cut.err)"
  run "$b3" --output cut --previous r1 --previous r2 "${slow[@]}" --resume
  assert_same_file r3/results.jsonl cut/results.jsonl "resumed incremental run"
else
  assert_eq "$rc" 0 "the run meant to be interrupted"
fi

# Bad --previous paths: exit 2 naming the path, before any output exists.
mkdir -p notarun
echo '{"id": 1}' >notah5.h5
"$ARCOS_BIN" convert "$b1" --out archive.h5 --quiet
bad() { # PATH WHAT [options]
  local p=$1 what=$2 rc=0
  shift 2
  run "$b1" --output bad "$@" --previous "$p" 2>bad.err || rc=$?
  assert_eq "$rc" 2 "exit code for --previous $what"
  grep -qF -- "$p" bad.err || fail "the message for --previous $what does not name it: $(cat bad.err)"
  [ ! -e bad ] || fail "--previous $what left the output directory"
}
bad missing "a missing path"
bad notarun "a directory without results.h5"
bad notah5.h5 "a file that is not HDF5"
bad archive.h5 "an evidence archive (HDF5, not a results.h5)"
bad r1 "with --guarantee at-least-once" --guarantee at-least-once
echo "previous: $N records on $NP ranks; $cross duplicates of earlier runs; $rounds rounds at --max-memory-mb 20"
