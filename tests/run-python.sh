#!/bin/sh
# SPDX-License-Identifier: MIT
# Test driver for .py tests: runs them with the configured interpreter and
# the build tree's mview module on the path; exit 77 (skip) without one.
if [ -z "$MVIEW_PYTHON" ]; then
	echo "no Python with headers configured: skipping $1"
	exit 77
fi
PYTHONPATH="$MVIEW_TOP_BUILDDIR/python/.libs:$MVIEW_TOP_BUILDDIR/python:$MVIEW_TOP_SRCDIR/python:$MVIEW_TOP_SRCDIR/tests${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONPATH
# Keep __pycache__ out of the source tree (and distcheck's read-only one).
PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE
# In the sanitizer build the module needs the ASan runtime loaded first;
# the interpreter itself is not leak-clean, so leak detection is off for it.
if [ -n "${MVIEW_ASAN_PRELOAD:-}" ]; then
	LD_PRELOAD=$MVIEW_ASAN_PRELOAD${LD_PRELOAD:+:$LD_PRELOAD}
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
	MVIEW_SANITIZED=1
	export LD_PRELOAD ASAN_OPTIONS MVIEW_SANITIZED
fi
exec "$MVIEW_PYTHON" "$@"
