# SPDX-License-Identifier: MIT
"""Two processes sharing memory through the module: the article's examples
(examples/python/, run as separate processes), the NumPy frames example,
and a multiprocessing worker."""
import multiprocessing
import os
import subprocess
import sys
import unittest

import mview
from mviewtest import (TOP_SRCDIR, DaemonTestCase, main, numpy,
                       python_env)

EXAMPLES = os.path.join(TOP_SRCDIR, "examples", "python")


def worker(socket, name, q):
    """In a spawned process: add 1 to every element of a published view."""
    c = mview.connect(socket)
    v = c.lookup(name, write=True)
    for i in range(len(v)):
        v[i] += 1
    q.put((v.format, v.shape, os.getpid()))
    c.close()


class TestTwoProcesses(DaemonTestCase):
    def run_pair(self, producer, consumer, args=(), consumers=1):
        cmd = [sys.executable]
        common = ["--socket", self.daemon.socket,
                  "--prefix", self.name("ex") + "/", "--timeout", "60"]
        common += list(args)
        prod_args = ["--consumers", str(consumers)] if consumers > 1 else []
        prod = subprocess.Popen(cmd + [os.path.join(EXAMPLES, producer)] +
                                common + prod_args, env=python_env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        cons = [subprocess.Popen(cmd + [os.path.join(EXAMPLES, consumer)] +
                                 common, env=python_env(),
                                 stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
                for _ in range(consumers)]
        couts = []
        for p in cons:
            out, err = p.communicate(timeout=120)
            self.assertEqual(p.returncode, 0, out + err)
            couts.append(out)
        pout, perr = prod.communicate(timeout=120)
        self.assertEqual(prod.returncode, 0, pout + perr)
        return pout, couts

    def test_article_examples(self):
        pout, _ = self.run_pair("article_producer.py", "article_consumer.py")
        self.assertIn("[-2, -1, 1024, 1, 2]", pout)
        self.assertRegex(pout, r"flat index 6 of the 12 bytes: +99\n")
        self.assertIn("[2, 42, 4, 5]", pout)

    def test_numpy_frames(self):
        """The frames pair over a stream, with two lossless consumers:
        each sees every frame, in order, right, without a copy."""
        if numpy is None:
            self.skipTest("NumPy is not installed")
        pout, couts = self.run_pair("frames_producer.py",
                                    "frames_consumer.py", ["--frames", "5"],
                                    consumers=2)
        for cout in couts:
            self.assertIn("no copy", cout)
            self.assertNotIn("WRONG", cout)
            self.assertEqual(
                [line.split(":")[1].split()[1] for line in cout.splitlines()
                 if line.startswith("consumer: frame ")],
                ["1", "2", "3", "4", "5"])
        self.assertIn("5 frames consumed", pout)

    def test_multiprocessing_spawn(self):
        seg = self.segment(16)
        v = seg.view("i")
        v[:] = memoryview(bytes(16)).cast("i")
        name = self.name("view")
        self.c.publish(name, v)
        ctx = multiprocessing.get_context("spawn")
        q = ctx.Queue()
        procs = [ctx.Process(target=worker, args=(self.daemon.socket, name, q))
                 for _ in range(2)]
        for p in procs:
            p.start()
        got = [q.get(timeout=60) for _ in procs]
        for p in procs:
            p.join(60)
            self.assertEqual(p.exitcode, 0)
        self.assertEqual({g[:2] for g in got}, {("i", (4,))})
        self.assertEqual(v.tolist(), [2, 2, 2, 2])

    def test_readonly_across_processes(self):
        seg = self.segment(8)
        seg.view()[:] = bytes(range(8))
        name = self.name("view")
        self.c.publish(name, seg.view()[2:6])
        code = ("import mview, sys\n"
                "c = mview.connect(sys.argv[1])\n"
                "v = c.lookup(sys.argv[2])\n"
                "print(v.tolist(), v.readonly)\n"
                "try:\n"
                "    v[0] = 1\n"
                "except TypeError as e:\n"
                "    print(e)\n")
        r = subprocess.run([sys.executable, "-c", code, self.daemon.socket,
                            name], env=python_env(), capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.splitlines(),
                         ["[2, 3, 4, 5] True", "cannot modify read-only memory"])


if __name__ == "__main__":
    main()
