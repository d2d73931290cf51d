/* SPDX-License-Identifier: MIT */
/* Integration: each limit breach is a clear error to that client only. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "integration.h"
#include "raw-client.h"

static struct harness_daemon mviewd;

static const char *const limits_argv[] = {
	"--max-conns-per-uid=4",
	"--max-attachments=3",
	"--max-segments-per-uid=6",
	"--max-segment-size=1M",
	"--max-bytes-per-uid=2M",
	"--max-name=32",
	"--max-watch-events=8",
	"--max-watches=2",
	NULL,
};

/* The daemon's message for the last failure is there and says something. */
static void
assert_explained(struct mview_client *c)
{
	const char *msg = mview_client_last_error(c);

	assert_non_null(msg);
	assert_true(msg[0] != '\0');
	print_message("# %s\n", msg);
}

static void
assert_serves(struct mview_client *c)
{
	struct mview_status st;

	assert_int_equal(mview_client_status(c, &st), 0);
}

/* Poll until the daemon counts n sessions (it has seen the hangups). */
static void
wait_sessions(struct mview_client *c, uint64_t n)
{
	long long		deadline = harness_now_ms() + harness_timeout_ms();
	struct mview_status	st;

	do
		assert_int_equal(mview_client_status(c, &st), 0);
	while (st.sessions != n && harness_now_ms() < deadline);
	assert_int_equal(st.sessions, n);
}

/*
 * Over the limit, the daemon says EUSERS (an unsolicited reply, id 0) and
 * hangs up. Over the raw protocol that is deterministic: the packet is
 * there to read even after the hangup.
 */
static void
assert_raw_refused(void)
{
	Mview__Reply	*rep = NULL;
	int		 sock = raw_connect(mviewd.socket);

	assert_true(sock >= 0);
	assert_int_equal(raw_recv(sock, harness_timeout_ms(), &rep, NULL), 0);
	assert_int_equal(rep->id, 0);
	assert_int_equal(rep->error, EUSERS);
	assert_true(rep->message != NULL && rep->message[0] != '\0');
	wire_reply_free(rep);
	assert_true(raw_wait_closed(sock, harness_timeout_ms()));
	close(sock);
}

/* A refused library connect: EUSERS, however the hang-up races the hello. */
static int
connect_refused(struct mview_client **ret)
{
	return mview_client_connect(mviewd.socket, ret);
}

static void
test_connections_per_uid(void **state)
{
	struct mview_client	*c[4] = { NULL };
	struct mview_client	*extra = NULL;
	long long		 deadline;
	int			 r;

	(void)state;
	for (int i = 0; i < 4; i++)
		c[i] = integration_connect(&mviewd);
	assert_raw_refused();
	assert_int_equal(connect_refused(&extra), -EUSERS);
	assert_null(extra);
	for (int i = 0; i < 4; i++)
		assert_serves(c[i]);
	mview_client_close(c[3]);
	/* The slot comes back once the daemon has seen the close. */
	deadline = harness_now_ms() + harness_timeout_ms();
	while ((r = connect_refused(&extra)) == -EUSERS &&
	    harness_now_ms() < deadline)
		assert_serves(c[0]);
	assert_int_equal(r, 0);
	assert_serves(extra);
	mview_client_close(extra);
	for (int i = 1; i < 3; i++)
		mview_client_close(c[i]);
	/* Leave only c[0], and wait until the daemon agrees, for the next tests. */
	wait_sessions(c[0], 1);
	mview_client_close(c[0]);
}

static void
test_segment_size_and_bytes(void **state)
{
	struct mview_client	*c = integration_connect(&mviewd);
	struct mview_segment	*s[3] = { NULL }, *big = NULL;

	(void)state;
	assert_int_equal(mview_segment_create(c, "lim/big", (1u << 20) + 1,
	    0600, MVIEW_LIFETIME_SESSION, 0, &big), -EFBIG);
	assert_explained(c);
	assert_null(big);
	assert_int_equal(mview_segment_create(c, "lim/a", 1u << 20, 0600,
	    MVIEW_LIFETIME_SESSION, 0, &s[0]), 0);
	assert_int_equal(mview_segment_create(c, "lim/b", 1u << 20, 0600,
	    MVIEW_LIFETIME_SESSION, 0, &s[1]), 0);
	assert_int_equal(mview_segment_create(c, "lim/c", 4096, 0600,
	    MVIEW_LIFETIME_SESSION, 0, &s[2]), -EDQUOT);
	assert_explained(c);
	assert_serves(c);
	for (int i = 0; i < 3; i++)
		mview_segment_close(s[i]);
	assert_int_equal(mview_segment_delete(c, "lim/a"), 0);
	assert_int_equal(mview_segment_delete(c, "lim/b"), 0);
	mview_client_close(c);
}

static void
test_segments_per_uid(void **state)
{
	struct mview_client	*c = integration_connect(&mviewd);
	struct mview_segment	*s = NULL;
	char			 name[32];
	int			 i, r = 0;

	(void)state;
	for (i = 0; i < 7; i++) {
		snprintf(name, sizeof(name), "lim/n%d", i);
		if ((r = mview_segment_create(c, name, 4096, 0600,
		    MVIEW_LIFETIME_PERSISTENT, 0, &s)) < 0)
			break;
		mview_segment_close(s);
	}
	assert_int_equal(i, 6);
	assert_int_equal(r, -EDQUOT);
	assert_explained(c);
	while (i-- > 0) {
		snprintf(name, sizeof(name), "lim/n%d", i);
		assert_int_equal(mview_segment_delete(c, name), 0);
	}
	mview_client_close(c);
}

static void
test_attachments(void **state)
{
	struct mview_client	*owner = integration_connect(&mviewd);
	struct mview_client	*c = integration_connect(&mviewd);
	struct mview_segment	*mine[4] = { NULL }, *s[4] = { NULL };
	char			 name[32];

	(void)state;
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "lim/att%d", i);
		assert_int_equal(mview_segment_create(owner, name, 4096, 0600,
		    MVIEW_LIFETIME_PERSISTENT, 0, &mine[i]), 0);
		mview_segment_close(mine[i]);
	}
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "lim/att%d", i);
		assert_int_equal(mview_segment_open(c, name, 0, &s[i]), 0);
	}
	assert_int_equal(mview_segment_open(c, "lim/att3", 0, &s[3]), -EMFILE);
	assert_explained(c);
	/* Letting one go makes room. */
	mview_segment_close(s[0]);
	s[0] = NULL;
	assert_int_equal(mview_segment_open(c, "lim/att3", 0, &s[3]), 0);
	for (int i = 0; i < 4; i++) {
		mview_segment_close(s[i]);
		snprintf(name, sizeof(name), "lim/att%d", i);
		assert_int_equal(mview_segment_delete(owner, name), 0);
	}
	mview_client_close(c);
	mview_client_close(owner);
}

static void
test_name_length(void **state)
{
	struct mview_client	*c = integration_connect(&mviewd);
	struct mview_segment	*s = NULL;

	(void)state;
	assert_int_equal(mview_segment_create(c,
	    "lim/a-name-longer-than-32-bytes-here", 4096, 0600,
	    MVIEW_LIFETIME_SESSION, 0, &s), -ENAMETOOLONG);
	assert_null(s);
	assert_serves(c);
	mview_client_close(c);
}

static void
test_watches_per_session(void **state)
{
	struct mview_client *c = integration_connect(&mviewd);

	(void)state;
	assert_int_equal(mview_client_watch(c, "a/"), 0);
	assert_int_equal(mview_client_watch(c, "b/"), 0);
	assert_int_equal(mview_client_watch(c, "c/"), -EMFILE);
	assert_serves(c);
	mview_client_close(c);
}

/*
 * A watcher that does not read: the daemon keeps at most 8 events for it
 * beyond what the socket holds, then drops them and, once the queue has
 * drained, says OVERFLOW once; after that, events flow again.
 */
static void
test_watch_overflow(void **state)
{
	struct mview_client	*w = integration_connect(&mviewd);
	struct mview_client	*p = integration_connect(&mviewd);
	struct mview_segment	*s = NULL;
	struct mview_event	 ev;
	int			 n = 0, r;

	(void)state;
	assert_int_equal(mview_client_watch(w, "flood/"), 0);
	assert_serves(w);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(mview_segment_create(p, "flood/x", 4096, 0600,
		    MVIEW_LIFETIME_PERSISTENT, 0, &s), 0);
		mview_segment_close(s);
		assert_int_equal(mview_segment_delete(p, "flood/x"), 0);
	}
	assert_serves(p);
	while ((r = mview_client_next_event(w, harness_timeout_ms(), &ev)) == 0 &&
	    ev.type != MVIEW_EVENT_OVERFLOW)
		n++;
	assert_int_equal(r, 0);
	print_message("# %d of 2000 events, then OVERFLOW\n", n);
	assert_true(n < 2000);
	/* Delivery resumes, with nothing stale in between. */
	assert_int_equal(mview_segment_create(p, "flood/end", 4096, 0600,
	    MVIEW_LIFETIME_PERSISTENT, 0, &s), 0);
	assert_int_equal(mview_client_next_event(w, harness_timeout_ms(), &ev),
	    0);
	assert_int_equal(ev.type, MVIEW_EVENT_SEGMENT_CREATED);
	assert_string_equal(ev.name, "flood/end");
	assert_int_equal(mview_client_next_event(w, 0, &ev), -EAGAIN);
	mview_segment_close(s);
	assert_int_equal(mview_segment_delete(p, "flood/end"), 0);
	mview_client_close(p);
	mview_client_close(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connections_per_uid),
		cmocka_unit_test(test_segment_size_and_bytes),
		cmocka_unit_test(test_segments_per_uid),
		cmocka_unit_test(test_attachments),
		cmocka_unit_test(test_name_length),
		cmocka_unit_test(test_watches_per_session),
		cmocka_unit_test(test_watch_overflow),
	};

	integration_group_daemon(&mviewd, limits_argv);
	return cmocka_run_group_tests_name("integration-limits", tests,
	    integration_group_setup, integration_group_teardown);
}
