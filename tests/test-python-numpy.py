# SPDX-License-Identifier: MIT
"""Beyond memoryview: NumPy basic indexing, transpose, reshape, and the
zero-copy exports (buffer protocol, DLPack, __array_interface__), each
checked against NumPy itself."""
import ctypes
import struct
import sys
import unittest

import mview
from mviewtest import DaemonTestCase, main, need_numpy, numpy as np

NP_VERSION = tuple(int(x) for x in np.__version__.split(".")[:2]) if np else ()


def np_outcome(f, *args):
    try:
        r = f(*args)
    except Exception as e:  # noqa: BLE001
        return ("err", type(e), str(e))
    return ("ok", r)


class Base(DaemonTestCase):
    @classmethod
    def setUpClass(cls):
        need_numpy()
        super().setUpClass()

    def pair(self, n, shape, dtype=None):
        """A writable View over arange(n) bytes, cast to shape, and the
        NumPy array of the same bytes (a copy) with the same shape."""
        dtype = np.dtype(dtype or np.uint8)
        data = np.arange(n, dtype=dtype).tobytes()
        v = self.alloc(len(data))
        v[:] = data
        v = v.cast(dtype.char, list(shape))
        a = np.frombuffer(bytearray(data), dtype=dtype).reshape(shape)
        return v, a

    def assert_same_class(self, got, want):
        """The same exception class, mview.AxisError standing for NumPy's
        (both a ValueError and an IndexError)."""
        if want.__name__ == "AxisError":
            self.assertIs(got, mview.AxisError)
        else:
            self.assertTrue(issubclass(got, want), (got, want))

    def assert_like(self, got, want, msg=None):
        """A View (or scalar) equal to a NumPy result: values, shape,
        strides."""
        if isinstance(got, mview.View):
            g = np.asarray(got)
            self.assertEqual(g.shape, want.shape, msg)
            self.assertEqual(g.strides, want.strides, msg)
            self.assertEqual(got.shape, want.shape, msg)
            self.assertEqual(got.strides, want.strides, msg)
            self.assertTrue(np.array_equal(g, want), msg)
        else:
            self.assertNotIsInstance(want, np.ndarray, msg)
            self.assertEqual(got, want, msg)


class TestDtypes(Base):
    """NumPy's dtypes, dtype names and typestrs as View formats, both ways
    through the buffer protocol."""

    CASES = [  # (what the user passes, the View's format, the dtype)
        (np.float32 if np else None, "f", "float32"),
        ("float32", "f", "float32"),
        ("<f4", "f", "float32"),
        ("Zf", "Zf", "complex64"),
        ("complex64", "Zf", "complex64"),
        (np.dtype("complex128") if np else None, "Zd", "complex128"),
        (">f4", ">f", ">f4"),
        (">i2", ">h", ">i2"),
        ("int64", "l", "int64"),
        (np.uint16 if np else None, "H", "uint16"),
        ("bool", "?", "bool"),
        ("|u1", "B", "uint8"),
        ("f2", "e", "float16"),
        ("=f", "=f", "float32"),
    ]

    def test_formats(self):
        seg = self.segment(64)
        for arg, fmt, dtype in self.CASES:
            with self.subTest(format=arg):
                v = seg.view(arg)
                dt = np.dtype(dtype)
                self.assertEqual(v.format, fmt)
                self.assertEqual(v.itemsize, dt.itemsize)
                self.assertEqual(v.shape, (64 // dt.itemsize,))
                self.assertEqual(v.dtype, dt)
                a = np.asarray(v)           # buffer protocol, View -> NumPy
                self.assertEqual(a.dtype, dt)
                src = np.arange(a.size).astype(dt)
                a[...] = src
                self.assertTrue(np.array_equal(np.asarray(v), src))
                b = np.zeros(a.size, dtype=dt)
                np.asarray(v)[...] = b      # and back, through the View
                memoryview(v).cast("B")[:] = memoryview(b).cast("B")
                self.assertTrue(np.array_equal(np.asarray(v), b))

    def test_complex_values(self):
        seg = self.segment(32)
        v = seg.view(np.complex64)
        v[...] = np.array([1 + 2j, 3 - 4j, 0, -1j], dtype=np.complex64)
        self.assertEqual(np.asarray(v).tolist(), [1 + 2j, 3 - 4j, 0, -1j])
        self.assertEqual(v.__array_interface__["typestr"], "<c8")
        self.assertEqual(np.from_dlpack(v).dtype, np.complex64)

    def test_bad_formats(self):
        seg = self.segment(64)
        for bad in ("<f3", "w", "M8", np.dtype([("a", "i4")])):
            with self.subTest(format=bad), self.assertRaises(ValueError):
                seg.view(bad)
        with self.assertRaises(BufferError):
            seg.view(">f4").__dlpack__()    # DLPack has no byte order

    def test_publish_lookup_keep_format(self):
        seg = self.segment(64)
        name = self.name("view")
        self.c.publish(name, seg.view("<c8", shape=[2, 2]))
        w = self.c.lookup(name)
        self.assertEqual((w.format, w.shape, w.dtype),
                         ("Zf", (2, 2), np.dtype("complex64")))


class TestShare(Base):
    def test_share(self):
        a = np.arange(24, dtype=np.float32).reshape(4, 6)
        for src in (a, a[::2, 1::2], a.T, np.complex64(1 + 2j),
                    np.arange(5, dtype=">i2"), a[:0]):
            with self.subTest(shape=np.shape(src), dtype=np.asarray(src).dtype):
                name = self.name("shared")
                v = self.c.share(src, name, mode=0o640, lifetime="session")
                self.addCleanup(self.c.delete, name)
                want = np.asarray(src)
                self.assertEqual(v.shape, want.shape)
                self.assertTrue(v.c_contiguous)
                self.assertTrue(np.array_equal(np.asarray(v), want))
                self.assertEqual(self.c.stat(name).mode & 0o777, 0o640)
                w = self.c.lookup(name)
                self.assertTrue(np.array_equal(np.asarray(w), want))
                self.assertEqual(w.dtype, want.dtype)

    def test_share_failure_leaves_nothing(self):
        name = self.name("shared")
        with self.assertRaises(ValueError):
            self.c.share(np.zeros(3, dtype=[("a", "i4")]), name)
        with self.assertRaises(mview.NotFoundError):
            self.c.stat(name)
        with self.assertRaises(TypeError):
            self.c.share(object(), name)
        self.c.share(np.zeros(2), name, lifetime="session")
        self.addCleanup(self.c.delete, name)
        with self.assertRaises(mview.ExistsError):
            self.c.share(np.zeros(2), name)


class TestIndexing(Base):
    KEYS = [
        (0, 0), (1, slice(None)), (slice(None), 1), (slice(None, None, -1),),
        (slice(None, None, -1), slice(1, None, 2)), (1, slice(None, None, -2)),
        (Ellipsis, 0), (0, Ellipsis), (Ellipsis,), Ellipsis,
        (slice(None), slice(None)), (slice(1, 3), slice(0, 4, 3)),
        (slice(5, 1, -1), slice(None, None, -3)), (-1, Ellipsis, -1),
        slice(1, 2), 1, -1, (slice(None),), (),
        (0, 0, 0), (3, 0), (0, 4), (-4, 0), (0, -5), (Ellipsis, Ellipsis),
        (slice(None, None, 0), 0), (0, slice(None, None, 0)),
        (Ellipsis, slice(None), slice(None), slice(None)),
        (slice(2**100, None), 0), (0, 2**62),
    ]

    def check(self, shape, keys):
        n = int(np.prod(shape))
        for key in keys:
            v, a = self.pair(n, shape)
            with self.subTest(shape=shape, key=key):
                want = np_outcome(lambda: a[key])
                got = np_outcome(lambda: v[key])
                if (isinstance(key, tuple) and len(key) > len(shape) and
                        all(isinstance(k, int) for k in key)):
                    # memoryview answers: TypeError "cannot index ..."
                    self.assertEqual(got[:2], ("err", TypeError), got)
                    continue
                if want[0] == "err":
                    self.assertEqual(got[0], "err", got)
                    self.assertTrue(issubclass(got[1], want[1]), (got, want))
                    continue
                self.assertEqual(got[0], "ok", got)
                self.assert_like(got[1], want[1])
                if isinstance(got[1], mview.View):
                    self.assertTrue(np.shares_memory(np.asarray(got[1]),
                                                     np.asarray(v))
                                    or got[1].nbytes == 0)

    def test_2d(self):
        self.check((3, 4), self.KEYS)

    def test_3d(self):
        self.check((2, 3, 4), self.KEYS + [
            (1, slice(None), -1), (slice(None), 1, slice(None, None, -1)),
            (Ellipsis, 1, 2), (1, Ellipsis, 2)])

    def test_1d_beyond(self):
        self.check((12,), [(Ellipsis,), Ellipsis, (slice(None, None, -2),),
                           (Ellipsis, 3), (3, Ellipsis), (slice(1, 5),),
                           (0, 0), ()])

    def test_known_checks(self):
        m, _ = self.pair(12, (3, 4))
        self.assertEqual(m[::-1, 1::2].strides, (-4, 2))
        self.assertEqual(m.T.strides, (1, 4))
        self.assertEqual(m[1, ::-2].tolist(), [7, 5])

    def test_iteration(self):
        v, a = self.pair(24, (2, 3, 4))
        rows = list(v)
        self.assertEqual(len(rows), 2)
        for r, ar in zip(rows, a):
            self.assert_like(r, ar)
        with self.assertRaisesRegex(TypeError, "0-dim"):
            iter(v[0, 0, 0:1].cast("B", []))


class TestShapes(Base):
    def test_transpose(self):
        for perm in [None, (1, 0, 2), (2, 0, 1), (0, 1, 2), (-1, 0, 1),
                     (0, 1), (0, 0, 1), (0, 1, 3), (0, 1, 2, 3)]:
            v, a = self.pair(24, (2, 3, 4))
            with self.subTest(perm=perm):
                want = np_outcome(lambda: a.transpose(perm))
                got = np_outcome(lambda: v.transpose(perm))
                if want[0] == "err":
                    self.assertEqual(got[:1], ("err",), got)
                    self.assert_same_class(got[1], want[1])
                    self.assertEqual(got[2], want[2])
                    continue
                self.assert_like(got[1], want[1])
                if perm is not None:
                    self.assert_like(v.transpose(*perm), a.transpose(*perm))
        v, a = self.pair(24, (2, 3, 4))
        self.assert_like(v.T, a.T)
        self.assert_like(v.transpose(), a.transpose())
        self.assertEqual(v.T.offset, v.offset)

    def test_reshape(self):
        for shape in [(4, 6), (24,), (2, -1), (-1,), (2, 3, 4), (1, 24, 1),
                      (5, 5), (-1, -1), (2, 12, -1), (0, -1), (-1, 5)]:
            v, a = self.pair(24, (4, 6))
            with self.subTest(shape=shape):
                want = np_outcome(lambda: a.reshape(shape))
                got = np_outcome(lambda: v.reshape(shape))
                if want[0] == "err":
                    self.assertEqual(got[:1], ("err",), got)
                    self.assert_same_class(got[1], want[1])
                    self.assertEqual(got[2], want[2])
                    continue
                self.assert_like(got[1], want[1])
                self.assert_like(v.reshape(*shape), a.reshape(*shape))
        v, a = self.pair(24, (4, 6))
        with self.assertRaises(TypeError):
            v[:, :3].reshape(12)          # NumPy would have to copy
        self.assert_like(v[:, ::2].reshape(12), a[:, ::2].reshape(12))

    def test_half_and_big_formats(self):
        for dt in (np.int16, np.uint32, np.float64, np.float16, np.int64):
            v, a = self.pair(12, (3, 4), dt)
            with self.subTest(dtype=dt):
                self.assert_like(v[::-1, 1::2], a[::-1, 1::2])
                self.assert_like(v.T[1], a.T[1])


class TestStores(Base):
    def test_nd_slice_assignment(self):
        cases = [
            ((1,), np.full(4, 7, np.uint8)),
            ((slice(None), 1), np.array([9, 8, 7], np.uint8)),
            ((slice(None, None, -1), slice(1, None, 2)),
             np.arange(6, dtype=np.uint8).reshape(3, 2)),
            ((Ellipsis, 0), np.array([5, 6, 7], np.uint8)),
            ((slice(None), slice(None)), np.zeros((3, 4), np.uint8)),
        ]
        for key, src in cases:
            v, a = self.pair(12, (3, 4))
            with self.subTest(key=key):
                v[key] = src
                a[key] = src
                self.assertTrue(np.array_equal(np.asarray(v), a))

    def test_nd_structure_mismatch(self):
        v, _ = self.pair(12, (3, 4))
        with self.assertRaisesRegex(ValueError, "different structures"):
            v[1] = np.zeros(3, np.uint8)
        with self.assertRaisesRegex(ValueError, "different structures"):
            v[1] = np.zeros(4, np.int16)

    def test_fill(self):
        for key in [(Ellipsis, 0), (1,), (slice(None), slice(None, None, 2)),
                    (0, slice(None))]:
            v, a = self.pair(12, (3, 4))
            with self.subTest(key=key):
                v[key] = 42
                a[key] = 42
                self.assertTrue(np.array_equal(np.asarray(v), a))
        v, _ = self.pair(12, (3, 4))
        with self.assertRaisesRegex(ValueError, "invalid value"):
            v[1] = 300

    def test_overlap(self):
        v, a = self.pair(12, (3, 4))
        v[1:] = v[:2]
        a[1:] = a[:2].copy()
        self.assertTrue(np.array_equal(np.asarray(v), a))


FORMATS = {
    "b": np.int8, "B": np.uint8, "?": np.bool_, "h": np.int16,
    "H": np.uint16, "e": np.float16, "i": np.int32, "I": np.uint32,
    "f": np.float32, "l": np.int64, "L": np.uint64, "q": np.int64,
    "Q": np.uint64, "n": np.int64, "N": np.uint64, "d": np.float64,
} if np else {}


class TestBufferExport(Base):
    def test_asarray_formats(self):
        for fmt, dt in FORMATS.items():
            v = self.alloc(24).cast(fmt)
            with self.subTest(fmt=fmt):
                if fmt in "nN" and NP_VERSION < (2, 0):
                    # NumPy 1.x's PEP 3118 parser lacks 'n' and 'N'.
                    with self.assertRaises(ValueError):
                        np.asarray(v)
                    continue
                a = np.asarray(v)
                self.assertEqual(a.dtype, np.dtype(dt))
                self.assertEqual(a.shape, v.shape)
                self.assertTrue(a.flags.writeable)
                a[1] = 1
                self.assertEqual(v[1], 1)

    def test_readonly(self):
        v = self.alloc(12).cast("B", [3, 4]).toreadonly()
        a = np.asarray(v)
        self.assertFalse(a.flags.writeable)
        with self.assertRaises(ValueError):
            a[0, 0] = 1

    def test_zero_copy_strided(self):
        v, _ = self.pair(24, (4, 6))
        sub = v[1:3, ::-2]
        a = np.asarray(sub)
        self.assertEqual(a.strides, sub.strides)
        self.assertEqual(a.__array_interface__["data"][0],
                         sub.__array_interface__["data"][0])
        v[1, 5] = 200
        self.assertEqual(a[0, 0], 200)


class TestDLPack(Base):
    def test_device(self):
        v = self.alloc(8)
        self.assertEqual(v.__dlpack_device__(), (1, 0))

    def test_from_dlpack_writable(self):
        v, _ = self.pair(24, (4, 6))
        sub = v[::2, 1::2]
        a = np.from_dlpack(sub)
        self.assertEqual(a.strides, sub.strides)
        self.assertTrue(np.array_equal(a, np.asarray(sub)))
        sub[0, 0] = 77
        self.assertEqual(a[0, 0], 77)
        dts = [np.int16, np.float32, np.float64, np.uint64, np.float16]
        if NP_VERSION >= (1, 25):  # kDLBool
            dts.append(np.bool_)
        for dt in dts:
            v, _ = self.pair(8, (2, 4), dt if dt is not np.bool_ else None)
            if dt is np.bool_:
                v = v.cast("B").cast("?", [2, 4])
            with self.subTest(dtype=dt):
                self.assertEqual(np.from_dlpack(v).dtype, np.dtype(dt))

    def test_readonly_legacy_refused(self):
        v = self.alloc(8).toreadonly()
        with self.assertRaises(BufferError):
            v.__dlpack__()
        with self.assertRaises(BufferError):
            v.__dlpack__(max_version=(0, 8))
        if NP_VERSION >= (2, 1):
            a = np.from_dlpack(v)  # NumPy asks for the versioned capsule
            self.assertFalse(a.flags.writeable)
        else:
            with self.assertRaises(BufferError):
                np.from_dlpack(v)

    def test_bad_exports(self):
        seg = self.segment(64)
        with self.assertRaises(BufferError):
            seg.view("h", shape=[3], strides=[3]).__dlpack__()
        for fmt in ("c", "P"):
            with self.assertRaises(BufferError):
                seg.view(fmt).__dlpack__()
        with self.assertRaises(ValueError):
            seg.view().__dlpack__(stream=1)
        with self.assertRaises(BufferError):
            seg.view().__dlpack__(dl_device=(2, 0))
        self.assertIsNotNone(seg.view().__dlpack__(dl_device=(1, 0)))


# The versioned capsule, read through ctypes as a consumer would.
class DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int), ("device_id", ctypes.c_int32)]


class DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8),
                ("lanes", ctypes.c_uint16)]


class DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", DLDevice),
                ("ndim", ctypes.c_int32), ("dtype", DLDataType),
                ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("strides", ctypes.POINTER(ctypes.c_int64)),
                ("byte_offset", ctypes.c_uint64)]


class DLManagedTensorVersioned(ctypes.Structure):
    pass


DELETER = ctypes.CFUNCTYPE(None, ctypes.POINTER(DLManagedTensorVersioned))
DLManagedTensorVersioned._fields_ = [
    ("major", ctypes.c_uint32), ("minor", ctypes.c_uint32),
    ("manager_ctx", ctypes.c_void_p), ("deleter", DELETER),
    ("flags", ctypes.c_uint64), ("dl_tensor", DLTensor)]

capi = ctypes.pythonapi
capi.PyCapsule_GetPointer.restype = ctypes.c_void_p
capi.PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
capi.PyCapsule_SetName.argtypes = [ctypes.py_object, ctypes.c_char_p]
capi.PyCapsule_IsValid.argtypes = [ctypes.py_object, ctypes.c_char_p]


class TestVersionedCapsule(Base):
    def consume(self, cap):
        p = capi.PyCapsule_GetPointer(cap, b"dltensor_versioned")
        return ctypes.cast(p, ctypes.POINTER(DLManagedTensorVersioned))

    def test_readonly_flag(self):
        v, _ = self.pair(24, (4, 6), np.int16)
        sub = v[1:, ::-2].toreadonly()
        cap = sub.__dlpack__(max_version=(1, 0))
        self.assertTrue(capi.PyCapsule_IsValid(cap, b"dltensor_versioned"))
        m = self.consume(cap).contents
        t = m.dl_tensor
        self.assertEqual((m.major, m.minor), (1, 0))
        self.assertEqual(m.flags & 1, 1)        # READ_ONLY
        self.assertEqual(m.flags & 2, 0)        # not IS_COPIED
        self.assertEqual((t.device.device_type, t.device.device_id), (1, 0))
        self.assertEqual((t.dtype.code, t.dtype.bits, t.dtype.lanes),
                         (0, 16, 1))
        self.assertEqual(t.ndim, 2)
        self.assertEqual([t.shape[i] for i in range(2)], list(sub.shape))
        self.assertEqual([t.strides[i] * 2 for i in range(2)],
                         list(sub.strides))
        self.assertEqual(t.byte_offset, 0)
        self.assertEqual(t.data, sub.__array_interface__["data"][0])
        # Consume it: the capsule no longer owns it; the deleter frees it.
        capi.PyCapsule_SetName(cap, b"used_dltensor_versioned")
        sub.release()
        v.release()
        self.assertEqual(ctypes.c_int16.from_address(t.data).value, 11)
        m.deleter(ctypes.pointer(m))

    def test_writable_and_unconsumed(self):
        v, _ = self.pair(8, (8,))
        cap = v.__dlpack__(max_version=(1, 3))
        m = self.consume(cap).contents
        self.assertEqual(m.flags, 0)
        del cap  # never consumed: the capsule's destructor frees it

    def test_copy(self):
        v, _ = self.pair(12, (3, 4))
        sub = v[:, ::2].toreadonly()
        cap = sub.__dlpack__(max_version=(1, 0), copy=True)
        m = self.consume(cap).contents
        self.assertEqual(m.flags, 2)
        self.assertNotEqual(m.dl_tensor.data, sub.__array_interface__["data"][0])
        buf = ctypes.string_at(m.dl_tensor.data, 6)
        self.assertEqual(buf, sub.tobytes())
        legacy = sub.__dlpack__(copy=True)  # a private copy may be legacy
        self.assertTrue(capi.PyCapsule_IsValid(legacy, b"dltensor"))


class TestArrayInterface(Base):
    TYPESTR = {"b": "|i1", "B": "|u1", "?": "|b1", "c": "|S1", "h": "<i2",
               "H": "<u2", "e": "<f2", "i": "<i4", "I": "<u4", "f": "<f4",
               "l": "<i8", "L": "<u8", "q": "<i8", "Q": "<u8", "n": "<i8",
               "N": "<u8", "P": "<u8", "d": "<f8"}

    def test_typestr(self):
        if sys.byteorder != "little":
            self.skipTest("typestr table is for little-endian machines")
        for fmt, ts in self.TYPESTR.items():
            v = self.alloc(16).cast(fmt)
            with self.subTest(fmt=fmt):
                ai = v.__array_interface__
                self.assertEqual(ai["typestr"], ts)
                self.assertEqual(ai["version"], 3)
                self.assertEqual(ai["shape"], v.shape)
                self.assertIsNone(ai["strides"])

    def test_round_trip(self):
        v, a = self.pair(24, (4, 6))

        class Holder:
            def __init__(self, obj):
                self.__array_interface__ = obj.__array_interface__
                self.obj = obj

        for key in [(slice(None),), (slice(None, None, -1), slice(1, None, 2))]:
            sub = v[key]
            ai = sub.__array_interface__
            with self.subTest(key=key):
                if not sub.c_contiguous:
                    self.assertEqual(ai["strides"], sub.strides)
                self.assertEqual(ai["data"], (
                    np.asarray(sub).__array_interface__["data"][0], False))
                b = np.asarray(Holder(sub))
                self.assertTrue(np.array_equal(b, a[key]))
        ro = v.toreadonly()
        self.assertTrue(ro.__array_interface__["data"][1])


if __name__ == "__main__":
    main()
