# SPDX-License-Identifier: MIT
# tests/: each area keeps its own fragment so they can grow independently.
EXTRA_DIST += %D%/check-deb.sh %D%/check-pythons.sh %D%/run-python.sh %D%/test-units.sh %D%/test-layers.sh \
	%D%/test-install.sh %D%/test-quickstart.sh
TESTS += %D%/test-units.sh %D%/test-layers.sh %D%/test-install.sh \
	%D%/test-quickstart.sh

include %D%/algebra.mk
include %D%/common.mk
include %D%/daemon.mk
include %D%/client.mk
include %D%/integration.mk
include %D%/python.mk
include %D%/hostile.mk

# A stand-in for systemd (notify socket, fd store, socket activation).
check_LTLIBRARIES += %D%/libsdemu.la
%C%_libsdemu_la_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_libsdemu_la_SOURCES = %D%/sdemu.c %D%/sdemu.h
