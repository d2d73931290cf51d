# SPDX-License-Identifier: MIT
# The wire messages: protoc-c generates C into the build tree.
EXTRA_DIST += %D%/mview.proto

noinst_LTLIBRARIES += %D%/libmviewproto.la
%C%_libmviewproto_la_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
nodist_%C%_libmviewproto_la_SOURCES = %D%/mview.pb-c.c %D%/mview.pb-c.h
%C%_libmviewproto_la_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS) -Wno-cast-align
%C%_libmviewproto_la_LIBADD = $(PROTOBUF_C_LIBS)
BUILT_SOURCES += %D%/mview.pb-c.c %D%/mview.pb-c.h
CLEANFILES += %D%/mview.pb-c.c %D%/mview.pb-c.h

%D%/mview.pb-c.h: %D%/mview.pb-c.c
	@test -f $@ || { rm -f $<; $(MAKE) $(AM_MAKEFLAGS) $<; }
%D%/mview.pb-c.c: %D%/mview.proto
	$(AM_V_GEN)$(MKDIR_P) $(top_builddir)/proto && \
	$(PROTOC_C) --proto_path=$(top_srcdir)/proto --c_out=$(top_builddir)/proto $(top_srcdir)/proto/mview.proto
