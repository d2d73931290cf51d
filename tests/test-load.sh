#!/bin/sh
# SPDX-License-Identifier: MIT
# The load test, small enough for "make check": 32 clients for 8 seconds,
# 10% of them SIGKILLed. "make check-long" runs 256 and 1,000 clients.
exec "${MVIEW_TOP_BUILDDIR:-.}/tests/load/mview-load" --clients 32 \
    --seconds 8 --kill-percent 10
