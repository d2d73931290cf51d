# SPDX-License-Identifier: MIT
# client tests: libmviewclient's internals (client/libmviewclient-test.la) and its exports.
EXTRA_DIST += %D%/test-client-exports.sh %D%/test-value-text.sh
TESTS += %D%/test-client-exports.sh %D%/test-value-text.sh

# value-text: the public value renderer, for test-value-text.sh (public mview.h only).
check_PROGRAMS += %D%/value-text
%C%_value_text_SOURCES = %D%/value-text.c
%C%_value_text_LDADD = client/libmviewclient.la

if HAVE_CMOCKA
client_tests = \
	%D%/test-client-path \
	%D%/test-client-strerror \
	%D%/test-client-list \
	%D%/test-client-mapping \
	%D%/test-client-fake \
	%D%/test-client-reattach
check_PROGRAMS += $(client_tests)
TESTS += $(client_tests)

client_test_cflags = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(PROTOBUF_C_CFLAGS) -pthread
client_test_ldadd = client/libmviewclient-test.la $(CMOCKA_LIBS) -lpthread

%C%_test_client_path_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_client_path_SOURCES = %D%/test-client-path.c
%C%_test_client_path_CFLAGS = $(client_test_cflags)
%C%_test_client_path_LDADD = $(client_test_ldadd)
%C%_test_client_strerror_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_client_strerror_SOURCES = %D%/test-client-strerror.c
%C%_test_client_strerror_CFLAGS = $(client_test_cflags)
%C%_test_client_strerror_LDADD = $(client_test_ldadd)
%C%_test_client_list_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_client_list_SOURCES = %D%/test-client-list.c
%C%_test_client_list_CFLAGS = $(client_test_cflags)
%C%_test_client_list_LDADD = $(client_test_ldadd)
%C%_test_client_mapping_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_client_mapping_SOURCES = %D%/test-client-mapping.c
%C%_test_client_mapping_CFLAGS = $(client_test_cflags)
%C%_test_client_mapping_LDADD = $(client_test_ldadd)
%C%_test_client_fake_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_client_fake_SOURCES = %D%/test-client-fake.c
%C%_test_client_fake_CFLAGS = $(client_test_cflags)
%C%_test_client_fake_LDADD = $(client_test_ldadd)
# test-client-reattach crashes the real daemon/mviewd under tests/sdemu.
%C%_test_client_reattach_CPPFLAGS = $(MVIEW_INTERNAL_CPPFLAGS)
%C%_test_client_reattach_SOURCES = %D%/test-client-reattach.c
%C%_test_client_reattach_CFLAGS = $(client_test_cflags)
%C%_test_client_reattach_LDADD = %D%/libsdemu.la $(client_test_ldadd)
endif
