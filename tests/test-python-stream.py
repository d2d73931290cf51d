# SPDX-License-Identifier: MIT
"""Streams from Python: a producer and consumers in two processes, frames
as Views that NumPy and DLPack take without copying and whose exports keep
the hold, selectors on the consumer's fd, timeouts, lossless order."""
import asyncio
import gc
import os
import pickle
import selectors
import subprocess
import sys
import unittest

import mview
from mviewtest import DaemonTestCase, main, numpy, python_env

# A producer in another process: FRAMES frames of shape (H, W, 3), every
# byte of frame k equal to k % 251, after the consumer said it is ready.
PRODUCER = r"""
import sys, mview
sock, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
c = mview.connect(sock)
s = c.open_stream(name, producer=True)
sys.stdout.write("ready\n"); sys.stdout.flush()
sys.stdin.readline()
for k in range(1, n + 1):
    with s.loan(timeout=30) as f:
        b = memoryview(f).cast("B")
        b[:] = bytes([k % 251]) * len(b)
print("published", s.info().head)
"""


class TestStream(DaemonTestCase):
    def make(self, slots=4, shape=(8, 16, 3), **kw):
        name = self.name("st")
        p = self.c.create_stream(name, format="B", shape=shape, slots=slots,
                                 **kw)
        self.addCleanup(self.c.delete_stream, name)
        self.addCleanup(p.close)
        return name, p

    def test_loan_publish_next(self):
        name, p = self.make()
        r = self.c.open_stream(name)
        self.assertIsNone(r.next(timeout=0))
        with p.loan() as f:
            self.assertIsInstance(f, mview.View)
            self.assertFalse(f.readonly)
            memoryview(f).cast("B")[:] = b"\x05" * f.nbytes
        fr = r.next(timeout=5)
        self.assertIsInstance(fr, mview.View)
        self.assertEqual(fr.shape, (8, 16, 3))
        self.assertTrue(fr.readonly)
        self.assertEqual(bytes(fr), b"\x05" * 384)
        fi = mview.frame_info(fr)
        self.assertEqual(fi.seq, 1)
        self.assertGreater(fi.timestamp_ns, 0)
        self.assertEqual(r.seq, 1)
        self.assertEqual(mview.frame_info(fr[1:3]).seq, 1)
        with self.assertRaises(TypeError):
            memoryview(fr)[0] = 1
        # a frame is this process's hold: never pickled by reference
        for v in (fr, fr[1:3]):
            with self.assertRaisesRegex(TypeError, "stream frame"):
                pickle.dumps(v)
        # a raised block cancels the loan: nothing is published
        with self.assertRaises(ZeroDivisionError):
            with p.loan():
                1 / 0
        self.assertEqual(p.info().head, 1)
        # explicit publish with a derived layout
        ln = p.loan()
        ln.frame[0, 0, 0] = 9
        seq = p.publish(ln.frame[0:1])
        self.assertEqual(seq, 2)
        self.assertFalse(ln.pending)
        fr2 = r.next(timeout=5)
        self.assertEqual(fr2.shape, (1, 16, 3))
        self.assertEqual(fr2[0, 0, 0], 9)
        with self.assertRaises(ValueError):
            r.loan()
        with self.assertRaises(ValueError):
            p.next()
        with self.assertRaises(mview.ExistsError):
            self.c.create_stream(name, shape=4)
        st = self.c.status()
        self.assertGreaterEqual(st.streams, 1)
        self.assertGreaterEqual(st.uid_streams, 1)
        self.assertGreater(st.max_streams, 0)
        self.assertIn(name, [i.name for i in self.c.streams()])
        self.assertEqual(self.c.stream_stat(name).shape, (8, 16, 3))
        with self.assertRaises(mview.NotFoundError):
            self.c.open_stream(self.name("none"))
        with self.assertRaises(ValueError):
            self.c.open_stream(name, policy="fast")
        del fr, fr2
        r.close()

    def test_exports_keep_hold(self):
        name, p = self.make(max_holds=2)
        r = self.c.open_stream(name)
        for _ in range(2):
            with p.loan():
                pass
        mv = memoryview(r.next(timeout=5))
        self.assertEqual(r.info().holds, 1)
        gc.collect()
        self.assertEqual(r.info().holds, 1)      # the memoryview keeps it
        del mv
        self.assertEqual(r.info().holds, 0)
        if numpy is not None:
            with p.loan():
                pass
            a = numpy.asarray(r.next(timeout=5))
            self.assertEqual(r.info().holds, 1)
            self.assertFalse(a.flags.writeable)
            del a
            self.assertEqual(r.info().holds, 0)
        # a DLPack capsule keeps the frame held until it goes
        cap = r.latest().__dlpack__(max_version=(1, 0))
        gc.collect()
        self.assertEqual(r.info().holds, 1)
        del cap
        self.assertEqual(r.info().holds, 0)
        # at max_holds a consumer is refused more
        with p.loan():
            pass
        a, b = r.latest(), r.latest()
        with self.assertRaises(mview.Error):
            r.latest()
        del a, b
        self.assertIsNotNone(r.latest())
        r.close()

    def test_selectors_and_timeouts(self):
        name, p = self.make()
        r = self.c.open_stream(name)
        sel = selectors.DefaultSelector()
        sel.register(r.fileno(), selectors.EVENT_READ)
        self.assertIsNone(r.next(timeout=0))
        self.assertEqual(sel.select(timeout=0), [])
        self.assertIsNone(r.next(timeout=0.05))
        self.assertEqual(list(r.frames(timeout=0.05)), [])
        with p.loan():
            pass
        self.assertEqual(len(sel.select(timeout=10)), 1)
        got = []
        while (f := r.next(timeout=0)) is not None:
            got.append(mview.frame_info(f).seq)
            del f
        self.assertEqual(got, [1])
        self.assertEqual(sel.select(timeout=0), [])
        sel.close()
        r.close()

    def test_asyncio_reader(self):
        """An asyncio consumer: loop.add_reader() on the stream's fd wakes
        the coroutine when the producer (another thread) publishes."""
        name, p = self.make()
        r = self.c.open_stream(name)
        n = 5

        async def consume():
            loop = asyncio.get_running_loop()
            ready = asyncio.Event()
            loop.add_reader(r.fileno(), ready.set)
            seqs = []
            try:
                loop.call_soon(publish_next, loop, 1)
                while len(seqs) < n:
                    await asyncio.wait_for(ready.wait(), 30)
                    ready.clear()
                    while (f := r.next(timeout=0)) is not None:
                        seqs.append(mview.frame_info(f).seq)
                        del f
                        if len(seqs) < n:
                            loop.call_soon(publish_next, loop, len(seqs) + 1)
            finally:
                loop.remove_reader(r.fileno())
            return seqs

        def publish_next(loop, k):
            # off the loop's thread, as a producer elsewhere would be
            loop.run_in_executor(None, publish_one, k)

        def publish_one(k):
            with p.loan(timeout=5) as f:
                memoryview(f).cast("B")[:] = bytes([k]) * f.nbytes

        self.assertEqual(asyncio.run(consume()), list(range(1, n + 1)))
        r.close()

    def test_lossless_in_order(self):
        name, p = self.make(slots=3)
        r = self.c.open_stream(name, policy="lossless")
        with p.loan(timeout=5):
            pass
        with p.loan(timeout=5):
            pass
        with p.loan(timeout=5):
            pass
        # the ring is full of frames this consumer has not read
        with self.assertRaises(mview.TimedOutError):
            p.loan(timeout=0)
        seqs = [mview.frame_info(f).seq for f in r.frames(timeout=0)]
        self.assertEqual(seqs, [1, 2, 3])
        self.assertEqual(r.info().dropped, 0)
        with p.loan(timeout=5):
            pass
        r.close()

    def test_two_processes(self):
        n = 200
        name = self.name("st")
        p = self.c.create_stream(name, format="B", shape=(48, 64, 3),
                                 slots=6)
        p.close()                       # the child takes the role
        self.addCleanup(self.c.delete_stream, name)
        r = self.c.open_stream(name, policy="lossless")
        proc = subprocess.Popen(
            [sys.executable, "-c", PRODUCER, self.daemon.socket, name,
             str(n)], env=python_env(), stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True)
        try:
            self.assertEqual(proc.stdout.readline(), "ready\n")
            proc.stdin.write("go\n")
            proc.stdin.flush()
            seen = 0
            for f in r.frames(timeout=30):
                k = mview.frame_info(f).seq
                if numpy is not None:
                    a = numpy.asarray(f)
                    self.assertEqual(a.shape, (48, 64, 3))
                    ok = bool((a == k % 251).all())
                    del a
                else:
                    ok = bytes(f) == bytes([k % 251]) * f.nbytes
                self.assertTrue(ok, "frame %d torn" % k)
                seen += 1
                self.assertEqual(k, seen)
                del f
                if seen == n:
                    break
            self.assertEqual(seen, n)
            out, _ = proc.communicate(timeout=30)
            self.assertIn("published %d" % n, out)
            self.assertEqual(proc.returncode, 0)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        r.close()


if __name__ == "__main__":
    main()
