# SPEC §1: an id that Python writes with a lone surrogate ("\udcff", as os.fsdecode
# gives for a file name that is not UTF-8) is stored, and results.jsonl and
# duplicates.jsonl write it exactly as Python's json.dumps does, at 1 and 3 ranks.
# The ID length rule counts a lone surrogate as 3 bytes (its UTF-8-like form).
source "$(dirname "$0")/lib.sh"
[ -x /usr/bin/python3 ] || { echo "no /usr/bin/python3: skipped"; exit 77; }
in=$ARCOS_TMP/ids.jsonl
/usr/bin/python3 - "$ARCOS_TMP" <<'PY'
import json, sys
d = sys.argv[1]
def rec(rid, n):
    return json.dumps({"id": rid, "type": "build", "source": "ci",
                       "timestamp": "2026-10-30T00:00:00Z", "data": {"n": n}})
ids = ["src/legacy_\udcff.py", "\ud800x", "a" * 253 + "\udcff", "b" * 254 + "\udcff", "plain"]
lines = [rec(i, k) for k, i in enumerate(ids)] + [rec(ids[0], 9)]
open(d + "/ids.jsonl", "w").write("\n".join(lines) + "\n")
# What Python writes for each stored id, in the order results.jsonl lists them.
with open(d + "/want_ids", "w") as f:
    for i in [ids[0], ids[1], ids[2], ids[4]]:
        f.write(json.dumps(i) + "\n")
with open(d + "/want_dup", "w") as f:
    f.write(json.dumps(ids[0]) + "\n")
PY
for np in 1 3; do
  out=$ARCOS_TMP/out$np
  mpi $np "$ARCOS_BIN" run "$in" --output "$out" --jsonl --quiet \
    --reference-time 2026-11-01T00:00:00Z
  r=$out/report.json
  assert_eq "$(json_get "$r" .records.stored)" 4 "stored at $np ranks"
  assert_eq "$(json_get "$r" .records.duplicates)" 1 "duplicates at $np ranks"
  assert_eq "$(json_get "$r" .records.dead_lettered)" 1 "the 257-byte id is invalid at $np ranks"
  assert_eq "$(jq -r .line "$out/dlq.jsonl")" 4 "the dead-lettered line at $np ranks"
  # The id as written: the text between {"id": and ,"score" (results) or ,"input" (dups).
  sed -e 's/^{"id":\(.*\),"score":.*$/\1/' "$out/results.jsonl" >"$ARCOS_TMP/got_ids$np"
  assert_same_file "$ARCOS_TMP/got_ids$np" "$ARCOS_TMP/want_ids" "results.jsonl ids at $np ranks"
  sed -e 's/^{"id":\(.*\),"input":.*$/\1/' "$out/duplicates.jsonl" >"$ARCOS_TMP/got_dup$np"
  assert_same_file "$ARCOS_TMP/got_dup$np" "$ARCOS_TMP/want_dup" "duplicates.jsonl id at $np ranks"
  # Python reads every line back to the same id.
  /usr/bin/python3 -c '
import json, sys
got = [json.loads(l)["id"] for l in open(sys.argv[1])]
want = [json.loads(l) for l in open(sys.argv[2])]
sys.exit(0 if got == want else 1)' "$out/results.jsonl" "$ARCOS_TMP/want_ids" ||
    fail "Python reads results.jsonl ids back differently at $np ranks"
done
assert_same_file "$ARCOS_TMP/out1/results.jsonl" "$ARCOS_TMP/out3/results.jsonl" "results 1 vs 3 ranks"
assert_same_file "$ARCOS_TMP/out1/duplicates.jsonl" "$ARCOS_TMP/out3/duplicates.jsonl" \
  "duplicates 1 vs 3 ranks"
echo "python ids: ok"
