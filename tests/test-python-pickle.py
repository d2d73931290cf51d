# SPDX-License-Identifier: MIT
"""Views and Segments across processes: pickling (multiprocessing with the
fork and spawn start methods) maps the same memory in the receiver through
its own connection; a client used in a forked child fails clearly and
never speaks on its parent's socket."""
import copy
import multiprocessing
import os
import pickle

import mview
from mviewtest import DaemonTestCase, main


def double_in_child(v, seg):
    """Runs in a pool worker: writes through the received View."""
    for i in range(len(v)):
        v[i] = v[i] * 2
    return v.tolist(), seg.id, seg.size, v.readonly


class TestPickle(DaemonTestCase):
    def shared(self):
        seg = self.segment(48)
        v = seg.view("q")
        for i in range(6):
            v[i] = i
        return seg, v

    def test_round_trip(self):
        seg, v = self.shared()
        for x in (v, v[::2], v.cast("B", [6, 8])[1:, ::2], v.toreadonly()):
            w = pickle.loads(pickle.dumps(x))
            self.assertIsNot(w, x)
            self.assertEqual((w.format, w.shape, w.strides, w.offset,
                              w.readonly, w.segment_id, w.tolist()),
                             (x.format, x.shape, x.strides, x.offset,
                              x.readonly, x.segment_id, x.tolist()))
        w = pickle.loads(pickle.dumps(v))
        w[0] = 100                          # the same memory
        self.assertEqual(v[0], 100)
        s = pickle.loads(pickle.dumps(seg))
        self.assertEqual((s.id, s.size, s.readonly), (seg.id, 48, False))
        seg.close()                         # a closed handle pickles too
        self.assertEqual(pickle.loads(pickle.dumps(seg)).id, s.id)

    def test_copy_refused(self):
        _, v = self.shared()
        with self.assertRaises(TypeError):
            copy.copy(v)
        with self.assertRaises(TypeError):
            copy.deepcopy(v)

    def test_readonly_lookup(self):
        seg, v = self.shared()
        name = self.name("view")
        self.c.publish(name, v)
        r = self.c.lookup(name)
        w = pickle.loads(pickle.dumps(r))
        self.assertTrue(w.readonly)
        self.assertEqual(w.tolist(), v.tolist())

    def test_multiprocessing(self):
        for method in ("fork", "spawn"):
            seg, v = self.shared()
            ctx = multiprocessing.get_context(method)
            with self.subTest(start_method=method), ctx.Pool(1) as pool:
                got = pool.apply(double_in_child, (v, seg))
                self.assertEqual(got, ([0, 2, 4, 6, 8, 10], seg.id, 48,
                                       False))
                self.assertEqual(v.tolist(), [0, 2, 4, 6, 8, 10])

    def test_client_after_fork(self):
        seg, v = self.shared()
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:                        # the child: report, never raise
            os.close(r)
            try:
                self.c.status()
                msg = b"status answered in the child"
            except mview.Error as e:
                msg = b"ok" if "fork" in str(e) else str(e).encode()
            except BaseException as e:      # noqa: BLE001
                msg = repr(e).encode()
            del v, seg                      # releasing must not speak either
            os.write(w, msg)
            os._exit(0)
        os.close(w)
        with os.fdopen(r, "rb") as f:
            msg = f.read()
        os.waitpid(pid, 0)
        self.assertEqual(msg, b"ok")
        # The parent's connection is intact.
        self.assertGreaterEqual(self.c.status().sessions, 1)
        self.assertEqual(v.tolist(), list(range(6)))


if __name__ == "__main__":
    main()
