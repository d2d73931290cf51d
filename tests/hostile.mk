# SPDX-License-Identifier: MIT
# Hostile and broken clients, load and leaks (issue 5): the fuzz target and
# its replay, the bad-input, quota/permission and load tests, check-long.
EXTRA_DIST += \
	docs/security.md \
	%D%/fuzz/corpus \
	%D%/fuzz/regressions \
	%D%/fuzz/run-fuzz.sh \
	%D%/test-load.sh \
	%D%/sanitizer-check.sh \
	%D%/valgrind-check.sh

hostile_daemon_cflags = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(PROTOBUF_C_CFLAGS)
hostile_daemon_ldadd = daemon/libmviewd.la common/libmviewcommon.la \
	$(LIBEVENT_LIBS) $(PROTOBUF_C_LIBS) $(LIBSYSTEMD_LIBS) $(ZLIB_LIBS)

# --- fuzzing: ./configure --enable-fuzz CC=clang (see tests/fuzz/run-fuzz.sh)
if ENABLE_FUZZ
# Coverage for everything the target reaches; libFuzzer only in the target.
AM_CFLAGS += -fsanitize=fuzzer-no-link
AM_LDFLAGS += -fsanitize=fuzzer-no-link
noinst_PROGRAMS += %D%/fuzz/fuzz-packet
%C%_fuzz_fuzz_packet_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_fuzz_fuzz_packet_SOURCES = %D%/fuzz/fuzz-packet.c %D%/fuzz/fuzz.h
%C%_fuzz_fuzz_packet_CFLAGS = $(hostile_daemon_cflags)
%C%_fuzz_fuzz_packet_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
%C%_fuzz_fuzz_packet_LDADD = $(hostile_daemon_ldadd)
endif

# The same entry point without libFuzzer: every seed and every input that
# ever broke an invariant, in each "make check".
check_PROGRAMS += %D%/fuzz/replay %D%/fuzz/make-corpus
TESTS += %D%/fuzz/replay
%C%_fuzz_replay_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_fuzz_replay_SOURCES = %D%/fuzz/replay.c %D%/fuzz/fuzz-packet.c \
	%D%/fuzz/fuzz.h
%C%_fuzz_replay_CFLAGS = $(hostile_daemon_cflags)
%C%_fuzz_replay_LDADD = $(hostile_daemon_ldadd)
%C%_fuzz_make_corpus_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_fuzz_make_corpus_SOURCES = %D%/fuzz/make-corpus.c %D%/fuzz/fuzz.h
%C%_fuzz_make_corpus_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS)
%C%_fuzz_make_corpus_LDADD = common/libmviewcommon.la $(PROTOBUF_C_LIBS)

# Regenerate the committed seeds (after a protocol change).
fuzz-corpus: %D%/fuzz/make-corpus$(EXEEXT)
	rm -rf $(srcdir)/%D%/fuzz/corpus
	%D%/fuzz/make-corpus$(EXEEXT) $(srcdir)/%D%/fuzz/corpus

# --- the load test program: tests/test-load.sh runs it small in make check
check_PROGRAMS += %D%/load/mview-load
TESTS += %D%/test-load.sh
%C%_load_mview_load_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_load_mview_load_SOURCES = %D%/load/mview-load.c %D%/daemon-harness.c \
	%D%/daemon-harness.h
%C%_load_mview_load_CFLAGS = $(AM_CFLAGS)
%C%_load_mview_load_LDADD = client/libmviewclient.la

if HAVE_CMOCKA
hostile_tests = %D%/test-hostile %D%/test-security %D%/test-adverse
check_PROGRAMS += $(hostile_tests)
TESTS += $(hostile_tests)

hostile_test_cflags = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(PROTOBUF_C_CFLAGS)
hostile_test_ldadd = %D%/libdaemonharness.la client/libmviewclient.la \
	$(CMOCKA_LIBS)

%C%_test_hostile_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_hostile_SOURCES = %D%/test-hostile.c
%C%_test_hostile_CFLAGS = $(hostile_test_cflags)
%C%_test_hostile_LDADD = $(hostile_test_ldadd)
%C%_test_security_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_security_SOURCES = %D%/test-security.c
%C%_test_security_CFLAGS = $(hostile_test_cflags)
%C%_test_security_LDADD = $(hostile_test_ldadd)
%C%_test_adverse_SOURCES = %D%/test-adverse.c
%C%_test_adverse_CFLAGS = $(hostile_test_cflags)
%C%_test_adverse_LDADD = $(hostile_test_ldadd)
endif

# The long runs (minutes): 256 and 1,000 clients, 10% of them SIGKILLed.
check-long: all %D%/load/mview-load$(EXEEXT)
	MVIEW_TOP_BUILDDIR='$(abs_top_builddir)' \
	    %D%/load/mview-load$(EXEEXT) --clients 256 --seconds 60
	MVIEW_TOP_BUILDDIR='$(abs_top_builddir)' \
	    %D%/load/mview-load$(EXEEXT) --clients 1000 --seconds 120
