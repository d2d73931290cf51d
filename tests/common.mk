# SPDX-License-Identifier: MIT
# common tests: the wire layer (framing, fd passing, capped unpacking).

if HAVE_CMOCKA
common_tests = %D%/test-wire
check_PROGRAMS += $(common_tests)
TESTS += $(common_tests)

%C%_test_wire_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_wire_SOURCES = %D%/test-wire.c
%C%_test_wire_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(PROTOBUF_C_CFLAGS)
%C%_test_wire_LDADD = common/libmviewcommon.la $(CMOCKA_LIBS) $(PROTOBUF_C_LIBS)
endif
