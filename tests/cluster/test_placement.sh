# The same data, with duplicates and bad lines, at 2 hosts x 2 ranks and at 1 host x 4
# ranks: byte-identical outputs; report.json names 2 hosts, then 1. Then bounded memory
# with --scratch on each host's node-local /var/tmp: the spill segments really were
# there (seen while the run was under way), are gone afterwards, and nothing changed in
# the results. A --scratch that exists on one host only is a clear error naming the
# other host, not a hang.
source "$(dirname "$0")/../mpi/lib.sh"
source "$(dirname "$0")/../ops/lib.sh"
source "$(dirname "$0")/lib.sh"
t0=$SECONDS
cluster_up 2 tplace 61

"$ARCOS_BIN" generate --out "$SHARED/g" --records 12000 --duplicate-rate 0.1 --bad-rate 0.02 \
  --seed 31 >/dev/null
in=$SHARED/g/evidence.jsonl
args=(--jsonl --quiet --reference-time 2026-11-01T00:00:00Z --partition-bytes 200000)

cmpi -np 4 -- "$ARCOS_BIN" run "$in" --output "$SHARED/two" "${args[@]}"
cmpi --on 1 -np 4 -- "$ARCOS_BIN" run "$in" --output "$SHARED/one" "${args[@]}"
assert_eq "$(hosts_of "$SHARED/two/report.json")" "tplace-n1 tplace-n2" "hosts of the 2 x 2 run"
assert_eq "$(jq -r '[.ranks[] | "\(.rank):\(.host)"] | join(" ")' "$SHARED/two/report.json")" \
  "0:tplace-n1 1:tplace-n1 2:tplace-n2 3:tplace-n2" "ranks in blocks over the hosts"
assert_eq "$(hosts_of "$SHARED/one/report.json")" "tplace-n1" "hosts of the 1 x 4 run"
[ "$(json_get "$SHARED/two/report.json" .records.duplicates)" -gt 0 ] || fail "no duplicates in the data"
[ "$(json_get "$SHARED/two/report.json" .records.dead_lettered)" -gt 0 ] || fail "no bad lines in the data"
same_outputs "$SHARED/one" "$SHARED/two" "1 host x 4 vs 2 hosts x 2"
echo "placement: identical in $((SECONDS - t0)) s"

# Bounded memory on node-local scratch. A watcher lists the hosts' scratch directories
# (from outside the namespaces) while the run goes on; a delay in scoring keeps the
# run long enough to be seen.
scratch1=$ARCOS_CLUSTER_DIR/hosts/1/scratch scratch2=$ARCOS_CLUSTER_DIR/hosts/2/scratch
seen=$ARCOS_TMP/seen
: >"$seen"
cmpi -np 4 -- "$ARCOS_BIN" run "$in" --output "$SHARED/spill" "${args[@]}" --max-memory-mb 40 \
  --checkpoint=false --scratch /var/tmp \
  --inject-fault stage=scoring,kind=delay,delay_ms=1,rate=0.05,seed=2 &
run=$!
while kill -0 "$run" 2>/dev/null; do
  find "$scratch1" "$scratch2" -name 'seg-*.bin' >>"$seen" 2>/dev/null || true
  sleep 0.05
done
wait "$run" || fail "the run with --scratch failed"
grep -q "^$scratch1/arcos-scale-r[01]-.*/seg-" "$seen" || fail "no spill segment seen in host 1's scratch"
grep -q "^$scratch2/arcos-scale-r[23]-.*/seg-" "$seen" || fail "no spill segment seen in host 2's scratch"
! grep -q "arcos-scale-r[23]-" <(grep "^$scratch1/" "$seen") || fail "a rank of host 2 wrote to host 1's scratch"
assert_eq "$(find "$scratch1" "$scratch2" -mindepth 1 | wc -l)" 0 "scratch left after the run"
[ ! -e "$SHARED/spill/.arcos-state" ] || fail "checkpoint state left in the output directory"
assert_eq "$(json_get "$SHARED/spill/report.json" .processing_metrics.resource_utilization.spill)" true "spilled"
same_outputs "$SHARED/one" "$SHARED/spill" "spilling to node-local scratch"
echo "scratch: $(sort -u "$seen" | wc -l) segment files seen, none left, in $((SECONDS - t0)) s"

# A scratch directory that only host 1 has.
mkdir -p "$scratch1/only-here"
rc=0
cmpi -np 4 -- "$ARCOS_BIN" run "$in" --output "$SHARED/bad" "${args[@]}" --max-memory-mb 40 \
  --checkpoint=false --scratch /var/tmp/only-here 2>"$ARCOS_TMP/bad.err" || rc=$?
cat "$ARCOS_TMP/bad.err"
[ "$rc" -ne 0 ] || fail "a missing --scratch directory was accepted"
grep -q "rank [23] on tplace-n2: cannot use --scratch /var/tmp/only-here: No such file" "$ARCOS_TMP/bad.err" ||
  fail "the error does not name the host that lacks the scratch directory"
assert_eq "$(find "$scratch1/only-here" -mindepth 1 | wc -l)" 0 "host 1's scratch after the failed start"
echo "cluster placement: ok in $((SECONDS - t0)) s"
