# jobs/slurm-scaling.sbatch on 2 tasks: runs 1 and 2 ranks and writes the table.
source "$(dirname "$0")/../mpi/lib.sh"
source "$(dirname "$0")/../ops/lib.sh"
source "$(dirname "$0")/lib.sh"
t0=$SECONDS
O=$ARCOS_TMP/scaling
id=$(ARCOS_OUTPUT=$O submit -n 2 --exclusive "$ARCOS_SRC/jobs/slurm-scaling.sbatch")
assert_eq "$(wait_done "$id")" "COMPLETED 0:0" "scaling job"
show_log "$ARCOS_TMP/arcos-scaling-$id.out"
t=$O/scaling.tsv
[ -s "$t" ] || fail "no scaling.tsv"
assert_eq "$(head -1 "$t")" "$(printf 'ranks\tseconds\trecords_per_s\tspeedup\tparallel_efficiency\tload_balance\tmax_rss_mb')" "table header"
assert_eq "$(cut -f1 "$t" | tail -n +2 | tr '\n' ' ')" "1 2 " "rank counts"
assert_eq "$(awk -F'\t' 'NR == 2 {print $4}' "$t")" "1.00" "speedup of 1 rank"
awk -F'\t' 'NR > 1 && !($2 > 0 && $3 > 0 && $5 > 0 && $5 <= 1) {exit 1}' "$t" || fail "implausible figures: $(cat "$t")"
for n in 1 2; do
  assert_eq "$(json_get "$O/np-$n/report.json" '.ranks | length')" "$n" "ranks of np-$n"
done
assert_same_file "$O/np-1/results.jsonl" "$O/np-2/results.jsonl" "results at 1 and 2 ranks"
echo "slurm scaling: ok in $((SECONDS - t0)) s"
