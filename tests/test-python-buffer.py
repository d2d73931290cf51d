# SPDX-License-Identifier: MIT
"""Every Py_buffer field a View exports, for every request, against memoryview.

CPython's _testbuffer.ndarray re-exports what PyObject_GetBuffer() handed
it (shape and strides NULL show as ()), so a View and a memoryview of the
same bytes and layout must give the same fields, or the same exception,
for each combination of PyBUF_SIMPLE / ND / STRIDES / C_, F_,
ANY_CONTIGUOUS / INDIRECT with FORMAT and WRITABLE.
"""
import unittest

from mviewtest import DaemonTestCase, main

try:
    import _testbuffer as tb
except ImportError:
    tb = None

BASES = ("SIMPLE", "ND", "STRIDES", "C_CONTIGUOUS", "F_CONTIGUOUS",
         "ANY_CONTIGUOUS", "INDIRECT")


def requests():
    for base in BASES:
        for fmt in (False, True):
            for writable in (False, True):
                flags = getattr(tb, "PyBUF_" + base)
                name = base
                if fmt:
                    flags |= tb.PyBUF_FORMAT
                    name += "|FORMAT"
                if writable:
                    flags |= tb.PyBUF_WRITABLE
                    name += "|WRITABLE"
                yield name, flags


def export(obj, flags):
    try:
        nd = tb.ndarray(obj, getbuf=flags)
    except Exception as e:  # noqa: BLE001 - the exception is the result
        return ("error", type(e), str(e))
    fields = (nd.ndim, nd.shape, nd.strides, nd.suboffsets, nd.format,
              nd.itemsize, nd.nbytes, nd.readonly, nd.c_contiguous,
              nd.f_contiguous, nd.contiguous, nd.tobytes())
    if nd.format:
        fields += (nd.tolist(),)
    return fields


@unittest.skipIf(tb is None, "this Python has no _testbuffer")
class BufferFieldsTest(DaemonTestCase):

    def pair(self, data):
        """A 1-D 'B' View and memoryview over the same bytes."""
        v = self.alloc(len(data))
        v[:] = data
        return v, memoryview(bytearray(data))

    def check(self, v, m):
        self.assertEqual((v.format, v.shape, v.strides),
                         (m.format, m.shape, m.strides))
        for name, flags in requests():
            with self.subTest(layout=(v.format, v.shape, v.strides,
                                      v.readonly), request=name):
                self.assertEqual(export(v, flags), export(m, flags))

    def layouts(self):
        data = bytes(range(1, 49))
        v, m = self.pair(data)
        yield v, m                                      # 1-D bytes
        yield v[::3], m[::3]                            # strided
        yield v[::-2], m[::-2]                          # negative stride
        yield v[:0], m[:0]                              # empty
        yield v[:1].cast("B", []), m[:1].cast("B", [])  # 0-dim
        yield v[:8].cast("d", []), m[:8].cast("d", [])  # 0-dim double
        yield v.cast("i"), m.cast("i")
        yield v.cast("h", [4, 6]), m.cast("h", [4, 6])  # C order
        yield (v.cast("h", [4, 6])[::2], m.cast("h", [4, 6])[::2])
        yield v.toreadonly(), m.toreadonly()
        yield (v.cast("B", [2, 3, 8]).toreadonly(),
               m.cast("B", [2, 3, 8]).toreadonly())

    def test_fields_match_memoryview(self):
        for v, m in self.layouts():
            self.check(v, m)

    def test_fortran_order(self):
        v, _ = self.pair(bytes(range(1, 13)))
        c = v.cast("h", [2, 3])
        t = c.T                              # Fortran order, (3, 2)
        items = [x for row in c.tolist() for x in row]  # memory order
        nd = tb.ndarray(items, shape=[3, 2], format="h",
                        flags=tb.ND_FORTRAN | tb.ND_WRITABLE)
        self.check(t, memoryview(nd))

    def test_zero_dim_scalar_consumer(self):
        # shape and strides must be NULL for ndim 0 (it used to abort)
        v, _ = self.pair(b"abcdef")
        z = v[:1].cast("B", [])
        nd = tb.ndarray(z, getbuf=tb.PyBUF_ND | tb.PyBUF_FORMAT)
        self.assertEqual((nd.ndim, nd.shape, nd.strides, nd.tolist()),
                         (0, (), (), 97))


if __name__ == "__main__":
    main()
