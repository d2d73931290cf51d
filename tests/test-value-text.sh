#!/bin/sh
# SPDX-License-Identifier: MIT
# The library's one value renderer (mview_value_text(), behind tolist text
# and mviewctl) against CPython: repr() of ints, floats (0.1, 1e16, 1e-5,
# nan, inf, -0.0, values read as float16 and float32, random doubles),
# bools and single bytes (quotes, backslash, controls, 0x7f-0xff), and
# json.dumps() of the same, NaN and the infinities being strings; every
# JSON text parses strictly (json.loads with parse_constant raising).
b=${MVIEW_TOP_BUILDDIR:?MVIEW_TOP_BUILDDIR is not set}
py=/usr/bin/python3
if [ ! -x "$py" ]; then
	echo "1..0 # SKIP no /usr/bin/python3"
	exit 77
fi
exec "$py" - "$b/tests/value-text" <<'PYEOF'
import json, math, random, struct, subprocess, sys

def bits(x):
    return struct.unpack('<Q', struct.pack('<d', x))[0]

def strict_json(x):
    if isinstance(x, float) and math.isnan(x):
        return '"NaN"'
    if isinstance(x, float) and math.isinf(x):
        return '"Infinity"' if x > 0 else '"-Infinity"'
    return json.dumps(x)

cases = []          # (input line, expected repr, expected JSON)
def add_float(x):
    cases.append(('f %016x' % bits(x), repr(x), strict_json(x)))

for i in (0, 1, -1, 255, -32768, 2**31, 2**63 - 1, -2**63):
    cases.append(('i %d' % i, repr(i), json.dumps(i)))
for u in (0, 2**63, 2**64 - 1):
    cases.append(('u %d' % u, repr(u), json.dumps(u)))
for x in (0.1, 1e16, 1e-5, 1e-4, 1e15, 1e22, 123456789.0, 0.5, 2.5, 1 / 3,
          -0.0, 0.0, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
          9007199254740993.0, 0.30000000000000004, 100.0, -1.5e-7,
          float('nan'), float('inf'), float('-inf')):
    add_float(x)
# Values as read from float16 and float32 elements (memoryview widens them).
for h in (0x0000, 0x0001, 0x03ff, 0x3555, 0x3c00, 0x3c01, 0x7bff, 0x7c00,
          0xfc00, 0x7e00, 0x8000, 0xc000):
    add_float(struct.unpack('<e', struct.pack('<H', h))[0])
for f in (0.1, 1e-5, 3.14159, 16777217.0, 1e38, -2.5e-40, 1 / 3):
    add_float(struct.unpack('<f', struct.pack('<f', f))[0])
rnd = random.Random(20261202)
for _ in range(300):
    add_float(struct.unpack('<d', struct.pack('<Q', rnd.getrandbits(64)))[0])
    add_float(struct.unpack('<f', struct.pack('<I', rnd.getrandbits(32)))[0])
for v in (True, False):
    cases.append(('b %d' % v, repr(v), json.dumps(v)))
for c in range(256):
    cases.append(('c %02x' % c, repr(bytes([c])), json.dumps(chr(c))))

def no_constants(name):
    raise ValueError('non-JSON constant %s' % name)

out = subprocess.run([sys.argv[1]], input=''.join(l + '\n' for l, _, _ in cases),
                     capture_output=True, text=True)
lines = out.stdout.split('\n')[:-1]
print('1..3')
if out.returncode != 0 or len(lines) != len(cases):
    print('not ok 1 - value-text ran (exit %d, %d lines for %d values): %s'
          % (out.returncode, len(lines), len(cases), out.stderr.strip()))
    print('not ok 2 - # SKIP'); print('not ok 3 - # SKIP')
    sys.exit(1)
print('ok 1 - value-text rendered %d values' % len(cases))
bad_repr, bad_json = [], []
for (line, want_repr, want_json), got in zip(cases, lines):
    got_repr, got_json = got.split('\t')
    if got_repr != want_repr:
        bad_repr.append('%s: %s, CPython %s' % (line, got_repr, want_repr))
    try:
        json.loads(got_json, parse_constant=no_constants)
        ok = got_json == want_json
    except ValueError as e:
        ok = False
    if not ok:
        bad_json.append('%s: %s, want %s' % (line, got_json, want_json))
for n, what, bad in ((2, 'repr', bad_repr), (3, 'strict JSON', bad_json)):
    if bad:
        print('not ok %d - %s: %d differ' % (n, what, len(bad)))
        for b in bad[:20]:
            print('#   ' + b)
    else:
        print('ok %d - %s as CPython writes it' % (n, what))
sys.exit(1 if bad_repr or bad_json else 0)
PYEOF
