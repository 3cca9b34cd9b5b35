# SPEC §1 "What Python writes, we read": records as Python's json module writes them
# (integers beyond 64 bits, a lone surrogate escape, \u0000 in a key, NaN / Infinity,
# a repeated key, big integer ids) are stored, not dead-lettered, and their checksums,
# computed by /usr/bin/python3 (hashlib.sha256(json.dumps(data, sort_keys=True))),
# verify; the same at 1 and 3 ranks. A record with a wrong checksum is the control.
source "$(dirname "$0")/lib.sh"
[ -x /usr/bin/python3 ] || { echo "no /usr/bin/python3: skipped"; exit 77; }
in=$ARCOS_TMP/python.jsonl
/usr/bin/python3 - >"$in" <<'PY'
import hashlib, json
lines = []
def add(rid, data=None, text=None, source="ci", checksum=None):
    value = json.loads(text) if text is not None else data
    canon = json.dumps(value, sort_keys=True)
    rec = {"id": rid, "type": "build", "source": source, "timestamp": "2026-10-30T00:00:00Z",
           "data": "@DATA@",
           "checksum": checksum or hashlib.sha256(canon.encode()).hexdigest()}
    lines.append(json.dumps(rec).replace('"@DATA@"', text if text is not None else json.dumps(data)))
add("fingerprint", {"fingerprint": 18446744073709551615})
add("beyond64", {"n": -(10**30), "m": 2**64, "list": [10**40, -1]})
add("legacy", {"path": "src/legacy_\udcff.py"}, source="src/legacy_\udcff.py")
add("nulkey", {"\u0000init": 1})
add("nan", {"x": float("nan"), "y": float("inf"), "z": float("-inf")})
add("repeated", text='{"k": 1, "b": [1], "k": {"z": 2, "z": 3}}')
add(10**25, {"big_id": True})
add(-(2**70), {"neg_big_id": True})
add("control", {"n": 18446744073709551616}, checksum="0" * 64)
print("\n".join(lines))
PY
[ "$(wc -l <"$in")" -eq 9 ] || fail "python wrote $(wc -l <"$in") records"
for np in 1 3; do
  mpi $np "$ARCOS_BIN" run "$in" --output "$ARCOS_TMP/out$np" --jsonl --quiet \
    --reference-time 2026-11-01T00:00:00Z
  r=$ARCOS_TMP/out$np/report.json
  assert_eq "$(json_get "$r" .records.stored)" 9 "stored at $np ranks"
  assert_eq "$(json_get "$r" .records.dead_lettered)" 0 "dead-lettered at $np ranks"
  assert_eq "$(json_get "$r" .records.conserved)" true "conservation at $np ranks"
  res=$ARCOS_TMP/out$np/results.jsonl
  assert_eq "$(jq -r 'select(.components.integrity == 25) | .id' "$res" | tr '\n' ' ')" \
    "fingerprint beyond64 legacy nulkey nan repeated 10000000000000000000000000 -1180591620717411303424 " \
    "records whose Python checksum verifies at $np ranks"
  assert_eq "$(jq -r 'select(.id == "control") | .alerts | index("integrity_violation") != null' "$res")" \
    true "the wrong checksum is an integrity violation at $np ranks"
done
assert_same_file "$ARCOS_TMP/out1/results.jsonl" "$ARCOS_TMP/out3/results.jsonl" "results 1 vs 3 ranks"
echo "python records: ok"
