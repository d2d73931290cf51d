# SPDX-License-Identifier: MIT
"""mviewctl metrics: Prometheus text that prometheus_client's parser reads,
with the numbers the daemon holds (segments by state, bytes, requests and
errors by type, use per uid); and the timer's service unit verifies."""
import os
import subprocess
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


@unittest.skipIf(text_string_to_metric_families is None,
                 "python3-prometheus-client is not installed")
class TestMetrics(DaemonTestCase):
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

    def test_library(self):
        c = mview.connect(self.daemon.socket)
        c.status()
        text = self.metrics()
        self.assertTrue(text.endswith("\n"))
        self.assertIn("# TYPE mview_requests_total counter", text)
        c.close()


if __name__ == "__main__":
    main()
