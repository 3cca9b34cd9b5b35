#!/usr/bin/env bash
# run_case.sh CASE_DIR: one case of the bad-input corpus (tests/data/bad/<case>/).
#
# A case directory holds its input (input.jsonl, input.jsonl.gz, input.json, a
# directory input/, ...; or the paths named by expect.json's "inputs"), an optional
# setup.sh that builds what git cannot hold (FIFOs, large files; run in the scratch
# copy), and expect.json:
#   description  what the case is about (required)
#   inputs       input paths relative to the case (default: the one entry named input*)
#   args         extra `run` arguments
#   exit         expected exit code (default 0)
#   records      counts that report.json's "records" must show (any subset)
#   errors       [{kind, line, ...}]: the dlq.jsonl lines in order, exactly (under
#                --on-error skip: report.json's errors.sample); optional keys per
#                entry: "message" (regex), "raw_base64" (bool: present or not), any
#                other dlq key (compared exactly)
#   results      [{id, line, ...}]: the results.jsonl lines in order, exactly that
#                many; each listed key compared exactly
#   report       any subset of report.json (objects compared key by key)
#   stderr       regex that the standard error of the run must match
# The run is `arcos-scale run INPUT... --output OUT --quiet --jsonl --reference-time
# 2026-11-01T00:00:00Z ARGS` at 2 ranks, under timeout 60. Exit 0/3: conservation,
# counts, errors, results; every dlq raw is the input's bytes at its byte_offset.
# Exit 1/2: no output directory, and stderr names the input. Then the same case at 1
# rank (no mpirun) and, when it has JSON Lines, at 3 ranks with tiny partitions must
# exit alike and give byte-identical dlq.jsonl, results.jsonl and duplicates.jsonl.
source "$(dirname "$0")/../mpi/lib.sh"

[ $# -eq 1 ] && [ -f "$1/expect.json" ] || fail "usage: run_case.sh CASE_DIR (with expect.json)"
case_dir=$(cd "$1" && pwd)
name=$(basename "$case_dir")
exp=$case_dir/expect.json
jq -e 'type == "object" and (.description | type) == "string"' "$exp" >/dev/null ||
  fail "$name: expect.json must be an object with a description"
# Work in a scratch copy, so that paths in the outputs are short and relative.
work=$ARCOS_TMP/case
cp -a "$case_dir" "$work"
cd "$work" || fail "$name: cannot enter $work"
if [ -f setup.sh ]; then
  bash setup.sh || fail "$name: setup.sh failed"
fi

# One jq call for the whole expectation (jq 1.6 takes ~50 ms to start).
desc='' want_exit=0 has_inputs=false inputs=() args=()
eval "$(jq -r '@sh "desc=\(.description) want_exit=\(.exit // 0) has_inputs=\(has("inputs"))",
               @sh "inputs=(\(.inputs // []))", @sh "args=(\(.args // []))"' "$exp")"
echo "bad.$name: $desc"
if [ "$has_inputs" != true ]; then
  for f in input input.*; do
    [ -e "$f" ] || [ -L "$f" ] || [ -p "$f" ] || continue
    inputs+=("$f")
  done
  [ ${#inputs[@]} -eq 1 ] || fail "$name: expected exactly one entry named input or input.*, found ${#inputs[@]}"
fi

# run_arcos NP OUT [ARGS...]: NP 0 runs the binary without mpirun (one rank). The exit
# code goes to OUT.rc, standard error to OUT.stderr.
run_arcos() {
  local np=$1 out=$2
  shift 2
  local cmd=("$ARCOS_BIN")
  if [ "$np" -gt 0 ]; then
    own_session_dir "$out" # the runs go at once (below)
    mpi_launcher "$np"
    cmd=("${MPI_LAUNCH[@]}" "$ARCOS_BIN")
  fi
  local rc=0
  timeout 60 "${cmd[@]}" run "${inputs[@]}" --output "$out" --quiet --jsonl \
    --reference-time 2026-11-01T00:00:00Z "${args[@]}" "$@" \
    </dev/null >"$out.stdout" 2>"$out.stderr" || rc=$?
  echo "$rc" >"$out.rc"
}

# The checks of one run's outputs against expect.json, in one jq program: prints one
# line per mismatch.
CHECK_JQ='
def sub($a; $b): if ($b | type) == "object"
                 then ($a | type) == "object" and all($b | keys[]; sub($a[.]; $b[.]))
                 else $a == $b end;
# each expected entry: every listed key equal (message: a regex; raw_base64: present or not)
def entries_match($got; $want):
  ($got | length) == ($want | length)
  and all(range($want | length); . as $i | $want[$i] as $w | $got[$i] as $g
      | all($w | keys[];
          if . == "message" then ($g.message // "" | test($w.message))
          elif . == "raw_base64" then ($g | has("raw_base64")) == $w.raw_base64
          else $g[.] == $w[.] end));
$e[0] as $x | $r[0] as $rep
| (if $rep.errors.policy == "skip" then $rep.errors.sample else $dlq end) as $errs
| [ if $rep.records.conserved != true then "records.conserved is not true" else empty end,
    if ($x.records // {} | to_entries | all(.value == $rep.records[.key])) then empty
    else "records \($rep.records | tojson), expected \($x.records | tojson)" end,
    if ($dlq | length) != $rep.records.dead_lettered then "dlq.jsonl has \($dlq | length) lines" else empty end,
    if ($res | length) != $rep.records.stored then "results.jsonl has \($res | length) lines" else empty end,
    if ($x | has("errors")) and (entries_match($errs; $x.errors) | not)
    then "errors\n  got      \([$errs[] | {kind, line, message}] | tojson)\n  expected \($x.errors | tojson)"
    else empty end,
    if ($x | has("results")) and (entries_match($res; $x.results) | not)
    then "results\n  got      \([$res[] | {id, line, score, alerts}] | tojson)\n  expected \($x.results | tojson)"
    else empty end,
    if ($x | has("report")) and (sub($rep; $x.report) | not)
    then "report.json does not contain \($x.report | tojson)" else empty end
  ] | .[]'

check_outputs() {
  local out=$1
  [ -s "$out/report.json" ] || fail "$name: no report.json in $out"
  local problems
  problems=$(jq -rn --slurpfile e "$exp" --slurpfile r "$out/report.json" \
    --slurpfile dlq "$out/dlq.jsonl" --slurpfile res "$out/results.jsonl" "$CHECK_JQ") ||
    fail "$name: cannot check the outputs"
  [ -z "$problems" ] || fail "$name: $problems"

  # SPEC §4: raw is the original text, byte for byte, found at byte_offset (for gzip,
  # in the decompressed text). Not for io errors: their raw is what could be read.
  local in off kind raw64 src
  while IFS=$'\t' read -r in off kind raw64; do
    [ -f "$in" ] && [ "$kind" != io ] || continue
    src=$in
    if [ "$(head -c 2 "$in" | od -An -tx1 | tr -d ' ')" == 1f8b ]; then
      src=$ARCOS_TMP/inflated
      gzip -dc <"$in" >"$src" 2>/dev/null || true
    fi
    local n
    n=$(base64 -d <<<"$raw64" | wc -c)
    cmp -s <(base64 -d <<<"$raw64") <(tail -c +$((off + 1)) "$src" | head -c "$n") ||
      fail "$name: dlq raw of $in at byte $off is not the input's bytes there"
  done < <(jq -r '[.input, .byte_offset, .kind, (.raw_base64 // (.raw | @base64))] | @tsv' "$out/dlq.jsonl")
}

check_failed_run() {
  local out=$1 rc=$2 in
  [ ! -e "$out" ] || fail "$name: exit $rc but output directory $out was created"
  for in in "${inputs[@]}"; do
    grep -qF -- "$in" "$out.stderr" && return 0
  done
  cat "$out.stderr" >&2
  fail "$name: exit $rc and stderr names no input"
}

# records OUT: the "records" block of report.json (jansson writes it the same way each time).
records() {
  sed -n '/^  "records": {/,/^  }/p' "$1/report.json" | tr -d ' \n' | sed 's/,$//'
}

# The runs are independent (and mostly wait on MPI start-up): run them at once, each
# in its own subshell with its own Open MPI session directory.
# out2: 2 ranks, checked against expect.json; out1: 1 rank without mpirun; out3 (only
# when there may be plain JSON Lines, the one format cut into byte ranges): 3 ranks
# with the JSON Lines cut into tiny partitions. Same answer on any rank count and any
# partitioning.
bytes=$({ find -L "${inputs[@]}" -type f ! -name '*.json' ! -name '*.gz' -printf '%s\n' 2>/dev/null ||
  true; } | awk '{s += $1} END {print s + 0}')
runs=(out1)
run_arcos 2 out2 &
run_arcos 0 out1 &
if [ "$bytes" -gt 0 ]; then
  runs+=(out3)
  run_arcos 3 out3 --partition-bytes $((bytes / 40 + 1)) &
fi
wait

rc=$(cat out2.rc)
[ "$rc" -ne 124 ] || fail "$name: the run on 2 ranks timed out"
if [ "$rc" != "$want_exit" ]; then
  cat out2.stderr >&2
  fail "$name: exit code $rc, expected $want_exit"
fi
jq -e -Rs --slurpfile e "$exp" '($e[0].stderr // "") as $re | test($re)' out2.stderr >/dev/null ||
  { cat out2.stderr >&2; fail "$name: stderr does not match $(jq .stderr "$exp")"; }
case $want_exit in
  0 | 3) check_outputs out2 ;;
  *) check_failed_run out2 "$rc" ;;
esac

for out in "${runs[@]}"; do
  assert_eq "$(cat $out.rc)" "$want_exit" "$name: exit code of run $out"
  case $want_exit in
    0 | 3)
      for f in dlq.jsonl results.jsonl duplicates.jsonl; do
        assert_same_file "$out/$f" "out2/$f" "$name: $f of run $out"
      done
      assert_eq "$(records "$out")" "$(records out2)" "$name: records of run $out"
      ;;
    *) check_failed_run "$out" "$want_exit" ;;
  esac
done
if [ -d out2 ]; then
  echo "bad.$name: ok $(records out2)"
else
  echo "bad.$name: ok (exit $want_exit)"
fi
