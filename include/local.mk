# SPDX-License-Identifier: MIT
# include/: the public header, installed; the only folder of mview that
# programs built on libmviewclient see (AM_CPPFLAGS in Makefile.am).
include_HEADERS += %D%/mview.h
