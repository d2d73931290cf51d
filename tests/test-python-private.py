# SPDX-License-Identifier: MIT
"""Private copy-on-write views (lookup(name, private=True)): writable with
read access alone, their writes never reach the segment; and names or
formats holding a NUL character are refused, never cut short."""
import errno
import gc
import os
import pickle
import subprocess
import sys

import mview
from mviewtest import DaemonTestCase, main, need_numpy, numpy, python_env

READ_IN_CHILD = """
import sys, mview
c = mview.connect(sys.argv[1])
v = c.lookup(sys.argv[2])
sys.stdout.write(bytes(v).hex())
"""


class TestPrivate(DaemonTestCase):
    def published(self, data=b"abcdefgh", freeze=False):
        name = self.name()
        seg = self.c.create(name, len(data))
        self.addCleanup(self.c.delete, name)
        self.addCleanup(seg.close)
        seg.view()[:] = data
        vname = self.name("view")
        self.c.publish(vname, seg.view())
        if freeze:
            seg.freeze()
        return seg, vname

    def other_process_sees(self, vname):
        out = subprocess.run(
            [sys.executable, "-c", READ_IN_CHILD, self.daemon.socket, vname],
            env=python_env(), capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        return bytes.fromhex(out.stdout)

    def test_writes_stay_private(self):
        seg, vname = self.published()
        r = self.daemon.connect()
        self.addCleanup(r.close)
        shared = r.lookup(vname)
        self.assertTrue(shared.readonly)
        p = r.lookup(vname, private=True)
        self.assertFalse(p.readonly)
        p[0] = ord("X")
        p[1:3] = b"YZ"
        self.assertEqual(bytes(p), b"XYZdefgh")
        # The same process's shared view, the segment's owner and another
        # process all still see the segment's bytes.
        self.assertEqual(bytes(shared), b"abcdefgh")
        self.assertEqual(bytes(r.lookup(vname)), b"abcdefgh")
        self.assertEqual(bytes(seg.view()), b"abcdefgh")
        self.assertEqual(self.other_process_sees(vname), b"abcdefgh")
        # A second private view is another copy.
        q = r.lookup(vname, private=True)
        self.assertEqual(bytes(q), b"abcdefgh")
        # Views derived from a private one share its copy.
        self.assertEqual(bytes(p[1:4]), b"YZd")
        p.cast("B")[7] = ord("!")
        self.assertEqual(bytes(p), b"XYZdefg!")

    def test_frozen(self):
        seg, vname = self.published(freeze=True)
        # Nobody may write it now, its owner included...
        self.assertTrue(self.c.lookup(vname, write=True).readonly)
        with self.assertRaises(PermissionError) as cm:
            self.c.open(seg.name, write=True)
        self.assertEqual(cm.exception.errno, errno.EPERM)
        # ...but a private copy is writable.
        p = self.c.lookup(vname, private=True)
        self.assertFalse(p.readonly)
        p[:] = b"01234567"
        self.assertEqual(bytes(p), b"01234567")
        self.assertEqual(bytes(self.c.lookup(vname)), b"abcdefgh")
        self.assertEqual(bytes(seg.view()), b"abcdefgh")
        self.assertEqual(self.other_process_sees(vname), b"abcdefgh")

    def test_survives_release_of_others(self):
        seg, vname = self.published()
        r = self.daemon.connect()
        shared = r.lookup(vname)
        p = r.lookup(vname, private=True)
        p[0] = ord("P")
        shared.release()
        del shared
        r.close()
        gc.collect()
        self.assertEqual(bytes(p), b"Pbcdefgh")
        p[1] = ord("Q")
        self.assertEqual(bytes(p), b"PQcdefgh")
        self.assertEqual(bytes(seg.view()), b"abcdefgh")
        p.release()

    def test_no_leak(self):
        """Private views come and go without leaving a mapping or an fd."""
        seg, vname = self.published(b"x" * 4096)

        def counts():
            with open("/proc/self/maps") as f:
                maps = sum(1 for _ in f)
            return maps, len(os.listdir("/proc/self/fd"))

        for _ in range(5):                   # warm up caches and pools
            self.c.lookup(vname, private=True).release()
        gc.collect()
        before = counts()
        for i in range(200):
            p = self.c.lookup(vname, private=True)
            p[i % 4096] = 0
            p[1:3].release()
            p.release()
        gc.collect()
        self.assertEqual(counts(), before)
        self.assertEqual(bytes(self.c.lookup(vname)), b"x" * 4096)

    def test_numpy_writable(self):
        need_numpy()
        seg, vname = self.published(bytes(range(16)))
        p = self.c.lookup(vname, private=True)
        a = numpy.asarray(p)
        self.assertTrue(a.flags.writeable)
        a[:] = 7
        self.assertEqual(bytes(p), bytes([7] * 16))
        self.assertEqual(bytes(self.c.lookup(vname)), bytes(range(16)))
        ro = numpy.asarray(self.c.lookup(vname))
        self.assertFalse(ro.flags.writeable)
        self.assertEqual(bytes(ro), bytes(range(16)))

    def test_arguments(self):
        seg, vname = self.published()
        with self.assertRaises(ValueError):
            self.c.lookup(vname, write=True, private=True)
        with self.assertRaises(TypeError):
            self.c.lookup(vname, False, True)    # keyword only
        p = self.c.lookup(vname, private=True)
        with self.assertRaises(TypeError) as cm:
            pickle.dumps(p)
        self.assertIn("private", str(cm.exception))
        with self.assertRaises(TypeError):
            pickle.dumps(p[1:])


class TestNulNames(DaemonTestCase):
    """A name is text without NUL: "ab\\0cd" is refused everywhere, and
    "ab" is never created in its place."""

    def test_every_name_argument(self):
        seg = self.segment(64)
        v = seg.view()
        bad = "ab\0cd"
        calls = {
            "create": lambda n: self.c.create(n, 64),
            "open": lambda n: self.c.open(n),
            "lookup": lambda n: self.c.lookup(n),
            "lookup private": lambda n: self.c.lookup(n, private=True),
            "publish": lambda n: self.c.publish(n, v),
            "unpublish": lambda n: self.c.unpublish(n),
            "delete": lambda n: self.c.delete(n),
            "freeze": lambda n: self.c.freeze(n),
            "stat": lambda n: self.c.stat(n),
            "segments": lambda n: self.c.segments(n),
            "views": lambda n: self.c.views(n),
            "watch": lambda n: self.c.watch(n),
            "create_stream": lambda n: self.c.create_stream(
                n, slots=4, capacity=64),
            "open_stream": lambda n: self.c.open_stream(n),
            "stream_stat": lambda n: self.c.stream_stat(n),
            "streams": lambda n: self.c.streams(n),
            "delete_stream": lambda n: self.c.delete_stream(n),
            "share": lambda n: self.c.share(b"abc", n),
        }
        for what, call in calls.items():
            with self.subTest(what):
                with self.assertRaises(ValueError) as cm:
                    call(bad)
                self.assertIn("null", str(cm.exception))
                with self.assertRaises(TypeError):
                    call(b"ab\0cd")
        with self.assertRaises(FileNotFoundError):
            self.c.stat("ab")
        self.assertEqual([s.name for s in self.c.segments("ab")], [])

    def test_format(self):
        seg = self.segment(64)
        for fmt in ("B\0junk", "ab\0cd", "\0"):
            with self.subTest(fmt=fmt):
                with self.assertRaises(ValueError) as cm:
                    seg.view(fmt)
                self.assertIn("null", str(cm.exception))


if __name__ == "__main__":
    main()
