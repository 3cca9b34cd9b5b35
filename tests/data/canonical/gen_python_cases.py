#!/usr/bin/python3
"""Generate python_cases.tsv: the records Python's json module writes that jansson
cannot read (SPEC section 1, "What Python writes, we read"), for tests/unit/test_fastjson.c.

Run by hand with /usr/bin/python3 (standard library only) from this directory; the
output is checked in. One case per line: INPUT<TAB>CANONICAL<TAB>SHA256 where INPUT is
the `data` text as json.dumps(value) writes it (insertion order, default separators),
CANONICAL is json.dumps(value, sort_keys=True) and SHA256 its hex digest.
"""
import hashlib
import json

cases = [
    {"fingerprint": 18446744073709551615},
    {"n": 18446744073709551616},
    {"n": -9223372036854775809},
    {"n": 10**30, "m": -(10**40)},
    [10**100, -(10**100), 0, -1],
    {"path": "src/legacy_\udcff.py"},
    {"s": "\ud800", "t": "\udc00", "u": "\ud800A", "v": "\udbff\udfff"},
    {"\udcff": 1, "a": 2, "\ud7ff": 3, "\ue000": 4},
    {"\u0000init": 1},
    {"a\u0000b": "c\u0000d", "a": 0, "a\u0001": 1},
    {"x": float("nan"), "y": float("inf"), "z": float("-inf")},
    [float("nan"), 1.5, float("inf")],
    {"passed": float("nan"), "line_coverage": float("inf")},
    {"critical": 10**20, "high": -(10**20)},
    {"deep": {"b": {"c": [1, {"\udcff": float("-inf")}]}}},
    {"f": 1e-07, "g": 1e16, "h": 5e-324, "i": 100.0, "j": -0.0, "k": 1.7976931348623157e308},
    {"emoji": "\U0001F600", "cjk": "\u4e2d", "zb": 1, "za": 2},
]

with open("python_cases.tsv", "w", encoding="ascii") as out:
    for v in cases:
        text = json.dumps(v)
        canon = json.dumps(v, sort_keys=True)
        digest = hashlib.sha256(canon.encode()).hexdigest()
        out.write(f"{text}\t{canon}\t{digest}\n")
    # A repeated key, as Python reads it: the last value wins (text written by hand:
    # json.dumps cannot repeat a key, but other writers do and json.loads reads it).
    text = '{"k": 1, "b": [1], "k": {"z": 2, "z": 3}}'
    canon = json.dumps(json.loads(text), sort_keys=True)
    out.write(f"{text}\t{canon}\t{hashlib.sha256(canon.encode()).hexdigest()}\n")
