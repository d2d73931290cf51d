# SPDX-License-Identifier: MIT
# bench/: mview-bench. Built by "make", run by "make bench" against
# a private mviewd it starts itself; never part of "make check".
#   make bench                          the full run (a few minutes on 2 cores)
#   make bench BENCH_FLAGS=--quick      about a minute
#   make bench BENCH_FLAGS='--populate --hugetlb'
#   make bench-plot                     bench/bench.json -> bench/bench.png + .md

noinst_PROGRAMS += %D%/mview-bench
%C%_mview_bench_SOURCES = \
	%D%/bench.h \
	%D%/mview-bench.c \
	%D%/bench-algebra.c \
	%D%/bench-control.c \
	%D%/bench-data.c \
	%D%/bench-floor.c \
	%D%/bench-proc.c \
	%D%/bench-python.c \
	%D%/bench-report.c \
	%D%/bench-scale.c \
	%D%/bench-stats.c \
	%D%/bench-tput.c \
	tests/daemon-harness.c \
	tests/daemon-harness.h
%C%_mview_bench_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests
%C%_mview_bench_LDADD = client/libmviewclient.la %D%/libbenchstream.la -lm

# The stream rows measure the ring through libmviewclient and directly
# (common/), and iceoryx as a peer when configure found its C binding.
noinst_LTLIBRARIES += %D%/libbenchstream.la
%C%_libbenchstream_la_SOURCES = %D%/bench-stream.c %D%/bench-stream.h \
	%D%/bench-stream-api.c
%C%_libbenchstream_la_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS) -I$(top_srcdir)/tests
%C%_libbenchstream_la_LIBADD = common/libmviewcommon.la $(PROTOBUF_C_LIBS)
if HAVE_ICEORYX
%C%_libbenchstream_la_SOURCES += %D%/bench-iceoryx.c
%C%_libbenchstream_la_CPPFLAGS += $(ICEORYX_CFLAGS)
%C%_libbenchstream_la_LIBADD += $(ICEORYX_LIBS)
endif
EXTRA_DIST += %D%/bench-iceoryx.c

# The listing attack: a bystander's round trip while 16 clients with no
# access list 200,000 views (make bench-list; BENCH_LIST_FLAGS=--help).
noinst_PROGRAMS += %D%/bench-list
%C%_bench_list_SOURCES = \
	%D%/bench-list.c \
	tests/daemon-harness.c \
	tests/daemon-harness.h \
	tests/raw-client.c \
	tests/raw-client.h
%C%_bench_list_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS) -I$(top_srcdir)/tests
%C%_bench_list_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS)
%C%_bench_list_LDADD = common/libmviewcommon.la $(PROTOBUF_C_LIBS)

BENCH_LIST_FLAGS =
bench-list: %D%/bench-list daemon/mviewd bench-force
	$(builddir)/%D%/bench-list --mviewd='$(abs_builddir)/daemon/mviewd' \
	  $(BENCH_LIST_FLAGS)

EXTRA_DIST += %D%/bench_py.py %D%/plot.py
CLEANFILES += %D%/bench.json %D%/bench.png %D%/bench.md

BENCH_FLAGS =
bench_python = py='$(MVIEW_PYTHON)'; test -n "$$py" || py=/usr/bin/python3

bench: %D%/mview-bench daemon/mviewd bench-force
	@$(bench_python); \
	$(builddir)/%D%/mview-bench --mviewd='$(abs_builddir)/daemon/mviewd' \
	  --python="$$py" --python-path='$(abs_builddir)/python/.libs' \
	  --scripts='$(abs_srcdir)/%D%' --json='$(abs_builddir)/%D%/bench.json' \
	  $(BENCH_FLAGS)

bench-plot: bench-force
	@$(bench_python); \
	"$$py" '$(abs_srcdir)/%D%/plot.py' '$(abs_builddir)/%D%/bench.json' \
	  --png '$(abs_builddir)/%D%/bench.png' --md '$(abs_builddir)/%D%/bench.md'

# "bench" is also a directory: a target with no file makes it always run
# (a .PHONY here would clash with python/local.mk's conditional one).
bench-force:
