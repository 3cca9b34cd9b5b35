#!/usr/bin/env bash
# Kill-and-resume trials (issue: durable outputs). Each trial starts a run, kills it
# with SIGKILL (mpirun itself, or one rank) once a random number of its partitions are
# journaled as done, checks that the kill landed mid-run, then reruns it with
# --resume (again and again if need be) and checks that results.jsonl is byte-identical
# to an uninterrupted run, that conservation holds and that results.h5 opens with
# h5dump. Usage (through CTest, or by hand with the same environment):
#   TRIALS=20 RANKS="2 3" RECORDS=100000 tests/fault/kill_resume.sh
source "$(dirname "$0")/../mpi/lib.sh"
TRIALS=${TRIALS:-3}
RANKS=${RANKS:-2 3}
RECORDS=${RECORDS:-60000}
SEED=${SEED:-$$}
RANDOM=$SEED
echo "kill/resume: $TRIALS trials per rank count ($RANKS), $RECORDS records, seed $SEED"
"$ARCOS_BIN" generate --out "$ARCOS_TMP/g" --records "$RECORDS" --duplicate-rate 0.1 --bad-rate 0.01 --seed 17 >/dev/null
f=$ARCOS_TMP/g/evidence.jsonl
args=(--jsonl --quiet --reference-time 2026-11-01T00:00:00Z --partition-bytes 1000000
  --inject-fault "stage=scoring,kind=delay,delay_ms=2,rate=0.01,seed=5")
# The delay fault changes no result; it keeps each partition busy long enough that a
# kill aimed between two journal entries lands while records are being processed.
mpi 2 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/ref" "${args[@]}"
# done_count DIR: partitions journaled as done so far, over every rank's journal.
done_count() {
  cat "$1"/.arcos-state/journal-*.log 2>/dev/null | grep -c '^done ' || true
}
passed=0 killed=0
for np in $RANKS; do
  mpi "$np" "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/parts-$np" "${args[@]}"
  parts=$(json_get "$ARCOS_TMP/parts-$np/report.json" .processing_metrics.resource_utilization.partitions)
  [ "$parts" -ge 4 ] || fail "only $parts partitions at $np ranks: too few to kill between them"
  for trial in $(seq 1 "$TRIALS"); do
    o=$ARCOS_TMP/t-$np-$trial
    target=$((1 + RANDOM % (parts / 2))) # kill once this many partitions are done
    victim=$((RANDOM % 2))               # 0: mpirun, 1: one rank
    mpi_launcher "$np"
    "${MPI_LAUNCH[@]}" "$ARCOS_BIN" run "$f" --output "$o" "${args[@]}" >"$o.log" 2>&1 &
    launcher=$!
    for _ in $(seq 1 1200); do # poll (bounded: 60 s) for the target's journal entries
      [ "$(done_count "$o")" -ge "$target" ] && break
      sleep 0.05
    done
    if [ "$victim" -eq 0 ]; then
      kill -9 "$launcher" 2>/dev/null && killed=$((killed + 1)) || true
    else
      pid=$(pgrep -f -n "arcos-scale run $f --output $o" || true)
      [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null && killed=$((killed + 1)) || true
    fi
    wait "$launcher" 2>/dev/null || true
    pkill -9 -f "arcos-scale run $f --output $o" 2>/dev/null || true
    # The kill must have landed while records were being processed: some partitions
    # done, not all, and no finished output.
    at=$(done_count "$o")
    [ "$at" -ge 1 ] || fail "trial $np/$trial: killed before any partition was done"
    [ "$at" -lt "$parts" ] || fail "trial $np/$trial: all $parts partitions were done before the kill"
    [ ! -e "$o/report.json" ] || fail "trial $np/$trial: the run finished before the kill"
    # Resume until the run completes (a resumed run is never killed here).
    tries=0
    until [ -s "$o/report.json" ] && [ ! -d "$o/.arcos-state" ]; do
      tries=$((tries + 1))
      [ "$tries" -le 2 ] || fail "trial $np/$trial: no completion after $tries resumes"
      mpi "$np" "$ARCOS_BIN" run "$f" --output "$o" --resume "${args[@]}" ||
        fail "trial $np/$trial: resume failed (killed after $at of $parts partitions)"
    done
    assert_same_file "$ARCOS_TMP/ref/results.jsonl" "$o/results.jsonl" \
      "trial $np/$trial (killed after $at of $parts partitions, victim $victim)"
    assert_eq "$(json_get "$o/report.json" .records.conserved)" true "trial $np/$trial conservation"
    h5dump -H "$o/results.h5" >/dev/null || fail "trial $np/$trial: results.h5 does not open"
    ls -A "$o" | grep -c '\.tmp$' >/dev/null && fail "trial $np/$trial: temporary files left"
    passed=$((passed + 1))
    echo "trial $np/$trial: ok (killed after $at of $parts partitions, victim $([ "$victim" -eq 0 ] && echo mpirun || echo rank), $tries resume(s))"
  done
done
echo "kill/resume: $passed trials passed ($killed kills landed during the run)"
echo "$passed passed, 0 failed"
