#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The other side of frames_producer.py: reads a cropped, strided sub-view
of each frame of the stream as a NumPy array, without copying a byte.
Run as many as the producer's --consumers."""
import argparse
import sys

import numpy as np

import mview
from example_common import open_stream


def check(frame, k):
    """Every other row and column of the centre, channels reversed: a view
    of the shared slot that NumPy reads in place. True when it holds
    frame k's pixels."""
    h, w, _ = frame.shape
    y0, y1, x0, x1 = h // 4, 3 * h // 4, w // 4, 3 * w // 4
    a = np.asarray(frame[y0:y1:2, x0:x1:2, ::-1])
    assert not a.flags.writeable and not a.flags.owndata
    assert a.strides == (2 * w * 3, 2 * 3, -1), a.strides
    assert np.shares_memory(a, np.asarray(frame))
    ys = np.arange(y0, y1, 2, dtype=np.int64)[:, None]
    xs = np.arange(x0, x1, 2, dtype=np.int64)[None, :]
    ok = (np.array_equal(a[:, :, 0], np.full(a.shape[:2], k % 256)) and
          np.array_equal(a[:, :, 1], (xs + k) % 256 + 0 * ys) and
          np.array_equal(a[:, :, 2], (ys + k) % 256 + 0 * xs))
    return ok, a


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--socket", help="mviewd's socket")
    ap.add_argument("--prefix", default="frames/")
    ap.add_argument("--frames", type=int, default=10)
    ap.add_argument("--timeout", type=float, default=30.0)
    args = ap.parse_args()

    c = mview.connect(args.socket)
    s = open_stream(c, args.prefix + "camera", args.timeout,
                    policy="lossless")          # every frame, in order
    bad = seen = 0
    for f in s.frames(timeout=args.timeout):
        k = mview.frame_info(f).seq
        ok, a = check(f, k)
        if seen == 0:
            print("consumer: crop %s strides %s of frame %s, no copy" % (
                a.shape, a.strides, f.shape), flush=True)
        bad += not ok
        seen += 1
        print("consumer: frame %d: crop mean %.2f %s" % (
            k, a.mean(), "ok" if ok else "WRONG"), flush=True)
        del a, f                        # the slot goes back to the producer
        if k == args.frames:
            break
    s.close()
    c.close()
    if seen != args.frames:
        print("consumer: %d frames of %d" % (seen, args.frames), flush=True)
    return 1 if bad or seen != args.frames else 0


if __name__ == "__main__":
    sys.exit(main())
