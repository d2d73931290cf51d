/* SPDX-License-Identifier: MIT */
/* Who holds what: sessions, deleted segments still held, and who may see them. */
#include <sys/types.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "integration.h"

#define NOBODY		((uid_t)65534)
#define NOGROUP		((gid_t)65534)

static struct harness_daemon	mviewd = { .pid = -1, .pidfd = -1 };

static const struct mview_session_info *
find_session(const struct mview_session_info *s, size_t n, bool self)
{
	for (size_t i = 0; i < n; i++)
		if (s[i].self == self)
			return &s[i];
	return NULL;
}

/*
 * A session holding a segment deleted meanwhile: its pid, uid, gid,
 * name, counts and bytes, and the held segment marked deleted.
 */
static void
test_sessions_and_deleted_held(void **state)
{
	struct mview_client		*holder, *me;
	struct mview_segment		*seg, *other;
	struct mview_view		*v;
	struct mview_session_info	*s;
	const struct mview_session_info	*h, *mine;
	int64_t				 shape[] = { 64 };
	size_t				 n;

	(void)state;
	holder = integration_connect(&mviewd);
	me = integration_connect(&mviewd);
	assert_int_equal(mview_segment_create(holder, "held/a", 1 << 20, 0600,
	    MVIEW_LIFETIME_PERSISTENT, 0, &seg), 0);
	assert_int_equal(mview_segment_create(holder, "held/b", 4096, 0600,
	    MVIEW_LIFETIME_PERSISTENT, 0, &other), 0);
	assert_int_equal(mview_view_new(other, "B", 1, shape, NULL, 0, &v,
	    NULL), 0);
	assert_int_equal(mview_view_publish(holder, "held/b/v", v, 0), 0);
	mview_view_release(v);
	assert_int_equal(mview_segment_delete(me, "held/a"), 0);

	assert_int_equal(mview_session_list(me, &s, &n), 0);
	assert_true(n >= 2);
	mine = find_session(s, n, true);
	assert_non_null(mine);
	assert_int_equal(mine->pid, getpid());
	assert_int_equal(mine->uid, getuid());
	assert_int_equal(mine->gid, getgid());
	assert_int_equal(mine->nsegments, 0);
	h = NULL;
	for (size_t i = 0; i < n; i++)
		if (!s[i].self && s[i].nsegments == 2)
			h = &s[i];
	assert_non_null(h);
	assert_int_equal(h->pid, getpid());
	assert_non_null(h->client_name);
	assert_int_equal(h->bytes, (1 << 20) + 4096);
	assert_int_equal(h->views_published, 1);
	assert_int_equal(h->nheld, 2);
	assert_true(h->since_ns > 0 && h->since_ns <= mine->since_ns);
	for (size_t k = 0; k < h->nheld; k++) {
		if (h->held[k].size == 1 << 20) {
			assert_true(h->held[k].deleted);
			assert_string_equal(h->held[k].name, "held/a");
		} else {
			assert_false(h->held[k].deleted);
			assert_string_equal(h->held[k].name, "held/b");
		}
	}
	free(s);
	mview_segment_close(seg);
	mview_segment_close(other);
	assert_int_equal(mview_segment_delete(me, "held/b"), 0);
	mview_client_close(holder);
	mview_client_close(me);
}

/* nobody (not in the daemon's group) sees only its own sessions and may
 * not read the metrics. */
static int
child_nobody(void *arg)
{
	struct mview_client		*c;
	struct mview_session_info	*s;
	char				*text = NULL;
	size_t				 n;

	(void)arg;
	CHILD_OK(mview_client_connect(mviewd.socket, &c));
	CHILD_OK(mview_session_list(c, &s, &n));
	CHILD_CHECK(n == 1);
	CHILD_CHECK(s[0].self && s[0].uid == NOBODY);
	free(s);
	CHILD_CHECK(mview_client_metrics(c, &text) == -EACCES);
	CHILD_CHECK(strstr(mview_client_last_error(c), "group") != NULL);
	mview_client_close(c);
	return 0;
}

static void
test_access_rule(void **state)
{
	struct mview_client		*root;
	struct mview_session_info	*s;
	char				*text;
	size_t				 n;

	(void)state;
	root = integration_connect(&mviewd);
	assert_int_equal(harness_run_as(NOBODY, NOGROUP, child_nobody, NULL),
	    0);
	assert_int_equal(mview_session_list(root, &s, &n), 0);
	assert_true(n >= 1);
	free(s);
	assert_int_equal(mview_client_metrics(root, &text), 0);
	assert_non_null(strstr(text, "mview_sessions "));
	free(text);
	mview_client_close(root);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sessions_and_deleted_held),
		cmocka_unit_test(test_access_rule),
	};

	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root to run a second uid\n");
		return 77;
	}
	integration_group_daemon(&mviewd, NULL);
	return cmocka_run_group_tests_name("integration-sessions", tests,
	    integration_group_setup, integration_group_teardown);
}
