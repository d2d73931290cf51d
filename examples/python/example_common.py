# SPDX-License-Identifier: MIT
"""What the example pairs share: one process waiting for the other.

Imported by the scripts next to it (Python puts a script's own folder on
sys.path), so run them from anywhere."""
import time

import mview


def wait_for(c, name, timeout, write=False):
    """The view published under name, waiting up to timeout seconds for it."""
    w = c.watch(name)               # before the lookup: no event is missed
    try:
        return c.lookup(name, write=write)
    except mview.NotFoundError:
        pass
    while True:
        ev = w.get(timeout)
        if ev is None:
            raise TimeoutError("nothing published as %s" % name)
        if ev.type == "view_published" and ev.name == name:
            return c.lookup(name, write=write)


def wait_word(ctl, i, value, deadline):
    """Spin until ctl[i] == value (the other side's write), or time out
    at deadline (time.monotonic())."""
    while ctl[i] != value:
        if time.monotonic() > deadline:
            raise TimeoutError("the other side did not answer: "
                               "word %d is %d, want %d" % (i, ctl[i], value))
        time.sleep(0.0005)
