# SPDX-License-Identifier: MIT
# examples/: the article's memoryview examples, across two processes, on the
# public API only. run-demo.sh starts a private mviewd and runs them; it is
# also a test (MVIEW_TOP_BUILDDIR tells it where the build is).
noinst_PROGRAMS += %D%/mview-demo
%C%_mview_demo_SOURCES = %D%/mview-demo.c
%C%_mview_demo_LDADD = client/libmviewclient.la

# Streams: a 1080p RGB producer, a checking consumer, the torn-frame case.
noinst_PROGRAMS += %D%/mview-stream
%C%_mview_stream_SOURCES = %D%/mview-stream.c
%C%_mview_stream_LDADD = client/libmviewclient.la

dist_noinst_SCRIPTS += %D%/run-demo.sh
# The Python pairs (listed in python/local.mk) share their waiting helpers.
EXTRA_DIST += %D%/python/example_common.py
TESTS += %D%/run-demo.sh
