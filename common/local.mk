# SPDX-License-Identifier: MIT
# common/: code the daemon and the client share, no I/O policy.

# The view algebra: pure C, no I/O, no protobuf (also linked by tests).
noinst_LTLIBRARIES += %D%/libmviewalgebra.la
%C%_libmviewalgebra_la_SOURCES = \
	%D%/view.h \
	%D%/view.c

# Wire framing, fd passing, protobuf packing with a capped allocator, utils.
noinst_LTLIBRARIES += %D%/libmviewcommon.la
%C%_libmviewcommon_la_SOURCES = \
	%D%/wire.h \
	%D%/wire.c \
	%D%/util.h \
	%D%/util.c
%C%_libmviewcommon_la_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS)
%C%_libmviewcommon_la_LIBADD = common/libmviewalgebra.la proto/libmviewproto.la $(PROTOBUF_C_LIBS)
