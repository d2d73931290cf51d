# SPDX-License-Identifier: MIT
"""Consume a stream of RGB frames with NumPy, without copying them.

Pairs with examples/mview-stream (produce): each frame is a NumPy array
over the stream's shared memory; row y of frame seq holds the byte
(seq + y) % 256, so the consumer checks the first and last pixel of every
row of every frame it sees (examples/mview-stream torn checks every byte)
and prints,
once a second, its frame rate, the frames it skipped (the 'latest' policy
never slows the producer) and a checksum of the last frame.

    python3 stream_consumer.py [--socket PATH] [--name demo/camera]
                               [--seconds 3] [--policy latest|lossless]
"""
import argparse
import sys
import time

import numpy

import mview


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--socket", default=None)
    ap.add_argument("--name", default="demo/camera")
    ap.add_argument("--seconds", type=float, default=3.0,
                    help="stop after this long (default 3)")
    ap.add_argument("--policy", default="latest",
                    choices=("latest", "lossless"))
    ap.add_argument("--wait", type=float, default=10.0,
                    help="seconds to wait for the stream to appear")
    args = ap.parse_args()

    c = mview.connect(args.socket)
    deadline = time.monotonic() + args.wait
    while True:                     # the producer may not be there yet
        try:
            s = c.open_stream(args.name, policy=args.policy)
            break
        except mview.NotFoundError:
            if time.monotonic() > deadline:
                sys.exit("no stream %s" % args.name)
            time.sleep(0.05)

    start = tick = end = time.monotonic()
    frames = torn = dropped = 0
    last_frames = 0
    checksum = 0
    for f in s.frames(timeout=2.0):     # ends 2 s after the last frame
        info = mview.frame_info(f)
        a = numpy.asarray(f)            # (1080, 1920, 3) uint8, no copy
        rows = (info.seq + numpy.arange(a.shape[0])) % 256
        if not (a[:, [0, -1], :] == rows[:, None, None]).all():
            torn += 1
        checksum = int(a.sum(dtype=numpy.uint64))
        del a, f                        # the producer may reuse the slot
        frames += 1
        dropped += info.dropped
        now = end = time.monotonic()
        if now - tick >= 1.0:
            print("[python consumer] %5.1f fps, %d dropped so far, "
                  "frame %d checksum %d" % ((frames - last_frames) /
                                            (now - tick), dropped,
                                            info.seq, checksum), flush=True)
            tick, last_frames = now, frames
        if now - start >= args.seconds:
            break
    elapsed = end - start
    print("[python consumer] %d frames as NumPy arrays in %.1f s "
          "(%.1f fps), %d dropped, %d torn, last checksum %d"
          % (frames, elapsed, frames / elapsed if elapsed > 0 else 0.0,
             dropped, torn, checksum), flush=True)
    s.close()
    c.close()
    return 1 if torn or not frames else 0


if __name__ == "__main__":
    sys.exit(main())
