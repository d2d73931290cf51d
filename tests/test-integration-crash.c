/* SPDX-License-Identifier: MIT */
/* Integration: a client that dies leaves no session segment and no fd in mviewd. */
#include <errno.h>
#include <stdbool.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "integration.h"

static struct harness_daemon mviewd;

struct settled {
	uint64_t	sessions, segments, views, bytes;
	int		fds;
};

static void
observe(struct mview_client *c, struct settled *ret)
{
	struct mview_status st;

	assert_int_equal(mview_client_status(c, &st), 0);
	ret->sessions = st.sessions;
	ret->segments = st.segments;
	ret->views = st.views;
	ret->bytes = st.bytes;
	ret->fds = harness_count_fds(mviewd.pid);
	assert_true(ret->fds > 0);
}

static bool
settled_equal(const struct settled *a, const struct settled *b)
{
	return a->sessions == b->sessions && a->segments == b->segments &&
	    a->views == b->views && a->bytes == b->bytes &&
	    (b->fds < 0 || a->fds == b->fds);
}

/*
 * Poll the daemon (status round trips and /proc/PID/fd) until it reports
 * exactly want (want->fds < 0: any fd count), i.e. it has processed the
 * hangup; fail with what it shows at the deadline. No sleeping: every
 * round trip is a chance for the daemon to run.
 */
static void
wait_settled(struct mview_client *c, const struct settled *want)
{
	long long	deadline = harness_now_ms() + harness_timeout_ms();
	struct settled	now;

	for (;;) {
		observe(c, &now);
		if (settled_equal(&now, want))
			return;
		if (harness_now_ms() > deadline)
			break;
		sched_yield();
	}
	fail_msg("daemon did not settle: sessions %ju/%ju segments %ju/%ju "
	    "views %ju/%ju bytes %ju/%ju fds %d/%d (now/want)",
	    (uintmax_t)now.sessions, (uintmax_t)want->sessions,
	    (uintmax_t)now.segments, (uintmax_t)want->segments,
	    (uintmax_t)now.views, (uintmax_t)want->views,
	    (uintmax_t)now.bytes, (uintmax_t)want->bytes, now.fds, want->fds);
}

struct victim {
	int		 ready[2];
	const char	*session_name;	/* a session segment it creates */
	const char	*persistent_name;	/* a persistent one, or NULL */
	const char	*attach_name;	/* an existing segment it opens, or NULL */
};

/* Make segments, views, attachments and a watch, say ready, wait to be killed. */
static int
victim_child(void *arg)
{
	struct victim		*vi = arg;
	struct mview_client	*c = NULL;
	struct mview_segment	*s = NULL, *p = NULL, *a = NULL;
	struct mview_view	*v = NULL, *pv = NULL;
	char			 name[128];

	close(vi->ready[0]);
	CHILD_OK(mview_client_connect(mviewd.socket, &c));
	CHILD_OK(mview_client_watch(c, ""));
	CHILD_OK(mview_segment_create(c, vi->session_name, 1 << 20, 0644,
	    MVIEW_LIFETIME_SESSION, 0, &s));
	memset(mview_segment_data(s), 'S', 1 << 20);
	CHILD_OK(mview_view_from_segment(s, &v));
	snprintf(name, sizeof(name), "%s/v", vi->session_name);
	CHILD_OK(mview_view_publish(c, name, v, 0));
	if (vi->persistent_name != NULL) {
		CHILD_OK(mview_segment_create(c, vi->persistent_name, 8192,
		    0600, MVIEW_LIFETIME_PERSISTENT, 0, &p));
		CHILD_OK(mview_view_from_segment(p, &pv));
		snprintf(name, sizeof(name), "%s/v", vi->persistent_name);
		CHILD_OK(mview_view_publish(c, name, pv, 0));
	}
	if (vi->attach_name != NULL)
		CHILD_OK(mview_segment_open(c, vi->attach_name,
		    MVIEW_OPEN_WRITE, &a));
	CHILD_CHECK(write(vi->ready[1], "r", 1) == 1);
	for (;;)
		pause();
}

static pid_t
start_victim(struct victim *vi)
{
	char	b;
	pid_t	pid;

	assert_int_equal(pipe(vi->ready), 0);
	pid = harness_child_start((uid_t)-1, (gid_t)-1, victim_child, vi);
	assert_true(pid > 0);
	close(vi->ready[1]);
	assert_int_equal(read(vi->ready[0], &b, 1), 1);
	close(vi->ready[0]);
	return pid;
}

static void
kill_victim(pid_t pid)
{
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(harness_child_wait(pid), 128 + SIGKILL);
}

/* SIGKILL: the session segment and its view go; persistent ones stay. */
static void
test_sigkill_frees_session(void **state)
{
	struct victim		 vi = {
		.session_name = "crash/sess", .persistent_name = "crash/persist",
		.attach_name = "crash/shared",
	};
	struct mview_client	*c = integration_connect(&mviewd);
	struct mview_segment	*shared = NULL;
	struct mview_segment_info *info = NULL;
	struct mview_view	*v = NULL;
	struct settled		 base, during, want;
	pid_t			 pid;

	(void)state;
	assert_int_equal(mview_segment_create(c, "crash/shared", 4096, 0600,
	    MVIEW_LIFETIME_PERSISTENT, 0, &shared), 0);
	observe(c, &base);
	pid = start_victim(&vi);
	observe(c, &during);
	assert_int_equal(during.sessions, base.sessions + 1);
	assert_int_equal(during.segments, base.segments + 2);
	assert_int_equal(during.views, base.views + 2);
	assert_true(during.fds > base.fds);
	assert_int_equal(mview_segment_stat(c, "crash/shared", &info), 0);
	assert_int_equal(info->nattached, 2);
	free(info);

	kill_victim(pid);
	want = base;
	want.segments++;		/* crash/persist */
	want.views++;			/* crash/persist/v */
	want.bytes += 8192;
	want.fds = -1;			/* checked below, once it is deleted */
	wait_settled(c, &want);
	assert_int_equal(mview_segment_stat(c, "crash/sess", &info), -ENOENT);
	assert_int_equal(mview_view_lookup(c, "crash/sess/v", 0, &v), -ENOENT);
	assert_int_equal(mview_segment_stat(c, "crash/shared", &info), 0);
	assert_int_equal(info->nattached, 1);
	free(info);
	assert_int_equal(mview_segment_stat(c, "crash/persist", &info), 0);
	free(info);

	/* With the persistent one deleted too, every fd it had is gone. */
	assert_int_equal(mview_segment_delete(c, "crash/persist"), 0);
	wait_settled(c, &base);
	mview_segment_close(shared);
	assert_int_equal(mview_segment_delete(c, "crash/shared"), 0);
	mview_client_close(c);
}

/* A session segment someone else holds outlives its creator's crash. */
static void
test_sigkill_held_session_segment(void **state)
{
	struct victim		 vi = { .session_name = "crash/held" };
	struct mview_client	*c = integration_connect(&mviewd);
	struct mview_segment	*held = NULL;
	struct settled		 base;
	const unsigned char	*p;
	pid_t			 pid;

	(void)state;
	observe(c, &base);
	pid = start_victim(&vi);
	assert_int_equal(mview_segment_open(c, "crash/held", 0, &held), 0);
	kill_victim(pid);
	p = mview_segment_data(held);
	for (size_t i = 0; i < (1u << 20); i += 4096)
		assert_int_equal(p[i], 'S');
	/* Still counted while we hold it... */
	{
		struct mview_status st;

		assert_int_equal(mview_client_status(c, &st), 0);
		assert_true(st.bytes >= base.bytes + (1u << 20));
	}
	/* ...and gone, fds included, when we let go. */
	mview_segment_close(held);
	wait_settled(c, &base);
	mview_client_close(c);
}

/* An orderly close frees session segments just the same. */
static void
test_close_frees_session(void **state)
{
	struct mview_client	*c = integration_connect(&mviewd);
	struct mview_client	*other = integration_connect(&mviewd);
	struct mview_segment	*s = NULL;
	struct mview_segment_info *info = NULL;
	struct settled		 base;

	(void)state;
	observe(c, &base);
	assert_int_equal(mview_segment_create(other, "crash/orderly", 65536,
	    0600, MVIEW_LIFETIME_SESSION, 0, &s), 0);
	mview_segment_close(s);
	assert_int_equal(mview_segment_stat(c, "crash/orderly", &info), 0);
	free(info);
	mview_client_close(other);
	base.sessions--;
	base.fds--;
	wait_settled(c, &base);
	assert_int_equal(mview_segment_stat(c, "crash/orderly", &info), -ENOENT);
	mview_client_close(c);
}

/* Many clients killed at once: the daemon ends where it started. */
static void
test_sigkill_many(void **state)
{
	static const char *const names[] = {
		"crash/m0", "crash/m1", "crash/m2", "crash/m3",
		"crash/m4", "crash/m5", "crash/m6", "crash/m7",
	};
	struct victim		 vi[8];
	struct mview_client	*c = integration_connect(&mviewd);
	struct settled		 base;
	pid_t			 pid[8];

	(void)state;
	observe(c, &base);
	for (int i = 0; i < 8; i++) {
		memset(&vi[i], 0, sizeof(vi[i]));
		vi[i].session_name = names[i];
		pid[i] = start_victim(&vi[i]);
	}
	for (int i = 0; i < 8; i++)
		assert_int_equal(kill(pid[i], SIGKILL), 0);
	for (int i = 0; i < 8; i++)
		assert_int_equal(harness_child_wait(pid[i]), 128 + SIGKILL);
	wait_settled(c, &base);
	mview_client_close(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sigkill_frees_session),
		cmocka_unit_test(test_sigkill_held_session_segment),
		cmocka_unit_test(test_close_frees_session),
		cmocka_unit_test(test_sigkill_many),
	};

	integration_group_daemon(&mviewd, NULL);
	return cmocka_run_group_tests_name("integration-crash", tests,
	    integration_group_setup, integration_group_teardown);
}
