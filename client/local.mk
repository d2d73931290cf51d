# SPDX-License-Identifier: MIT
# client/: libmviewclient (its public API is include/mview.h).

pkgconfig_DATA += %D%/libmviewclient.pc
EXTRA_DIST += %D%/libmviewclient.sym

# The library's sources, by layer from the bottom (docs/architecture.md):
# the connection; reconnect-and-replay and the request above it; the
# handle and the library's private declarations; the mapping cache and
# the event queue; the API's requests; the local view algebra and text.
mviewclient_sources = \
	%D%/conn.c %D%/conn.h \
	%D%/replay.c %D%/request.c \
	%D%/client.c %D%/client-internal.h %D%/client-wire.h \
	%D%/mapping.c %D%/events.c \
	%D%/segment.c %D%/view.c %D%/list.c %D%/status.c %D%/sessions.c \
	%D%/stream.c \
	%D%/view-algebra.c %D%/text.c %D%/strerror.c
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
