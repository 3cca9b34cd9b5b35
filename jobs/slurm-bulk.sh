#!/bin/bash
# Bulk runs: one SLURM array task per group of inputs, then one merge job that sums the
# groups' reports once every task succeeded.
#
#   jobs/slurm-bulk.sh LIST [GROUP_SIZE]      # submit (run it on the login node)
#
# LIST holds one input per line (HDF5 archives, JSON Lines files or directories; blank
# lines and # comments ignored); GROUP_SIZE lines make one group (default 1). It
# writes BULK_DIR/groups/group-N.txt, submits
#   sbatch --array=0-(G-1)[%ARCOS_BULK_PARALLEL] jobs/slurm-bulk.sh --task BULK_DIR
#   sbatch --dependency=afterok:ARRAY_ID --kill-on-invalid-dep=yes jobs/slurm-bulk.sh --merge BULK_DIR
# and prints the two job ids ("array ID" and "merge ID" lines).
# Task N runs `srun arcos-scale run GROUP-N-INPUTS --output BULK_DIR/group-N`. The merge
# job writes BULK_DIR/summary.json and BULK_DIR/summary.txt (records by outcome, alerts,
# time and throughput per group, and the totals). afterok means one failed task (exit 1,
# 2, 3 or 75) keeps the merge from running, and --kill-on-invalid-dep=yes removes it
# instead of leaving it pending forever.
# Duplicates are found within a group only: put records that may repeat in one group,
# or use the incremental mode.
#
# Incremental mode (ARCOS_BULK_INCREMENTAL=1): each id is stored once across all groups.
# Group k runs with `--previous BULK_DIR/group-j` for every j < k (SPEC §3), so the
# groups run one after the other: group k is submitted as its own one-task array
# (--array=k) with --dependency=afterok:<group k-1> --kill-on-invalid-dep=yes, and the
# merge waits for the last group. One failed group cancels the groups after it and the
# merge. It prints "chain ID0 ID1 ..." instead of the "array" line. The marker file
# BULK_DIR/incremental tells the tasks (and a requeued task) the mode.
#
#SBATCH --job-name=arcos-bulk
#SBATCH --nodes=1                        # each task (and the merge) on one node
#SBATCH --ntasks=2                       # ranks per task
#SBATCH --time=01:00:00                  # per task
#SBATCH --output=arcos-bulk-%A_%a.out    # one log per array task (%A array id, %a index)
#
# Environment knobs (besides those of jobs/slurm-lib.sh):
#   ARCOS_BULK_DIR       where groups, outputs and the summary go (default bulk-<time>)
#   ARCOS_BULK_PARALLEL  at most this many tasks at once (sbatch --array=...%N)
#   ARCOS_SBATCH_FLAGS   more sbatch options for both submissions (e.g. "-p long -n 8")
#   ARCOS_BULK_INCREMENTAL  1: the incremental mode above
set -euo pipefail

submit() {
  local list=$1 size=${2:-1}
  [ -r "$list" ] || { echo "slurm-bulk: cannot read input list $list" >&2; exit 2; }
  [[ "$size" =~ ^[1-9][0-9]*$ ]] || { echo "slurm-bulk: GROUP_SIZE must be a positive integer" >&2; exit 2; }
  local dir=${ARCOS_BULK_DIR:-$PWD/bulk-$(date +%Y%m%d-%H%M%S)}
  mkdir -p "$dir/groups"
  dir=$(cd "$dir" && pwd)
  rm -f "$dir"/groups/group-*.txt
  local n=0 k=0 line
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%%#*}
    line=$(echo "$line" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
    [ -n "$line" ] || continue
    # relative paths are taken from where the list is
    case $line in /*) ;; *) line=$(cd "$(dirname "$list")" && pwd)/$line ;; esac
    echo "$line" >>"$dir/groups/group-$n.txt"
    k=$((k + 1))
    if [ "$k" -eq "$size" ]; then n=$((n + 1)); k=0; fi
  done <"$list"
  [ "$k" -eq 0 ] || n=$((n + 1))
  [ "$n" -gt 0 ] || { echo "slurm-bulk: $list lists no inputs" >&2; exit 2; }
  local self root flags=()
  self=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
  root=${ARCOS_ROOT:-$(cd "$(dirname "$self")/.." && pwd)}
  read -r -a flags <<<"${ARCOS_SBATCH_FLAGS:-}"
  local range="0-$((n - 1))${ARCOS_BULK_PARALLEL:+%$ARCOS_BULK_PARALLEL}"
  local array merge chain=() dep=()
  rm -f "$dir/incremental"
  if [ "${ARCOS_BULK_INCREMENTAL:-0}" = 1 ]; then
    # group k after group k-1 succeeded: it passes every earlier group as --previous
    : >"$dir/incremental"
    for ((k = 0; k < n; k++)); do
      array=$(ARCOS_ROOT=$root sbatch --parsable "${flags[@]}" --array="$k" "${dep[@]}" \
        --output="$dir/task-%a.out" --export=ALL,ARCOS_ROOT="$root" "$self" --task "$dir")
      array=${array%%;*}
      chain+=("$array")
      dep=(--dependency="afterok:$array" --kill-on-invalid-dep=yes)
    done
  else
    array=$(ARCOS_ROOT=$root sbatch --parsable "${flags[@]}" --array="$range" \
      --output="$dir/task-%a.out" --export=ALL,ARCOS_ROOT="$root" "$self" --task "$dir")
    array=${array%%;*}
  fi
  merge=$(ARCOS_ROOT=$root sbatch --parsable "${flags[@]}" --job-name=arcos-bulk-merge \
    --ntasks=1 --dependency="afterok:$array" --kill-on-invalid-dep=yes \
    --output="$dir/merge.out" --export=ALL,ARCOS_ROOT="$root" "$self" --merge "$dir")
  merge=${merge%%;*}
  echo "$n group(s) in $dir/groups"
  if [ ${#chain[@]} -gt 0 ]; then
    echo "chain ${chain[*]}"
  else
    echo "array $array"
  fi
  echo "merge $merge"
}

task() {
  local dir=$1
  source "${ARCOS_ROOT:-${SLURM_SUBMIT_DIR:-.}}/jobs/slurm-lib.sh"
  arcos_check_bin
  local id=${SLURM_ARRAY_TASK_ID:?--task runs as a SLURM array task}
  local group=$dir/groups/group-$id.txt inputs=()
  mapfile -t inputs <"$group"
  local out=$dir/group-$id
  # a requeued or repeated task starts its group again
  local force=() previous=() j
  [ ! -e "$out" ] || force=(--force)
  if [ -e "$dir/incremental" ]; then # every earlier group, in order (SPEC §3)
    for ((j = 0; j < id; j++)); do previous+=(--previous "$dir/group-$j"); done
  fi
  arcos_log "group $id: ${#inputs[@]} input(s) on ${SLURM_NTASKS:-1} rank(s) -> $out"
  local rc=0
  srun "${ARCOS_SRUN[@]}" "$ARCOS_BIN" run ${ARCOS_CONFIG:+--config "$ARCOS_CONFIG"} \
    --output "$out" "${force[@]}" "${previous[@]}" "${ARCOS_EXTRA[@]}" "${inputs[@]}" || rc=$?
  arcos_explain_exit "$rc"
  exit "$rc"
}

merge() {
  local dir=$1
  source "${ARCOS_ROOT:-${SLURM_SUBMIT_DIR:-.}}/jobs/slurm-lib.sh"
  local reports=() g
  for g in "$dir"/groups/group-*.txt; do
    g=$(basename "$g" .txt)
    [ -s "$dir/$g/report.json" ] || { arcos_log "merge: $dir/$g/report.json is missing"; exit 1; }
    reports+=("$dir/$g/report.json")
  done
  # groups in numeric order
  mapfile -t reports < <(printf '%s\n' "${reports[@]}" | sort -t- -k2 -n)
  jq -s --argjson n "${#reports[@]}" '
    def sum(f): map(f // 0) | add;
    {groups: $n,
     records: {input: sum(.records.input), stored: sum(.records.stored),
               duplicates: sum(.records.duplicates), dead_lettered: sum(.records.dead_lettered),
               skipped: sum(.records.skipped), dropped: sum(.records.dropped),
               conserved: all(.records.conserved)},
     alerts: {critical: sum(.alerts.critical), high: sum(.alerts.high), medium: sum(.alerts.medium)},
     total_processing_time: sum(.processing_metrics.total_processing_time),
     recommendations: sum((.scalability_recommendations + .optimization_recommendations) | length),
     per_group: [to_entries[] | {group: .key, input: .value.records.input,
                 stored: .value.records.stored, dead_lettered: .value.records.dead_lettered,
                 seconds: .value.processing_metrics.total_processing_time,
                 throughput: .value.processing_metrics.throughput,
                 efficiency: .value.processing_metrics.parallel_efficiency}]}' \
    "${reports[@]}" >"$dir/summary.json.tmp"
  mv "$dir/summary.json.tmp" "$dir/summary.json"
  {
    printf '%-6s %10s %10s %10s %9s %12s %10s\n' group input stored dead_lett seconds records/s efficiency
    jq -r '.per_group[] | [.group, .input, .stored, .dead_lettered, .seconds, .throughput, .efficiency] | @tsv' \
      "$dir/summary.json" | awk -F'\t' '{printf "%-6s %10d %10d %10d %9.2f %12.0f %10.2f\n", $1, $2, $3, $4, $5, $6, $7}'
    jq -r '"total  \(.records.input) records: \(.records.stored) stored, \(.records.duplicates) duplicates, \(.records.dead_lettered) dead-lettered, \(.records.skipped) skipped, \(.records.dropped) dropped; conserved: \(.records.conserved); alerts critical \(.alerts.critical), high \(.alerts.high), medium \(.alerts.medium)"' "$dir/summary.json"
  } >"$dir/summary.txt"
  cat "$dir/summary.txt"
  [ "$(jq .records.conserved "$dir/summary.json")" = true ] || { arcos_log "merge: a group does not conserve records"; exit 1; }
  arcos_log "merged ${#reports[@]} group(s) into $dir/summary.json"
}

case ${1:-} in
--task) task "${2:?--task BULK_DIR}" ;;
--merge) merge "${2:?--merge BULK_DIR}" ;;
-h | --help | "") sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' ; [ -n "${1:-}" ] ;;
*) submit "$@" ;;
esac
