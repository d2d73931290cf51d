# SPDX-License-Identifier: MIT
# python/: the mview CPython extension, on the public libmviewclient API only.

EXTRA_DIST += %D%/mview.pyi pyproject.toml setup.py \
	examples/python/article_producer.py \
	examples/python/article_consumer.py \
	examples/python/frames_producer.py \
	examples/python/frames_consumer.py \
	examples/python/stream_consumer.py \
	examples/python/README.md

if HAVE_PYTHON
mview_python_LTLIBRARIES = %D%/mview.la
%C%_mview_la_SOURCES = \
	%D%/mviewmodule.h \
	%D%/dlpack.h \
	%D%/mviewmodule.c \
	%D%/errors.c \
	%D%/client.c \
	%D%/watch.c \
	%D%/stream.c \
	%D%/info.c \
	%D%/segment.c \
	%D%/view.c \
	%D%/view-buffer.c \
	%D%/view-index.c \
	%D%/view-methods.c \
	%D%/view-export.c \
	%D%/numpy.c \
	%D%/pickle.c
# Python's headers are not ours: keep our warnings off them.
%C%_mview_la_CPPFLAGS = $(AM_CPPFLAGS) \
	$(subst -I,-isystem ,$(PYTHON_CPPFLAGS))
%C%_mview_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden \
	-fno-strict-aliasing
# No -no-undefined: the interpreter provides the Python C API at load time.
%C%_mview_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared
%C%_mview_la_LIBADD = client/libmviewclient.la
mview_python_DATA = %D%/mview.pyi

# Install under the interpreter's extension suffix (mview.cpython-311-...so),
# without libtool's .la, next to the stubs.
install-data-hook: mview-python-install-hook
uninstall-hook: mview-python-uninstall-hook
mview-python-install-hook:
	cd '$(DESTDIR)$(mview_pythondir)' && \
	  mv -f mview.so 'mview$(PYTHON_EXT_SUFFIX)' && rm -f mview.la
mview-python-uninstall-hook:
	rm -f '$(DESTDIR)$(mview_pythondir)/mview$(PYTHON_EXT_SUFFIX)'
endif
.PHONY: mview-python-install-hook mview-python-uninstall-hook
