# The run layer's checks and policies (issue #13), at 1 and 2 ranks (3 for the worker cap):
#   a. every named file is checked before any input is read: `run -` with a missing
#      --graph or --queries file exits 2 at once, creates no output directory and
#      leaves no temporary file (SPEC §6);
#   b. --fail-cache-node out of range is a usage error before the pipeline runs
#      (no output directory, no .arcos-state);
#   e. ARCOS_MAX_WORKERS caps how many ranks take batches when streaming (SPEC §9);
#   f. io errors are transient (SPEC §4): --on-error retry reads the failing input
#      again, up to --max-retries.
source "$(dirname "$0")/lib.sh"
S="$ARCOS_SRC/inputs/sample"
T="$ARCOS_TMP"
"$ARCOS_BIN" generate --out "$T/data" --records 3000 --seed 11 --bad-rate 0.02 >/dev/null 2>&1
D="$T/data/evidence.jsonl"

# no_temporaries DIR WHAT: nothing named .*.tmp under DIR (when it exists).
no_temporaries() {
  if [ -d "$1" ]; then
    local left
    left=$(find "$1" -name '.*.tmp' | head -5)
    [ -z "$left" ] || fail "$2: temporary files left: $left"
  fi
}

for np in 1 2; do
  # a. missing --graph / --queries with a stream: exit 2 before anything else.
  for case in graph queries; do
    O="$T/a-$case-$np"
    g="$S/graph" q="$S/queries.json"
    [ "$case" = graph ] && g="$T/no-such-graph"
    [ "$case" = queries ] && q="$T/no-such-queries.json"
    set +e
    mpi "$np" "$ARCOS_BIN" run - --graph "$g" --queries "$q" --output "$O" --quiet \
      <"$D" 2>"$T/a.err"
    code=$?
    set -e
    assert_eq "$code" 2 "a ($case, np $np): exit code"
    grep -q "no-such-$case" "$T/a.err" || fail "a ($case, np $np): the message names the file: $(cat "$T/a.err")"
    [ ! -e "$O" ] || fail "a ($case, np $np): output directory created before the check"
    no_temporaries "$O" "a ($case, np $np)"
  done

  # b. --fail-cache-node beyond the cache's nodes: exit 2 before the pipeline.
  O="$T/b-$np"
  set +e
  mpi "$np" "$ARCOS_BIN" run "$D" --cache-nodes 3 --cache-replication 2 --fail-cache-node 7 --output "$O" --quiet \
    2>"$T/b.err"
  code=$?
  set -e
  assert_eq "$code" 2 "b (np $np): exit code"
  grep -q "fail-cache-node 7 is not a cache node" "$T/b.err" || fail "b (np $np): message: $(cat "$T/b.err")"
  [ ! -e "$O" ] || fail "b (np $np): output directory (and .arcos-state) created before the check"

  # f. an io error (a damaged gzip member) is retried under --on-error retry.
  python3 - "$T/g" <<'PY'
import gzip, sys
data = bytearray(gzip.compress(b"".join(b'{"id":"r%d","type":"t"}\n' % i for i in range(200))))
mid = len(data) // 2
data[mid:mid + 32] = b"\0" * 32
open(sys.argv[1] + ".jsonl.gz", "wb").write(bytes(data))
PY
  for policy in retry dlq; do
    O="$T/f-$policy-$np"
    mpi "$np" "$ARCOS_BIN" run "$T/g.jsonl.gz" --on-error "$policy" --max-retries 2 \
      --retry-backoff-ms 1 --output "$O" --quiet 2>/dev/null
    io=$(jq -c 'select(.kind == "io") | .attempts' "$O/dlq.jsonl")
    [ -n "$io" ] || fail "f ($policy, np $np): no io error in dlq.jsonl"
    if [ "$policy" = retry ]; then
      assert_eq "$io" 3 "f (np $np): attempts of the io error under retry"
      assert_eq "$(json_get "$O/report.json" '.errors.retries | "\(.retries) \(.gave_up)"')" "2 1" \
        "f (np $np): retries and gave_up"
    else
      assert_eq "$io" 1 "f (np $np): attempts of the io error under dlq"
    fi
    assert_eq "$(json_get "$O/report.json" .records.conserved)" true "f ($policy, np $np): conserved"
  done
done
assert_same_file "$T/f-retry-1/dlq.jsonl" "$T/f-retry-2/dlq.jsonl" "f: dlq.jsonl at 1 vs 2 ranks"

# e. ARCOS_MAX_WORKERS when streaming: at most that many ranks take batches (rank 0,
#    which deals, counts as one), and the outputs do not change.
mpi 1 "$ARCOS_BIN" run - --output "$T/e-ref" --quiet --jsonl --batch-size 50 --fixed-batch <"$D"
for cap in 1 2; do
  O="$T/e-$cap"
  ARCOS_MAX_WORKERS=$cap mpi 3 -x ARCOS_MAX_WORKERS "$ARCOS_BIN" run - --output "$O" --quiet \
    --jsonl --batch-size 50 --fixed-batch <"$D"
  busy=$(jq '[.ranks[] | select(.items > 0)] | length' "$O/report.json")
  [ "$busy" -le "$cap" ] || fail "e (cap $cap): $busy ranks took batches"
  assert_eq "$(json_get "$O/report.json" '.ranks[2].items')" 0 "e (cap $cap): rank 2 took batches"
  for f in results.jsonl dlq.jsonl duplicates.jsonl; do
    assert_same_file "$T/e-ref/$f" "$O/$f" "e (cap $cap): $f"
  done
done
echo "ok"
