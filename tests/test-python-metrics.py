# SPDX-License-Identifier: MIT
"""mviewctl metrics: Prometheus text that prometheus_client's parser reads,
with the numbers the daemon holds (segments by state, bytes, requests and
errors by type, use per uid, streams in total and per stream, restarts and
the journal without a service manager); and the timer's service unit
verifies. Restarts under a (stand-in) service manager: test-restart."""
import os
import subprocess
import time
import unittest

import mview
from mviewtest import DaemonTestCase, main

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    text_string_to_metric_families = None

CTL = os.path.join(os.environ["MVIEW_TOP_BUILDDIR"], "ctl", "mviewctl")


def samples(text):
    """{(name, frozenset(labels.items())): value} of every sample."""
    out = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def many_streams(c, n):
    """n streams (light ones), oldest first."""
    names = ["m/many/%03d" % i for i in range(n)]
    for name in names:
        c.create_stream(name, format="B", shape=(8,), slots=2,
                        max_consumers=1).close()
    return names


def labelled(v):
    """The streams with series of their own, oldest (lowest id) first."""
    return sorted(dict(k[1])["name"] for k in v
                  if k[0] == "mview_stream_producer")


@unittest.skipIf(text_string_to_metric_families is None,
                 "python3-prometheus-client is not installed")
class TestMetrics(DaemonTestCase):
    daemon_args = ("--max-streams-per-uid=300", "--max-packet=1M")

    def metrics(self):
        return subprocess.run([CTL, "-S", self.daemon.socket, "metrics"],
                              check=True, capture_output=True,
                              text=True).stdout

    def test_parse_and_values(self):
        c = mview.connect(self.daemon.socket)
        kept = c.create("m/kept", 4096)
        c.create("m/other", 8192).close()
        c.publish("m/view", kept.view(format="B", shape=(16,)))
        c.delete("m/kept")          # deleted, still held by kept
        with self.assertRaises(FileNotFoundError):
            c.open("m/absent")
        text = self.metrics()
        v = samples(text)
        uid = str(os.geteuid())
        self.assertEqual(v[("mview_segments", frozenset({("state", "live")}))], 1)
        self.assertEqual(v[("mview_segments", frozenset({("state", "deleted")}))], 1)
        self.assertEqual(v[("mview_segment_bytes", frozenset({("state", "live")}))], 8192)
        self.assertEqual(v[("mview_segment_bytes", frozenset({("state", "deleted")}))], 4096)
        self.assertEqual(v[("mview_views", frozenset())], 0)
        self.assertGreaterEqual(v[("mview_sessions", frozenset())], 2)
        self.assertGreaterEqual(v[("mview_requests_total", frozenset({("type", "segment_create")}))], 2)
        self.assertGreaterEqual(v[("mview_request_errors_total", frozenset({("type", "segment_open")}))], 1)
        self.assertEqual(v[("mview_request_errors_total", frozenset({("type", "segment_create")}))], 0)
        self.assertEqual(v[("mview_uid_bytes", frozenset({("uid", uid)}))], 12288)
        self.assertEqual(v[("mview_uid_segments", frozenset({("uid", uid)}))], 2)
        self.assertEqual(v[("mview_limit", frozenset({("name", "max-segments")}))], 65536)
        self.assertEqual(v[("mview_build_info", frozenset({("version", mview.__version__)}))], 1)
        # Every family is typed and documented.
        for fam in text_string_to_metric_families(text):
            self.assertIn(fam.type, ("gauge", "counter"))
            self.assertTrue(fam.documentation)
        kept.close()
        c.close()

    def test_streams(self):
        def one(v, name, labels=()):
            return v[(name, frozenset(labels))]

        c = mview.connect(self.daemon.socket)
        name = "m/st\"q"            # a quote: the label escapes it
        p = c.create_stream(name, format="B", shape=(64,), slots=6)
        idle = c.create_stream("m/idle", format="B", shape=(8,), slots=2)
        idle.close()
        a = c.open_stream(name)
        b = c.open_stream(name)
        for i in range(3):
            with p.loan() as f:
                memoryview(f)[:] = bytes([i]) * 64
        fa = a.next(timeout=5)      # the newest: 2 skipped, held
        self.assertEqual(mview.frame_info(fa).seq, 3)
        self.assertEqual(mview.frame_info(fa).dropped, 2)
        fb = b.next(timeout=5)      # the same for b, which then leaves
        del fb
        b.close()
        v = samples(self.metrics())
        lab = {("name", name)}
        self.assertEqual(one(v, "mview_stream_frames_published_total", lab), 3)
        self.assertEqual(one(v, "mview_stream_frames_dropped_total", lab), 4)
        self.assertEqual(one(v, "mview_stream_consumers", lab), 1)
        self.assertEqual(one(v, "mview_stream_holds", lab), 1)
        self.assertEqual(one(v, "mview_stream_producer", lab), 1)
        idl = {("name", "m/idle")}
        self.assertEqual(one(v, "mview_stream_producer", idl), 0)
        self.assertEqual(one(v, "mview_stream_frames_published_total", idl), 0)
        self.assertEqual(one(v, "mview_streams", {("state", "live")}), 2)
        self.assertEqual(one(v, "mview_streams", {("state", "deleted")}), 0)
        self.assertEqual(one(v, "mview_streams_frames_published_total"), 3)
        self.assertEqual(one(v, "mview_streams_frames_dropped_total"), 4)
        self.assertEqual(one(v, "mview_streams_producers"), 1)
        self.assertEqual(one(v, "mview_streams_consumers"), 1)
        self.assertEqual(one(v, "mview_streams_holds"), 1)
        self.assertEqual(one(v, "mview_streams_unlabelled"), 0)
        self.assertGreaterEqual(one(v, "mview_stream_bytes"), 6 * 64 + 2 * 8)
        # stat says the same (the daemon reads the stream's memory).
        si = c.stream_stat(name)
        self.assertEqual((si.published, si.holds, si.dropped, si.consumers),
                         (3, 1, 4, 1))
        # Deleted while attached: in the totals, without a series.
        c.delete_stream(name)
        del fa
        v = samples(self.metrics())
        self.assertEqual(one(v, "mview_streams", {("state", "deleted")}), 1)
        self.assertEqual(one(v, "mview_streams_holds"), 0)
        self.assertNotIn(("mview_stream_producer", frozenset(lab)), v)
        a.close()
        p.close()
        v = samples(self.metrics())
        self.assertEqual(one(v, "mview_streams", {("state", "deleted")}), 0)
        self.assertEqual(one(v, "mview_streams_producers"), 0)
        c.delete_stream("m/idle")
        c.close()

    def test_unlabelled(self):
        # Past 256 live streams, the rest is only in the totals.
        c = mview.connect(self.daemon.socket)
        names = many_streams(c, 258)
        try:
            v = samples(self.metrics())
            self.assertEqual(v[("mview_streams_unlabelled", frozenset())], 2)
            self.assertEqual(labelled(v), names[:256])
        finally:
            for n in names:
                c.delete_stream(n)
            c.close()

    def test_no_service_manager(self):
        # Started without one: nothing restored, nothing journaled.
        v = samples(self.metrics())
        self.assertEqual(v[("mview_restarts_total", frozenset())], 0)
        self.assertEqual(v[("mview_persistence_enabled", frozenset())], 0)
        self.assertEqual(v[("mview_journal_bytes", frozenset())], 0)
        self.assertEqual(v[("mview_journal_records", frozenset())], 0)
        self.assertEqual(v[("mview_restored", frozenset({("what", "segments")}))], 0)
        created = v[("mview_registry_created_time_seconds", frozenset())]
        start = v[("mview_start_time_seconds", frozenset())]
        self.assertLessEqual(abs(created - start), 5)
        self.assertLessEqual(created, time.time())

    def test_library(self):
        c = mview.connect(self.daemon.socket)
        c.status()
        text = self.metrics()
        self.assertTrue(text.endswith("\n"))
        self.assertIn("# TYPE mview_requests_total counter", text)
        c.close()


@unittest.skipIf(text_string_to_metric_families is None,
                 "python3-prometheus-client is not installed")
class TestMetricsBudget(DaemonTestCase):
    """With the default 64 KiB packet, per-stream series stop where the
    reply would no longer fit; the totals still count every stream."""
    daemon_args = ("--max-streams-per-uid=300",)

    def test_budget(self):
        c = mview.connect(self.daemon.socket)
        names = many_streams(c, 256)
        try:
            text = subprocess.run([CTL, "-S", self.daemon.socket, "metrics"],
                                  check=True, capture_output=True,
                                  text=True).stdout
            self.assertLessEqual(len(text), 64 << 10)
            v = samples(text)
            got = labelled(v)
            self.assertGreater(len(got), 16)
            self.assertLess(len(got), 256)
            self.assertEqual(got, names[:len(got)])
            self.assertEqual(v[("mview_streams_unlabelled", frozenset())],
                             256 - len(got))
            self.assertEqual(v[("mview_streams", frozenset({("state", "live")}))], 256)
        finally:
            for n in names:
                c.delete_stream(n)
            c.close()


@unittest.skipIf(text_string_to_metric_families is None,
                 "python3-prometheus-client is not installed")
@unittest.skipUnless(os.geteuid() == 0, "needs root to connect as many uids")
class TestMetricsManyUids(DaemonTestCase):
    """300 uids of ten digits connected at once: the per-uid series stop
    where the reply would no longer fit (they used to make the whole
    reply too big for the default 64 KiB packet, and metrics failed with
    EMSGSIZE for everyone); mview_uids_unlabelled counts the others."""
    daemon_args = ("--socket-mode=0666",)
    NUIDS = 300
    BASE = 4000000000

    def connect_as_many_uids(self):
        """Children of NUIDS uids, each connected; their pids and the pipe
        whose closing lets them go."""
        os.chmod(self.daemon.dir, 0o711)
        ready_r, ready_w = os.pipe()
        go_r, go_w = os.pipe()
        pids = []
        for i in range(self.NUIDS):
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    os.close(ready_r)
                    os.close(go_w)
                    uid = self.BASE + i
                    os.setresgid(uid, uid, uid)
                    os.setresuid(uid, uid, uid)
                    c = mview.connect(self.daemon.socket)
                    os.write(ready_w, b"y")
                    os.read(go_r, 1)
                    c.close()
                    code = 0
                finally:
                    os._exit(code)
            pids.append(pid)
        os.close(ready_w)
        os.close(go_r)
        got = b""
        while len(got) < self.NUIDS:
            b = os.read(ready_r, self.NUIDS)
            if not b:
                break
            got += b
        os.close(ready_r)
        return pids, go_w, len(got)

    def test_many_uids(self):
        pids, go_w, connected = self.connect_as_many_uids()
        try:
            self.assertEqual(connected, self.NUIDS)
            text = subprocess.run([CTL, "-S", self.daemon.socket, "metrics"],
                                  check=True, capture_output=True,
                                  text=True).stdout
            self.assertLessEqual(len(text), 64 << 10)
            v = samples(text)
            uids = [dict(k[1])["uid"] for k in v if k[0] == "mview_uid_fds"]
            self.assertGreater(len(uids), 16)
            self.assertLess(len(uids), 256)
            for fam in ("mview_uid_bytes", "mview_uid_segments",
                        "mview_uid_views", "mview_uid_sessions",
                        "mview_uid_held_bytes"):
                self.assertEqual(sorted(dict(k[1])["uid"] for k in v
                                        if k[0] == fam), sorted(uids))
            # Every connected uid (and root's, for mviewctl) is charged.
            self.assertEqual(v[("mview_uids_unlabelled", frozenset())],
                             self.NUIDS + 1 - len(uids))
            self.assertGreater(v[("mview_sessions", frozenset())],
                               self.NUIDS)
        finally:
            os.close(go_w)
            for pid in pids:
                os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
