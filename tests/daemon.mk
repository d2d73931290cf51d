# SPDX-License-Identifier: MIT
# daemon tests: mviewd's modules alone (linked from daemon/libmviewd.la, no
# event loop needed) and a smoke test of the real binary over the raw protocol.

if HAVE_CMOCKA
daemon_tests = \
	%D%/test-hash \
	%D%/test-access \
	%D%/test-limits \
	%D%/test-registry \
	%D%/test-journal \
	%D%/test-config \
	%D%/test-log \
	%D%/test-mviewd \
	%D%/test-restart \
	%D%/test-restart-stream \
	%D%/test-adverse-restart \
	%D%/test-stop
check_PROGRAMS += $(daemon_tests)
TESTS += $(daemon_tests)

# Tests include "daemon/x.h": no -I for daemon/, whose limits.h would
# shadow <limits.h>.
daemon_test_cflags = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(PROTOBUF_C_CFLAGS) \
	$(LIBEVENT_CFLAGS)
daemon_test_ldadd = daemon/libmviewd.la common/libmviewcommon.la \
	$(CMOCKA_LIBS) $(LIBEVENT_LIBS) $(PROTOBUF_C_LIBS) $(LIBSYSTEMD_LIBS) \
	$(ZLIB_LIBS)

%C%_test_hash_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_hash_SOURCES = %D%/test-hash.c
%C%_test_hash_CFLAGS = $(daemon_test_cflags)
%C%_test_hash_LDADD = $(daemon_test_ldadd)
%C%_test_access_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_access_SOURCES = %D%/test-access.c
%C%_test_access_CFLAGS = $(daemon_test_cflags)
%C%_test_access_LDADD = $(daemon_test_ldadd)
%C%_test_limits_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_limits_SOURCES = %D%/test-limits.c
%C%_test_limits_CFLAGS = $(daemon_test_cflags)
%C%_test_limits_LDADD = $(daemon_test_ldadd)
%C%_test_registry_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_registry_SOURCES = %D%/test-registry.c
%C%_test_registry_CFLAGS = $(daemon_test_cflags)
%C%_test_registry_LDADD = $(daemon_test_ldadd)
%C%_test_mviewd_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_mviewd_SOURCES = %D%/test-mviewd.c
%C%_test_mviewd_CFLAGS = $(daemon_test_cflags)
%C%_test_mviewd_LDADD = common/libmviewcommon.la $(CMOCKA_LIBS) \
	$(PROTOBUF_C_LIBS)
%C%_test_journal_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_journal_SOURCES = %D%/test-journal.c
%C%_test_journal_CFLAGS = $(daemon_test_cflags)
%C%_test_journal_LDADD = $(daemon_test_ldadd)
%C%_test_log_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_log_SOURCES = %D%/test-log.c
%C%_test_log_CFLAGS = $(daemon_test_cflags)
%C%_test_log_LDADD = $(daemon_test_ldadd)
%C%_test_config_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_config_SOURCES = %D%/test-config.c
%C%_test_config_CFLAGS = $(daemon_test_cflags)
%C%_test_config_LDADD = $(daemon_test_ldadd)
# test-restart plays systemd (tests/sdemu) around the real daemon/mviewd:
# crashes, clean restarts, a torn journal, STATUS=, the watchdog, SIGHUP.
%C%_test_restart_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_restart_SOURCES = %D%/test-restart.c
%C%_test_restart_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
%C%_test_restart_LDADD = %D%/libsdemu.la client/libmviewclient.la \
	$(CMOCKA_LIBS)
# test-restart-stream: frames flow through a SIGKILL and a SIGTERM restart.
%C%_test_restart_stream_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_restart_stream_SOURCES = %D%/test-restart-stream.c
%C%_test_restart_stream_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
%C%_test_restart_stream_LDADD = %D%/libsdemu.la client/libmviewclient.la \
	$(CMOCKA_LIBS)
# test-adverse-restart: a manager that stops reading, a damaged journal.
%C%_test_adverse_restart_SOURCES = %D%/test-adverse-restart.c
%C%_test_adverse_restart_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
%C%_test_adverse_restart_LDADD = %D%/libsdemu.la client/libmviewclient.la \
	$(CMOCKA_LIBS)
# test-stop: mviewctl drain, and a stop that drops the fd store (systemd 252).
%C%_test_stop_SOURCES = %D%/test-stop.c
%C%_test_stop_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
%C%_test_stop_LDADD = %D%/libsdemu.la client/libmviewclient.la $(CMOCKA_LIBS)
# test-mviewd runs daemon/mviewd, which "make check" builds first (all).
endif

# mviewd --check-config against config files and drop-ins.
EXTRA_DIST += %D%/test-check-config.sh
TESTS += %D%/test-check-config.sh
