# SPDX-License-Identifier: MIT
"""Shared fixtures for the Python tests: a private mviewd per test class.

The daemon runs on a socket in a fresh mkdtemp directory, is waited for
without sleeping (its --ready-fd byte when it has one, else by connecting
with a short backoff), and is always stopped with SIGTERM (then SIGKILL)
and reaped, whatever the tests did.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import mview

TOP_BUILDDIR = os.environ.get("MVIEW_TOP_BUILDDIR", os.getcwd())
TOP_SRCDIR = os.environ.get("MVIEW_TOP_SRCDIR",
                            os.path.dirname(os.path.dirname(__file__)))
MVIEWD = os.environ.get("MVIEWD", os.path.join(TOP_BUILDDIR, "daemon", "mviewd"))

try:
    import numpy
except ImportError:  # the module's interpreter may have no NumPy
    numpy = None


def daemon_help():
    try:
        return subprocess.run([MVIEWD, "--help"], capture_output=True,
                              text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


_HELP = None


def _has_option(opt):
    global _HELP
    if _HELP is None:
        _HELP = daemon_help()
    return opt in _HELP


class Daemon:
    """One mviewd on a private socket."""

    def __init__(self, extra_args=()):
        self.dir = tempfile.mkdtemp(prefix="mview-py-")
        self.socket = os.path.join(self.dir, "mviewd.sock")
        self.proc = None
        self.extra_args = list(extra_args)

    def start(self, timeout=20.0):
        if not os.access(MVIEWD, os.X_OK):
            raise unittest.SkipTest("no mviewd at %s" % MVIEWD)
        args = [MVIEWD, "--socket", self.socket] + self.extra_args
        rfd = wfd = None
        if _has_option("--ready-fd"):
            rfd, wfd = os.pipe()
            args += ["--ready-fd", str(wfd)]
        self.log = open(os.path.join(self.dir, "mviewd.log"), "wb")
        self.proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=self.log,
            stderr=subprocess.STDOUT,
            pass_fds=(wfd,) if wfd is not None else ())
        if wfd is not None:
            os.close(wfd)
            try:
                self._wait_pipe(rfd, timeout)
            finally:
                os.close(rfd)
        else:
            self._wait_connect(timeout)
        return self

    def _wait_pipe(self, rfd, timeout):
        import select
        ready, _, _ = select.select([rfd], [], [], timeout)
        if not ready or not os.read(rfd, 1):
            self.stop()
            raise RuntimeError("mviewd did not get ready: %s" % self.logtext())

    def _wait_connect(self, timeout):
        deadline = time.monotonic() + timeout
        delay = 0.001
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("mviewd exited: %s" % self.logtext())
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            try:
                s.connect(self.socket)
                return
            except OSError:
                time.sleep(delay)
                delay = min(delay * 2, 0.05)
            finally:
                s.close()
        self.stop()
        raise RuntimeError("mviewd did not get ready: %s" % self.logtext())

    def logtext(self):
        try:
            with open(os.path.join(self.dir, "mviewd.log"), "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def kill(self, sig=signal.SIGTERM):
        """Stop the daemon but keep the directory (e.g. to restart)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def stop(self):
        self.kill()
        if getattr(self, "log", None) is not None:
            self.log.close()
            self.log = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def connect(self, **kw):
        return mview.connect(self.socket, **kw)


class DaemonTestCase(unittest.TestCase):
    """A daemon per test class; self.c is a fresh client per test."""

    daemon_args = ()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.daemon = Daemon(cls.daemon_args)
        cls.addClassCleanup(cls.daemon.stop)
        cls.daemon.start()

    def setUp(self):
        self.c = self.daemon.connect()
        self.addCleanup(self.c.close)
        self._n = 0
        self._arena = None
        self._arena_off = 0

    def name(self, what="seg"):
        """A name unique in this daemon."""
        self._n += 1
        return "%s/%s/%s/%d" % (type(self).__name__, self._testMethodName,
                                what, self._n)

    def segment(self, size, data=None, **kw):
        kw.setdefault("lifetime", "session")
        seg = self.c.create(self.name(), size, **kw)
        self.addCleanup(seg.close)
        if data is not None:
            seg.view()[:] = bytes(data)
        return seg

    def alloc(self, n):
        """A fresh 1-D 'B' View of n bytes at an 8-aligned offset."""
        if self._arena is None or self._arena_off + n + 8 > self._arena.size:
            self._arena = self.segment(max(1 << 16, n + 64))
            self._arena_off = 8
        v = self._arena.view("B", shape=[n], offset=self._arena_off)
        self._arena_off += (n + 7) // 8 * 8 + 8
        return v


def need_numpy():
    if numpy is None:
        raise unittest.SkipTest("NumPy is not installed for %s" %
                                sys.executable)


def python_env():
    """The environment for child Python processes: same module path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    return env


def main():
    """unittest.main(), but exit 77 (automake's SKIP) when all skipped."""
    prog = unittest.main(exit=False, verbosity=int(
        os.environ.get("MVIEW_TEST_VERBOSE", "2")))
    r = prog.result
    if not r.wasSuccessful():
        sys.exit(1)
    if r.skipped and len(r.skipped) >= r.testsRun:
        sys.exit(77)
    sys.exit(0)
