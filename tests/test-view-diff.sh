#!/bin/sh
# SPDX-License-Identifier: MIT
# Differential test of the view algebra against CPython's memoryview and
# NumPy (tests/diff/view-diff.py); skipped without a Python that has NumPy.
if [ -z "$NUMPY_PYTHON" ]; then
	echo "NUMPY_PYTHON is not set (no Python with NumPy): skipping"
	exit 77
fi
PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE
exec "$NUMPY_PYTHON" "$MVIEW_TOP_SRCDIR/tests/diff/view-diff.py" \
    --driver "$MVIEW_TOP_BUILDDIR/tests/diff/view-driver"
