#!/usr/bin/env bash
# Generates the job-config tables of docs/operations.md and docs/arcos-scale.1 from
# `arcos-scale run --help` (which prints config.c's option table), so the docs list
# every key with its flag, environment variable and default.
#   docs/gen-options.sh [--check|--update] [BINARY]
# --update rewrites the generated parts (between the "options:begin/end" markers);
# --check (the default) exits 1 when they are out of date (tests/ops/test_docs.sh).
set -euo pipefail
mode=--check
case ${1:-} in --check | --update) mode=$1; shift ;; esac
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${1:-$ROOT/build/bin/arcos-scale}
# Help lines wrap; a continuation line starts with 33 spaces and joins the line above.
help=$("$BIN" run --help | awk '/^                                 [^ ]/ { sub(/^ +/, ""); line = line " " $0; next }
  NR > 1 { print line } { line = $0 } END { print line }')

# "  --flag METAVAR   help text; env VAR" -> flag, metavar, env, help (tab-separated)
rows() {
  sed -n 's/^  \(--[a-z][a-z0-9-]*\)\( [A-Z][A-Z]*\)\{0,1\}  *\(.*\)$/\1'$'\x1f''\2'$'\x1f''\3/p' <<<"$help" |
    while IFS=$'\x1f' read -r flag metavar text; do
      metavar=${metavar# }
      env=
      if [[ "$text" == *"; env "* ]]; then
        env=${text##*; env }
        text=${text%; env *}
      fi
      printf '%s\x1f%s\x1f%s\x1f%s\n' "$flag" "$metavar" "$env" "$text"
    done
}

key_of() { # --scoring-alert-threshold -> scoring.alert_threshold
  local k=${1#--}
  if [[ "$k" == scoring-* && "$k" != scoring-rules ]]; then k="scoring.${k#scoring-}"; fi
  echo "${k//-/_}"
}

markdown() {
  echo '| job-config key | flag | environment | meaning and default |'
  echo '|---|---|---|---|'
  rows | while IFS=$'\x1f' read -r flag metavar env text; do
    local key
    key=$(key_of "$flag")
    [ "$flag" = --config ] && key="(none)"
    text=${text//|/\\|}
    printf '| `%s` | `%s%s` | %s | %s |\n' "$key" "$flag" "${metavar:+ $metavar}" "${env:+\`$env\`}" "$text"
  done
}

roff() {
  rows | while IFS=$'\x1f' read -r flag metavar env text; do
    local key
    key=$(key_of "$flag")
    echo '.TP'
    printf '.B %s%s\n' "${flag//-/\\-}" "${metavar:+ \\fI$metavar\\fR}"
    text=${text//\\/\\\\}
    text=${text//-/\\-}
    [[ "$text" == .* || "$text" == \'* ]] && text="\\&$text"
    if [ "$flag" = --config ]; then
      echo "$text"
    else
      printf '%s (job\\-config key \\fB%s\\fR%s)\n' "$text" "${key//_/_}" "${env:+; environment \\fB$env\\fR}"
    fi
  done
}

# replace FILE BEGIN END CONTENT-FUNCTION: the lines strictly between the markers.
replace() {
  local file=$1 begin=$2 end=$3 fn=$4 new
  new=$(GEN="$($fn)" B="$begin" E="$end" awk '
    index($0, ENVIRON["B"]) { print; print ENVIRON["GEN"]; skip = 1; next }
    index($0, ENVIRON["E"]) { skip = 0 }
    !skip { print }' "$file")
  if [ "$mode" = --update ]; then
    printf '%s\n' "$new" >"$file"
  elif [ "$new" != "$(cat "$file")" ]; then
    echo "$file: the options table is out of date; run docs/gen-options.sh --update" >&2
    diff <(printf '%s\n' "$new") "$file" | head -20 >&2
    return 1
  fi
}

rc=0
replace "$ROOT/docs/operations.md" '<!-- options:begin' '<!-- options:end' markdown || rc=1
replace "$ROOT/docs/arcos-scale.1" '.\" options:begin' '.\" options:end' roff || rc=1
exit $rc
