# SPDX-License-Identifier: MIT
# Integration tests: each binary starts the real mviewd on a private socket
# (tests/daemon-harness.c) and always stops it.
EXTRA_DIST += %D%/ctl-harness.sh %D%/test-mviewctl.sh %D%/test-completion.sh %D%/test-container.sh \
	%D%/test-mviewctl-stream.sh %D%/test-log-journal.sh
TESTS += %D%/test-mviewctl.sh %D%/test-completion.sh %D%/test-container.sh \
	%D%/test-mviewctl-stream.sh %D%/test-log-journal.sh

# with-mviewd: run a command against a private mviewd (the demo script and
# the shell tests use it). Built by "make": examples/run-demo.sh needs it.
noinst_PROGRAMS += %D%/with-mviewd
%C%_with_mviewd_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_with_mviewd_SOURCES = \
	%D%/with-mviewd.c \
	%D%/daemon-harness.c \
	%D%/daemon-harness.h

if HAVE_CMOCKA
check_LTLIBRARIES += %D%/libdaemonharness.la
%C%_libdaemonharness_la_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_libdaemonharness_la_SOURCES = \
	%D%/daemon-harness.c \
	%D%/daemon-harness.h \
	%D%/integration.c \
	%D%/integration.h \
	%D%/raw-client.c \
	%D%/raw-client.h \
	%D%/raw-expect.c \
	%D%/raw-expect.h
%C%_libdaemonharness_la_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) \
	$(PROTOBUF_C_CFLAGS)
%C%_libdaemonharness_la_LIBADD = common/libmviewcommon.la

integration_tests = \
	%D%/test-integration-share \
	%D%/test-integration-perm \
	%D%/test-integration-crash \
	%D%/test-integration-watch \
	%D%/test-integration-badinput \
	%D%/test-integration-limits \
	%D%/test-integration-timeout \
	%D%/test-integration-sessions \
	%D%/test-integration-stream \
	%D%/test-integration-client \
	%D%/test-integration-list
check_PROGRAMS += $(integration_tests)
TESTS += $(integration_tests)

integration_cflags = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(PROTOBUF_C_CFLAGS)
integration_ldadd = %D%/libdaemonharness.la client/libmviewclient.la $(CMOCKA_LIBS)

%C%_test_integration_list_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_integration_list_SOURCES = %D%/test-integration-list.c
%C%_test_integration_list_CFLAGS = $(integration_cflags)
%C%_test_integration_list_LDADD = $(integration_ldadd)
%C%_test_integration_sessions_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_integration_sessions_SOURCES = %D%/test-integration-sessions.c
%C%_test_integration_sessions_CFLAGS = $(integration_cflags)
%C%_test_integration_sessions_LDADD = $(integration_ldadd)
%C%_test_integration_timeout_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_integration_timeout_SOURCES = %D%/test-integration-timeout.c
%C%_test_integration_timeout_CFLAGS = $(integration_cflags)
%C%_test_integration_timeout_LDADD = $(integration_ldadd)
%C%_test_integration_share_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_integration_share_SOURCES = %D%/test-integration-share.c
%C%_test_integration_share_CFLAGS = $(integration_cflags)
%C%_test_integration_share_LDADD = $(integration_ldadd)
%C%_test_integration_perm_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_integration_perm_SOURCES = %D%/test-integration-perm.c
%C%_test_integration_perm_CFLAGS = $(integration_cflags)
%C%_test_integration_perm_LDADD = $(integration_ldadd)
%C%_test_integration_crash_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_integration_crash_SOURCES = %D%/test-integration-crash.c
%C%_test_integration_crash_CFLAGS = $(integration_cflags)
%C%_test_integration_crash_LDADD = $(integration_ldadd)
%C%_test_integration_watch_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_integration_watch_SOURCES = %D%/test-integration-watch.c
%C%_test_integration_watch_CFLAGS = $(integration_cflags)
%C%_test_integration_watch_LDADD = $(integration_ldadd)
%C%_test_integration_badinput_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_integration_badinput_SOURCES = %D%/test-integration-badinput.c
%C%_test_integration_badinput_CFLAGS = $(integration_cflags)
%C%_test_integration_badinput_LDADD = $(integration_ldadd)
%C%_test_integration_limits_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_integration_limits_SOURCES = %D%/test-integration-limits.c
%C%_test_integration_limits_CFLAGS = $(integration_cflags)
%C%_test_integration_limits_LDADD = $(integration_ldadd)
# test-client-args: NULL in each pointer argument of every public function.
check_PROGRAMS += %D%/test-client-args
TESTS += %D%/test-client-args
%C%_test_client_args_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_client_args_SOURCES = %D%/test-client-args.c
%C%_test_client_args_CFLAGS = $(integration_cflags)
%C%_test_client_args_LDADD = $(integration_ldadd)

# test-client-abi: mview.h's growth rule (pinned layouts, reserved words zero).
check_PROGRAMS += %D%/test-client-abi
TESTS += %D%/test-client-abi
%C%_test_client_abi_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_client_abi_SOURCES = %D%/test-client-abi.c
%C%_test_client_abi_CFLAGS = $(integration_cflags)
%C%_test_client_abi_LDADD = $(integration_ldadd)
%C%_test_integration_client_SOURCES = %D%/test-integration-client.c
%C%_test_integration_client_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_integration_client_CFLAGS = $(integration_cflags)
%C%_test_integration_client_LDADD = $(integration_ldadd)
%C%_test_integration_stream_SOURCES = %D%/test-integration-stream.c
%C%_test_integration_stream_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_integration_stream_CFLAGS = $(integration_cflags)
%C%_test_integration_stream_LDADD = $(integration_ldadd)
endif
