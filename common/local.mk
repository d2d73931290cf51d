# SPDX-License-Identifier: MIT
# common/: code the daemon and the client share, no I/O policy.

# The view algebra: pure C, no I/O, no protobuf (also linked by tests).
noinst_LTLIBRARIES += %D%/libmviewalgebra.la
%C%_libmviewalgebra_la_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_libmviewalgebra_la_SOURCES = \
	%D%/view.h \
	%D%/view-internal.h \
	%D%/view-bounds.c \
	%D%/view-cast.c \
	%D%/view-copy.c \
	%D%/view-element.c \
	%D%/view-error.c \
	%D%/view-format.c \
	%D%/view-half.c \
	%D%/view-hex.c \
	%D%/view-index.c \
	%D%/view-key.c \
	%D%/view-reshape.c \
	%D%/view-shape.c \
	%D%/view-subscript.c \
	%D%/view-text.c \
	%D%/view-tolist.c

# Stream rings (stream-ring.h), wire framing, fd passing, protobuf packing with a capped allocator, utils.
noinst_LTLIBRARIES += %D%/libmviewcommon.la
%C%_libmviewcommon_la_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_libmviewcommon_la_SOURCES = \
	%D%/desc-wire.c \
	%D%/desc-wire.h \
	%D%/stream-ring.h \
	%D%/stream-internal.h \
	%D%/stream-ring.c \
	%D%/stream-producer.c \
	%D%/stream-consumer.c \
	%D%/stream-wait.c \
	%D%/stream-clock.h \
	%D%/stream-clock.c \
	%D%/wire.h \
	%D%/wire.c \
	%D%/util.h \
	%D%/util.c
%C%_libmviewcommon_la_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS)
%C%_libmviewcommon_la_LIBADD = common/libmviewalgebra.la proto/libmviewproto.la $(PROTOBUF_C_LIBS)
