#!/usr/bin/python3
"""The Python peer of jobs/bench.sh (row peer.python): what CIV-ARCOS itself would do
per record with the standard library only: json.loads, json.dumps(data,
sort_keys=True), hashlib.sha256. With N processes (multiprocessing) each takes one
byte range of the file, starting at the first line that begins inside it.

    /usr/bin/python3 jobs/peer_python.py FILE.jsonl [PROCESSES]

Prints "peer_records N", "peer_seconds S" and "peer_records_per_s R".
"""
import hashlib
import json
import multiprocessing
import os
import sys
import time


def work(args):
    path, start, end = args
    n = 0
    with open(path, "rb") as f:
        if start > 0:
            f.seek(start - 1)
            f.readline()  # the line that began before start belongs to the range before
        while f.tell() < end:
            line = f.readline()
            if not line:
                break
            try:
                rec = json.loads(line)
            except ValueError:
                n += 1
                continue
            data = rec.get("data") if isinstance(rec, dict) else None
            text = json.dumps(data, sort_keys=True)
            hashlib.sha256(text.encode()).hexdigest()
            n += 1
    return n


def main():
    path = sys.argv[1]
    procs = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    size = os.path.getsize(path)
    ranges = [(path, size * i // procs, size * (i + 1) // procs) for i in range(procs)]
    t0 = time.perf_counter()
    if procs == 1:
        n = work(ranges[0])
    else:
        with multiprocessing.Pool(procs) as pool:
            n = sum(pool.map(work, ranges))
    dt = time.perf_counter() - t0
    print(f"peer_records {n}\npeer_seconds {dt:.3f}\npeer_records_per_s {n / dt:.0f}")


if __name__ == "__main__":
    main()
