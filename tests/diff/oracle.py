# SPDX-License-Identifier: MIT
"""The oracle of the differential test: CPython's memoryview, NumPy beyond it.

Views are plain descriptors (buffer, offset, format, itemsize, readonly,
shape, strides). Each operation builds the real memoryview
(PyMemoryView_FromBuffer over the very same bytes) or a NumPy array
(__array_interface__, dtype V<itemsize>) from the descriptor, applies the
operation, and reads the resulting descriptor back, so every answer comes
from CPython or NumPy themselves. mview follows CPython 3.12, where 'e' is
a native format; on 3.11 'e' views run as an 'H' twin whose values are
converted with struct (same C code: PyFloat_Pack2 / PyFloat_Unpack2).
"""
import ctypes
import json
import struct
import sys
from collections import namedtuple

import numpy as np

Desc = namedtuple('Desc', 'buf offset fmt isz ro shape strides')

HALF_NATIVE = sys.version_info >= (3, 12)


class Py_buffer(ctypes.Structure):
    _fields_ = [('buf', ctypes.c_void_p), ('obj', ctypes.c_void_p),
                ('len', ctypes.c_ssize_t), ('itemsize', ctypes.c_ssize_t),
                ('readonly', ctypes.c_int), ('ndim', ctypes.c_int),
                ('format', ctypes.c_char_p),
                ('shape', ctypes.POINTER(ctypes.c_ssize_t)),
                ('strides', ctypes.POINTER(ctypes.c_ssize_t)),
                ('suboffsets', ctypes.POINTER(ctypes.c_ssize_t)),
                ('internal', ctypes.c_void_p)]


_from_buffer = ctypes.pythonapi.PyMemoryView_FromBuffer
_from_buffer.restype = ctypes.py_object
_from_buffer.argtypes = [ctypes.POINTER(Py_buffer)]
_get_buffer = ctypes.pythonapi.PyObject_GetBuffer
_get_buffer.argtypes = [ctypes.py_object, ctypes.POINTER(Py_buffer),
                        ctypes.c_int]
_release = ctypes.pythonapi.PyBuffer_Release
_release.argtypes = [ctypes.POINTER(Py_buffer)]
PyBUF_FULL_RO = 0x011c


_formats = {}


def cformat(fmt):
    """fmt as a C string that lives as long as the process."""
    if fmt not in _formats:
        _formats[fmt] = fmt.encode()
    return _formats[fmt]


def is_half(fmt):
    return fmt in ('e', '@e')


def twin(fmt):
    """The format the memoryview runs with ('e' as 'H' before 3.12)."""
    if is_half(fmt) and not HALF_NATIVE:
        return fmt.replace('e', 'H')
    return fmt


def half(bits):
    return struct.unpack('<e', struct.pack('<H', bits))[0]


def int64(x):
    """An address difference as the C side's wrapping int64 sees it."""
    return (x + 2 ** 63) % 2 ** 64 - 2 ** 63


def err_text(e):
    return '%s\t%s' % (type(e).__name__, e)


class Memory:
    """The buffers one sequence works on; addresses stay put."""

    def __init__(self):
        self.data = {}
        self.cbuf = {}
        self.size = {}

    def set(self, b, content):
        data = bytearray(content) if content else bytearray(1)
        self.data[b] = data
        self.cbuf[b] = (ctypes.c_char * len(data)).from_buffer(data)
        self.size[b] = len(content)

    def base(self, b):
        return ctypes.addressof(self.cbuf[b])

    def dump(self, b):
        return bytes(self.data[b][:self.size[b]]).hex()

    def mv(self, d, fmt=None):
        """The memoryview of d (over the buffer, not a copy)."""
        n = len(d.shape)
        fmt = cformat(twin(fmt if fmt is not None else d.fmt))
        shape = (ctypes.c_ssize_t * max(n, 1))(*d.shape)
        strides = (ctypes.c_ssize_t * max(n, 1))(*d.strides)
        nitems = 1
        for s in d.shape:
            nitems *= s
        pb = Py_buffer(buf=self.base(d.buf) + d.offset, obj=None,
                       len=nitems * d.isz, itemsize=d.isz,
                       readonly=int(d.ro), ndim=n, format=fmt,
                       shape=shape, strides=strides, suboffsets=None)
        return _from_buffer(ctypes.byref(pb))

    def desc_of_mv(self, b, mv, fmt):
        pb = Py_buffer()
        if _get_buffer(mv, ctypes.byref(pb), PyBUF_FULL_RO) < 0:
            raise RuntimeError('PyObject_GetBuffer failed')
        buf = pb.buf or 0
        _release(ctypes.byref(pb))
        return Desc(b, int64(buf - self.base(b)), fmt, mv.itemsize,
                    mv.readonly, tuple(mv.shape), tuple(mv.strides))

    def nd(self, d):
        """A NumPy array of opaque items over d's memory."""
        class Holder:
            pass
        h = Holder()
        h.__array_interface__ = {
            'shape': tuple(d.shape), 'typestr': '|V%d' % d.isz,
            'data': (self.base(d.buf) + d.offset, bool(d.ro)),
            'strides': tuple(d.strides), 'version': 3}
        return np.asarray(h)

    def desc_of_nd(self, b, a, fmt, ro):
        return Desc(b, int64(a.__array_interface__['data'][0] - self.base(b)),
                    fmt, a.itemsize, ro, tuple(a.shape), tuple(a.strides))

    def inside(self, b, a):
        addr = a.__array_interface__['data'][0]
        return self.base(b) <= addr <= self.base(b) + len(self.data[b])


def convert(fmt, x):
    """A value read through the twin, as the real format reads it."""
    if is_half(fmt) and not HALF_NATIVE:
        if isinstance(x, list):
            return [convert(fmt, y) for y in x]
        return half(x)
    return x


def jsonable(x):
    """The library's strict JSON: NaN and the infinities as strings."""
    if isinstance(x, list):
        return [jsonable(y) for y in x]
    if isinstance(x, bytes):
        return x.decode('latin-1')
    if isinstance(x, float) and x != x:
        return 'NaN'
    if isinstance(x, float) and x in (float('inf'), float('-inf')):
        return 'Infinity' if x > 0 else '-Infinity'
    return x


def value_repr(x):
    return repr(x)


def pack_half(value):
    """CPython 3.12's pack_single() for 'e'."""
    if isinstance(value, float):
        d = value
    elif isinstance(value, int):
        try:
            d = float(value)
        except OverflowError:
            raise ValueError("memoryview: invalid value for format 'e'")
    else:
        raise TypeError("memoryview: invalid type for format 'e'")
    try:
        return struct.pack('<e', d)
    except OverflowError:
        raise ValueError("memoryview: invalid value for format 'e'")


def equiv(a, b):
    """CPython's equiv_structure()."""
    fa = a.fmt[1:] if a.fmt.startswith('@') else a.fmt
    fb = b.fmt[1:] if b.fmt.startswith('@') else b.fmt
    if fa != fb or a.isz != b.isz or len(a.shape) != len(b.shape):
        return False
    for x, y in zip(a.shape, b.shape):
        if x != y:
            return False
        if x == 0:
            break
    return True


STRUCT_ERR = ("memoryview assignment: lvalue and rvalue have different "
              "structures")


class Oracle:
    def __init__(self, mem):
        self.m = mem

    # ------------------------------------------------------------ reading
    def show(self, d):
        mv = self.m.mv(d)
        head = 'desc %d %s %d %d %d' % (d.offset, d.fmt, d.isz, int(d.ro),
                                        len(d.shape))
        for x in d.shape + d.strides:
            head += ' %d' % x
        head += ' %d %d %d %d' % (mv.c_contiguous, mv.f_contiguous,
                                  mv.contiguous, mv.nbytes)
        try:
            lst = convert(d.fmt, mv.tolist())
            text, js = repr(lst), json.dumps(jsonable(lst))
        except Exception as e:
            text = js = '!%s %s' % (type(e).__name__, e)
        out = [head, text, js]
        for order in 'CFA':
            out.append('%s %s' % (order, mv.tobytes(order).hex()))
        return '\t'.join(out)

    def item(self, d, offset):
        """The element of d at offset, read as a 0-dim memoryview."""
        e = d._replace(offset=offset, shape=(), strides=())
        try:
            return 'item ' + value_repr(convert(d.fmt, self.m.mv(e)[()]))
        except Exception as ex:
            return 'err ' + err_text(ex)

    # ---------------------------------------------------------- subscript
    def deferred(self, d, e):
        """memoryview gave up where NumPy answers (VIEW-SPEC.md). An
        element of a format memoryview cannot read or write stays
        NotImplementedError: mview cannot either."""
        if isinstance(e, NotImplementedError):
            msg = str(e)
            return not (msg.startswith('memoryview: format ') and
                        msg.endswith(' not supported'))
        return (isinstance(e, TypeError) and len(d.shape) > 0 and
                str(e) == 'memoryview: invalid slice key')

    def np_sub(self, d, key):
        """NumPy's v[key]: ('view', Desc) or ('item', offset)."""
        a = self.m.nd(d)
        r = a[key]
        if isinstance(r, np.ndarray):
            return 'view', self.m.desc_of_nd(d.buf, r, d.fmt, d.ro)
        k = key if isinstance(key, tuple) else (key,)
        r = a[k + (Ellipsis,)]
        return 'item', int64(r.__array_interface__['data'][0] -
                             self.m.base(d.buf))

    def subscript(self, d, key, mvonly):
        """('view', Desc) | ('item', text) | ('err', text)."""
        mv = self.m.mv(d)
        try:
            r = mv[key]
            if isinstance(r, memoryview):
                return 'view', self.m.desc_of_mv(d.buf, r, d.fmt)
            return 'item', 'item ' + value_repr(convert(d.fmt, r))
        except Exception as e:
            if mvonly or not self.deferred(d, e):
                return 'err', 'err ' + err_text(e)
        try:
            kind, r = self.np_sub(d, key)
        except Exception as e:
            return 'err', 'err ' + err_text(e)
        if kind == 'item':
            return 'item', self.item(d, r)
        return 'view', r

    # ------------------------------------------------------------ derived
    def cast(self, d, fmt, shape):
        src = self.m.mv(d)
        try:
            if shape is None:
                r = src.cast(twin(fmt))
            else:
                r = src.cast(twin(fmt), shape)
        except Exception as e:
            return 'err', 'err ' + err_text(e)
        return 'view', self.m.desc_of_mv(d.buf, r, fmt)

    def transpose(self, d, perm):
        a = self.m.nd(d)
        try:
            r = a.transpose() if perm is None else a.transpose(perm)
        except Exception as e:
            return 'err', 'err ' + err_text(e)
        return 'view', self.m.desc_of_nd(d.buf, r, d.fmt, d.ro)

    def reshape(self, d, shape):
        a = self.m.nd(d)
        try:
            r = a.reshape(shape)
        except Exception as e:
            return 'err', 'err ' + err_text(e)
        if r.size > 0 and (not self.m.inside(d.buf, r) or r.flags.owndata):
            return 'err', ('err TypeError\tcannot reshape a non-contiguous '
                           'view without copying')
        return 'view', self.m.desc_of_nd(d.buf, r, d.fmt, d.ro)

    # ------------------------------------------------------------- stores
    def pack(self, fmt, value):
        """The bytes memoryview stores for value, or its exception."""
        if is_half(fmt):
            return pack_half(value)
        try:
            isz = max(struct.calcsize(fmt), 1)
        except struct.error:
            isz = 1
        scratch = bytearray(isz)
        cb = (ctypes.c_char * isz).from_buffer(scratch)
        mv = mv_at(ctypes.addressof(cb), fmt, isz)
        try:
            mv[0] = value
        finally:
            mv.release()
            del cb
        return bytes(scratch)

    def mv_store(self, d, key, value, srcmv):
        """memoryview's v[key] = value (value or srcmv, a view)."""
        mv = self.m.mv(d)
        val = srcmv if srcmv is not None else value
        if not is_half(d.fmt) or HALF_NATIVE:
            mv[key] = val
            return
        # The 'H' twin resolves the key; an item gets 'e' packing.
        try:
            mv[key] = object()
        except TypeError as e:
            if str(e) == "memoryview: invalid type for format 'H'":
                mv[key] = struct.unpack('<H', pack_half(val))[0]
                return
            if not str(e).startswith('a bytes-like object is required'):
                raise
        mv[key] = val

    def np_store(self, d, key, value, src):
        """NumPy's side: fill (or assign) what the key selects."""
        if d.ro:
            raise TypeError('cannot modify read-only memory')
        a = self.m.nd(d)
        t = a[key]
        if not isinstance(t, np.ndarray):
            k = key if isinstance(key, tuple) else (key,)
            t = a[k + (Ellipsis,)]
            packed = self.pack(d.fmt, value)
            t[...] = np.frombuffer(packed, dtype='V%d' % d.isz)[0]
            return
        if src is None:
            packed = self.pack(d.fmt, value)
            if t.size:
                t[...] = np.frombuffer(packed, dtype='V%d' % d.isz)[0]
            return
        td = self.m.desc_of_nd(d.buf, t, d.fmt, d.ro)
        if not equiv(td, src):
            raise ValueError(STRUCT_ERR)
        if t.size:
            # Copy first: NumPy 1.24 copies 1-D overlapping operands with
            # same-signed strides forward in place, which depends on the
            # strides; mview (like memoryview) is always overlap-safe.
            t[...] = self.m.nd(src).copy()

    def store(self, d, key, value, src, mvonly):
        """'ok' or 'err ...'; src is a Desc when the value is a view."""
        srcmv = self.m.mv(src) if src is not None else None
        try:
            self.mv_store(d, key, value, srcmv)
            return 'ok'
        except Exception as e:
            if mvonly or not self.deferred(d, e):
                return 'err ' + err_text(e)
        try:
            self.np_store(d, key, value, src)
            return 'ok'
        except Exception as e:
            return 'err ' + err_text(e)

    # ------------------------------------------------------------- output
    def hex(self, d, sep, bps):
        mv = self.m.mv(d)
        try:
            return 'hex ' + (mv.hex() if sep is None else mv.hex(sep, bps))
        except Exception as e:
            return 'err ' + err_text(e)

    def tobytes(self, d, order):
        try:
            return 'bytes ' + self.m.mv(d).tobytes(order).hex()
        except Exception as e:
            return 'err ' + err_text(e)


def mv_at(address, fmt, isz):
    """A writable 1-D memoryview of one item of fmt at address."""
    pb = Py_buffer(buf=address, obj=None, len=isz, itemsize=isz, readonly=0,
                   ndim=1, format=cformat(fmt),
                   shape=(ctypes.c_ssize_t * 1)(1),
                   strides=(ctypes.c_ssize_t * 1)(isz))
    return _from_buffer(ctypes.byref(pb))
