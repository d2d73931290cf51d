#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""NumPy across processes: a producer renders frames into a published
uint8 [H, W, 3] view; frames_consumer.py reads a cropped, strided sub-view
of them as a NumPy array without copying.

The two sides hand frames over through a second shared view, two uint64
words [seq, ack]: the producer writes frame k, then sets seq = k; the
consumer reads it, then sets ack = k. Frame k has, at row y and column x,
the pixel ((y + k) % 256, (x + k) % 256, k % 256).
"""
import argparse
import sys
import time

import numpy as np

import mview
from example_common import wait_word


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--socket", help="mviewd's socket")
    ap.add_argument("--prefix", default="frames/")
    ap.add_argument("--frames", type=int, default=10)
    ap.add_argument("--height", type=int, default=480)
    ap.add_argument("--width", type=int, default=640)
    ap.add_argument("--timeout", type=float, default=30.0)
    args = ap.parse_args()
    p, h, w = args.prefix, args.height, args.width

    c = mview.connect(args.socket)
    frame = c.create(None, h * w * 3, lifetime="session").view(
        "B", shape=(h, w, 3))
    ctl = c.create(None, 16, lifetime="session").view("Q", shape=[2])
    c.publish(p + "latest", frame, replace=True)
    c.publish(p + "ctl", ctl, replace=True)    # last: the consumer waits for it

    a = np.asarray(frame)          # the shared memory itself, writable
    ys = np.arange(h, dtype=np.int64)[:, None]
    xs = np.arange(w, dtype=np.int64)[None, :]
    print("producer: publishing %d frames of %dx%dx3 as %slatest" % (
        args.frames, h, w, p), flush=True)
    start = time.monotonic()
    deadline = start + args.timeout
    for k in range(1, args.frames + 1):
        wait_word(ctl, 1, k - 1, deadline)      # the consumer is done with k-1
        a[:, :, 0] = (ys + k) % 256
        a[:, :, 1] = (xs + k) % 256
        a[:, :, 2] = k % 256
        ctl[0] = k
    wait_word(ctl, 1, args.frames, deadline)
    print("producer: %d frames consumed in %.3fs" % (
        args.frames, time.monotonic() - start), flush=True)
    for name in ("latest", "ctl"):
        c.unpublish(p + name)
    c.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
