# SPDX-License-Identifier: MIT
"""No leaks: 100k create/slice/release cycles (and exports) keep the
process's resident memory, file descriptors and mappings flat."""
import gc
import os
import time

from mviewtest import DaemonTestCase, main, numpy as np

N = int(os.environ.get("MVIEW_LEAK_ITERATIONS", "100000"))
BUDGET = 60.0  # seconds for the whole loop


def rss_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


# Under AddressSanitizer freed memory sits in quarantine, so RSS says
# nothing; fds and mappings are still checked, and ASan checks memory.
SANITIZED = bool(os.environ.get("MVIEW_SANITIZED"))


def assert_rss_flat(test, grown, what="RSS"):
    if not SANITIZED:
        test.assertLess(grown, 2048, "%s grew %d KiB" % (what, grown))


def nfds():
    return len(os.listdir("/proc/self/fd"))


def nmaps():
    with open("/proc/self/maps") as f:
        return sum(1 for _ in f)


class TestLeaks(DaemonTestCase):
    def measure(self):
        gc.collect()
        return rss_kib(), nfds(), nmaps()

    def loop(self, seg, n, deadline):
        for i in range(n):
            v = seg.view("B", shape=[4096])
            s = v[i % 64:4000:3]
            c = v.cast("h", [2, 1024])
            t = c[1, ::-2]
            m = memoryview(t)
            x = (t[0], len(s), c.T.shape, s.tobytes()[:2], t == m)
            m.release()
            s.release()
            v.release()
            if np is not None and i % 8 == 0:
                a = np.asarray(t)
                d = np.from_dlpack(c)
                x = (a[0], d[0, 0])
                del a, d
            if i % 1024 == 0 and time.monotonic() > deadline:
                self.fail("too slow: %d iterations in %.0fs" % (i, BUDGET))
        return x

    def test_views(self):
        seg = self.segment(1 << 16)
        deadline = time.monotonic() + BUDGET
        warm = min(10000, N // 10)
        self.loop(seg, warm, deadline)
        rss0, fds0, maps0 = self.measure()
        self.loop(seg, N - warm, deadline)
        rss1, fds1, maps1 = self.measure()
        self.assertEqual(fds1, fds0)
        self.assertLessEqual(maps1, maps0 + 2)
        assert_rss_flat(self, rss1 - rss0)

    def test_segments(self):
        # Segments come and go: their fds and mappings must too.
        def cycle(n):
            for _ in range(n):
                seg = self.c.create(None, 8192, lifetime="session")
                v = seg.view()[::2]
                v[0] = 1
                seg.delete()
                seg.close()
                del v
        cycle(100)
        rss0, fds0, maps0 = self.measure()
        cycle(2000)
        rss1, fds1, maps1 = self.measure()
        self.assertEqual(fds1, fds0)
        self.assertLessEqual(maps1, maps0 + 2)
        assert_rss_flat(self, rss1 - rss0)

    def test_lookups(self):
        seg = self.segment(4096)
        name = self.name("view")
        self.c.publish(name, seg.view()[1:])
        other = self.daemon.connect()
        self.addCleanup(other.close)

        def cycle(n):
            for _ in range(n):
                w = other.lookup(name)
                w[0]
                w.release()
        cycle(200)
        rss0, fds0, maps0 = self.measure()
        cycle(5000)
        rss1, fds1, maps1 = self.measure()
        self.assertEqual(fds1, fds0)
        self.assertLessEqual(maps1, maps0 + 2)
        assert_rss_flat(self, rss1 - rss0)


if __name__ == "__main__":
    main()
