/* SPDX-License-Identifier: MIT */
/* Unit tests of mviewd's logging: journal detection and the structured fields sent. */
#include <sys/stat.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/log.h"

/* What the last message sent to the journal held, one field a line. */
static char	sent[4096];
static int	nsent;
static int	sink_result;

static int
capture_sink(const struct iovec *iov, int n)
{
	size_t	len = 0;

	sent[0] = '\0';
	for (int i = 0; i < n; i++) {
		assert_true(len + iov[i].iov_len + 2 < sizeof(sent));
		memcpy(sent + len, iov[i].iov_base, iov[i].iov_len);
		len += iov[i].iov_len;
		sent[len++] = '\n';
		sent[len] = '\0';
	}
	nsent++;
	return sink_result;
}

static bool
has_field(const char *field)
{
	size_t	len = strlen(field);

	for (const char *p = sent; *p != '\0'; p = strchr(p, '\n') + 1)
		if (strncmp(p, field, len) == 0 && p[len] == '\n')
			return true;
	return false;
}

static bool
has_key(const char *key)
{
	char	k[64];

	snprintf(k, sizeof(k), "\n%s=", key);
	return strncmp(sent, k + 1, strlen(k + 1)) == 0 || strstr(sent, k) != NULL;
}

/* Context fields travel with every message until cleared; errno too. */
static void
test_fields(void **state)
{
	(void)state;
	log_init(LOG_INFO);
	log_set_journal_sink(capture_sink);
	assert_true(log_to_journal());
	nsent = 0;

	log_info("plain %d", 1);
	assert_int_equal(nsent, 1);
	assert_true(has_field("MESSAGE=plain 1"));
	assert_true(has_field("PRIORITY=6"));
	assert_true(has_field("SYSLOG_IDENTIFIER=mviewd"));
	assert_false(has_key("SESSION"));
	assert_false(has_key("ERRNO"));

	log_context_session(12, 3456, 1000);
	log_context_segment(42, "frames/latest");
	errno = ENOENT;
	log_warn("open %s", "x");
	assert_true(has_field("MESSAGE=open x: No such file or directory"));
	assert_true(has_field("PRIORITY=4"));
	assert_true(has_field("ERRNO=2"));
	assert_true(has_field("SESSION=12"));
	assert_true(has_field("PEER_PID=3456"));
	assert_true(has_field("PEER_UID=1000"));
	assert_true(has_field("SEGMENT_ID=42"));
	assert_true(has_field("SEGMENT_NAME=frames/latest"));

	/* Below the level: nothing sent. */
	log_debug("quiet");
	assert_int_equal(nsent, 2);

	log_context_clear();
	log_notice("after");
	assert_true(has_field("MESSAGE=after"));
	assert_true(has_field("PRIORITY=5"));
	assert_false(has_key("SESSION"));
	assert_false(has_key("SEGMENT_ID"));
	assert_false(has_key("SEGMENT_NAME"));

	/* A session without a segment. */
	log_context_session(7, 1, 0);
	log_errorx("bad");
	assert_true(has_field("SESSION=7"));
	assert_true(has_field("PEER_UID=0"));
	assert_false(has_key("SEGMENT_ID"));
	log_context_clear();
	log_set_journal_sink(NULL);
}

/* A sink that fails: the message goes to stderr with its priority prefix. */
static void
test_fallback(void **state)
{
	char	path[] = "/tmp/mview-log-XXXXXX", buf[256] = "";
	int	fd = mkstemp(path), saved = dup(STDERR_FILENO);
	ssize_t	n;

	(void)state;
	assert_true(fd >= 0 && saved >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	log_init(LOG_INFO);
	log_set_journal_sink(capture_sink);
	sink_result = -ECONNREFUSED;
	log_notice("to stderr");
	sink_result = 0;
	fflush(stderr);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	assert_true(n > 0);
	assert_string_equal(buf, "<5>to stderr\n");
	close(fd);
	unlink(path);
	log_set_journal_sink(NULL);
}

/* $JOURNAL_STREAM naming stderr's device:inode is the journal; another is not. */
static void
test_detect(void **state)
{
	char		path[] = "/tmp/mview-log-XXXXXX", js[64];
	int		fd = mkstemp(path), saved = dup(STDERR_FILENO);
	struct stat	st;

	(void)state;
	assert_true(fd >= 0 && saved >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	assert_int_equal(fstat(fd, &st), 0);
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino + 1);
	setenv("JOURNAL_STREAM", js, 1);
	log_init(LOG_INFO);
	assert_false(log_to_journal());
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", js, 1);
	log_init(LOG_INFO);
#ifdef HAVE_LIBSYSTEMD
	assert_true(log_to_journal());
#else
	assert_false(log_to_journal());	/* "<N>" prefixes on stderr instead */
#endif
	unsetenv("JOURNAL_STREAM");
	log_set_journal_sink(NULL);
	log_init(LOG_INFO);
	assert_false(log_to_journal());
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	close(fd);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_fallback),
		cmocka_unit_test(test_detect),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
