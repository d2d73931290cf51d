# SPDX-License-Identifier: MIT
# daemon/: mviewd. Everything but main() is in libmviewd.la so unit tests link it.

noinst_LTLIBRARIES += %D%/libmviewd.la
%C%_libmviewd_la_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_libmviewd_la_SOURCES = \
	%D%/access.c \
	%D%/access.h \
	%D%/clients.c \
	%D%/clients.h \
	%D%/config.c \
	%D%/config.h \
	%D%/dispatch.c \
	%D%/dispatch.h \
	%D%/dispatch-segment.c \
	%D%/dispatch-session.c \
	%D%/dispatch-stream.c \
	%D%/dispatch-view.c \
	%D%/errmsg.c \
	%D%/errmsg.h \
	%D%/hash.c \
	%D%/hash.h \
	%D%/journal.c \
	%D%/journal.h \
	%D%/limits.c \
	%D%/limits.h \
	%D%/listener.c \
	%D%/listener.h \
	%D%/listing.c \
	%D%/listing.h \
	%D%/log.c \
	%D%/log.h \
	%D%/metrics.c \
	%D%/metrics.h \
	%D%/memlimit.c \
	%D%/memlimit.h \
	%D%/notify.c \
	%D%/notify.h \
	%D%/notify-queue.c \
	%D%/notify-queue.h \
	%D%/options.c \
	%D%/options.h \
	%D%/peer.c \
	%D%/peer.h \
	%D%/persist.c \
	%D%/persist.h \
	%D%/persist-internal.h \
	%D%/persist-restore.c \
	%D%/persist-stream.c \
	%D%/registry.c \
	%D%/registry.h \
	%D%/registry-internal.h \
	%D%/registry-usage.c \
	%D%/registry-stream.c \
	%D%/registry-stream.h \
	%D%/registry-view.c \
	%D%/segment.c \
	%D%/segment.h \
	%D%/server.c \
	%D%/server.h \
	%D%/session.c \
	%D%/session.h \
	%D%/stream.c \
	%D%/stream.h \
	%D%/tree.c \
	%D%/tree.h \
	%D%/views.c \
	%D%/views.h \
	%D%/watch.c \
	%D%/watch.h
%C%_libmviewd_la_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(PROTOBUF_C_CFLAGS) \
	$(LIBSYSTEMD_CFLAGS) $(ZLIB_CFLAGS)
%C%_libmviewd_la_LIBADD = common/libmviewcommon.la $(LIBEVENT_LIBS) \
	$(PROTOBUF_C_LIBS) $(LIBSYSTEMD_LIBS) $(ZLIB_LIBS)

sbin_PROGRAMS += %D%/mviewd
%C%_mviewd_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_mviewd_SOURCES = %D%/mviewd.c
%C%_mviewd_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(PROTOBUF_C_CFLAGS) \
	$(LIBSYSTEMD_CFLAGS)
%C%_mviewd_LDADD = %D%/libmviewd.la common/libmviewcommon.la \
	$(LIBEVENT_LIBS) $(PROTOBUF_C_LIBS) $(LIBSYSTEMD_LIBS) $(ZLIB_LIBS)
