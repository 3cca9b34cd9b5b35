mkfifo input/p.jsonl
