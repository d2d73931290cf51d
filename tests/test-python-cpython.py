# SPDX-License-Identifier: MIT
"""CPython's own memoryview tests, run against mview.View.

Loads the interpreter's test.test_memoryview and the memoryview tests of
test.test_buffer (Debian: libpython3.11-testsuite) at test time and
replaces the name `memoryview` in those modules with a function that copies
the exporter's bytes into a fresh anonymous segment of a private mviewd and
returns an mview.View with the same format, shape and read-only flag
(C-contiguous, or Fortran-contiguous when only that the exporter was).

Where a CPython test checks that writes through the view reach the original
exporter, the adapter copies the segment back into the exporter before the
check (the memory of a View is the segment's, never the exporter's).
Every test that cannot pass is skipped below with the deliberate
difference that makes it fail (docs/python.md lists them).
MVIEW_CPYTHON_NOSKIP=1 runs them all (to measure).
"""
import builtins
import importlib
import os
import random
import sys
import unittest

import mview
from mviewtest import Daemon

try:
    import test.support  # noqa: F401 - the package the CPython tests import
    HAVE_TESTS = True
except ImportError:
    HAVE_TESTS = False

COPY = ("the adapter's View holds a copy of the exporter's bytes in a "
        "segment: writes through it never reach the exporter")
NUMPY = ("NumPy semantics where memoryview raises NotImplementedError "
         "(sub-views, multi-dimensional slicing)")
LEN0 = ("len() of a 0-dim View raises TypeError, as memoryview's does from "
        "Python 3.12 on (3.11 answers 1)")
MEMORYVIEW_SKIPS = {
    "OtherTest.test_ctypes_cast": COPY,
    "ArrayMemoryviewTest.test_array_assign": COPY,
    "OtherTest.test_pickle":
        "Views pickle (by segment id and layout, looked up again by the "
        "receiving process); memoryviews refuse to",
}
BUFFER_SKIPS = {
    "test_memoryview_array": COPY,
    "test_memoryview_assign": COPY,
    "test_memoryview_compare_ndim_zero": COPY,
    "test_memoryview_cast_zero_strides":
        "the adapter's copy is contiguous: the exporter's zero strides "
        "are not reproduced",
    "test_memoryview_compare_special_cases":
        "a View's format must be a struct format or NumPy typestr whose "
        "itemsize follows from it; memoryview takes any string ('w')",
    # Python 3.13's copy of the test, when the adapter runs under it.
    "test_memoryview_compare_special_cases_deprecated_u_type_code":
        "a View's format must be a struct format or NumPy typestr whose "
        "itemsize follows from it; memoryview takes any string ('w')",
    "test_memoryview_tobytes":
        "struct formats with sub-structures and field names ('T{...}') "
        "are not supported",
    "test_memoryview_cast_1D_ND":
        "struct formats with sub-structures and field names ('T{...}') "
        "are not supported",
    "test_memoryview_cast": LEN0,
    "test_memoryview_construction": LEN0,
    "test_memoryview_from_static_exporter":
        "a View's .obj is its Segment, not the object it was copied from",
    "test_memoryview_index": NUMPY,
    "test_memoryview_slice": NUMPY,
    "test_memoryview_redirect":
        "a View's .obj is its Segment, not the object it was copied from",
    "test_memoryview_repr":
        "a View's repr names its format, shape, segment and offset "
        "(released: '<released memory mview.View ...>')",
    "test_memoryview_sizeof": "a View is its own object with its own size",
}

_state = {}


def _client():
    c = _state.get("client")
    if c is None or c.closed:
        c = _state["daemon"].connect()
        _state["client"] = c
    return c


def _make_view(object):
    """memoryview(object), but an mview.View over a shared copy."""
    m = builtins.memoryview(object)
    if len(m.format) > 15:
        # test_buffer draws some exporters' formats at random; a View's
        # format holds at most 15 bytes, so such a draw cannot be tested.
        fmt = m.format
        m.release()
        raise unittest.SkipTest("format %r is longer than a View's 15 "
                                "bytes" % fmt)
    fortran = m.f_contiguous and not m.c_contiguous
    data = m.tobytes("F" if fortran else "C")
    seg = _client().create(None, max(len(data), 1), lifetime="session")
    strides = None
    if fortran:
        strides, n = [], m.itemsize
        for dim in m.shape:
            strides.append(n)
            n *= dim
    v = seg.view(m.format, shape=m.shape, strides=strides)
    if data:
        seg.view("B", shape=[len(data)])[:] = data
    if m.readonly:
        v = v.toreadonly()
        seg.close()
    else:
        # Kept until the test ends, to copy writes back into the exporter.
        _state["roots"][id(object)] = (seg, v.format, v.shape, strides)
    m.release()
    return v


class _MemoryviewType(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, (builtins.memoryview, mview.View))


class shared_memoryview(metaclass=_MemoryviewType):
    """Stands for the memoryview type in CPython's test modules."""

    def __new__(cls, object):
        if isinstance(object, mview.View):
            # as memoryview(memoryview): a new view of the same memory
            return object[...] if object.ndim == 0 else object[:]
        return _make_view(object)


def _copy_back(obj):
    """Copy the segment behind the last View made of obj back into obj."""
    root = _state["roots"].get(id(obj))
    m = builtins.memoryview(obj)
    if root is not None and not m.readonly:
        seg, fmt, shape, strides = root
        v = seg.view(fmt, shape=shape, strides=strides)
        fortran = strides is not None
        m.cast("B")[:] = v.tobytes("F" if fortran else "C")
        v.release()
    m.release()


def _end_test(self):
    for seg, _, _, _ in _state["roots"].values():
        seg.close()
    _state["roots"].clear()


# test_buffer draws random formats and items: seed each test, so that a run
# is repeatable (MVIEW_CPYTHON_SEED picks other draws).
SEED = os.environ.get("MVIEW_CPYTHON_SEED", "1")


def _seeded(setup):
    def seeded_setup(self):
        random.seed("%s:%s" % (SEED, self.id()))
        if setup is not None:
            setup(self)
    return seeded_setup


def _adapt_module(mod):
    mod.memoryview = shared_memoryview
    for cls in vars(mod).values():
        if isinstance(cls, type) and issubclass(cls, unittest.TestCase):
            cls.tearDown = _end_test
            cls.setUp = _seeded(vars(cls).get("setUp"))
        if isinstance(cls, type) and "_check_contents" in vars(cls):
            orig = vars(cls)["_check_contents"]

            def check(self, tp, obj, contents, _orig=orig):
                _copy_back(obj)
                return _orig(self, tp, obj, contents)
            cls._check_contents = check


def _skip(test, reasons, cls_name):
    key = test._testMethodName
    if cls_name is not None:
        key = "%s.%s" % (cls_name, key)
    if key in reasons and not os.environ.get("MVIEW_CPYTHON_NOSKIP"):
        reason = reasons[key]

        def skipped(*args, **kwargs):
            raise unittest.SkipTest(reason)
        setattr(test, test._testMethodName, skipped)
    return test


def load_suite():
    loader = unittest.TestLoader()
    suite = unittest.TestSuite()
    mv = importlib.import_module("test.test_memoryview")
    _adapt_module(mv)
    for name, cls in sorted(vars(mv).items()):
        if isinstance(cls, type) and issubclass(cls, unittest.TestCase):
            for t in loader.loadTestsFromTestCase(cls):
                suite.addTest(_skip(t, MEMORYVIEW_SKIPS, name))
    try:
        buf = importlib.import_module("test.test_buffer")
    except unittest.SkipTest:  # no _testbuffer in this interpreter
        return suite
    _adapt_module(buf)
    cls = buf.TestBufferProtocol
    verify = cls.verify

    def verify_view(self, result, *, obj, **kw):
        # A View's exporter (its .obj) is the Segment it was made from.
        if isinstance(result, mview.View):
            obj = result.obj
        return verify(self, result, obj=obj, **kw)
    cls.verify = verify_view
    for name in loader.getTestCaseNames(cls):
        if name.startswith("test_memoryview"):
            suite.addTest(_skip(cls(name), BUFFER_SKIPS, None))
    return suite


def main():
    try:
        if not HAVE_TESTS:
            raise ImportError
        importlib.import_module("test.test_memoryview")
    except ImportError:
        print("CPython's test_memoryview is not installed "
              "(Debian: libpython3.11-testsuite): skipping")
        sys.exit(77)
    daemon = Daemon()
    daemon.start()
    _state["daemon"] = daemon
    _state["roots"] = {}
    try:
        suite = load_suite()
        verbosity = int(os.environ.get("MVIEW_TEST_VERBOSE", "2"))
        r = unittest.TextTestRunner(verbosity=verbosity).run(suite)
        # a test whose subtests fail counts once
        failed = len({id(getattr(t, "test_case", t))
                      for t, _ in r.failures + r.errors})
        print("seed %s (MVIEW_CPYTHON_SEED)" % SEED)
        print("cpython memoryview tests: %d run, %d passed, %d failed, "
              "%d skipped" % (r.testsRun,
                              r.testsRun - failed - len(r.skipped),
                              failed, len(r.skipped)))
    finally:
        c = _state.pop("client", None)
        _state["roots"].clear()
        if c is not None:
            c.close()
        daemon.stop()
    sys.exit(0 if r.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
