#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The article's three memoryview examples across two processes: the
other side (see article_producer.py). It waits for the producer's views,
writes through them, and tells the producer by publishing PREFIX/done."""
import argparse
import sys

import mview
from example_common import wait_for


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--socket", help="mviewd's socket")
    ap.add_argument("--prefix", default="article/")
    ap.add_argument("--timeout", type=float, default=30.0)
    args = ap.parse_args()
    p = args.prefix

    c = mview.connect(args.socket)
    base = wait_for(c, p + "ten", args.timeout, write=True)  # published last
    ints = c.lookup(p + "int16", write=True)
    twelve = c.lookup(p + "bytes12", write=True)
    print("consumer: int16 %r, 12 bytes %r, base %r" % (
        ints.tolist(), twelve.tolist(), base.tolist()), flush=True)

    # 1. Bytes of the int16 array: byte 5 is the high byte of element 2.
    b = ints.cast("B")
    b[5] = 4
    print("consumer: cast to 'B', set [5] = 4:   %r" % b.tolist(), flush=True)

    # 2. 12 bytes as a 3x4 matrix.
    m = twelve.cast("B", [3, 4])
    m[1, 2] = 99
    print("consumer: cast to 'B' [3, 4], [1, 2] = 99: %r" % m.tolist(),
          flush=True)

    # 3. Write through the base; the producer's slice [2:6] sees it.
    base[3] = 42
    print("consumer: base[3] = 42:              %r" % base.tolist(), flush=True)

    c.publish(p + "done", base[0:1], replace=True)
    c.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
