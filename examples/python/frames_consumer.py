#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The other side of frames_producer.py: reads a cropped, strided sub-view
of each published frame as a NumPy array, without copying a byte."""
import argparse
import sys
import time

import numpy as np

import mview
from example_common import wait_for, wait_word


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--socket", help="mviewd's socket")
    ap.add_argument("--prefix", default="frames/")
    ap.add_argument("--frames", type=int, default=10)
    ap.add_argument("--timeout", type=float, default=30.0)
    args = ap.parse_args()
    p = args.prefix

    c = mview.connect(args.socket)
    ctl = wait_for(c, p + "ctl", args.timeout, write=True)
    frame = c.lookup(p + "latest")           # read-only is all we need
    h, w, _ = frame.shape
    y0, y1, x0, x1 = h // 4, 3 * h // 4, w // 4, 3 * w // 4

    # Every other row and column of the centre, channels reversed: a view
    # of the shared memory, and NumPy reads it in place.
    crop = frame[y0:y1:2, x0:x1:2, ::-1]
    a = np.asarray(crop)
    assert not a.flags.writeable and not a.flags.owndata
    assert a.strides == (2 * w * 3, 2 * 3, -1), a.strides
    assert np.shares_memory(a, np.asarray(frame))
    print("consumer: crop %s strides %s of frame %s, no copy" % (
        a.shape, a.strides, frame.shape), flush=True)

    ys = np.arange(y0, y1, 2, dtype=np.int64)[:, None]
    xs = np.arange(x0, x1, 2, dtype=np.int64)[None, :]
    deadline = time.monotonic() + args.timeout
    bad = 0
    for k in range(1, args.frames + 1):
        wait_word(ctl, 0, k, deadline)          # the producer wrote frame k
        ok = (np.array_equal(a[:, :, 0], np.full(a.shape[:2], k % 256)) and
              np.array_equal(a[:, :, 1], (xs + k) % 256 + 0 * ys) and
              np.array_equal(a[:, :, 2], (ys + k) % 256 + 0 * xs))
        if not ok:
            bad += 1
        print("consumer: frame %d: crop mean %.2f %s" % (
            k, a.mean(), "ok" if ok else "WRONG"), flush=True)
        ctl[1] = k
    c.close()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
