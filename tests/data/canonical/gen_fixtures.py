#!/usr/bin/env python3
"""Generate the canonical-form fixtures used by tests/unit/test_canonical.c.

Run once by hand (python3 gen_fixtures.py) from this directory; the outputs are
checked in so the unit tests never need Python. The expected texts come from
Python itself: json.dumps(value, sort_keys=True) and hashlib.sha256, which is the
contract of SPEC section 1.

cases.tsv   one case per line: INPUT<TAB>EXPECTED
            INPUT is a JSON text (raw UTF-8, keys in insertion order, reals written
            with 17 significant digits or as random decimal strings, so it is never
            the expected text verbatim); EXPECTED is json.dumps(loads(INPUT), sort_keys=True).
sha256.tsv  INPUT<TAB>sha256(json.dumps(loads(INPUT), sort_keys=True)).hexdigest()
"""
import hashlib
import json
import math
import random
import struct

rng = random.Random(20261101)
cases = []


def compact(v):
    # Raw UTF-8, insertion order (unsorted), no spaces: the input side.
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))


def add_text(text):
    value = json.loads(text)
    expected = json.dumps(value, sort_keys=True)
    assert "\t" not in text and "\n" not in text and "\r" not in text, text
    cases.append((text, expected))


def add(v):
    add_text(compact(v))


def real_text(x):
    # 17 significant digits, always exponent form: parses back to x, is a JSON real
    # and differs from repr(x).
    return "%.16e" % x


# Reals named in the brief, and friends.
named = [0.1, 1e-07, 1.5e300, 100.0, -0.0, 0.0, 5e-324, 1e16, 1e22, 123.456, 0.0001,
         1.7976931348623157e308, -1.7976931348623157e308, 2.2250738585072014e-308,
         2.225073858507201e-308, 1e-05, 0.00011, 9999999999999998.0, 1e15, 123456789012345.6,
         0.5, -2.5, 1.0, 3.0, 1e23, 9007199254740993.0, 4.35, 0.3, 2.0 / 3.0, 1e-310,
         1e308, 1e-4, 1.234e-5, 12345678901234567.0, 1e100, 5e-310, 8.41e21]
for x in named:
    add_text(real_text(x))
    add_text(repr(x))

# Every power of two: the asymmetric rounding interval at a binade boundary.
for e in range(-1074, 1024):
    add_text(real_text(math.ldexp(1.0, e)))

# Random bit patterns.
n = 0
while n < 2500:
    x = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
    if math.isnan(x) or math.isinf(x):
        continue
    add_text(real_text(x))
    n += 1

# Random decimal strings (what people type), parsed by jansson/strtod on the C side.
n = 0
while n < 2000:
    ndig = rng.randint(1, 19)
    digits = "".join(rng.choice("0123456789") for _ in range(ndig))
    digits = str(rng.randint(1, 9)) + digits[1:]
    exp = rng.randint(-330, 308)
    sign = rng.choice(["", "-"])
    form = rng.randint(0, 2)
    if form == 0:
        s = "%s%s.%se%d" % (sign, digits[0], digits[1:] or "0", exp)
    elif form == 1:
        s = "%s%sE+%d" % (sign, digits, abs(exp) % 40)
    else:
        cut = rng.randint(0, len(digits))
        s = "%s%s.%s" % (sign, digits[:cut] or "0", digits[cut:] or "0")
    if math.isinf(float(s)):
        continue
    add_text(s)
    n += 1

# Integers within int64 (jansson's json_int_t).
ints = [0, 1, -1, 42, -42, 2**31, -2**31, 2**53 + 1, 2**63 - 1, -2**63, 10**18, -10**18]
ints += [rng.randint(-2**63, 2**63 - 1) for _ in range(200)]
for i in ints:
    add(i)
add_text("-0")

# Strings: every control character, DEL, quotes, backslash, slash, NUL, BMP, astral.
for c in range(0, 0x20):
    add(chr(c))
    add("a" + chr(c) + "b")
for s in ["", "\x7f", '"', "\\", "/", "</script>", "a\x00b", "\x00", "plain ascii ~!@#$%^&*()",
          "é", "ü", "中文", "\u00a0", "\u07ff", "\u0800", "\u2028\u2029", "\ufeff", "\ufffd",
          "\uffff", "\ue000", "😀", "\U00010000", "\U0010ffff", "a😀b\u00e9\x01\"\\/\x7f",
          "Ωmega \U0001F680 rocket", "tab\there", "\x80\x9f"]:
    add(s)
# A string of every code point class boundary in one go.
add("".join(chr(c) for c in list(range(0, 0x80)) + [0x80, 0x7ff, 0x800, 0xfffd, 0x10000, 0x10ffff]))

# Literals and containers.
for v in [True, False, None, [], {}, [[]], [{}], {"a": []}, {"a": {}}, [1, [2, [3, [4]]]],
          [True, False, None, 0, 0.0, "", [], {}]]:
    add(v)

# Key ordering by code point (UTF-8 byte order), including U+FFFF vs astral, which a
# UTF-16 comparison would get wrong.
add({"b": 1, "a": 2, "B": 3, "é": 4, "😀": 5, "": 6, "aa": 7, "a b": 8, "\x7f": 9,
     "\uffff": 10, "\ue000": 11, "\U00010000": 12, "A": 13, "_": 14, "~": 15, "\x01": 16})
add({"z": {"y": {"x": [3, 2, 1], "w": None}, "v": "u"}, "t": [{"s": 1, "r": 2}, {"q": {}}]})
add({"id": "ev-1", "type": "test_result", "data": {"passed": True, "tests": 120, "failures": 0,
     "duration_s": 12.5, "suite": "unit"}, "source": "ci/jenkins"})
add({"line_coverage": 87.25, "branch_coverage": 71.0, "files": ["a.c", "b.c"], "tool": "gcov"})
add({"critical": 0, "high": 2, "findings": [{"rule": "CWE-79", "path": "/src/x.c", "line": 10}]})

# Random nested documents.
alphabet = "abcABC_é😀\u4e2d\x7f \"\\/\n\t\x00\x1f"


def rand_str():
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6)))


def rand_value(depth):
    r = rng.random()
    if depth > 3 or r < 0.35:
        k = rng.randint(0, 6)
        if k == 0:
            return rng.randint(-2**63, 2**63 - 1)
        if k == 1:
            x = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0] % 1e6
            return x if math.isfinite(x) else 0.5
        if k == 2:
            return rand_str()
        if k == 3:
            return rng.choice([True, False, None])
        if k == 4:
            return rng.randint(-100, 100)
        if k == 5:
            return round(rng.uniform(-1000, 1000), rng.randint(0, 6))
        return rng.choice([0.1, 1e-7, 1e22, -0.0, 1.5e300])
    if r < 0.65:
        return [rand_value(depth + 1) for _ in range(rng.randint(0, 4))]
    d = {}
    for _ in range(rng.randint(0, 5)):
        key = rand_str()
        if "\x00" in key:
            key = key.replace("\x00", "0")  # jansson cannot hold NUL in keys
        d[key] = rand_value(depth + 1)
    return d


docs = [rand_value(0) for _ in range(300)]
# Objects larger than the writer's inline scratch (32) and insertion-sort cutoff (16),
# nested so that inner objects grow the member stack while outer ones are half written.
big = {}
for i in range(200):
    big["k%03d%s" % (rng.randint(0, 999), rand_str().replace("\x00", ""))] = rng.randint(0, 9)
docs.append(big)
docs.append({"outer%02d" % (47 - i): {"inner%02d" % (63 - j): [i, j] for j in range(40)}
             for i in range(48)})
for d in docs:
    add(d)

with open("cases.tsv", "w", encoding="utf-8", newline="\n") as f:
    for text, expected in cases:
        f.write(text + "\t" + expected + "\n")

with open("sha256.tsv", "w", encoding="utf-8", newline="\n") as f:
    for text, expected in cases[-320:] + cases[:40]:
        f.write(text + "\t" + hashlib.sha256(expected.encode("utf-8")).hexdigest() + "\n")

print(len(cases), "cases")
