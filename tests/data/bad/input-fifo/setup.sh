mkfifo input.jsonl
