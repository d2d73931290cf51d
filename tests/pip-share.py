# SPDX-License-Identifier: MIT
"""Run by test-python-pip.sh with a venv's Python: the pip-installed mview
shares a view with a second process through the mviewd at $MVIEW_SOCKET."""
import os
import subprocess
import sys

import mview

CHILD = """
import mview, sys
c = mview.connect()
v = c.lookup("pip/data", write=True)
assert v.tolist() == list(range(6)), v.tolist()
v[0] = 42
print(mview.__file__)
"""


def main():
    prefix = sys.argv[1]
    if not mview.__file__.startswith(prefix):
        sys.exit("mview comes from %s, not the venv %s" % (mview.__file__,
                                                          prefix))
    c = mview.connect()
    seg = c.create("pip/seg", 48, lifetime="session")
    v = seg.view("q")
    v[:] = memoryview(bytes(48)).cast("q")
    for i in range(6):
        v[i] = i
    c.publish("pip/data", v)
    out = subprocess.run([sys.executable, "-c", CHILD], check=True,
                         capture_output=True, text=True).stdout
    if not out.startswith(prefix):
        sys.exit("the child imported mview from %s" % out)
    if v[0] != 42:
        sys.exit("the child's write is not seen: %r" % v.tolist())
    try:
        import numpy
    except ImportError:
        print("# NumPy is not importable: zero-copy check skipped")
    else:
        a = numpy.asarray(v)
        a[1] = 7
        assert v[1] == 7 and a.dtype == numpy.int64
    print("ok: shared through %s" % os.environ["MVIEW_SOCKET"])


if __name__ == "__main__":
    main()
