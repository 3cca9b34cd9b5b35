#!/usr/bin/env bash
# Output-path safety (docs/reliability.md "Security review"): symbolic links planted in
# the output directory under the final and the temporary names of the outputs, and as
# .arcos-state, are never written through, read or emptied; outputs follow the umask;
# the checkpoint directory is the owner's only; an existing output directory is never
# overwritten without --force or --resume.
source "$(dirname "$0")/../mpi/lib.sh"
"$ARCOS_BIN" generate --out "$ARCOS_TMP/g" --records 3000 --duplicate-rate 0.1 --bad-rate 0.05 --seed 5 >/dev/null
f=$ARCOS_TMP/g/evidence.jsonl
args=(--jsonl --quiet --reference-time 2026-11-01T00:00:00Z --partition-bytes 100000)
mpi 2 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/ref" "${args[@]}"

# No clobbering without intent: an existing directory is refused, its files untouched.
mkdir -p "$ARCOS_TMP/o"
echo precious >"$ARCOS_TMP/o/results.jsonl"
rc=0
mpi 2 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/o" "${args[@]}" 2>"$ARCOS_TMP/refuse.log" || rc=$?
[ "$rc" -ne 0 ] || fail "an existing output directory was used without --force"
grep -c -- "--force" "$ARCOS_TMP/refuse.log" >/dev/null || fail "the refusal does not say what to do"
assert_eq "$(cat "$ARCOS_TMP/o/results.jsonl")" precious "existing file after the refusal"

# Links planted under every name the job writes; each points at a file of the victim.
v=$ARCOS_TMP/victim
mkdir -p "$v/dir"
echo keep >"$v/dir/keep"
names=(results.jsonl dlq.jsonl results.h5 report.json .results.jsonl.tmp .dlq.jsonl.tmp
       .duplicates.jsonl.tmp .results.h5.tmp report.json.tmp .metrics.prom.tmp.tmp
       .report.html.tmp.tmp)
for n in "${names[@]}"; do
  echo "victim $n" >"$v/$n"
  ln -sfn "$v/$n" "$ARCOS_TMP/o/$n"
done
ln -sfn "$v/dir" "$ARCOS_TMP/o/.arcos-state"
# --resume through a planted .arcos-state: refused, the link's target untouched.
rc=0
mpi 2 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/o" --resume "${args[@]}" 2>"$ARCOS_TMP/link.log" || rc=$?
assert_eq "$rc" 1 "--resume with .arcos-state a symbolic link: exit code"
grep -c "symbolic link" "$ARCOS_TMP/link.log" >/dev/null || fail "the refusal does not name the link"
[ -e "$v/dir/keep" ] || fail "--resume emptied the target of a planted .arcos-state link"
# --force: the run completes, nothing is written through a link.
(umask 077 && mpi 2 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/o" --force "${args[@]}") ||
  fail "run over planted links failed"
for n in "${names[@]}"; do
  assert_eq "$(cat "$v/$n")" "victim $n" "target of the link planted as $n"
done
[ -e "$v/dir/keep" ] || fail "--force emptied the target of a planted .arcos-state link"
for out in results.jsonl dlq.jsonl duplicates.jsonl; do
  [ -f "$ARCOS_TMP/o/$out" ] && [ ! -L "$ARCOS_TMP/o/$out" ] || fail "$out is not a regular file"
  assert_same_file "$ARCOS_TMP/ref/$out" "$ARCOS_TMP/o/$out" "$out over planted links"
done
[ -z "$(find "$ARCOS_TMP/o" -type l)" ] || fail "links left in the output directory: $(find "$ARCOS_TMP/o" -type l)"
# The umask applies to every output (077: owner only).
for out in results.jsonl dlq.jsonl duplicates.jsonl results.h5 report.json metrics.prom report.html; do
  assert_eq "$(stat -c %a "$ARCOS_TMP/o/$out")" 600 "mode of $out under umask 077"
done
(umask 022 && mpi 2 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/o" --force "${args[@]}")
assert_eq "$(stat -c %a "$ARCOS_TMP/o/results.h5")" 644 "mode of results.h5 under umask 022"
# A kill while a completed run removes its checkpoint leaves part of it (meta.json goes
# first): --resume finds the completed run, says so and removes the rest.
mkdir -p "$ARCOS_TMP/o/.arcos-state"
echo "done 0" >"$ARCOS_TMP/o/.arcos-state/journal-0.log"
cp "$ARCOS_TMP/o/results.jsonl" "$ARCOS_TMP/o/.arcos-state/plan.bin"
mpi 2 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/o" --resume "${args[@]}" 2>"$ARCOS_TMP/left.log" ||
  fail "--resume over a completed run with a partial checkpoint failed"
grep -c "nothing to resume" "$ARCOS_TMP/left.log" >/dev/null || fail "the completed run was not recognised"
[ ! -e "$ARCOS_TMP/o/.arcos-state" ] || fail "the leftover checkpoint was not removed"
assert_same_file "$ARCOS_TMP/ref/results.jsonl" "$ARCOS_TMP/o/results.jsonl" "results after --resume"
echo "5 passed, 0 failed"
