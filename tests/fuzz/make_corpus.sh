#!/usr/bin/env bash
# make_corpus.sh [ARCOS_BIN]: (re)write the seed corpora tests/fuzz/corpus/<target>/seed-*
# from the repository's own test data, deterministically (same files every time).
# Inputs found by campaigns (jobs/fuzz.sh) sit beside the seeds under their SHA-1
# names and are kept. The archive seeds need an arcos-scale binary (default
# build/bin/arcos-scale) for `convert`.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${1:-$root/build/bin/arcos-scale}
corpus=$root/tests/fuzz/corpus
bad=$root/tests/data/bad
sample=$root/inputs/sample
export LC_ALL=C
for t in record canonical jsonl_ranges query config archive; do
  mkdir -p "$corpus/$t"
  rm -f "$corpus/$t"/seed-*
done

# record: every line of the small JSON Lines cases of the bad-input corpus (one record
# per file), and the first record of each type in the sample evidence.
n=0
for f in $(find "$bad" -name 'input.jsonl' -type f -size -4k | sort); do
  while IFS= read -r line || [ -n "$line" ]; do
    [ -n "$line" ] || continue
    printf '%s' "$line" >"$corpus/record/seed-$(printf %03d $n)"
    n=$((n + 1))
  done <"$f"
done
for type in test_result coverage security_scan static_analysis build; do
  grep -m1 "\"type\": *\"$type\"" "$sample/evidence/ci-main.jsonl" | tr -d '\n' \
    >"$corpus/record/seed-type-$type" || rm -f "$corpus/record/seed-type-$type"
done

# canonical: the `data` members of those records and the canonical test cases (the
# expected column of tests/data/canonical/sha256.tsv is a JSON value per line).
n=0
cut -f1 "$root/tests/data/canonical/sha256.tsv" | while IFS= read -r v; do
  printf '%s' "$v" >"$corpus/canonical/seed-tsv-$(printf %03d $n)"
  n=$((n + 1))
done
for f in "$corpus"/record/seed-type-*; do
  jq -c '.data' <"$f" | tr -d '\n' >"$corpus/canonical/seed-data-${f##*-}" 2>/dev/null || true
done
printf '%s' '{"b":[1,2.5,-0.0,1e-07,1e+16,"\u00e9\ud83d\ude00"],"a":{"z":null,"":true}}' \
  >"$corpus/canonical/seed-mixed"
printf '\x00\x00\x00\x00\x00\x00\xf0\x3f' >"$corpus/canonical/seed-double-1"     # 1.0
printf '\x9a\x99\x99\x99\x99\x99\xb9\x3f' >"$corpus/canonical/seed-double-0.1"   # 0.1

# jsonl_ranges: small JSON Lines cases whole, with 0, 1 and 3 cut points.
n=0
for f in $(find "$bad" -name 'input.jsonl' -type f -size -2k | sort); do
  case $((n % 3)) in
    0) printf '\x00' ;;
    1) printf '\x01\x07\x00' ;;
    2) printf '\x03\x05\x00\x11\x00\x2b\x00' ;;
  esac >"$corpus/jsonl_ranges/seed-$(printf %03d $n)"
  cat "$f" >>"$corpus/jsonl_ranges/seed-$(printf %03d $n)"
  n=$((n + 1))
done

# query: the sample queries, each query alone, and a few refusals.
cp "$sample/queries.json" "$corpus/query/seed-sample"
n=0
jq -c '.[]' "$sample/queries.json" | while IFS= read -r q; do
  printf '[%s]' "$q" >"$corpus/query/seed-$(printf %03d $n)"
  n=$((n + 1))
done
printf '%s' '[{"id":"x","type":"traverse","start_nodes":[],"pattern":{"max_depth":-1}}]' \
  >"$corpus/query/seed-bad-depth"
printf '%s' '{"id":"x"}' >"$corpus/query/seed-not-array"
printf '%s' '[{"id":"x","type":"traverse","start_nodes":["a"],"steps":[{"min_depth":2,"max_depth":1}]}]' \
  >"$corpus/query/seed-bad-steps"
printf '%s' '[{"id":"x","type":"traverse","start_nodes":["a"],"steps":[{}],"pattern":{},"return":["label","label"]}]' \
  >"$corpus/query/seed-steps-and-pattern"

# config: the sample job config, then flags after a NUL byte (NUL-separated).
cp "$sample/job.json" "$corpus/config/seed-sample"
printf '{}\0--batch-size\0005\0--guarantee=at-least-once\0in.jsonl' >"$corpus/config/seed-flags"
printf '{"scoring":{"fresh_days":400}}' >"$corpus/config/seed-bad-scoring"
printf '{"inputs":["a","b"],"max_error_rate":0.5}\0--inject-fault\0stage=analysis:rate=0.1' \
  >"$corpus/config/seed-fault"

# archive: small archives made by convert (one uncompressed, one with deflate and
# small chunks), from cases with good and bad records.
if [ -x "$bin" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  "$bin" convert "$bad/nul-escape/input.jsonl" "$bad/id-wrong-types/input.jsonl" \
    --out "$tmp/a.h5" --data-deflate 0 --deflate 0 >/dev/null 2>&1
  "$bin" convert "$bad/timestamp-future/input.jsonl" --out "$tmp/b.h5" --chunk-rows 2 \
    >/dev/null 2>&1
  cp "$tmp/a.h5" "$corpus/archive/seed-plain.h5"
  cp "$tmp/b.h5" "$corpus/archive/seed-deflate.h5"
else
  echo "make_corpus.sh: no $bin; archive seeds not made" >&2
fi
du -sh "$corpus"/* | sed 's|'"$corpus"'/||'
