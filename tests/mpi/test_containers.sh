# CIV-ARCOS's own containers (SPEC section 1): an evidence store directory (nodes.json
# with Evidence and other nodes, relationships.json and index.json beside it) and a
# REST list body {"count": N, "evidence": [...]}, at 1, 2, 3 and 4 ranks:
#  - the stored records with their input and line (a node's 1-based position in the
#    object; an array element's index), the DLQ lines of the bad nodes and elements
#    (raw = the properties text, at its byte_offset in the file);
#  - results, DLQ and duplicates byte-identical at every rank count, with conservation;
#  - relationships.json and index.json are not inputs (no error from them);
#  - convert of both at 2 ranks, then run over the archive: the same results and DLQ.
#    (convert of the store *directory* makes an HDF5 graph, docs/graph.md; its evidence
#    is converted by naming nodes.json, which is what this does.)
source "$(dirname "$0")/lib.sh"
T=$ARCOS_TMP
DATA=$ARCOS_SRC/tests/data/civ-arcos
cp -a "$DATA" "$T/in"
cd "$T" || fail "cannot enter $T"
REF=(--reference-time 2026-11-01T00:00:00Z)

check_store() { # OUT
  local out=$1
  assert_eq "$(jq -c '[.id, .input, .line]' "$out/results.jsonl" | tr '\n' ' ')" \
    '["ev-001","in/store/nodes.json",2] ["ev-002","in/store/nodes.json",4] ["ev-005","in/store/nodes.json",7] ' \
    "store: results (id, input, line)"
  assert_eq "$(jq -c '[.kind, .input, .line, .raw]' "$out/dlq.jsonl" | head -1)" \
    '["invalid","in/store/nodes.json",5,"\"not an object\""]' "store: the node whose properties is a string"
  assert_eq "$(jq -c '[.kind, .line]' "$out/dlq.jsonl" | tail -1)" '["invalid",6]' \
    "store: the node without an id"
  assert_eq "$(jq -c '[.records.input, .records.stored, .records.dead_lettered, .records.conserved]' \
    "$out/report.json")" '[5,3,2,true]' "store: counts (Evidence nodes only) and conservation"
}

check_rest() { # OUT
  local out=$1
  assert_eq "$(jq -c '[.id, .input, .line]' "$out/results.jsonl" | tr '\n' ' ')" \
    '["rest-1","in/rest-list.json",1] ["rest-2","in/rest-list.json",2] ["rest-4","in/rest-list.json",4] ' \
    "REST body: results (id, input, line)"
  assert_eq "$(jq -c '[.kind, .line]' "$out/dlq.jsonl")" '["invalid",3]' "REST body: the element without an id"
  assert_eq "$(jq -c '[.records.input, .records.stored, .records.conserved]' "$out/report.json")" \
    '[4,3,true]' "REST body: counts and conservation"
}

# Every DLQ raw is the input's bytes at its byte_offset.
check_raw_at_offset() { # OUT
  jq -r '[.input, .byte_offset, (.raw | @base64)] | @tsv' "$1/dlq.jsonl" |
    while IFS=$'\t' read -r input off raw64; do
      raw=$(printf '%s' "$raw64" | base64 -d)
      got=$(tail -c +$((off + 1)) "$input" | head -c "${#raw}")
      [ "$got" == "$raw" ] || fail "dlq raw is not the bytes at offset $off of $input"
    done
}

for np in 1 2 3 4; do
  mpi "$np" "$ARCOS_BIN" run in/store --output "s$np" --jsonl --quiet "${REF[@]}" ||
    fail "run over the store directory on $np ranks"
  check_store "s$np"
  check_raw_at_offset "s$np"
  mpi "$np" "$ARCOS_BIN" run in/rest-list.json --output "r$np" --jsonl --quiet "${REF[@]}" ||
    fail "run over the REST body on $np ranks"
  check_rest "r$np"
  check_raw_at_offset "r$np"
  for f in results.jsonl dlq.jsonl duplicates.jsonl; do
    assert_same_file "s$np/$f" "s1/$f" "store: $f at $np ranks vs 1"
    assert_same_file "r$np/$f" "r1/$f" "REST body: $f at $np ranks vs 1"
  done
done

# Both in one run, in command-line order, and through an HDF5 archive.
mpi 2 "$ARCOS_BIN" run in/store in/rest-list.json --output both --jsonl --quiet "${REF[@]}" ||
  fail "run over both"
mpi 2 "$ARCOS_BIN" convert in/store/nodes.json in/rest-list.json --out both.h5 --quiet ||
  fail "convert"
for np in 1 3; do
  mpi "$np" "$ARCOS_BIN" run both.h5 --output "a$np" --jsonl --quiet "${REF[@]}" ||
    fail "run over the archive on $np ranks"
  for f in results.jsonl dlq.jsonl duplicates.jsonl; do
    assert_same_file "a$np/$f" "both/$f" "$f from the archive at $np ranks vs the direct run"
  done
done
assert_eq "$(jq -c '[.records.input, .records.stored, .records.conserved]' both/report.json)" \
  '[9,6,true]' "both: counts"
echo "containers: store and REST body at 1-4 ranks, and through convert"
