#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The Python rows of mview-bench: one line per row, "key ns ns ns ...".

  bench_py.py lookup SOCKET VIEW SEGMENT ITERS
      c.lookup(VIEW) + numpy.asarray(view), the segment unmapped in between
      (as C's open by name) and then held (mapped already).
  bench_py.py share-shm SIZES ITERS
  bench_py.py share-mview SOCKET SIZES ITERS
      make SIZES (comma-separated bytes) visible to a forked second
      process, which reads the last byte: multiprocessing.shared_memory
      (attach by name) or mview (publish; lookup + numpy.asarray).
      ITERS is comma-separated too, one per size.
"""
import os
import sys
import time

LABELS = {1024: "1K", 1 << 20: "1M", 64 << 20: "64M", 1 << 30: "1G"}


def emit(key, samples):
    print(key, *samples, flush=True)


def lookup(sock, view, segment, iters):
    import mview
    import numpy

    c = mview.connect(sock)
    ns = time.perf_counter_ns
    for key, hold in (("py.lookup", False), ("py.lookup_mapped", True)):
        seg = c.open(segment) if hold else None
        samples = []
        for i in range(iters + 50):
            t0 = ns()
            v = c.lookup(view)
            a = numpy.asarray(v)
            t1 = ns()
            del a
            v.release()
            if i >= 50:
                samples.append(t1 - t0)
        if seg is not None:
            seg.close()
        emit(key, samples)
    c.close()


def _consumer(rfd, wfd, attach):
    """Read a name, attach, read the last byte, ack; then clean up, ack."""
    with os.fdopen(rfd, "rb", buffering=0) as r:
        while True:
            line = r.readline()
            if not line:
                os._exit(0)
            name, size = line.split()
            obj, arr, done = attach(name.decode(), int(size))
            last = int(arr[-1])
            os.write(wfd, bytes([last]))
            del arr
            done(obj)
            os.write(wfd, b"R")


def _pair(attach):
    a_r, a_w = os.pipe()
    b_r, b_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        cpu = os.environ.get("MVIEW_BENCH_SERVER_CPU")
        if cpu:     # where mview-bench runs its own consumers
            os.sched_setaffinity(0, {int(cpu)})
        os.close(a_w)
        os.close(b_r)
        try:
            _consumer(a_r, b_w, attach())
        finally:
            os._exit(1)
    os.close(a_r)
    os.close(b_w)
    return pid, a_w, b_r


def _run(pid, wfd, rfd, sizes, iters, key, publish, unpublish):
    ns = time.perf_counter_ns
    for size, n in zip(sizes, iters):
        samples = []
        obj = publish(size, None, 0)
        for k in range(n + 1):
            t0 = ns()
            name = publish(size, obj, k)
            os.write(wfd, b"%s %d\n" % (name.encode(), size))
            if len(os.read(rfd, 1)) != 1:
                raise SystemExit("consumer died")
            t1 = ns()
            unpublish(obj, name)
            os.read(rfd, 1)
            if k > 0:
                samples.append(t1 - t0)
        publish(size, obj, -1)
        emit("%s.%s" % (key, LABELS.get(size, str(size))), samples)
    os.close(wfd)
    os.waitpid(pid, 0)
    os.close(rfd)


def share_shm(sizes, iters):
    import numpy
    from multiprocessing import resource_tracker, shared_memory

    def attach():
        def at(name, size):
            shm = shared_memory.SharedMemory(name=name)
            # The producer owns it: do not let this process unlink it.
            resource_tracker.unregister(shm._name, "shared_memory")
            return shm, numpy.ndarray((size,), numpy.uint8, shm.buf), \
                lambda s: s.close()
        return at

    def publish(size, shm, k):
        if k == 0 and shm is None:
            shm = shared_memory.SharedMemory(create=True, size=size)
            numpy.ndarray((size,), numpy.uint8, shm.buf).fill(0xAB)
            return shm
        if k < 0:
            shm.close()
            shm.unlink()
            return None
        return shm.name     # shared_memory's way: the name is the handle

    pid, wfd, rfd = _pair(attach)
    _run(pid, wfd, rfd, sizes, iters, "data.py_shm", publish,
         lambda o, n: None)


def share_mview(sock, sizes, iters):
    import mview
    import numpy

    def attach():
        c2 = mview.connect(sock)

        def at(name, size):
            v = c2.lookup(name)
            return v, numpy.asarray(v), lambda v: v.release()
        return at

    c = mview.connect(sock)
    state = {}

    def publish(size, seg, k):
        if k == 0 and seg is None:
            name = "bench.pyshare.%d.%d" % (os.getpid(), size)
            seg = c.create(name, size)
            v = seg.view()
            numpy.asarray(v)[:] = 0xAB
            state[size] = (name, v)
            return seg
        if k < 0:
            name, v = state.pop(size)
            v.release()
            seg.close()
            c.delete(name)
            return None
        name = "bench.pyshare.%d.%d.%d" % (os.getpid(), size, k)
        c.publish(name, state[size][1])
        return name

    pid, wfd, rfd = _pair(attach)
    _run(pid, wfd, rfd, sizes, iters, "data.py_mview", publish,
         lambda o, n: c.unpublish(n))
    c.close()


def main(argv):
    ints = lambda s: [int(x) for x in s.split(",")]
    if argv[1] == "lookup":
        lookup(argv[2], argv[3], argv[4], int(argv[5]))
    elif argv[1] == "share-shm":
        share_shm(ints(argv[2]), ints(argv[3]))
    elif argv[1] == "share-mview":
        share_mview(argv[2], ints(argv[3]), ints(argv[4]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
