# SPDX-License-Identifier: MIT
# common tests: the wire layer (framing, fd passing, capped unpacking) and
# the small helpers of util.c.

if HAVE_CMOCKA
common_tests = %D%/test-wire %D%/test-util
check_PROGRAMS += $(common_tests)
TESTS += $(common_tests)

%C%_test_wire_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_wire_SOURCES = %D%/test-wire.c
%C%_test_wire_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(PROTOBUF_C_CFLAGS)
%C%_test_wire_LDADD = common/libmviewcommon.la $(CMOCKA_LIBS) $(PROTOBUF_C_LIBS)
%C%_test_util_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_util_SOURCES = %D%/test-util.c
%C%_test_util_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
%C%_test_util_LDADD = common/libmviewcommon.la $(CMOCKA_LIBS) $(PROTOBUF_C_LIBS)
endif

# The stream ring over raw memfds (no daemon): unit tests, a property
# test, a multi-process torn-read stress (a longer soak: make check-soak).
if HAVE_CMOCKA
stream_tests = %D%/test-stream-ring %D%/test-stream-prop \
	%D%/test-stream-clock
check_PROGRAMS += $(stream_tests)
TESTS += $(stream_tests)

%C%_test_stream_ring_SOURCES = %D%/test-stream-ring.c %D%/stream-test.c \
	%D%/stream-test.h
%C%_test_stream_ring_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_stream_ring_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) -pthread
%C%_test_stream_ring_LDADD = common/libmviewcommon.la $(CMOCKA_LIBS) \
	$(PROTOBUF_C_LIBS) -lpthread
%C%_test_stream_clock_SOURCES = %D%/test-stream-clock.c
%C%_test_stream_clock_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_stream_clock_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
%C%_test_stream_clock_LDADD = common/libmviewcommon.la $(CMOCKA_LIBS) \
	$(PROTOBUF_C_LIBS)
%C%_test_stream_prop_SOURCES = %D%/test-stream-prop.c %D%/stream-test.c \
	%D%/stream-test.h
%C%_test_stream_prop_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_stream_prop_LDADD = common/libmviewcommon.la $(PROTOBUF_C_LIBS)
endif

stream_stress = %D%/test-stream-stress
check_PROGRAMS += $(stream_stress)
TESTS += $(stream_stress)
%C%_test_stream_stress_SOURCES = %D%/test-stream-stress.c %D%/stream-test.c \
	%D%/stream-test.h
%C%_test_stream_stress_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_stream_stress_LDADD = common/libmviewcommon.la $(PROTOBUF_C_LIBS)

# Twenty times the frames of make check's run (STREAM_SOAK=N for N times).
check-soak: $(stream_stress)
	$(builddir)/$(stream_stress) --soak $${STREAM_SOAK:-20}
.PHONY: check-soak
