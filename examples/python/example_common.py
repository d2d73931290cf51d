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


def open_stream(c, name, timeout, **kw):
    """Open the stream name as a consumer, waiting up to timeout seconds
    for its producer to create it."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return c.open_stream(name, **kw)
        except mview.NotFoundError:
            if time.monotonic() > deadline:
                raise TimeoutError("no stream %s" % name) from None
            time.sleep(0.01)


def wait_consumers(s, n, deadline):
    """Wait until at least n consumers have opened the stream s, or time
    out at deadline (time.monotonic()). Only at start: frames themselves
    are handed over by the stream, never by polling."""
    while s.info().consumers < n:
        if time.monotonic() > deadline:
            raise TimeoutError("%d consumer(s) of %d came" % (
                s.info().consumers, n))
        time.sleep(0.01)


def wait_gone(s, deadline):
    """Wait until every consumer has closed the stream s."""
    while s.info().consumers > 0:
        if time.monotonic() > deadline:
            raise TimeoutError("%d consumer(s) still there" %
                               s.info().consumers)
        time.sleep(0.01)
