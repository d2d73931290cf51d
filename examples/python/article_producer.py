#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The article's three memoryview examples across two processes: this side.

Run it, then article_consumer.py in another process (same --socket and
--prefix). The producer publishes three views, waits until the consumer
says it is done (by publishing PREFIX/done), and prints what it reads:

  1. int16 [-2, -1, 0, 1, 2]; the consumer casts it to 'B' and sets byte 5
     to 4, so this side reads [-2, -1, 1024, 1, 2].
  2. 12 bytes 0..11; the consumer casts them to 'B' shape [3, 4] and sets
     [1, 2] = 99, so flat index 6 here reads 99.
  3. a 10-byte base and its slice [2:6]; the consumer writes index 3 of the
     base, and the slice (a view into the same memory) sees it at index 1.

Exit status 0 when every value is what memoryview would have given.
"""
import argparse
import array
import sys

import mview


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--socket", help="mviewd's socket (default: "
                    "$MVIEW_SOCKET or the system one)")
    ap.add_argument("--prefix", default="article/",
                    help="names live under it (default: %(default)s)")
    ap.add_argument("--timeout", type=float, default=30.0,
                    help="seconds to wait for the consumer")
    args = ap.parse_args()
    p = args.prefix

    c = mview.connect(args.socket)
    done = c.watch(p + "done")      # before anything the consumer may do

    # Session segments go away with this connection; mode 0o600 is enough
    # for a consumer running as the same user.
    ints = c.create(None, 10, lifetime="session").view("h")
    ints[:] = array.array("h", [-2, -1, 0, 1, 2])
    c.publish(p + "int16", ints, replace=True)

    twelve = c.create(None, 12, lifetime="session").view()
    twelve[:] = bytes(range(12))
    c.publish(p + "bytes12", twelve, replace=True)

    base = c.create(None, 10, lifetime="session").view()
    base[:] = bytes(range(10))
    piece = base[2:6]
    c.publish(p + "ten", base, replace=True)   # last: the consumer waits for it
    print("producer: published %sint16, %sbytes12, %sten; waiting" % (p, p, p),
          flush=True)

    ev = done.get(args.timeout)
    if ev is None:
        print("producer: no consumer within %gs" % args.timeout,
              file=sys.stderr)
        return 1

    ok = True

    def check(what, got, want):
        nonlocal ok
        print("producer: %-32s %r" % (what, got), flush=True)
        if got != want:
            print("producer:   expected %r" % (want,), file=sys.stderr)
            ok = False

    check("int16 view after the cast:", ints.tolist(), [-2, -1, 1024, 1, 2])
    check("flat index 6 of the 12 bytes:", twelve[6], 99)
    check("slice [2:6] of the base:", piece.tolist(), [2, 42, 4, 5])
    check("slice index 1:", piece[1], 42)
    for name in ("int16", "bytes12", "ten", "done"):
        try:
            c.unpublish(p + name)
        except mview.NotFoundError:
            pass
    c.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
