#!/usr/bin/env bash
# Fault campaign (issue #9; docs/reliability.md "Fault campaign"). Trials of each kind of
# fault; every trial must end either in the correct result (byte-identical results.jsonl,
# dlq.jsonl and duplicates.jsonl to an uninterrupted run, conservation true, results.h5
# opens in h5dump), directly or after --resume once the fault is removed, or in a clear
# error (exit 1, a message that names the file and says what to do) followed by a
# correct --resume; and never in a final output that is corrupt: the output directory
# holds a completed run or only the checkpoint.
#
# Kinds:
#   kill        SIGKILL of mpirun or of one rank at a random moment (tests/fault/kill_resume.sh)
#   enospc      the output directory is a tmpfs of a random size (2-250 % of a complete
#               output; a run needs about 150 %: the checkpoint and the outputs coexist):
#               the disk fills in the checkpoint, a JSON Lines output, results.h5 or the
#               report, or not at all
#   ckpt_full   a tmpfs of 1-35 %: the disk fills while partitions are checkpointed
#   input       an input is truncated, deleted, replaced or made unreadable (chmod 000,
#               the job running as an unprivileged user) at a random moment of the run
#
# Usage: jobs/faults.sh [--trials N] [--records N] [--kinds "kill enospc ckpt_full input"]
#                       [--json FILE] [--bin PATH] [--work DIR] [--seed S]
# Needs root (tmpfs mounts, setpriv); kinds it cannot run are reported as skipped.
# Exit 0 when every trial ended correctly, 1 otherwise.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
TRIALS=${TRIALS:-4}
RECORDS=${RECORDS:-20000}
KINDS=${KINDS:-kill enospc ckpt_full input}
BIN=${ARCOS_BIN:-$here/build/bin/arcos-scale}
WORK=${WORK:-${ARCOS_TMP:-/tmp/arcos-faults.$$}}
JSON=${JSON:-}
SEED=${SEED:-$$}
while [ $# -gt 0 ]; do
  case $1 in
  --trials) TRIALS=$2; shift 2 ;;
  --records) RECORDS=$2; shift 2 ;;
  --kinds) KINDS=$2; shift 2 ;;
  --json) JSON=$2; shift 2 ;;
  --bin) BIN=$2; shift 2 ;;
  --work) WORK=$2; shift 2 ;;
  --seed) SEED=$2; shift 2 ;;
  -h | --help) sed -n '2,26p' "$0"; exit 0 ;;
  *) echo "faults.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
RANDOM=$SEED
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh" # the Open MPI settings (cmake/openmpi.env)
export OMPI_MCA_rmaps_base_oversubscribe=1
MPIEXEC=${ARCOS_MPIEXEC:-mpirun}
[ -x "$BIN" ] || { echo "faults.sh: no arcos-scale at $BIN (build first, or --bin)" >&2; exit 2; }
mnt=$WORK/m
cleanup() { umount "$mnt" 2>/dev/null || true; }
trap cleanup EXIT
umount "$mnt" 2>/dev/null || true
rm -rf "$WORK"
mkdir -p "$WORK/in" "$mnt"
chmod 755 "$WORK"
log() { echo "faults: $*"; }

# Data: RECORDS records in four inputs (one of them is the victim of the input faults).
"$BIN" generate --out "$WORK/g" --records "$RECORDS" --duplicate-rate 0.1 --bad-rate 0.1 --seed 17 >/dev/null
split -n l/4 -d --additional-suffix=.jsonl "$WORK/g/evidence.jsonl" "$WORK/orig-part"
inputs=()
for k in 0 1 2 3; do inputs+=("$WORK/in/part0$k.jsonl"); done
restore_inputs() {
  for k in 0 1 2 3; do cp "$WORK/orig-part0$k.jsonl" "$WORK/in/part0$k.jsonl"; done
  chmod 755 "$WORK/in"
  chmod 644 "$WORK"/in/*.jsonl
}
restore_inputs
args=(--jsonl --quiet --reference-time 2026-11-01T00:00:00Z --partition-bytes $((RECORDS * 25)))
"$MPIEXEC" -n 2 "$BIN" run "${inputs[@]}" --output "$WORK/ref" "${args[@]}" >/dev/null
ref_kb=$(du -sk "$WORK/ref" | cut -f1)
t0=$(date +%s%N)
"$MPIEXEC" -n 2 "$BIN" run "${inputs[@]}" --output "$WORK/timing" "${args[@]}" >/dev/null
span_ms=$((($(date +%s%N) - t0) / 1000000))
log "$RECORDS records in 4 inputs, complete output ${ref_kb} KB, uninterrupted run ${span_ms} ms, seed $SEED"

rows=()   # JSON objects, one per trial
slow=()   # extra options of the input trials
record() { # kind outcome detail
  rows+=("$(jq -nc --arg k "$1" --arg o "$2" --arg d "$3" '{kind: $k, outcome: $o, detail: $d}')")
  printf '  %-9s %-18s %s\n' "$1" "$2" "$3"
}

# check_result DIR: the completed output must be the uninterrupted one. Echoes why not.
check_result() {
  local o=$1
  [ -s "$o/report.json" ] || { echo "no report.json"; return; }
  [ ! -e "$o/.arcos-state" ] || { echo "checkpoint left after completion"; return; }
  for out in results.jsonl dlq.jsonl duplicates.jsonl; do
    cmp -s "$WORK/ref/$out" "$o/$out" || { echo "$out differs from the uninterrupted run"; return; }
  done
  [ "$(jq -r .records.conserved "$o/report.json")" == true ] || { echo "conservation false"; return; }
  h5dump -H "$o/results.h5" >/dev/null 2>&1 || { echo "results.h5 does not open"; return; }
  [ -z "$(find "$o" -maxdepth 1 -name '*.tmp')" ] || { echo "temporary files left"; return; }
}

# check_failed DIR: after a failed run, no final output may exist (only the checkpoint).
check_failed() {
  local o=$1 f
  for f in results.jsonl dlq.jsonl duplicates.jsonl results.h5 report.json metrics.prom report.html; do
    [ ! -e "$o/$f" ] || { echo "final $f present after a failed run"; return; }
  done
  [ -z "$(find "$o" -maxdepth 1 -name '*.tmp')" ] || echo "temporary files left after a failed run"
}

# resume_until_done NP DIR [AS...]: --resume until completed (at most 2); echoes a failure.
resume_until_done() {
  local np=$1 o=$2 tries=0
  shift 2
  until [ -s "$o/report.json" ] && [ ! -e "$o/.arcos-state" ]; do
    tries=$((tries + 1))
    [ "$tries" -le 2 ] || { echo "no completion after 2 resumes"; return; }
    timeout 300 "$@" "$MPIEXEC" -n "$np" "$BIN" run "${inputs[@]}" --output "$o" --resume \
      "${args[@]}" "${slow[@]}" >"$o.resume.log" 2>&1 || { echo "--resume exit $? ($(grep -m1 arcos-scale "$o.resume.log" || true))"; return; }
  done
}

# which part a full-disk message names
hit_of() {
  if grep -c '\.arcos-state' "$1" >/dev/null; then echo checkpoint
  elif grep -c 'results\.h5' "$1" >/dev/null; then echo results.h5
  elif grep -c 'results\.jsonl' "$1" >/dev/null; then echo results.jsonl
  elif grep -c 'dlq\.jsonl' "$1" >/dev/null; then echo dlq.jsonl
  elif grep -c 'duplicates\.jsonl' "$1" >/dev/null; then echo duplicates.jsonl
  else grep -m1 -o 'cannot write [^ :]*' "$1" | sed 's/.*\///' || echo unknown
  fi
}

# ---- kill: tests/fault/kill_resume.sh, one trial per call --------------------------
kind_kill() {
  for t in $(seq 1 "$TRIALS"); do
    local np=$((2 + RANDOM % 2)) out
    out=$(ARCOS_BIN=$BIN ARCOS_TMP=$WORK/kill-$t TRIALS=1 RANKS=$np RECORDS=$RECORDS SEED=$RANDOM \
      bash "$here/tests/fault/kill_resume.sh" 2>&1) && rc=0 || rc=$?
    echo "$out" >"$WORK/kill-$t.log"
    if [ "$rc" -eq 0 ]; then
      record kill resumed-identical "$np ranks, $(echo "$out" | grep -m1 -o 'kill at.*' | sed 's/)$//')"
    else
      record kill FAILED "$np ranks: $(echo "$out" | grep -m1 FAIL || echo "exit $rc")"
    fi
  done
}

# ---- enospc / ckpt_full: a tmpfs of SIZE % of a complete output --------------------
disk_trial() { # kind min% max%
  local kind=$1 lo=$2 hi=$3
  for t in $(seq 1 "$TRIALS"); do
    local pct=$((lo + RANDOM % (hi - lo + 1))) np=$((2 + RANDOM % 2)) o=$mnt/out why rc=0
    local kb=$((ref_kb * pct / 100 + 64))
    mount -t tmpfs -o "size=${kb}k" tmpfs "$mnt"
    timeout 300 "$MPIEXEC" -n "$np" "$BIN" run "${inputs[@]}" --output "$o" "${args[@]}" \
      >"$WORK/$kind-$t.log" 2>&1 || rc=$?
    if [ "$rc" -eq 124 ]; then
      record "$kind" FAILED "${pct}% (${kb} KB), $np ranks: hung"
    elif [ "$rc" -eq 0 ]; then
      why=$(check_result "$o")
      [ -z "$why" ] && record "$kind" completed "${pct}% (${kb} KB), $np ranks: enough space" ||
        record "$kind" FAILED "${pct}% (${kb} KB), $np ranks: $why"
    else
      why=""
      [ "$rc" -eq 1 ] || why="exit $rc"
      grep -E -c 'No space left|no space' "$WORK/$kind-$t.log" >/dev/null || why="${why:-no message saying the disk is full}"
      grep -c 'rerun' "$WORK/$kind-$t.log" >/dev/null || why="${why:-the message does not say what to do}"
      [ -n "$why" ] || why=$(check_failed "$o")
      local hit
      hit=$(hit_of "$WORK/$kind-$t.log")
      if [ -z "$why" ]; then
        mount -o remount,size=1g "$mnt" # free space, then resume on another rank count
        why=$(resume_until_done $((5 - np)) "$o")
        [ -n "$why" ] || why=$(check_result "$o")
      fi
      [ -z "$why" ] && record "$kind" error+resumed "${pct}% (${kb} KB), $np ranks: full in $hit" ||
        record "$kind" FAILED "${pct}% (${kb} KB), $np ranks, full in $hit: $why"
    fi
    umount "$mnt"
  done
}

# ---- input: an input changes while the job runs --------------------------------------
kind_input() {
  local actions=(truncate delete replace chmod)
  slow=(--inject-fault "stage=ingestion,kind=delay,delay_ms=0.15,rate=1")
  for t in $(seq 1 "$TRIALS"); do
    local act=${actions[$((RANDOM % 4))]} np=$((2 + RANDOM % 2)) o=$WORK/input-$t rc=0 why=""
    local victim=${inputs[$((RANDOM % 4))]} delay_ms=$((RANDOM % (span_ms / 2 + 1)))
    local as=()
    restore_inputs
    rm -rf "$o"
    if [ "$act" == chmod ]; then # root reads anything: run as nobody
      as=(setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/tmp)
      mkdir -p "$o.d" && chmod 777 "$o.d"
      o=$o.d/out
    fi
    # A delay at ingestion (0.15 ms a record, results unchanged) stretches the run so that
    # the change often lands while the inputs are being read.
    timeout 300 "${as[@]}" "$MPIEXEC" -n "$np" "$BIN" run "${inputs[@]}" --output "$o" "${args[@]}" \
      "${slow[@]}" >"$WORK/input-$t.log" 2>&1 &
    local launcher=$!
    # The change must come after the plan (before it, the job just reads other inputs):
    # wait until the checkpoint holds the plan, then a random part of the run.
    while kill -0 "$launcher" 2>/dev/null && [ ! -e "$o/.arcos-state/plan.bin" ]; do sleep 0.01; done
    sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
    case $act in
    truncate) : >"$victim" ;;
    delete) rm -f "$victim" ;;
    replace) head -c 100000 "$WORK/orig-part00.jsonl" >"$victim.new" && mv "$victim.new" "$victim" ;;
    chmod) chmod 000 "$victim" ;;
    esac
    wait "$launcher" || rc=$?
    local what="$act $(basename "$victim") at ${delay_ms} ms, $np ranks"
    if [ "$rc" -eq 124 ]; then
      record input FAILED "$what: hung"
      continue
    elif [ "$rc" -eq 0 ]; then # the victim was read before the change
      restore_inputs
      why=$(check_result "$o")
      [ -z "$why" ] && record input completed "$what: read before the change" ||
        record input FAILED "$what: $why"
      continue
    fi
    [ "$rc" -eq 1 ] || why="exit $rc"
    grep -E -c "input .*$(basename "$victim").* changed while the job ran.*--resume" "$WORK/input-$t.log" >/dev/null ||
      why="${why:-no message naming the input}"
    [ -n "$why" ] || why=$(check_failed "$o")
    if [ -z "$why" ]; then # restore the input and resume, as the message says
      restore_inputs
      why=$(resume_until_done "$np" "$o" "${as[@]}")
      [ -n "$why" ] || why=$(check_result "$o")
    fi
    [ -z "$why" ] && record input error+resumed "$what" || record input FAILED "$what: $why"
  done
  restore_inputs
  slow=()
}

can_mount=1
mount -t tmpfs -o size=1m tmpfs "$mnt" 2>/dev/null && umount "$mnt" || can_mount=0
can_setpriv=1
command -v setpriv >/dev/null && [ "$(id -u)" -eq 0 ] || can_setpriv=0
skipped=()
for kind in $KINDS; do
  log "kind $kind: $TRIALS trials"
  case $kind in
  kill) kind_kill ;;
  enospc) [ $can_mount -eq 1 ] && disk_trial enospc 2 250 || skipped+=(enospc) ;;
  ckpt_full) [ $can_mount -eq 1 ] && disk_trial ckpt_full 1 35 || skipped+=(ckpt_full) ;;
  input) [ $can_setpriv -eq 1 ] && kind_input || skipped+=(input) ;;
  *) echo "faults.sh: unknown kind $kind" >&2; exit 2 ;;
  esac
done

# Table and JSON.
all=$(printf '%s\n' "${rows[@]}" | jq -s .)
echo
printf '%-10s %6s  %s\n' kind trials outcomes
echo "$all" | jq -r 'group_by(.kind)[] | [.[0].kind, (length|tostring),
  (group_by(.outcome) | map("\(.[0].outcome) \(length)") | join(", "))] | @tsv' |
  while IFS=$'\t' read -r k n o; do printf '%-10s %6s  %s\n' "$k" "$n" "$o"; done
[ ${#skipped[@]} -eq 0 ] || echo "skipped (needs root): ${skipped[*]}"
failed=$(echo "$all" | jq '[.[] | select(.outcome == "FAILED")] | length')
total=$(echo "$all" | jq length)
if [ -n "$JSON" ]; then
  echo "$all" | jq --arg seed "$SEED" --argjson records "$RECORDS" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
    --argjson skipped "$(printf '%s\n' "${skipped[@]}" | jq -R . | jq -sc 'map(select(. != ""))')" \
    '{seed: ($seed|tonumber), records: $records, load_average: $load, skipped: $skipped,
      kinds: (group_by(.kind) | map({key: .[0].kind, value: {trials: length,
        outcomes: (group_by(.outcome) | map({key: .[0].outcome, value: length}) | from_entries)}})
        | from_entries),
      trials: .}' >"$JSON"
  log "JSON in $JSON"
fi
echo "$((total - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
