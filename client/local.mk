# SPDX-License-Identifier: MIT
# client/: libmviewclient (its public API is include/mview.h).

pkgconfig_DATA += %D%/libmviewclient.pc
EXTRA_DIST += %D%/libmviewclient.sym

# The library's sources; view-algebra.c is the local view algebra.
mviewclient_sources = \
	%D%/client-internal.h \
	%D%/client-wire.h \
	%D%/client.c \
	%D%/conn.c \
	%D%/conn.h \
	%D%/events.c \
	%D%/list.c \
	%D%/mapping.c \
	%D%/replay.c \
	%D%/request.c \
	%D%/segment.c \
	%D%/status.c \
	%D%/sessions.c \
	%D%/strerror.c \
	%D%/stream.c \
	%D%/text.c \
	%D%/view.c \
	%D%/view-algebra.c
mviewclient_cflags = $(AM_CFLAGS) -fvisibility=hidden $(PROTOBUF_C_CFLAGS)

lib_LTLIBRARIES += %D%/libmviewclient.la
%C%_libmviewclient_la_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_libmviewclient_la_SOURCES = $(mviewclient_sources)
%C%_libmviewclient_la_CFLAGS = $(mviewclient_cflags)
%C%_libmviewclient_la_LIBADD = common/libmviewcommon.la $(PROTOBUF_C_LIBS)
%C%_libmviewclient_la_LDFLAGS = $(AM_LDFLAGS) \
	-version-info $(LIBMVIEWCLIENT_VERSION_INFO) -no-undefined \
	-Wl,--version-script=$(srcdir)/%D%/libmviewclient.sym
EXTRA_%C%_libmviewclient_la_DEPENDENCIES = %D%/libmviewclient.sym

# The same objects, internals reachable, for the unit tests.
if HAVE_CMOCKA
check_LTLIBRARIES += %D%/libmviewclient-test.la
%C%_libmviewclient_test_la_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_libmviewclient_test_la_SOURCES = $(mviewclient_sources)
%C%_libmviewclient_test_la_CFLAGS = $(mviewclient_cflags)
%C%_libmviewclient_test_la_LIBADD = common/libmviewcommon.la $(PROTOBUF_C_LIBS)
endif
