# SPDX-License-Identifier: MIT
"""The control plane from Python: connecting, segments, published views,
status, events, and daemon errors as exceptions."""
import ast
import asyncio
import errno
import os
import select
import signal
import sys
import threading
import time
import unittest

import mview
from mviewtest import TOP_SRCDIR, Daemon, DaemonTestCase, main


class TestConnect(DaemonTestCase):
    def test_connect(self):
        c = mview.connect(self.daemon.socket)
        self.assertEqual(c.path, self.daemon.socket)
        self.assertFalse(c.closed)
        self.assertIn(self.daemon.socket, repr(c))
        self.assertEqual(c.timeout, 30.0)
        c.close()
        self.assertTrue(c.closed)
        c2 = mview.Client(os.fsencode(self.daemon.socket), reconnect=False,
                          timeout=None)
        self.assertIsNone(c2.timeout)
        c2.close()

    def test_environment(self):
        old = os.environ.get("MVIEW_SOCKET")
        os.environ["MVIEW_SOCKET"] = self.daemon.socket
        try:
            with mview.connect() as c:
                self.assertEqual(c.path, self.daemon.socket)
        finally:
            if old is None:
                del os.environ["MVIEW_SOCKET"]
            else:
                os.environ["MVIEW_SOCKET"] = old

    def test_no_daemon(self):
        path = os.path.join(self.daemon.dir, "nobody-here")
        with self.assertRaises(mview.DisconnectedError) as cm:
            mview.connect(path)
        e = cm.exception
        self.assertIsInstance(e, ConnectionError)
        self.assertIsInstance(e, mview.Error)
        self.assertEqual(e.errno, errno.ENOENT)
        self.assertIn(path, str(e))

    def test_timeout(self):
        self.c.timeout = 5
        self.assertEqual(self.c.timeout, 5.0)
        self.c.timeout = None
        self.assertIsNone(self.c.timeout)
        with self.assertRaises(ValueError):
            self.c.timeout = -1
        self.c.timeout = 0.5
        self.c.status()

    def test_status(self):
        st = self.c.status()
        self.assertIsInstance(st, mview.Status)
        self.assertEqual(st.pid, self.daemon.proc.pid)
        self.assertGreaterEqual(st.sessions, 1)
        self.assertGreater(st.max_ndim, 0)
        self.assertIsInstance(st.server_version, str)
        self.assertGreater(st.max_views_per_uid, 0)
        self.assertGreaterEqual(st.uid_views, 0)

    def test_strerror(self):
        self.assertIsInstance(mview.strerror(errno.ENOENT), str)
        self.assertEqual(mview.strerror(-errno.ENOENT),
                         mview.strerror(errno.ENOENT))


class TestSegments(DaemonTestCase):
    def test_create_arguments(self):
        with self.assertRaisesRegex(ValueError, "negative"):
            self.c.create(self.name(), -1)
        import pydoc
        doc = pydoc.render_doc(mview.Client.create, renderer=pydoc.plaintext)
        self.assertIn("mode=0o600", doc)

    def test_create_exist_ok(self):
        name = self.name()
        seg = self.segment(64)
        seg = self.c.create(name, 64, lifetime="session")
        self.addCleanup(seg.close)
        seg.view()[0] = 9
        again = self.c.create(name, 64, exist_ok=True)
        self.addCleanup(again.close)
        self.assertEqual(again.id, seg.id)
        self.assertFalse(again.readonly)
        self.assertEqual(again.view()[0], 9)
        with self.assertRaises(mview.ExistsError):
            self.c.create(name, 65, exist_ok=True)
        with self.assertRaises(mview.ExistsError):
            self.c.create(name, 64)
        fresh = self.c.create(self.name(), 8, lifetime="session",
                              exist_ok=True)
        self.addCleanup(fresh.close)
        self.assertEqual(fresh.size, 8)

    def test_create(self):
        name = self.name()
        seg = self.c.create(name, 100, mode=0o640)
        self.addCleanup(self.c.delete, name)
        self.assertEqual(seg.name, name)
        self.assertEqual(seg.size, 100)
        self.assertFalse(seg.readonly)
        self.assertGreater(seg.id, 0)
        self.assertIs(seg.client, self.c)
        info = seg.info
        self.assertEqual(info.mode & 0o777, 0o640)
        self.assertEqual(info.lifetime, "persistent")
        self.assertEqual(info.uid, os.getuid())
        st = self.c.stat(name)
        self.assertEqual((st.id, st.name, st.size), (seg.id, name, 100))
        self.assertEqual(self.c.stat(seg.id).id, seg.id)
        self.assertEqual(seg.stat().id, seg.id)
        self.assertIn(name, repr(seg))

    def test_anonymous(self):
        seg = self.c.create(None, 64, lifetime="session")
        self.assertIsNone(seg.name)
        v = seg.view()
        v[0] = 5
        other = self.c.open(seg.id)
        self.assertEqual(other.view()[0], 5)
        self.assertEqual(self.c.stat(seg.id).id, seg.id)
        seg.freeze()            # by id: anonymous segments too
        self.assertTrue(self.c.stat(seg.id).frozen)
        self.assertTrue(seg.stat().frozen)
        seg.delete()
        # Still held here: stat by id sees it, deleted.
        self.assertTrue(self.c.stat(seg.id).deleted)
        with self.assertRaises(FileNotFoundError):
            self.c.stat(2 ** 63)

    def test_open_share(self):
        seg = self.segment(16)
        v = seg.view()
        other = self.daemon.connect()
        self.addCleanup(other.close)
        ro = other.open(seg.name)
        self.assertTrue(ro.readonly)
        rv = ro.view()
        self.assertTrue(rv.readonly)
        with self.assertRaisesRegex(TypeError, "cannot modify read-only"):
            rv[0] = 1
        rw = other.open(seg.name, write=True)
        self.assertFalse(rw.readonly)
        rw.view()[3] = 33
        self.assertEqual(v[3], 33)
        self.assertEqual(rv[3], 33)

    def test_view_arguments(self):
        seg = self.segment(64)
        self.assertEqual(seg.view().shape, (64,))
        self.assertEqual(seg.view("d").shape, (8,))
        self.assertEqual(seg.view("h", offset=4).shape, (30,))
        v = seg.view("i", shape=(2, 3), strides=(-12, 4), offset=12)
        self.assertEqual((v.shape, v.strides, v.offset), ((2, 3), (-12, 4), 12))
        self.assertEqual(seg.view("B", 5).shape, (5,))
        with self.assertRaises(ValueError):
            seg.view("d", offset=4)       # 60 bytes is not 8-byte items
        with self.assertRaises(ValueError):
            seg.view("B", shape=[65])     # out of bounds
        with self.assertRaises(ValueError):
            seg.view("B", shape=[8], offset=60)
        with self.assertRaises(TypeError):
            seg.view("B", strides=[1])
        with self.assertRaises(ValueError):
            seg.view("B", shape=[2, 2], strides=[1])

    def test_errors(self):
        name = self.name()
        seg = self.c.create(name, 8, lifetime="session")
        self.addCleanup(seg.close)
        with self.assertRaises(mview.ExistsError) as cm:
            self.c.create(name, 8)
        e = cm.exception
        self.assertIsInstance(e, FileExistsError)
        self.assertIsInstance(e, mview.Error)
        self.assertEqual(e.errno, errno.EEXIST)
        self.assertEqual(e.filename, name)
        with self.assertRaises(mview.NotFoundError) as cm:
            self.c.open(self.name("missing"))
        self.assertIsInstance(cm.exception, FileNotFoundError)
        self.assertEqual(cm.exception.errno, errno.ENOENT)
        with self.assertRaises(FileNotFoundError):
            self.c.delete(self.name("missing"))
        with self.assertRaises(FileNotFoundError):
            self.c.lookup(self.name("missing"))
        with self.assertRaises(mview.Error) as cm:
            self.c.create("bad name with spaces", 8)
        self.assertEqual(cm.exception.errno, errno.EINVAL)
        self.assertNotIsInstance(cm.exception, FileNotFoundError)
        with self.assertRaises(ValueError):
            self.c.create(self.name(), 8, lifetime="forever")
        with self.assertRaises(TypeError):
            self.c.open(b"bytes")
        with self.assertRaises(ValueError):
            self.c.open("nul\0inside")

    def test_freeze_and_permission(self):
        name = self.name()
        seg = self.c.create(name, 8)
        self.addCleanup(self.c.delete, name)
        v = seg.view()
        seg.freeze()
        self.assertTrue(self.c.stat(name).frozen)
        with self.assertRaises(mview.AccessError) as cm:
            self.c.open(name, write=True)
        self.assertIsInstance(cm.exception, PermissionError)
        self.assertEqual(cm.exception.errno, errno.EPERM)
        v[0] = 1  # existing writable mappings keep working
        self.assertEqual(self.c.open(name).view()[0], 1)
        # By id, never the segment that took the name over since.
        other = self.c.create(None, 8, lifetime="session")
        other_named = self.c.create(self.name(), 8, lifetime="session")
        other.freeze()
        self.assertTrue(self.c.stat(other.id).frozen)
        self.assertFalse(other_named.stat().frozen)
        self.c.delete(name)
        seg2 = self.c.create(name, 8)
        with self.assertRaises(FileNotFoundError):
            seg.freeze()        # deleted: its id names nothing to freeze
        self.assertFalse(seg2.stat().frozen)

    def test_delete(self):
        name = self.name()
        seg = self.c.create(name, 8)
        v = seg.view()
        self.c.delete(name)
        with self.assertRaises(FileNotFoundError):
            self.c.open(name)
        v[0] = 9               # the memory goes with its last holder
        self.assertEqual(v[0], 9)
        seg2 = self.c.create(name, 8)
        self.assertNotEqual(seg2.id, seg.id)  # ids are never reused
        self.c.delete(seg2.id)

    def test_listing(self):
        prefix = self.name("list") + "/"
        segs = [self.c.create(prefix + str(i), 8 * (i + 1), lifetime="session")
                for i in range(3)]
        infos = self.c.segments(prefix)
        self.assertEqual(sorted(i.name for i in infos),
                         sorted(s.name for s in segs))
        self.assertTrue(all(isinstance(i, mview.SegmentInfo) for i in infos))
        self.assertEqual(self.c.segments(prefix + "nothing"), [])
        self.assertGreaterEqual(len(self.c.segments()), 3)


class TestViews(DaemonTestCase):
    def test_publish_lookup(self):
        seg = self.segment(64)
        v = seg.view("h", shape=(4, 8))
        name = self.name("view")
        self.c.publish(name, v[1:, ::2])
        with self.assertRaises(mview.ExistsError):
            self.c.publish(name, v)
        self.c.publish(name, v[::-1, 1::2], replace=True)
        other = self.daemon.connect()
        self.addCleanup(other.close)
        w = other.lookup(name, write=True)
        self.assertEqual((w.format, w.shape, w.strides, w.offset),
                         ("h", (4, 4), (-16, 4), v[::-1, 1::2].offset))
        self.assertFalse(w.readonly)
        w[0, 0] = -7
        self.assertEqual(v[3, 1], -7)
        self.assertTrue(other.lookup(name).readonly)
        infos = self.c.views(name)
        self.assertEqual(len(infos), 1)
        i = infos[0]
        self.assertEqual((i.name, i.segment_id, i.format, i.itemsize, i.shape,
                          i.strides, i.offset),
                         (name, seg.id, "h", 2, (4, 4), (-16, 4), w.offset))
        self.c.unpublish(name)
        with self.assertRaises(FileNotFoundError):
            other.lookup(name)
        with self.assertRaises(FileNotFoundError):
            self.c.unpublish(name)
        self.assertEqual(w[0, 0], -7)  # looked-up views stay valid

    def test_publish_released(self):
        v = self.segment(8).view()
        v.release()
        with self.assertRaisesRegex(ValueError, "released"):
            self.c.publish(self.name("view"), v)
        with self.assertRaises(TypeError):
            self.c.publish(self.name("view"), memoryview(b"x"))


class TestWatch(DaemonTestCase):
    def test_events(self):
        prefix = self.name("watch") + "/"
        w = self.c.watch(prefix)
        self.assertIs(w.client, self.c)
        self.assertIsNone(w.get(0))
        self.assertIsNone(w.get(0.05))
        other = self.daemon.connect()
        self.addCleanup(other.close)
        seg = other.create(prefix + "seg", 8)
        other.publish(prefix + "view", seg.view())
        other.unpublish(prefix + "view")
        other.delete(prefix + "seg")
        other.create(self.name("elsewhere"), 8, lifetime="session")
        got = [w.get(5) for _ in range(4)]
        self.assertEqual([(e.type, e.name) for e in got], [
            ("segment_created", prefix + "seg"),
            ("view_published", prefix + "view"),
            ("view_unpublished", prefix + "view"),
            ("segment_deleted", prefix + "seg")])
        self.assertEqual(got[0].segment_id, seg.id)
        self.assertIsNone(self.c.next_event(0.05))

    def test_unwatch(self):
        a = self.name("uw") + "/"
        b = self.name("uw") + "/"
        w = self.c.watch(a)
        self.c.watch(b)
        other = self.daemon.connect()
        self.addCleanup(other.close)
        self.c.unwatch(a)
        with self.assertRaises(mview.NotFoundError):
            self.c.unwatch(a)
        other.create(a + "x", 8, lifetime="session")
        other.create(b + "y", 8, lifetime="session")
        e = w.get(5)
        self.assertEqual((e.type, e.name), ("segment_created", b + "y"))
        self.assertIsNone(w.get(0))

    def test_select(self):
        prefix = self.name("watch") + "/"
        w = self.c.watch(prefix)
        other = self.daemon.connect()
        self.addCleanup(other.close)
        other.create(prefix + "x", 8, lifetime="session")
        r, _, _ = select.select([w], [], [], 5)
        self.assertEqual(r, [w])
        self.assertEqual(self.c.fileno(), w.fileno())
        ev = w.get(0)
        self.assertEqual(ev.name, prefix + "x")
        self.assertIsNone(w.get(0))

    def test_iterate_in_thread(self):
        prefix = self.name("watch") + "/"
        c = self.daemon.connect()
        w = c.watch(prefix)
        seen = []
        t = threading.Thread(target=lambda: seen.extend(w))
        t.start()
        other = self.daemon.connect()
        self.addCleanup(other.close)
        for i in range(3):
            other.create("%s%d" % (prefix, i), 8, lifetime="session")
        deadline = time.monotonic() + 10
        while len(seen) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        c.close()                   # ends the iteration
        t.join(10)
        self.assertFalse(t.is_alive())
        self.assertEqual([e.name for e in seen],
                         ["%s%d" % (prefix, i) for i in range(3)])

    def test_requests_while_watching(self):
        # Another thread's requests go through while one waits for events.
        prefix = self.name("watch") + "/"
        w = self.c.watch(prefix)
        got = []
        t = threading.Thread(target=lambda: got.append(w.get(10)))
        t.start()
        time.sleep(0.05)
        start = time.monotonic()
        seg = self.c.create(prefix + "a", 8, lifetime="session")
        self.assertLess(time.monotonic() - start, 1.0)
        t.join(10)
        self.assertEqual(got[0].name, seg.name)


class TestThreads(DaemonTestCase):
    def test_shared_client(self):
        # Requests and view releases from many threads on one client are
        # serialised by the module (the library wants one at a time).
        errors = []

        def work(k):
            try:
                for i in range(150):
                    seg = self.c.create(None, 256, lifetime="session")
                    v = seg.view()[k::4]
                    v[0] = k
                    self.c.publish("%s/%d" % (prefix, k), v, replace=True)
                    w = self.c.lookup("%s/%d" % (prefix, k))
                    assert w[0] == k
                    seg.delete()
                    seg.close()
                    del v, w
            except Exception as e:  # noqa: BLE001
                errors.append(e)

        prefix = self.name("threads")
        threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])


class TestAsyncio(DaemonTestCase):
    def test_add_reader(self):
        prefix = self.name("watch") + "/"
        w = self.c.watch(prefix)
        other = self.daemon.connect()
        self.addCleanup(other.close)

        async def run():
            loop = asyncio.get_running_loop()
            got = asyncio.Queue()

            def readable():
                while (ev := w.get(0)) is not None:
                    got.put_nowait(ev)

            loop.add_reader(w.fileno(), readable)
            try:
                other.create(prefix + "a", 8, lifetime="session")
                return await asyncio.wait_for(got.get(), 10)
            finally:
                loop.remove_reader(w.fileno())

        ev = asyncio.run(run())
        self.assertEqual((ev.type, ev.name), ("segment_created", prefix + "a"))


class TestStubs(unittest.TestCase):
    """python/mview.pyi names what the module has, and nothing else."""

    def test_stubs_match_module(self):
        with open(os.path.join(TOP_SRCDIR, "python", "mview.pyi")) as f:
            tree = ast.parse(f.read())
        stub = {}
        gated = {}
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                body = []
                for n in node.body:
                    if isinstance(n, ast.If):
                        # "if sys.version_info >= (3, 12):" members
                        want = tuple(ast.literal_eval(n.test.comparators[0]))
                        present = sys.version_info >= want
                        for m in n.body:
                            gated[(node.name, m.name)] = present
                            if present:
                                body.append(m)
                    else:
                        body.append(n)
                stub[node.name] = {
                    n.name if not isinstance(n, ast.AnnAssign) else n.target.id
                    for n in body
                    if isinstance(n, (ast.FunctionDef, ast.AnnAssign))}
            elif isinstance(node, ast.FunctionDef):
                stub[node.name] = None
            elif isinstance(node, ast.AnnAssign):
                stub[node.target.id] = None
        public = {n for n in dir(mview) if not n.startswith("_")}
        stubbed = {n for n in stub if not n.startswith("_")}
        self.assertEqual(public, stubbed)
        for cls, members in stub.items():
            if not members or cls.startswith("_"):
                continue
            obj = getattr(mview, cls)
            for name in members:
                if name == "__new__":
                    continue
                self.assertTrue(hasattr(obj, name), "%s.%s" % (cls, name))
        for (cls, name), present in gated.items():
            self.assertEqual(hasattr(getattr(mview, cls), name), present,
                             "%s.%s on %s" % (cls, name, sys.version))
            if cls in ("Client", "Segment", "View", "Watch"):
                runtime = {n for n in dir(obj) if not n.startswith("_")}
                self.assertEqual(runtime - members, set(), cls)


class TestDaemonGone(unittest.TestCase):
    def setUp(self):
        self.daemon = Daemon()
        self.addCleanup(self.daemon.stop)
        self.daemon.start()

    def test_no_reconnect(self):
        c = self.daemon.connect(reconnect=False)
        self.addCleanup(c.close)
        seg = c.create("gone", 16)
        v = seg.view()
        v[0] = 42
        self.daemon.kill()
        with self.assertRaises(mview.DisconnectedError) as cm:
            c.status()
        self.assertIsInstance(cm.exception, ConnectionError)
        self.assertEqual(v[0], 42)   # the mapping outlives the daemon
        v[1] = 43

    def test_reconnect_fails(self):
        c = self.daemon.connect()
        self.addCleanup(c.close)
        c.status()
        self.daemon.kill()
        with self.assertRaises(ConnectionError):
            c.status()

    def test_watch_sees_disconnect(self):
        c = self.daemon.connect(reconnect=False)
        self.addCleanup(c.close)
        w = c.watch("")
        self.daemon.kill()
        with self.assertRaises(ConnectionError):
            w.get(5)



class TestTimeout(DaemonTestCase):
    """connect(timeout=) bounds the hello too, against a peer that never
    answers and a stopped daemon; the message says what timed out."""

    def test_silent_peer(self):
        import socket
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "silent.sock")
            with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
                s.bind(path)
                s.listen(4)     # nobody accepts: the hello is never answered
                with self.assertRaises(TimeoutError) as cm:
                    mview.connect(path, timeout=0.3)
                self.assertIn("hello", str(cm.exception))
                self.assertIn("300 ms", str(cm.exception))

    def test_stopped_daemon(self):
        c = mview.connect(self.daemon.socket, timeout=0.3)
        c.status()
        self.daemon.proc.send_signal(signal.SIGSTOP)
        try:
            with self.assertRaises(TimeoutError) as cm:
                mview.connect(self.daemon.socket, timeout=0.3)
            self.assertIn("hello", str(cm.exception))
            with self.assertRaises(TimeoutError) as cm:
                c.status()
            self.assertIn("status", str(cm.exception))
        finally:
            self.daemon.proc.send_signal(signal.SIGCONT)
        c.timeout = 30.0
        c.status()
        c.close()

if __name__ == "__main__":
    main()
