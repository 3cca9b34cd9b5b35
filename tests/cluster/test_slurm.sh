# SLURM across namespaced hosts: one slurmctld, one slurmd per host (jobs/cluster.sh
# slurm).
# 1. `sbatch -N 2 jobs/slurm-multinode.sbatch`: ranks on both hosts, outputs identical
#    to a 1-host run of the same data.
# The time-limit requeue is tests/cluster/test_slurm_timelimit.sh (see there).
source "$(dirname "$0")/../mpi/lib.sh"
source "$(dirname "$0")/../ops/lib.sh"
source "$(dirname "$0")/lib.sh"
t0=$SECONDS
cluster_up 2 tslurm 63
slurm_up

"$ARCOS_BIN" generate --out "$SHARED/g" --records 16000 --duplicate-rate 0.1 --bad-rate 0.02 \
  --seed 41 >/dev/null
in=$SHARED/g/evidence.jsonl
args="--jsonl --quiet --reference-time 2026-11-01T00:00:00Z --partition-bytes 150000"

# 1. two nodes
id=$(ARCOS_INPUTS=$in ARCOS_ARGS=$args ARCOS_OUTPUT=$SHARED/multi submit -N 2 -O \
  "$ARCOS_SRC/jobs/slurm-multinode.sbatch")
assert_eq "$(wait_state "$id" 300)" "COMPLETED 0:0" "2-node job"
cat "$SHARED/arcos-multi-$id.out"
assert_eq "$(jq -r '[.ranks[] | "\(.rank):\(.host)"] | join(" ")' "$SHARED/multi/report.json")" \
  "0:tslurm-n1 1:tslurm-n1 2:tslurm-n2 3:tslurm-n2" "ranks of the 2-node job"
read -r -a ref_args <<<"$args"
cmpi --on 1 -np 2 -- "$ARCOS_BIN" run "$in" --output "$SHARED/ref" "${ref_args[@]}"
same_outputs "$SHARED/ref" "$SHARED/multi" "SLURM 2 nodes x 2 vs 1 host"
echo "2-node job: ok in $((SECONDS - t0)) s"

echo "cluster slurm: ok in $((SECONDS - t0)) s"
