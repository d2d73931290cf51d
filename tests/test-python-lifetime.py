# SPDX-License-Identifier: MIT
"""Lifetimes: the memory stays mapped while any export is alive (a
memoryview, a NumPy array, a DLPack capsule, an __array_interface__
address), whatever happens to the view, its segment or its client; and it
is unmapped when the last one goes."""
import gc
import unittest
import weakref

import mview
from mviewtest import DaemonTestCase, main, numpy as np


def mapped(addr):
    """Whether addr lies in one of this process's mappings."""
    with open("/proc/self/maps") as f:
        for line in f:
            lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
            if lo <= addr < hi:
                return True
    return False


class Base(DaemonTestCase):
    def make(self, size=4096):
        """A segment of its own (so its mapping is not shared with other
        tests' views) filled with a pattern, and a view over it."""
        seg = self.segment(size)
        v = seg.view()
        v[:] = bytes(i % 251 for i in range(size))
        return seg, v

    @staticmethod
    def address(v):
        m = memoryview(v)
        try:
            import ctypes
            return ctypes.addressof(ctypes.c_char.from_buffer(m)) \
                if not m.readonly else None
        finally:
            m.release()

    def need_numpy(self):
        if np is None:
            self.skipTest("NumPy is not installed")


class TestRelease(Base):
    def test_release_with_exports(self):
        _, v = self.make()
        m = memoryview(v)
        with self.assertRaisesRegex(BufferError,
                                    "^memoryview has 1 exported buffer$"):
            v.release()
        self.assertFalse(v.released)
        m.release()
        v.release()
        self.assertTrue(v.released)

    def test_release_with_numpy_export(self):
        self.need_numpy()
        _, v = self.make()
        a = np.asarray(v)
        with self.assertRaises(BufferError):
            v.release()
        del a
        gc.collect()
        v.release()

    def test_memoryview_outlives_view_object(self):
        _, v = self.make()
        m = memoryview(v)[10:20]
        ref = weakref.ref(v)
        del v
        gc.collect()
        self.assertIsNotNone(ref())  # the export holds the View
        self.assertEqual(m[0], 10)
        m.release()

    def test_unmapped_at_the_end(self):
        seg, v = self.make()
        addr = self.address(v)
        self.assertTrue(mapped(addr))
        s = v[100:200]
        v.release()
        seg.close()
        self.c.close()
        self.assertTrue(mapped(addr))  # the slice still holds it
        self.assertEqual(s[0], 100 % 251)
        del s
        gc.collect()
        self.assertFalse(mapped(addr))


class TestNumPy(Base):
    def test_array_outlives_release_and_close(self):
        self.need_numpy()
        seg, v = self.make()
        addr = self.address(v)
        a = np.asarray(v[8:16])      # exported from a temporary slice
        v.release()
        seg.close()
        self.c.close()
        self.assertEqual(a.tolist(), list(range(8, 16)))
        a[0] = 99                    # still mapped read-write
        self.assertEqual(a[0], 99)
        self.assertTrue(mapped(addr))
        del a
        gc.collect()
        self.assertFalse(mapped(addr))

    def test_dlpack_outlives_release_and_close(self):
        self.need_numpy()
        seg, v = self.make()
        addr = self.address(v)
        a = np.from_dlpack(v.cast("B", [16, 256]))
        v.release()                  # no BufferError: DLPack holds its own
        seg.close()
        self.c.close()
        self.assertEqual(int(a[1, 0]), 256 % 251)
        self.assertTrue(mapped(addr))
        del a
        gc.collect()
        self.assertFalse(mapped(addr))

    def test_unconsumed_capsule(self):
        seg, v = self.make()
        addr = self.address(v)
        cap = v.__dlpack__()
        v.release()
        seg.close()
        self.assertTrue(mapped(addr))
        del cap
        gc.collect()
        self.assertFalse(mapped(addr))

    def test_array_interface_defers_unmap(self):
        seg, v = self.make()
        addr = v.__array_interface__["data"][0]
        v.release()                  # the raw address may still be in use
        seg.close()
        self.assertTrue(mapped(addr))
        with self.assertRaises(ValueError):
            v.__array_interface__
        del v
        gc.collect()
        self.assertFalse(mapped(addr))

    def test_array_interface_consumer(self):
        self.need_numpy()
        seg, v = self.make()

        class Holder:
            pass

        h = Holder()
        h.__array_interface__ = v.__array_interface__
        h.keep = v
        a = np.asarray(h)
        del h
        v.release()
        seg.close()
        self.c.close()
        self.assertEqual(int(a[5]), 5)


class TestHandles(Base):
    def test_segment_close(self):
        seg, v = self.make()
        seg.close()
        seg.close()
        self.assertTrue(seg.closed)
        self.assertEqual(v[3], 3)
        with self.assertRaisesRegex(ValueError, "closed segment"):
            seg.view()
        self.assertIsInstance(seg.name, str)  # cached attributes stay
        self.assertIs(v.segment, seg)

    def test_client_close(self):
        seg, v = self.make()
        self.c.close()
        self.c.close()
        self.assertTrue(self.c.closed)
        for f in (lambda: self.c.status(), lambda: self.c.open("x"),
                  lambda: self.c.create("x", 1), lambda: self.c.segments(),
                  lambda: self.c.fileno(), lambda: self.c.watch()):
            with self.assertRaisesRegex(ValueError, "closed mview client"):
                f()
        self.assertEqual(v[7], 7)
        w = seg.view("h")
        w[0] = -1
        self.assertEqual(v[0], 255)
        self.assertIn("closed", repr(self.c))

    def test_context_managers(self):
        with self.daemon.connect() as c:
            with c.create(self.name(), 16, lifetime="session") as seg:
                with seg.view() as v:
                    v[0] = 1
                    s = v[0:2]
                self.assertTrue(v.released)
            self.assertTrue(seg.closed)
            self.assertEqual(s[0], 1)
        self.assertTrue(c.closed)

    def test_weakrefs(self):
        seg, v = self.make()
        for obj in (seg, v, self.c):
            self.assertIs(weakref.ref(obj)(), obj)

    def test_looked_up_segment(self):
        seg, v = self.make()
        name = self.name("view")
        self.c.publish(name, v[16:32])
        other = self.daemon.connect()
        self.addCleanup(other.close)
        w = other.lookup(name)
        self.assertTrue(w.readonly)
        s = w.segment
        self.assertEqual(s.id, seg.id)
        self.assertIs(w.obj, s)
        self.assertTrue(s.readonly)
        self.assertEqual(w[0], 16)


if __name__ == "__main__":
    main()
