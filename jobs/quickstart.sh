#!/usr/bin/env bash
# One command from a fresh Debian machine to a scored sample: install packages, build,
# run arcos-scale on inputs/sample (evidence, graph and queries) over N ranks and print
# the summary.
#   ARCOS_MAX_WORKERS  ranks to use (default: the number of cores, at least 2)
#   ARCOS_OUTPUT       output directory (default results/)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
arcos_install_packages
arcos_build

np=${ARCOS_MAX_WORKERS:-$(nproc)}
[ "$np" -ge 2 ] || np=2
out=${ARCOS_OUTPUT:-$ARCOS_ROOT/results}
echo "arcos-scale: running on $np ranks, outputs in $out/"
mpirun -np "$np" --oversubscribe "$ARCOS_ROOT/build/bin/arcos-scale" run \
  --config "$ARCOS_ROOT/inputs/sample/job.json" --output "$out" --force --jsonl \
  --graph "$ARCOS_ROOT/inputs/sample/graph" --queries "$ARCOS_ROOT/inputs/sample/queries.json" \
  "$ARCOS_ROOT/inputs/sample/evidence"
