#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""NumPy across processes: a producer renders frames into a stream of
uint8 [H, W, 3] frames; frames_consumer.py (one or several) reads a
cropped, strided sub-view of each as a NumPy array without copying.

The stream hands the frames over: the producer loans a slot, renders
frame k into it and publishes it; a consumer holding frame k never sees
it change, and a lossless consumer (what frames_consumer.py asks for)
gets every frame, the producer waiting while it is a full ring behind.
Frame k has, at row y and column x, the pixel
((y + k) % 256, (x + k) % 256, k % 256).
"""
import argparse
import sys
import time

import numpy as np

import mview
from example_common import wait_consumers, wait_gone


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--socket", help="mviewd's socket")
    ap.add_argument("--prefix", default="frames/")
    ap.add_argument("--frames", type=int, default=10)
    ap.add_argument("--consumers", type=int, default=1,
                    help="consumers to wait for before the first frame")
    ap.add_argument("--height", type=int, default=480)
    ap.add_argument("--width", type=int, default=640)
    ap.add_argument("--timeout", type=float, default=30.0)
    args = ap.parse_args()
    p, h, w = args.prefix, args.height, args.width

    c = mview.connect(args.socket)
    c.create_stream(p + "camera", format="B", shape=(h, w, 3), slots=4,
                    mode=0o644, lifetime="session")
    s = c.open_stream(p + "camera", producer=True)
    deadline = time.monotonic() + args.timeout
    wait_consumers(s, args.consumers, deadline)

    ys = np.arange(h, dtype=np.int64)[:, None]
    xs = np.arange(w, dtype=np.int64)[None, :]
    print("producer: publishing %d frames of %dx%dx3 on %scamera to %d "
          "consumer(s)" % (args.frames, h, w, p, args.consumers), flush=True)
    start = time.monotonic()
    for k in range(1, args.frames + 1):
        # Waits while a lossless consumer is a full ring behind.
        with s.loan(timeout=max(deadline - time.monotonic(), 0)) as f:
            a = np.asarray(f)               # the slot itself, writable
            a[:, :, 0] = (ys + k) % 256
            a[:, :, 1] = (xs + k) % 256
            a[:, :, 2] = k % 256
            del a                           # no export left at publish
    wait_gone(s, deadline)                  # each consumer took them all
    print("producer: %d frames consumed in %.3fs" % (
        args.frames, time.monotonic() - start), flush=True)
    s.close()
    c.delete_stream(p + "camera")
    c.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
