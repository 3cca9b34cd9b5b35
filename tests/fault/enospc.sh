#!/usr/bin/env bash
# A full disk, deterministically (issue #9, docs/reliability.md "Fault campaign"): the
# output directory is a small tmpfs, sized so that the run runs out of space in (1) the
# checkpoint, (2) the JSON Lines outputs, (3) results.h5. Each run must stop with exit 1
# and a message that names the file and says to free space and rerun with --resume,
# leave no final output (only the checkpoint), and after the space is freed --resume must
# give byte-identical results. Trial 1 also cuts a journal line short ("done P" without
# its newline, as a full disk can), which --resume must not trust, and truncates the
# input before a first --resume, which must refuse it by name.
# Needs root (mount -t tmpfs); exits 77 (skipped) where it cannot mount.
[ -n "${ARCOS_TMP:-}" ] && umount "$ARCOS_TMP/m" 2>/dev/null
source "$(dirname "$0")/../mpi/lib.sh"
mkdir -p "$ARCOS_TMP/m"
mount -t tmpfs -o size=1m tmpfs "$ARCOS_TMP/m" 2>/dev/null || { echo "SKIP: cannot mount a tmpfs (needs root)"; exit 77; }
umount "$ARCOS_TMP/m"
trap 'umount "$ARCOS_TMP/m" 2>/dev/null || true' EXIT

"$ARCOS_BIN" generate --out "$ARCOS_TMP/g" --records 20000 --duplicate-rate 0.1 --bad-rate 0.1 --seed 17 >/dev/null
f=$ARCOS_TMP/g/evidence.jsonl
args=(--jsonl --quiet --reference-time 2026-11-01T00:00:00Z --partition-bytes 1000000)
mpi 2 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/ref" "${args[@]}"
ref_kb=$(du -sk "$ARCOS_TMP/ref" | cut -f1)
o=$ARCOS_TMP/m/out

# trial NAME SIZE_KB PATTERN: run on a tmpfs of SIZE_KB, expect the failure PATTERN names.
trial() {
  local name=$1 kb=$2 pattern=$3
  mount -t tmpfs -o "size=${kb}k" tmpfs "$ARCOS_TMP/m"
  local rc=0
  mpi_launcher 2
  timeout 120 "${MPI_LAUNCH[@]}" "$ARCOS_BIN" run "$f" --output "$o" "${args[@]}" \
    >"$ARCOS_TMP/$name.log" 2>&1 || rc=$?
  [ "$rc" -ne 124 ] || fail "$name: the run hung on a full disk (killed after 120 s)"
  [ "$rc" -eq 1 ] || { cat "$ARCOS_TMP/$name.log" >&2; fail "$name: exit $rc on a full disk, expected 1"; }
  grep -E -c "$pattern" "$ARCOS_TMP/$name.log" >/dev/null ||
    { cat "$ARCOS_TMP/$name.log" >&2; fail "$name: no message naming the file ($pattern)"; }
  grep -c "rerun with --resume" "$ARCOS_TMP/$name.log" >/dev/null || fail "$name: the message does not say what to do"
  # Nothing but the checkpoint: no final output, no temporary file left behind.
  assert_eq "$(ls -A "$o" | tr '\n' ' ')" ".arcos-state " "$name: files left in the output directory"
  assert_eq "$(stat -c %a "$o/.arcos-state")" 700 "$name: mode of .arcos-state"
}

# resume NAME: free the space and resume; the results must be the uninterrupted ones.
resume() {
  local name=$1
  mount -o remount,size=64m "$ARCOS_TMP/m"
  mpi_launcher 2
  timeout 120 "${MPI_LAUNCH[@]}" "$ARCOS_BIN" run "$f" --output "$o" --resume \
    "${args[@]}" || fail "$name: --resume after freeing space failed"
  for out in results.jsonl dlq.jsonl duplicates.jsonl; do
    assert_same_file "$ARCOS_TMP/ref/$out" "$o/$out" "$name: $out after --resume"
  done
  assert_eq "$(json_get "$o/report.json" .records.conserved)" true "$name: conservation"
  h5dump -H "$o/results.h5" >/dev/null || fail "$name: results.h5 does not open"
  [ ! -e "$o/.arcos-state" ] || fail "$name: checkpoint left after the completed run"
  umount "$ARCOS_TMP/m"
}

trial checkpoint 300 '\.arcos-state/seg-[0-9]+\.bin: No space left'
# A journal line cut short by the full disk: "done P" of a partition with no segment.
for p in $(seq 0 20); do [ -e "$o/.arcos-state/seg-$p.bin" ] || break; done
printf 'done %d' "$p" >>"$o/.arcos-state/journal-0.log"
# An input that changed since the plan (here: truncated while the run was stopped) is
# refused by name when a partition of it is read, then the restored input resumes.
cp "$f" "$ARCOS_TMP/saved.jsonl"
: >"$f"
rc=0
mpi 2 "$ARCOS_BIN" run "$f" --output "$o" --resume "${args[@]}" 2>"$ARCOS_TMP/changed.log" || rc=$?
assert_eq "$rc" 1 "resume over a truncated input: exit code"
grep -c "input .*evidence.jsonl changed while the job ran .*restore it and rerun with --resume" \
  "$ARCOS_TMP/changed.log" >/dev/null || { cat "$ARCOS_TMP/changed.log" >&2; fail "no message naming the changed input"; }
cp "$ARCOS_TMP/saved.jsonl" "$f"
resume checkpoint
trial jsonl $((ref_kb * 45 / 100)) 'cannot write .*\.(results|dlq)\.jsonl\.tmp .*No space left'
resume jsonl
trial hdf5 $((ref_kb * 110 / 100)) 'writing .*\.results\.h5\.tmp failed: no space'
resume hdf5
echo "3 passed, 0 failed"
