# SPDX-License-Identifier: MIT
"""mview.View against a real memoryview of the same bytes.

Every operation VIEW-SPEC.md calls memoryview-exact runs on both; results,
exception classes and messages must match. Where memoryview raises
NotImplementedError the View follows NumPy (test-python-numpy.py).
Python 3.11's memoryview lacks 'e' and lets len() of a 0-dim view be 1;
the spec follows 3.12, so those cases are checked against 3.12's answers.
"""
import array
import pickle
import struct
import sys
import unittest

import mview
from mviewtest import DaemonTestCase, main, numpy

PY312 = sys.version_info >= (3, 12)
MISSING = object()


class IndexLike:
    def __init__(self, i):
        self.i = i

    def __index__(self):
        return self.i


class FloatLike:
    def __float__(self):
        return 2.5


def canon(x):
    """A comparable form of a result; views by their structure and bytes."""
    if isinstance(x, (mview.View, memoryview)):
        try:
            values = x.tolist()
        except NotImplementedError:
            values = None
        return ("view", x.format, x.itemsize, x.ndim, x.shape, x.strides,
                x.readonly, x.c_contiguous, x.f_contiguous, x.contiguous,
                x.nbytes, values, x.tobytes())
    if isinstance(x, float) and x != x:
        return "nan"
    return x


def outcome(f, *args):
    try:
        return ("ok", canon(f(*args)))
    except Exception as e:  # noqa: BLE001 - any exception is an outcome
        return ("err", type(e), str(e))


def formats_of(*objs):
    return "".join(str(o) for o in objs)


class Base(DaemonTestCase):
    def pair(self, data, fmt="B", shape=MISSING, readonly=False):
        """A View (at offset 8 in a segment) and a memoryview, same bytes."""
        data = bytes(data)
        v = self.alloc(len(data))
        v[:] = data
        m = memoryview(bytearray(data))
        if fmt != "B" or shape is not MISSING:
            v = v.cast(fmt) if shape is MISSING else v.cast(fmt, shape)
            m = m.cast(fmt) if shape is MISSING else m.cast(fmt, shape)
        if readonly:
            v, m = v.toreadonly(), m.toreadonly()
        return v, m

    def same(self, v, m, f, skip_notimpl=True):
        """f(v) and f(m) agree, unless memoryview gives up with
        NotImplementedError (then True: the View went NumPy's way)."""
        want = outcome(f, m)
        got = outcome(f, v)
        if skip_notimpl and want[0] == "err" and want[1] is NotImplementedError:
            return True
        self.assertEqual(got, want)
        return False

    @staticmethod
    def reset(v, m, data):
        memoryview(v).cast("B")[:] = data
        m.obj[:] = data

    def same_bytes(self, v, m):
        self.assertEqual(v.tobytes(), m.tobytes())

    def derived(self):
        """(name, View, memoryview) triples of many shapes and layouts,
        each made by the same operations on both."""
        def cast(*a):
            return lambda x: x.cast(*a)

        def sl(*a):
            return lambda x: x[slice(*a)]

        out = []
        for name, ops in [
            ("B", []),
            ("B[::2]", [sl(None, None, 2)]),
            ("B[::-1]", [sl(None, None, -1)]),
            ("B[::-3]", [sl(None, None, -3)]),
            ("B[3:9]", [sl(3, 9)]),
            ("B[5:2]", [sl(5, 2)]),
            ("B[-1:]", [sl(-1, None)]),
            ("h", [cast("h")]),
            ("H[::-2]", [cast("H"), sl(None, None, -2)]),
            ("i", [cast("i")]),
            ("q", [cast("q")]),
            ("d", [cast("d")]),
            ("f", [cast("f")]),
            ("c", [cast("c")]),
            ("?", [cast("?")]),
            ("@b", [cast("@b")]),
            ("B[3,8]", [cast("B", [3, 8])]),
            ("B[2,3,4]", [cast("B", [2, 3, 4])]),
            ("h[3,4]", [cast("h", [3, 4])]),
            ("d[]", [sl(0, 8), cast("d", [])]),
            ("Q[1]", [sl(0, 8), cast("Q", [1])]),
            ("B[0]", [sl(0, 0)]),
        ]:
            v, m = self.pair(bytes(range(1, 25)))
            for op in ops:
                v, m = op(v), op(m)
            out.append((name, v, m))
            out.append((name + " ro", v.toreadonly(), m.toreadonly()))
        return out


class TestAttributes(Base):
    ATTRS = ("format", "itemsize", "ndim", "shape", "strides", "suboffsets",
             "nbytes", "readonly", "c_contiguous", "f_contiguous",
             "contiguous")

    def test_attributes(self):
        for name, v, m in self.derived():
            for attr in self.ATTRS:
                with self.subTest(view=name, attr=attr):
                    self.same(v, m, lambda x: getattr(x, attr))

    def test_len(self):
        for name, v, m in self.derived():
            with self.subTest(view=name):
                if m.ndim == 0:
                    with self.assertRaisesRegex(TypeError,
                                                "^0-dim memory has no length$"):
                        len(v)
                    continue
                self.same(v, m, len)

    def test_buffer_export(self):
        for name, v, m in self.derived():
            with self.subTest(view=name):
                e = memoryview(v)
                self.assertIs(e.obj, v)
                for attr in self.ATTRS:
                    self.assertEqual(getattr(e, attr), getattr(m, attr), attr)
                self.assertEqual(bytes(v), m.tobytes())
                e.release()

    def test_buffer_flags(self):
        v, m = self.pair(range(12), "B", [3, 4])
        nc = v[:, ::2]
        self.assertEqual(bytes(nc), nc.tobytes())
        ro = v.toreadonly()
        with self.assertRaises(TypeError):
            struct.pack_into("B", ro, 0, 1)
        if PY312:  # PEP 688: ask for a writable buffer directly
            self.same(ro, m.toreadonly(), lambda x: x.__buffer__(1))
        self.assertEqual(struct.unpack_from("<3B", v, 4), (4, 5, 6))
        struct.pack_into("<B", v.cast("B"), 0, 200)
        self.assertEqual(v[0, 0], 200)

    def test_obj_and_segment(self):
        seg = self.segment(16)
        v = seg.view()
        self.assertIs(v.obj, seg)
        self.assertIs(v[2:4].segment, seg)
        self.assertEqual(v.segment_id, seg.id)
        self.assertEqual(seg.view(offset=4, shape=[2]).offset, 4)


class TestSubscript(Base):
    KEYS_1D = [0, 1, -1, -2, 5, 23, 24, -24, -25, 100, -100, 2**63,
               -2**63 - 1, 2**100, True, False, IndexLike(3), IndexLike(2**70),
               slice(None), slice(1, 3), slice(None, None, -1),
               slice(-2, None), slice(0, 0), slice(None, None, 0),
               slice(2**100, None), slice(None, None, 2**100),
               slice(None, None, -2**100), slice(-2**100, 2**100, 3),
               slice(IndexLike(1), None), slice(1.5, None), slice("a", None),
               (0,), (-1,), (24,), (0, 0), (), (slice(None),),
               (slice(None), slice(None)), None, "a", 1.5, [0],
               (0, "a"), ("a", 2**100), (None,), b"x"]
    KEYS_ND = [0, -1, 5, (0, 0), (2, 3), (-1, -1), (3, 0), (0, 8), (0, -9),
               (-4, 0), (0, 0, 0), (1, 2, 3), (5, 2**100), (0, 2**100),
               (2**100, 0), (IndexLike(1), IndexLike(2)), (0,), (),
               slice(None), (slice(None), 0), (0, slice(None)),
               (slice(None), slice(None)), (0.0, 0), None, "a",
               (1, 2, 3, 4), (0, 0, 2**100)]
    KEYS_0D = [(), 0, -1, slice(None), (0,), "a", None, 2**100]

    @staticmethod
    def numpy_key(key, ndim):
        """Keys memoryview rejects but NumPy takes (test-python-numpy.py):
        an Ellipsis (N-D) or a tuple mixing ints, slices and Ellipsis."""
        if key is Ellipsis:
            return ndim > 0
        if not isinstance(key, tuple):
            return False
        index = [hasattr(type(k), "__index__") for k in key]
        sl = [isinstance(k, slice) for k in key]
        ell = [k is Ellipsis for k in key]
        valid = all(i or s or e for i, s, e in zip(index, sl, ell))
        return valid and (any(ell) or (any(sl) and any(index)))

    def check_keys(self, keys, want_ndim):
        for name, v, m in self.derived():
            if (m.ndim == 1) != (want_ndim == 1) or \
                    (want_ndim == 0) != (m.ndim == 0):
                continue
            for key in keys:
                if self.numpy_key(key, m.ndim):
                    continue
                with self.subTest(view=name, key=key):
                    self.same(v, m, lambda x: x[key])

    def test_1d(self):
        self.check_keys(self.KEYS_1D, 1)

    def test_nd(self):
        self.check_keys(self.KEYS_ND, 2)

    def test_0d(self):
        self.check_keys(self.KEYS_0D, 0)
        v, m = self.pair(bytes(8), "d", [])
        self.assertIs(v[...], v)
        self.assertIs(m[...], m)

    def test_slice_shares_memory(self):
        # The article's third example, in one process.
        v, m = self.pair(range(10))
        s = v[2:6]
        v[3] = 99
        self.assertEqual(s[1], 99)
        self.assertEqual(s.tolist(), [2, 99, 4, 5])

    def test_values_of_every_format(self):
        raw = bytes([0, 1, 0x7f, 0x80, 0xff, 0xfe, 0x3c, 0x40] * 3)
        for fmt in "bBhHiIlLqQnNPfd?c":
            with self.subTest(fmt=fmt):
                v, m = self.pair(raw, fmt)
                self.assertEqual(outcome(lambda x: x.tolist(), v),
                                 outcome(lambda x: x.tolist(), m))
                self.assertEqual(outcome(lambda x: x[-1], v),
                                 outcome(lambda x: x[-1], m))
        v = self.pair(struct.pack("<3e", 1.0, -2.5, 65504.0))[0].cast("e")
        self.assertEqual(v.tolist(), [1.0, -2.5, 65504.0])
        if PY312:
            self.same(v, memoryview(v.tobytes()).cast("e"),
                      lambda x: x.tolist())

    def test_unsupported_format(self):
        seg = self.segment(16)
        for fmt in ("<i", "2h"):
            with self.subTest(fmt=fmt):
                try:
                    v = seg.view(fmt, shape=[2])
                except (ValueError, TypeError):
                    continue  # the library may refuse such formats
                with self.assertRaises(NotImplementedError) as cm:
                    v[0]
                self.assertIn("memoryview: ", str(cm.exception))
                with self.assertRaises(NotImplementedError):
                    v.tolist()


class TestSetitem(Base):
    VALUES = [0, 1, -1, 127, 128, 255, 256, -128, -129, 32767, 32768,
              2**31, 2**32, 2**63 - 1, 2**63, 2**64 - 1, 2**64, -2**63,
              -2**63 - 1, 2**100, 1.5, -0.0, 1e300, -1e300, float("inf"),
              float("nan"), True, False, b"a", b"ab", b"", bytearray(b"z"),
              "a", None, IndexLike(7), IndexLike(2**65), FloatLike(),
              [1], 3 + 4j]
    KEYS = [0, -1, 5, -7, 24, 2**100, "a", slice(None), (0,), ()]

    def test_items(self):
        raw = bytes(range(24))
        for fmt in "bBhHiIlLqQnNPfd?c":
            v, m = self.pair(raw, fmt)
            for value in self.VALUES:
                for key in self.KEYS:
                    self.reset(v, m, raw)
                    with self.subTest(fmt=fmt, value=value, key=key):
                        def store(x):
                            x[key] = value
                        if not self.same(v, m, store):
                            self.same_bytes(v, m)

    def test_half(self):
        v = self.pair(bytes(8))[0].cast("e")
        v[0] = 1.5
        v[1] = 65504.0
        self.assertEqual(v.tolist()[:2], [1.5, 65504.0])
        with self.assertRaisesRegex(
                ValueError, r"^memoryview: invalid value for format 'e'$"):
            v[2] = 1e6
        with self.assertRaisesRegex(
                TypeError, r"^memoryview: invalid type for format 'e'$"):
            v[2] = "x"

    def test_float_overflow_stores_inf(self):
        v, m = self.pair(bytes(8), "f")
        v[0] = m[0] = 1e300
        self.assertEqual(v[0], float("inf"))
        self.same_bytes(v, m)

    def test_readonly_and_delete(self):
        for name, v, m in self.derived():
            for key in (0, slice(None), (), "a", 2**100):
                with self.subTest(view=name, key=key, op="set"):
                    def store(x):
                        x[key] = 1
                    self.same(v, m, store)
                with self.subTest(view=name, key=key, op="del"):
                    def delete(x):
                        del x[key]
                    self.same(v, m, delete)

    def test_0d(self):
        for key in ((), ..., 0, slice(None), (0,), "a"):
            v, m = self.pair(bytes(8), "d", [])
            with self.subTest(key=key):
                def store(x):
                    x[key] = 2.5
                if not self.same(v, m, store):
                    self.same_bytes(v, m)

    def test_nd_items(self):
        for key in ((1, 2), (-1, -4), (3, 0), (0, 9), (0, 0, 0), (5, 2**100),
                    (0, 2**100), ("a", 0)):
            v, m = self.pair(range(12), "B", [3, 4])
            with self.subTest(key=key):
                def store(x):
                    x[key] = 99
                if not self.same(v, m, store):
                    self.same_bytes(v, m)

    def test_article_cast(self):
        # The article's second example, in one process.
        v, m = self.pair(range(12))
        x = v.cast("B", [3, 4])
        x[1, 2] = 99
        self.assertEqual(v[6], 99)

    def test_slices(self):
        srcs = [b"ab", bytearray(b"xy"), b"abc", b"", array.array("h", [1, 2]),
                memoryview(b"abcd").cast("B", [2, 2]), 5, [1, 2], "ab",
                memoryview(b"abcdef")[::3]]
        keys = [slice(1, 3), slice(None, None, 12), slice(None, 2),
                slice(None, None, -12), slice(5, 5), slice(None, None, 0),
                slice(1, 3, 0)]
        for key in keys:
            for src in srcs:
                v, m = self.pair(range(24))
                with self.subTest(key=key, src=src):
                    def store(x):
                        x[key] = src
                    if not self.same(v, m, store):
                        self.same_bytes(v, m)

    def test_overlapping_slices(self):
        for dst, src in ((slice(1, 9), slice(0, 8)), (slice(0, 8), slice(1, 9)),
                         (slice(None, None, -1), slice(None))):
            v, m = self.pair(range(24))
            with self.subTest(dst=dst, src=src):
                v[dst] = v[src]
                m[dst] = m[src]
                self.same_bytes(v, m)

    def test_released_during_conversion(self):
        v, _ = self.pair(range(8))

        class Evil:
            def __index__(self):
                v.release()
                return 1

        with self.assertRaisesRegex(ValueError, "released"):
            v[0] = Evil()
        w, _ = self.pair(range(8))

        class EvilKey:
            def __index__(self):
                w.release()
                return 1

        with self.assertRaisesRegex(ValueError, "released"):
            w[EvilKey()]


class TestCast(Base):
    FORMATS = ["B", "b", "c", "h", "@h", "=h", "<h", "hh", "x", "e", "\xe9",
               "", "d", "?", "P", "@B", "Bx", "@"]
    SHAPES = [MISSING, None, [], [12], [3, 4], [2, 2, 3], (12,), (6, 2),
              5, "ab", [0], [-1], [1.5], ["a"], [2**100], [2**62, 2**62],
              [3, 4, 1], [1] * 65, [1] * 64, [12, "x"], ["x", 0], [0, "x"],
              [6, 2**100], [-1, 2**100], [1, 12]]

    def sources(self):
        d = bytes(range(12))
        out = []
        v, m = self.pair(d)
        out += [("B12", v, m), ("B[::2]", v[::2], m[::2]),
                ("B[::-1]", v[::-1], m[::-1]),
                ("B0", v[0:0], m[0:0]), ("B1", v[0:1], m[0:1])]
        out += [("h6", v.cast("h"), m.cast("h"))]
        out += [("B[3,4]", v.cast("B", [3, 4]), m.cast("B", [3, 4]))]
        out += [("d[]", v[0:8].cast("d", []), m[0:8].cast("d", []))]
        out += [("c", v.cast("c"), m.cast("c"))]
        ro = v.toreadonly()
        out += [("ro", ro, m.toreadonly())]
        return out

    def test_cast_matrix(self):
        for sname, v, m in self.sources():
            for fmt in self.FORMATS:
                for shape in self.SHAPES:
                    if "e" in fmt and not PY312:
                        continue
                    with self.subTest(src=sname, fmt=fmt, shape=shape):
                        if shape is MISSING:
                            self.same(v, m, lambda x: x.cast(fmt),
                                      skip_notimpl=False)
                        else:
                            self.same(v, m, lambda x: x.cast(fmt, shape),
                                      skip_notimpl=False)

    def test_cast_zero_shape_nd(self):
        v, m = self.pair(bytes(0))
        self.same(v, m, lambda x: x.cast("B", [0]), skip_notimpl=False)
        self.same(v, m, lambda x: x.cast("h"), skip_notimpl=False)

    def test_cast_keywords(self):
        v, m = self.pair(range(12))
        self.same(v, m, lambda x: x.cast(format="h", shape=[2, 3]))
        self.same(v, m, lambda x: x.cast(b"h"))
        self.same(v, m, lambda x: x.cast())

    def test_article_int16(self):
        # The article's first example, in one process.
        v, m = self.pair(struct.pack("5h", -2, -1, 0, 1, 2), "h")
        b = v.cast("B")
        b[5] = 4
        self.assertEqual(v.tolist(), [-2, -1, 1024, 1, 2])


class TestOutput(Base):
    def test_tolist_tobytes(self):
        for name, v, m in self.derived():
            with self.subTest(view=name):
                self.same(v, m, lambda x: x.tolist())
                for order in (MISSING, None, "C", "F", "A", "c", "X", "", "CC",
                              5, b"C"):
                    with self.subTest(order=order):
                        if order is MISSING:
                            self.same(v, m, lambda x: x.tobytes())
                        else:
                            self.same(v, m, lambda x: x.tobytes(order))
                self.same(v, m, lambda x: x.tobytes(order="F"))

    def test_fortran_order(self):
        v, m = self.pair(range(24), "B", [2, 3, 4])
        self.assertEqual(v.tobytes("F"), m.tobytes("F"))
        self.assertEqual(v.tobytes("A"), m.tobytes("A"))

    def test_hex(self):
        args = [(), (":",), (b"-",), (":", 2), (":", -2), (" ", 3), ("::",),
                ("\xe9",), ("\u20ac",), (5,), (":", "x"), (None,)]
        for name, v, m in self.derived():
            for a in args:
                with self.subTest(view=name, args=a):
                    self.same(v, m, lambda x: x.hex(*a))
        v, m = self.pair(range(8))
        self.same(v, m, lambda x: x.hex(sep="_", bytes_per_sep=3))


class TestRelease(Base):
    OPS = [
        ("len", len), ("getitem", lambda x: x[0]),
        ("setitem", lambda x: x.__setitem__(0, 1)),
        ("tolist", lambda x: x.tolist()), ("tobytes", lambda x: x.tobytes()),
        ("hex", lambda x: x.hex()), ("cast", lambda x: x.cast("B")),
        ("toreadonly", lambda x: x.toreadonly()),
        ("iter", lambda x: list(x)), ("memoryview", memoryview),
        ("bytes", bytes), ("enter", lambda x: x.__enter__()),
        ("obj", lambda x: x.obj), ("nbytes", lambda x: x.nbytes),
        ("format", lambda x: x.format), ("shape", lambda x: x.shape),
        ("strides", lambda x: x.strides), ("ndim", lambda x: x.ndim),
        ("readonly", lambda x: x.readonly),
        ("itemsize", lambda x: x.itemsize),
        ("suboffsets", lambda x: x.suboffsets),
        ("c_contiguous", lambda x: x.c_contiguous),
        ("f_contiguous", lambda x: x.f_contiguous),
        ("contiguous", lambda x: x.contiguous),
        ("release", lambda x: x.release()),
    ]

    def test_released(self):
        v, m = self.pair(range(8))
        v.release()
        m.release()
        v.release()  # idempotent
        for name, op in self.OPS:
            with self.subTest(op=name):
                self.same(v, m, op)
        self.assertTrue(v.released)
        self.assertIn("released", repr(v))

    def test_derived_survive(self):
        v, _ = self.pair(range(8))
        s = v[2:6]
        c = v.cast("h")
        v.release()
        self.assertEqual(s.tolist(), [2, 3, 4, 5])
        self.assertEqual(c.nbytes, 8)
        s[0] = 42
        self.assertEqual(c.cast("B")[2], 42)

    def test_exports(self):
        v, m = self.pair(range(8))
        for x in (v, m):
            # PickleBuffer holds a Py_buffer of x, as NumPy would.
            e1 = pickle.PickleBuffer(x)
            e2 = pickle.PickleBuffer(x)
            self.assertEqual(outcome(lambda y: y.release(), x),
                             ("err", BufferError,
                              "memoryview has 2 exported buffers"))
            e2.release()
            self.assertEqual(outcome(lambda y: y.release(), x),
                             ("err", BufferError,
                              "memoryview has 1 exported buffer"))
            e1.release()
            x.release()

    def test_context_manager(self):
        v, m = self.pair(range(8))
        with v as x, m as y:
            self.assertIs(x, v)
            self.assertIs(y, m)
            self.assertEqual(x.tolist(), y.tolist())
        self.assertTrue(v.released)
        self.assertEqual(outcome(len, v), outcome(len, m))
        v, m = self.pair(range(8))
        for x in (v, m):
            with self.assertRaises(BufferError):
                with x:
                    e = pickle.PickleBuffer(x)
            e.release()


class TestCompare(Base):
    def test_eq(self):
        d = self.derived()
        others = [b"", bytes(range(1, 25)), bytearray(range(1, 25)),
                  memoryview(bytes(range(1, 25))).cast("h"), 5, "x", None,
                  array.array("B", range(1, 25)), [1, 2]]
        for name, v, m in d:
            with self.subTest(view=name):
                self.assertEqual(v == v, m == m)
                self.assertTrue(v == m)
                self.assertFalse(v != m)
                for _, v2, m2 in d:
                    if m2 is m:
                        continue
                    self.assertEqual(v == v2, m == m2, (name, _))
                    self.assertEqual(v != m2, m != m2)
                for o in others:
                    self.assertEqual(v == o, m == o, o)
                    self.assertEqual(v != o, m != o, o)
                    self.assertEqual(o == v, o == m, o)

    def test_nan(self):
        v, m = self.pair(struct.pack("d", float("nan")), "d")
        self.assertTrue(v == v)
        self.assertEqual(v == m, m == memoryview(struct.pack(
            "d", float("nan"))).cast("d"))

    def test_released(self):
        v, m = self.pair(range(4))
        w, n = self.pair(range(4))
        self.assertTrue(v == w)
        w.release()
        n.release()
        self.assertEqual(v == w, m == n)
        self.assertEqual(w == w, n == n)
        self.assertEqual(w == v, n == m)
        self.assertEqual(w != v, n != m)

    def test_ordering_and_hash(self):
        v, m = self.pair(range(4))
        for op in ("__lt__", "__le__", "__gt__", "__ge__"):
            self.assertIs(getattr(v, op)(m), NotImplemented)
        with self.assertRaises(TypeError):
            v < m  # noqa: B015
        # memoryview's hash: read-only byte formats hash as their bytes
        # (once: later changes by other processes are not seen).
        self.same(v, m, hash)
        b = memoryview(bytes(range(4)))     # a hashable exporter
        for fmt in ("B", "b", "c", "h"):
            self.same(v.toreadonly().cast(fmt), b.cast(fmt), hash)
        self.assertEqual(hash(v.toreadonly()), hash(bytes(range(4))))
        r = v.toreadonly()
        h = hash(r)
        r.release()
        self.assertEqual(hash(r), h)
        r = v.toreadonly()
        r.release()
        with self.assertRaisesRegex(ValueError, "released"):
            hash(r)


class TestIteration(Base):
    def test_iter(self):
        for name, v, m in self.derived():
            with self.subTest(view=name):
                if m.ndim > 1:
                    continue  # NumPy's iteration: test-python-numpy.py
                self.same(v, m, lambda x: list(x))
                if m.ndim or PY312:  # 3.11: len() of 0-dim memory is 1
                    self.same(v, m, lambda x: list(reversed(x)))
        v, m = self.pair(range(4))
        it, jt = iter(v), iter(m)
        next(it), next(jt)
        v.release()
        m.release()
        self.assertEqual(outcome(next, it), outcome(next, jt))


if __name__ == "__main__":
    main()
