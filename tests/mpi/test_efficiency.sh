# Defect g (issue #13): the sample run reports its rank time split into computing and
# reading, parallel_efficiency stays SPEC §6's Σ busy / (ranks × wall), and a run whose
# ranks wait on reading gets no advice to change the rank or partition counts.
source "$(dirname "$0")/lib.sh"
S=$ARCOS_SRC/inputs/sample
for np in 1 2 3 4; do
  out=$ARCOS_TMP/out$np
  mpi $np "$ARCOS_BIN" run --config "$S/job.json" --output "$out" --quiet "$S/evidence"
  r=$out/report.json
  jq -e '.processing_metrics as $p | ($p.total_processing_time * (.ranks | length)) as $t
         | ([.ranks[].busy_s] | add) as $busy | ([.ranks[].io_s] | add) as $io
         | def near(a; b): ((a - b) | fabs) < 1e-9;
         near($p.parallel_efficiency; $busy / $t)
         and near($p.io_share; $io / $t)
         and near($p.comm_share; ([.ranks[].comm_s] | add) / $t)
         and near($p.idle_share; ([.ranks[].idle_s] | add) / $t)
         and near($p.compute_efficiency; ([1, $busy / ($t - $io)] | min))
         and ([$p.compute_efficiency, $p.io_share, $p.comm_share, $p.idle_share]
              | all(. >= 0 and . <= 1))' "$r" >/dev/null ||
    fail "$np ranks: the efficiency split does not follow from the per-rank times"
  # Ranks that read most of the time: nothing about ranks, partitions or balance.
  if jq -e '.processing_metrics.io_share > 0.5' "$r" >/dev/null; then
    jq -e '[.advice[].rule] | all(. != "low_efficiency" and . != "load_imbalance" and . != "long_run")' \
      "$r" >/dev/null || fail "$np ranks: an I/O-bound run is told to change ranks or partitions"
  fi
  # A rank that had no records to score shows no busy time to speak of.
  jq -e '.ranks | all(.items > 0 or .busy_s < 0.001)' "$r" >/dev/null ||
    fail "$np ranks: a rank without records shows busy time"
  grep -q '^arcos_io_share_ratio ' "$out/metrics.prom" || fail "$np ranks: no arcos_io_share_ratio"
done
# The split is a timing: the results are the same at every rank count.
for np in 2 3 4; do
  assert_same_file "$ARCOS_TMP/out1/results.jsonl" "$ARCOS_TMP/out$np/results.jsonl" "results 1 vs $np ranks"
done
echo "efficiency: ok"
