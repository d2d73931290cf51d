#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Differential test: the C view algebra against memoryview and NumPy.

Random sequences of 1-8 operations (subscripts, stores, cast, transpose,
reshape, toreadonly, hex, tobytes) over random formats, shapes (ndim 0-4),
offsets and strides run both through tests/diff/view-driver (the C code)
and through oracle.py (CPython's memoryview, NumPy where memoryview gives
up); every answer, every resulting descriptor with its flags, tolist()
(repr and JSON), tobytes() in C, F and A order, and the whole buffer after
every store must be identical. A failure is shrunk to a minimal sequence
and printed with the driver's input, so it can be replayed by hand:

    tests/diff/view-driver < repro.txt

Environment: MVIEW_DIFF_SEED (default: the time), MVIEW_DIFF_COUNT
(default 10000).
"""
import argparse
import math
import os
import random
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle import Desc, Memory, Oracle, is_half  # noqa: E402

TUPLE = 1	# VIEW_SUBSCRIPT_TUPLE
MVONLY = 2	# VIEW_SUBSCRIPT_MEMORYVIEW
NATIVE = 'cbB?hHeiIflLqQnNPd'
NONNATIVE = [('<i', 4), ('2h', 4), ('x', 1), ('<d', 8), ('w', 2)]
BAD_CAST = ['x', '<i', 'hh', '@', 'Z', '@@B', 'Bx']
INT64 = 2 ** 63


# ------------------------------------------------------------- encoding
def enc_key(key):
    """Driver flags and items of a Python subscript."""
    items = key if isinstance(key, tuple) else (key,)
    out = []
    for k in items:
        if k is Ellipsis:
            out.append('e')
        elif isinstance(k, slice):
            out.append('s' + ':'.join('_' if x is None else str(x)
                                      for x in (k.start, k.stop, k.step)))
        else:
            out.append('i%d' % k)
    return (TUPLE if isinstance(key, tuple) else 0), out


def dbits(x):
    return '%016x' % struct.unpack('<Q', struct.pack('<d', x))[0]


def enc_value(v):
    if isinstance(v, bool):
        return 'B%d' % v
    if isinstance(v, int):
        if -INT64 <= v < INT64:
            return 'I%d' % v
        if 0 <= v < 2 * INT64:
            return 'U%d' % v
        try:
            f = float(v)
        except OverflowError:
            f = math.inf if v > 0 else -math.inf
        return 'G' + dbits(f)
    if isinstance(v, float):
        return 'F' + dbits(v)
    if isinstance(v, bytes):
        return 'Y' + v.hex()
    return 'O%d%s' % (bool(v), type(v).__name__)


def view_cmd(slot, d):
    n = len(d.shape)
    text = 'view %d %d %d %s %d %d %d %s' % (
        slot, d.buf, d.offset, d.fmt, d.isz, int(d.ro), n,
        ' '.join(str(x) for x in d.shape + d.strides))
    return text.rstrip()


def dims_cmd(dims):
    if dims is None:
        return '-'
    return ' '.join([str(len(dims))] + [str(x) for x in dims])


# ------------------------------------------------------------ execution
class Runner:
    """Applies operations to the oracle and records the driver's script."""

    def __init__(self, seg, base, buf1):
        self.mem = Memory()
        self.orc = Oracle(self.mem)
        self.cmds, self.exp = [], []
        self.slots = {}
        self.mem.set(0, seg)
        self.emit('buf 0 ' + seg.hex(), 'ok')
        self.mem.set(1, buf1)
        self.emit('buf 1 ' + buf1.hex(), 'ok')
        self.define(0, base)

    def emit(self, cmd, expected):
        self.cmds.append(cmd.rstrip())
        self.exp.append(expected)

    def define(self, slot, d):
        self.slots[slot] = d
        self.emit(view_cmd(slot, d), 'ok')
        self.show(slot)

    def show(self, slot):
        self.emit('show %d' % slot, self.orc.show(self.slots[slot]))

    def result(self, dst, kind, r):
        if kind == 'view':
            self.slots[dst] = r
            self.emit_last('view')
            self.show(dst)
        else:
            self.emit_last(r)

    def emit_last(self, expected):
        self.exp[-1] = expected

    def apply(self, op):
        name = op[0]
        if name == 'srcview':
            _, slot, d = op
            self.define(slot, d)
            return
        if op[1] not in self.slots:
            return
        d = self.slots[op[1]]
        getattr(self, 'op_' + name)(d, *op[1:])

    def op_sub(self, d, src, dst, key, mvonly):
        flags, items = enc_key(key)
        flags |= MVONLY if mvonly else 0
        self.emit('sub %d %d %d %d %s' % (dst, src, flags, len(items),
                                          ' '.join(items)), None)
        self.result(dst, *self.orc.subscript(d, key, mvonly))

    def op_cast(self, d, src, dst, fmt, shape):
        self.emit('cast %d %d %s %s' % (dst, src, fmt, dims_cmd(shape)), None)
        self.result(dst, *self.orc.cast(d, fmt, shape))

    def op_T(self, d, src, dst, perm):
        self.emit('T %d %d %s' % (dst, src, dims_cmd(perm)), None)
        self.result(dst, *self.orc.transpose(d, perm))

    def op_reshape(self, d, src, dst, shape):
        self.emit('reshape %d %d %s' % (dst, src, dims_cmd(shape)), None)
        self.result(dst, *self.orc.reshape(d, shape))

    def op_ro(self, d, src, dst):
        self.emit('ro %d %d' % (dst, src), None)
        self.result(dst, 'view', d._replace(ro=True))

    def op_set(self, d, slot, key, value, srcslot, mvonly):
        if srcslot is not None and srcslot not in self.slots:
            return
        flags, items = enc_key(key)
        flags |= MVONLY if mvonly else 0
        val = 'V%d' % srcslot if srcslot is not None else enc_value(value)
        src = self.slots[srcslot] if srcslot is not None else None
        self.emit('set %d %d %d %s %s' % (slot, flags, len(items),
                                          ' '.join(items), val),
                  self.orc.store(d, key, value, src, mvonly))
        for b in sorted({d.buf} | ({src.buf} if src else set())):
            self.emit('dump %d' % b, 'dump ' + self.mem.dump(b))

    def op_hex(self, d, slot, sep, bps):
        arg = '-' if sep is None else '%02x' % ord(sep)
        self.emit('hex %d %s %d' % (slot, arg, bps), self.orc.hex(d, sep, bps))

    def op_tobytes(self, d, slot, order):
        self.emit('tobytes %d %s' % (slot, order), self.orc.tobytes(d, order))


# ----------------------------------------------------------- generation
def gen_format(rng):
    if rng.random() < 0.1:
        return rng.choice(NONNATIVE)
    c = rng.choice(NATIVE)
    return ('@' + c if rng.random() < 0.15 else c), struct.calcsize(c)


def extent(d):
    lo = hi = 0
    for n, s in zip(d.shape, d.strides):
        e = (n - 1) * s
        if e < 0:
            lo += e
        else:
            hi += e
    return lo, hi + d.isz


def gen_strides(rng, shape, isz):
    """Strides that never alias two elements (so stores are well defined)."""
    ndim = len(shape)
    order = list(range(ndim))
    r = rng.random()
    if r < 0.65:
        order.reverse()		# C order: last axis fastest
    elif r < 0.85:
        rng.shuffle(order)
    strides = [0] * ndim
    acc = isz
    for ax in order:
        gap = rng.choice([1, 2, 3]) if rng.random() < 0.25 else 1
        strides[ax] = acc * gap
        acc = strides[ax] * max(shape[ax], 1)
    for ax in range(ndim):
        if rng.random() < 0.25:
            strides[ax] = -strides[ax]
    return strides


def gen_base(rng):
    fmt, isz = gen_format(rng)
    ndim = rng.choice([0, 1, 1, 1, 2, 2, 2, 3, 3, 4])
    shape = [0 if rng.random() < 0.05 else rng.choice([1, 2, 2, 3, 3, 4, 5])
             for _ in range(ndim)]
    ro = rng.random() < 0.08
    if rng.random() < 0.05:		# odd strides: read-only, may alias
        strides = [rng.randint(-3 * isz, 3 * isz) for _ in range(ndim)]
        ro = True
    else:
        strides = gen_strides(rng, shape, isz)
    d = Desc(0, 0, fmt, isz, ro, tuple(shape), tuple(strides))
    lo, hi = extent(d)
    if 0 in shape:
        lo, hi = 0, 0
    size = hi - lo + rng.choice([0, 0, 1, 3, 8])
    offset = -lo + rng.randint(0, size - (hi - lo))
    seg = bytes(rng.getrandbits(8) for _ in range(size))
    return seg, d._replace(offset=offset)


def gen_index(rng, n):
    r = rng.random()
    if r < 0.8:
        return rng.randint(-n, n - 1) if n > 0 else rng.randint(-1, 1)
    if r < 0.97:
        return rng.choice([-n - 1, n, n + 1, -n - 2])
    return rng.choice([2 ** 62, -2 ** 62, INT64 - 1, -INT64])


def gen_bound(rng, n):
    r = rng.random()
    if r < 0.35:
        return None
    if r < 0.97:
        return rng.randint(-n - 2, n + 2)
    return rng.choice([INT64 - 1, -INT64, 2 ** 40, -2 ** 40])


def gen_step(rng):
    r = rng.random()
    if r < 0.3:
        return None
    if r < 0.96:
        return rng.choice([1, 1, 2, 3, -1, -1, -2, -3])
    return rng.choice([0, 0, INT64 - 1, -INT64, 2 ** 62, -2 ** 62])


def gen_slice(rng, n):
    return slice(gen_bound(rng, n), gen_bound(rng, n), gen_step(rng))


def gen_key(rng, d):
    shape = d.shape or (0,)
    r = rng.random()
    if r < 0.15:
        return gen_index(rng, shape[0])
    if r < 0.32:
        return gen_slice(rng, shape[0])
    if r < 0.36:
        return Ellipsis
    n = len(d.shape)
    length = rng.choice([max(n - 1, 0), n, n, n, n + 1, 0, 1])
    items = []
    for i in range(length):
        extent_i = d.shape[i] if i < n else 2
        if rng.random() < 0.4:
            items.append(gen_index(rng, extent_i))
        else:
            items.append(gen_slice(rng, extent_i))
    if rng.random() < 0.25:
        items.insert(rng.randint(0, len(items)), Ellipsis)
        if rng.random() < 0.05:
            items.append(Ellipsis)
    return tuple(items)


def factorize(rng, n, k):
    """k factors whose product is n (n == 0: one of them is 0)."""
    if k == 0:
        return []
    dims = [1] * k
    if n == 0:
        dims = [rng.randint(0, 3) for _ in range(k)]
        dims[rng.randrange(k)] = 0
        return dims
    p = 2
    while n > 1:
        while n % p:
            p += 1
        dims[rng.randrange(k)] *= p
        n //= p
    return dims


def c_contiguous(d):
    if len(d.shape) == 1:
        return d.shape[0] == 1 or d.strides[0] == d.isz
    if 0 in d.shape:
        return True
    sd = d.isz
    for n, s in reversed(list(zip(d.shape, d.strides))):
        if n > 1 and s != sd:
            return False
        sd *= n
    return True


def nitems(d):
    n = 1
    for x in d.shape:
        n *= x
    return n


def gen_cast(rng, d):
    if rng.random() < 0.12:
        fmt, isz = rng.choice(BAD_CAST), 1
    else:
        c = rng.choice(NATIVE)
        if rng.random() < 0.5:
            c = rng.choice('bBc')	# casts need a byte format on one side
        fmt, isz = ('@' + c if rng.random() < 0.15 else c), struct.calcsize(c)
    if rng.random() < 0.4:
        return fmt, None
    total = nitems(d) * d.isz // isz if isz else 0
    dims = factorize(rng, total, rng.choice([0, 1, 1, 2, 2, 3]))
    r = rng.random()
    if dims and r < 0.1:
        dims[rng.randrange(len(dims))] += rng.choice([-1, 1])
    elif r < 0.12:
        dims = [1] * 65
    elif r < 0.15:
        dims.append(rng.choice([0, -1, 2]))
    return fmt, dims


def gen_perm(rng, d):
    n = len(d.shape)
    r = rng.random()
    if r < 0.35:
        return None
    perm = list(range(n))
    rng.shuffle(perm)
    if r < 0.7:
        return perm
    if r < 0.8:
        return [p - n if rng.random() < 0.5 else p for p in perm]
    if r < 0.87:
        return perm + [0] if rng.random() < 0.5 else perm[:-1]
    if r < 0.94 and n >= 2:
        perm[1] = perm[0]
        return perm
    if n:
        perm[rng.randrange(n)] = rng.choice([n, -n - 1, 100])
    return perm


def gen_reshape(rng, d):
    size = nitems(d)
    dims = factorize(rng, size, rng.choice([0, 1, 1, 2, 2, 3, 4]))
    r = rng.random()
    if dims and r < 0.3:
        dims[rng.randrange(len(dims))] = -1
    elif dims and r < 0.35:
        dims[rng.randrange(len(dims))] = rng.choice([-2, -1])
        dims.append(-1)
    elif r < 0.45:
        dims.append(rng.choice([2, 3, 0]))
    elif r < 0.5:
        dims = list(d.shape)
    return dims


SCALARS = [0, 1, -1, 5, 127, 128, -128, -129, 255, 256, 32767, 32768, -32769,
           65535, 65536, 2 ** 31, -2 ** 31 - 1, 2 ** 32, 2 ** 63 - 1, -2 ** 63,
           2 ** 63, 2 ** 64 - 1, 2 ** 64, -2 ** 63 - 1, 2 ** 70, -2 ** 70,
           10 ** 400, True, False, 0.0, -0.0, 1.5, -2.25, 0.1, 1e300, -1e300,
           math.inf, -math.inf, math.nan, 65504.0, 65520.0, 65519.0, 6e-8,
           3e-8, 3.4028235e38, 3.5e38, 1e-46, 2049.0, 2051.0, -2049.0,
           2.0 ** -25, 3 * 2.0 ** -25, 1 + 2.0 ** -11, 1 + 3 * 2.0 ** -11,
           2.0 ** -14 - 2.0 ** -25, 3.4028235677973366e38, b'', b'x', b'\xff',
           b'ab', 'x', '', None]


def gen_value(rng):
    if rng.random() < 0.2:
        return rng.uniform(-1e6, 1e6) if rng.random() < 0.5 else \
            rng.randint(-70000, 70000)
    return rng.choice(SCALARS)


class Gen:
    """Generates one sequence, running it as it goes."""

    def __init__(self, rng):
        self.rng = rng
        seg, base = gen_base(rng)
        buf1 = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 64)))
        self.seq = (seg, base, buf1, [])
        self.run = Runner(seg, base, buf1)

    def add(self, op):
        self.seq[3].append(op)
        self.run.apply(op)

    def pick(self, want=None):
        """A slot, preferably one for which want(desc) holds."""
        slots = sorted(s for s in self.run.slots if s < 32)
        good = [s for s in slots if want and want(self.run.slots[s])]
        if good and self.rng.random() < 0.85:
            return self.rng.choice(good)
        return self.rng.choice(slots)

    def step(self, i):
        rng = self.rng
        r = rng.random()
        want = None
        if 0.3 <= r < 0.45:
            want = c_contiguous
        elif 0.65 <= r < 0.9:
            want = lambda d: not d.ro	# noqa: E731
        src = self.pick(want)
        d = self.run.slots[src]
        dst = i + 1
        if r < 0.3:
            self.add(('sub', src, dst, gen_key(rng, d), rng.random() < 0.12))
        elif r < 0.45:
            self.add(('cast', src, dst) + gen_cast(rng, d))
        elif r < 0.53:
            self.add(('T', src, dst, gen_perm(rng, d)))
        elif r < 0.62:
            self.add(('reshape', src, dst, gen_reshape(rng, d)))
        elif r < 0.65:
            self.add(('ro', src, dst))
        elif r < 0.9:
            self.gen_set(src, d, 32 + i)
        elif r < 0.96:
            sep = rng.choice([None, ':', '-', ' ', 'x'])
            self.add(('hex', src, sep, rng.choice([1, 1, 2, 3, -1, -2, -3,
                                                   0, 5, -7, 1000])))
        else:
            self.add(('tobytes', src, rng.choice('CFAXc')))

    def gen_set(self, slot, d, srcslot):
        rng = self.rng
        key = gen_key(rng, d)
        mvonly = rng.random() < 0.1
        kind, t = self.run.orc.subscript(d, key, False)
        if kind != 'view' or rng.random() < 0.15:
            self.add(('set', slot, key, gen_value(rng), None, mvonly))
            return
        src = self.gen_source(t, srcslot)
        if src is None:
            self.add(('set', slot, key, gen_value(rng), None, mvonly))
            return
        if isinstance(src, bytes):
            self.add(('set', slot, key, src, None, mvonly))
            return
        if not src.shape and d.fmt in ('?', '@?'):
            # bool(0-dim memoryview) is True on 3.11, TypeError on 3.12
            self.add(('set', slot, key, gen_value(rng), None, mvonly))
            return
        self.add(('srcview', srcslot, src))
        self.add(('set', slot, key, None, srcslot, mvonly))

    def gen_source(self, t, slot):
        """A buffer to assign to target t (usually the same structure)."""
        rng = self.rng
        r = rng.random()
        axes = [i for i, n in enumerate(t.shape) if n > 1]
        if r < 0.35 and axes and 0 not in t.shape:
            ax = rng.choice(axes)		# overlaps the target
            shape, strides = list(t.shape), list(t.strides)
            off = t.offset + (shape[ax] - 1) * strides[ax]
            strides[ax] = -strides[ax]
            return t._replace(offset=off, strides=tuple(strides))
        if r < 0.75:
            n = nitems(t) * t.isz
            if 0 < n <= self.run.mem.size[1]:
                strides, acc = [], t.isz
                for x in reversed(t.shape):
                    strides.insert(0, acc)
                    acc *= max(x, 1)
                return t._replace(buf=1, offset=0, ro=rng.random() < 0.2,
                                  strides=tuple(strides))
        if r < 0.85 and t.fmt in ('B', 'c', '@B') and len(t.shape) == 1:
            return bytes(rng.getrandbits(8) for _ in range(
                t.shape[0] + rng.choice([0, 0, 0, 1, -1])))
        others = [s for s in self.run.slots if s < 32]
        o = self.run.slots[rng.choice(others)]
        if is_half(o.fmt) != is_half(t.fmt) and 'H' in (o.fmt + t.fmt):
            return None		# 'e' vs 'H' cannot be told apart on 3.11
        return o


def generate(rng):
    g = Gen(rng)
    for i in range(rng.randint(1, 8)):
        g.step(i)
    return g.seq, g.run


def replay(seq):
    seg, base, buf1, ops = seq
    run = Runner(seg, base, buf1)
    for op in ops:
        run.apply(op)
    return run


# ------------------------------------------------------------ the driver
class Driver:
    def __init__(self, path):
        self.path = path
        self.start()

    def start(self):
        self.p = subprocess.Popen([self.path], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True,
                                  bufsize=1 << 16)

    def run(self, cmds):
        """The driver's answers (None for lines lost to a crash)."""
        try:
            self.p.stdin.write('\n'.join(cmds) + '\n')
            self.p.stdin.flush()
            out = [self.p.stdout.readline().rstrip('\n') for _ in cmds]
        except BrokenPipeError:
            out = []
        if len(out) < len(cmds) or (out and out[-1] == '' and
                                    self.p.poll() is not None):
            self.p.kill()
            self.p.wait()
            self.start()
            out = (out + [None] * len(cmds))[:len(cmds)]
        return out


def mismatch(driver, run):
    got = driver.run(run.cmds)
    for i, (c, e, g) in enumerate(zip(run.cmds, run.exp, got)):
        if e != g:
            return i, c, e, g
    return None


def shrink(driver, seq):
    """Drop operations while the sequence still fails."""
    seg, base, buf1, ops = seq
    changed = True
    while changed:
        changed = False
        for i in range(len(ops) - 1, -1, -1):
            cand = (seg, base, buf1, ops[:i] + ops[i + 1:])
            try:
                if mismatch(driver, replay(cand)):
                    ops, changed = cand[3], True
            except Exception:
                pass
    return (seg, base, buf1, ops)


def report(driver, seq, seed, number):
    seq = shrink(driver, seq)
    run = replay(seq)
    i, cmd, exp, got = mismatch(driver, run)
    seg, base, buf1, ops = seq
    print('MISMATCH in sequence %d of seed %d' % (number, seed))
    print('segment: %s (%d bytes)' % (seg.hex(), len(seg)))
    print('base view (slot 0): %r' % (base,))
    for op in ops:
        print('  op: %r' % (op,))
    print('driver input (pipe into tests/diff/view-driver):')
    for c in run.cmds[:i + 1]:
        print('  ' + c)
    print('command:  ' + cmd)
    print('expected: ' + repr(exp))
    print('got:      ' + repr(got))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--driver', required=True)
    ap.add_argument('--seed', type=int,
                    default=int(os.environ.get('MVIEW_DIFF_SEED') or
                                time.time_ns() % 2 ** 32))
    ap.add_argument('--count', type=int,
                    default=int(os.environ.get('MVIEW_DIFF_COUNT') or 10000))
    args = ap.parse_args()
    print('view-diff: seed %d, %d sequences, oracle CPython %s + NumPy %s'
          % (args.seed, args.count, sys.version.split()[0],
             __import__('numpy').__version__), flush=True)
    driver = Driver(args.driver)
    t0 = time.monotonic()
    rng = random.Random(args.seed)
    nops = nlines = 0
    for n in range(args.count):
        seq, run = generate(rng)
        nops += len(seq[3])
        nlines += len(run.cmds)
        if mismatch(driver, run):
            report(driver, seq, args.seed, n)
            print('rerun: MVIEW_DIFF_SEED=%d MVIEW_DIFF_COUNT=%d'
                  % (args.seed, n + 1))
            return 1
    print('view-diff: %d sequences, %d operations, %d lines, no mismatch '
          '(%.1fs)' % (args.count, nops, nlines, time.monotonic() - t0))
    return 0


if __name__ == '__main__':
    sys.exit(main())
