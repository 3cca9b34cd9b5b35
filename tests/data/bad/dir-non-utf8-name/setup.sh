mv input/renamed.jsonl "input/$(printf '\377').jsonl"
