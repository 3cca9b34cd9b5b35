#!/usr/bin/env bash
# Kill-and-resume trials (issue: durable outputs). Each trial starts a run, kills it
# with SIGKILL at a random moment (mpirun itself, or one rank), then reruns it with
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
args=(--jsonl --quiet --reference-time 2026-11-01T00:00:00Z --partition-bytes 1000000)
mpi 2 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/ref" "${args[@]}"
# How long an uninterrupted run takes, to aim the kills inside it.
t0=$(date +%s%N)
mpi 2 "$ARCOS_BIN" run "$f" --output "$ARCOS_TMP/timing" "${args[@]}"
span_ms=$((($(date +%s%N) - t0) / 1000000))
passed=0 killed=0
for np in $RANKS; do
  for trial in $(seq 1 "$TRIALS"); do
    o=$ARCOS_TMP/t-$np-$trial
    delay_ms=$((RANDOM % (span_ms + 1)))
    victim=$((RANDOM % 2)) # 0: mpirun, 1: one rank
    "$MPIEXEC" -n "$np" --oversubscribe "$ARCOS_BIN" run "$f" --output "$o" "${args[@]}" \
      >"$o.log" 2>&1 &
    launcher=$!
    sleep "$(printf '0.%03d' $((delay_ms % 1000)))"
    sleep $((delay_ms / 1000))
    if [ "$victim" -eq 0 ]; then
      kill -9 "$launcher" 2>/dev/null && killed=$((killed + 1)) || true
    else
      pid=$(pgrep -f -n "arcos-scale run $f --output $o" || true)
      [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null && killed=$((killed + 1)) || true
    fi
    wait "$launcher" 2>/dev/null || true
    pkill -9 -f "arcos-scale run $f --output $o" 2>/dev/null || true
    # Resume until the run completes (a resumed run is never killed here).
    tries=0
    until [ -s "$o/report.json" ] && [ ! -d "$o/.arcos-state" ]; do
      tries=$((tries + 1))
      [ "$tries" -le 2 ] || fail "trial $np/$trial: no completion after $tries resumes"
      mpi "$np" "$ARCOS_BIN" run "$f" --output "$o" --resume "${args[@]}" ||
        fail "trial $np/$trial: resume failed (kill at ${delay_ms} ms)"
    done
    assert_same_file "$ARCOS_TMP/ref/results.jsonl" "$o/results.jsonl" \
      "trial $np/$trial (kill at ${delay_ms} ms, victim $victim)"
    assert_eq "$(json_get "$o/report.json" .records.conserved)" true "trial $np/$trial conservation"
    h5dump -H "$o/results.h5" >/dev/null || fail "trial $np/$trial: results.h5 does not open"
    ls -A "$o" | grep -c '\.tmp$' >/dev/null && fail "trial $np/$trial: temporary files left"
    passed=$((passed + 1))
    echo "trial $np/$trial: ok (kill at ${delay_ms} ms of ${span_ms}, victim $([ "$victim" -eq 0 ] && echo mpirun || echo rank), $tries resume(s))"
  done
done
echo "kill/resume: $passed trials passed ($killed kills landed during the run)"
echo "$passed passed, 0 failed"
