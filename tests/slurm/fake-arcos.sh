#!/bin/bash
# It stands in for arcos-scale where the test needs a run that lasts until SLURM's
# deadline signal, whatever the machine's speed. It behaves as the contract says
# (SPEC §9, docs/durability.md): `run --help` lists --resume; a fresh run creates the
# output directory, writes "ready.RANK" and works until SIGUSR1, then writes its
# journal (.arcos-state/journal-RANK.log) and exits 75; `run --resume` needs the
# journals, finishes and writes report.json. Every start is logged in OUTPUT/starts.
set -u
[ "${1:-}" = run ] || exit 2
shift
out='' resume=0 force=0
while [ $# -gt 0 ]; do
  case $1 in
  --help) echo "  --resume   continue from the checkpoint journal"; exit 0 ;;
  --output) out=$2; shift ;;
  --resume) resume=1 ;;
  --force) force=1 ;;
  --config) shift ;;
  esac
  shift
done
[ -n "$out" ] || exit 2
rank=${SLURM_PROCID:-0}
mkdir -p "$out"
if [ "$resume" = 1 ]; then
  [ -e "$out/.arcos-state/journal-$rank.log" ] || { echo "fake-arcos: --resume without a journal" >&2; exit 1; }
  echo "resume rank=$rank" >>"$out/starts"
  [ "$rank" != 0 ] || echo '{"records": {"input": 1, "conserved": true}}' >"$out/report.json"
  exit 0
fi
echo "start rank=$rank force=$force" >>"$out/starts"
mkdir -p "$out/.arcos-state"
trap 'echo "done 0" >>"$out/.arcos-state/journal-$rank.log"; exit 75' USR1
touch "$out/ready.$rank"
for _ in $(seq 1 1200); do sleep 0.1; done
echo "fake-arcos: no SIGUSR1 within 120 s" >&2
exit 1
