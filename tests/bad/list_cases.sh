#!/usr/bin/env bash
# list_cases.sh: the bad-input corpus as the Markdown table in docs/formats.md
# ("Bad-input corpus"): one row per tests/data/bad/<case>/expect.json.
set -euo pipefail
root=$(cd "$(dirname "$0")/../data/bad" && pwd)
echo "| case | what | outcome |"
echo "|---|---|---|"
for exp in "$root"/*/expect.json; do
  jq -r --arg case "$(basename "$(dirname "$exp")")" '
    def errs: if (.errors // []) == [] then "no errors"
              else [.errors[] | "\(.kind)@\(.line)"] | join(", ") end;
    def counts: .records // {} | [to_entries[] | "\(.key) \(.value)"] | join(", ");
    (if (.exit // 0) == 0 then "" else "exit \(.exit); " end) as $exit
    | (if (.exit // 0) == 0 or .exit == 3 then "\(counts); \(errs)" else "stderr ~ `\(.stderr // "")`" end) as $what
    | "| `\($case)` | \(.description | gsub("\\|"; "\\|")) | \($exit)\($what | gsub("\\|"; "\\|")) |"' "$exp"
done
