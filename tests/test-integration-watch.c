/* SPDX-License-Identifier: MIT */
/* Integration: watches deliver create, publish, unpublish and delete events. */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "integration.h"

static struct harness_daemon mviewd;

static void
expect_event(struct mview_client *w, enum mview_event_type type,
    const char *name, uint64_t segment_id)
{
	struct mview_event	ev;
	int			r;

	r = mview_client_next_event(w, harness_timeout_ms(), &ev);
	if (r < 0)
		fail_msg("waiting for event %d %s: %s", (int)type, name,
		    mview_strerror(r));
	if (ev.type != type || strcmp(ev.name, name) != 0)
		fail_msg("expected event %d %s, got %d %s", (int)type, name,
		    (int)ev.type, ev.name);
	if (segment_id != 0)
		assert_int_equal(ev.segment_id, segment_id);
}

static struct mview_segment *
create(struct mview_client *c, const char *name)
{
	struct mview_segment *s = NULL;

	assert_int_equal(mview_segment_create(c, name, 4096, 0600,
	    MVIEW_LIFETIME_PERSISTENT, 0, &s), 0);
	return s;
}

static void
publish(struct mview_client *c, struct mview_segment *s, const char *name)
{
	struct mview_view *v = NULL;

	assert_int_equal(mview_view_from_segment(s, &v), 0);
	assert_int_equal(mview_view_publish(c, name, v, 0), 0);
	mview_view_release(v);
}

/*
 * Every kind of event, in order, for names under the prefix only: events
 * for other names, made first, would have arrived first.
 */
static void
test_watch_lifecycle(void **state)
{
	struct mview_client	*w = integration_connect(&mviewd);
	struct mview_client	*p = integration_connect(&mviewd);
	struct mview_segment	*s, *x;
	struct mview_event	 ev;
	uint64_t		 id;

	(void)state;
	assert_int_equal(mview_client_watch(w, "w/"), 0);
	x = create(p, "x/seg");
	s = create(p, "w/seg");
	id = mview_segment_info(s)->id;
	expect_event(w, MVIEW_EVENT_SEGMENT_CREATED, "w/seg", id);

	publish(p, x, "x/view");
	publish(p, s, "w/view");
	expect_event(w, MVIEW_EVENT_VIEW_PUBLISHED, "w/view", id);

	assert_int_equal(mview_view_unpublish(p, "x/view"), 0);
	assert_int_equal(mview_view_unpublish(p, "w/view"), 0);
	expect_event(w, MVIEW_EVENT_VIEW_UNPUBLISHED, "w/view", id);

	assert_int_equal(mview_segment_delete(p, "x/seg"), 0);
	assert_int_equal(mview_segment_delete(p, "w/seg"), 0);
	expect_event(w, MVIEW_EVENT_SEGMENT_DELETED, "w/seg", id);

	/* Nothing else is queued: x/ never showed up. */
	assert_int_equal(mview_client_next_event(w, 0, &ev), -EAGAIN);
	mview_segment_close(s);
	mview_segment_close(x);
	mview_client_close(p);
	mview_client_close(w);
}

/* Unwatch ends one watch: the next event is the other prefix's, which
 * came after the unwatched one's would have. Only exact prefixes. */
static void
test_unwatch(void **state)
{
	struct mview_client	*w = integration_connect(&mviewd);
	struct mview_client	*p = integration_connect(&mviewd);
	struct mview_segment	*a1, *a2, *b;
	struct mview_event	 ev;

	(void)state;
	assert_int_equal(mview_client_watch(w, "ua/"), 0);
	assert_int_equal(mview_client_watch(w, "ub/"), 0);
	a1 = create(p, "ua/1");
	expect_event(w, MVIEW_EVENT_SEGMENT_CREATED, "ua/1", 0);
	assert_int_equal(mview_client_unwatch(w, "ua"), -ENOENT);
	assert_int_equal(mview_client_unwatch(w, "ua/"), 0);
	assert_int_equal(mview_client_unwatch(w, "ua/"), -ENOENT);
	a2 = create(p, "ua/2");
	b = create(p, "ub/1");
	expect_event(w, MVIEW_EVENT_SEGMENT_CREATED, "ub/1", 0);
	assert_int_equal(mview_client_next_event(w, 0, &ev), -EAGAIN);
	/* Watching again works as before. */
	assert_int_equal(mview_client_watch(w, "ua/"), 0);
	assert_int_equal(mview_segment_delete(p, "ua/2"), 0);
	expect_event(w, MVIEW_EVENT_SEGMENT_DELETED, "ua/2", 0);
	mview_segment_close(a1);
	mview_segment_close(a2);
	mview_segment_close(b);
	assert_int_equal(mview_segment_delete(p, "ua/1"), 0);
	assert_int_equal(mview_segment_delete(p, "ub/1"), 0);
	mview_client_close(p);
	mview_client_close(w);
}

/* "" watches every name; two watchers each get their copy. */
static void
test_watch_all_and_many(void **state)
{
	struct mview_client	*w1 = integration_connect(&mviewd);
	struct mview_client	*w2 = integration_connect(&mviewd);
	struct mview_client	*p = integration_connect(&mviewd);
	struct mview_segment	*s;

	(void)state;
	assert_int_equal(mview_client_watch(w1, ""), 0);
	assert_int_equal(mview_client_watch(w2, "any/"), 0);
	s = create(p, "any/thing");
	publish(p, s, "any/thing/v");
	expect_event(w1, MVIEW_EVENT_SEGMENT_CREATED, "any/thing", 0);
	expect_event(w2, MVIEW_EVENT_SEGMENT_CREATED, "any/thing", 0);
	expect_event(w1, MVIEW_EVENT_VIEW_PUBLISHED, "any/thing/v", 0);
	expect_event(w2, MVIEW_EVENT_VIEW_PUBLISHED, "any/thing/v", 0);
	assert_int_equal(mview_view_unpublish(p, "any/thing/v"), 0);
	expect_event(w1, MVIEW_EVENT_VIEW_UNPUBLISHED, "any/thing/v", 0);
	expect_event(w2, MVIEW_EVENT_VIEW_UNPUBLISHED, "any/thing/v", 0);
	mview_segment_close(s);
	assert_int_equal(mview_segment_delete(p, "any/thing"), 0);
	expect_event(w1, MVIEW_EVENT_SEGMENT_DELETED, "any/thing", 0);
	expect_event(w2, MVIEW_EVENT_SEGMENT_DELETED, "any/thing", 0);
	mview_client_close(p);
	mview_client_close(w2);
	mview_client_close(w1);
}

/* The watcher's own actions are reported to it, interleaved with replies. */
static void
test_watch_own_actions(void **state)
{
	struct mview_client	*c = integration_connect(&mviewd);
	struct mview_segment	*s;

	(void)state;
	assert_int_equal(mview_client_watch(c, "self/"), 0);
	s = create(c, "self/a");
	publish(c, s, "self/a/v");
	assert_int_equal(mview_view_unpublish(c, "self/a/v"), 0);
	mview_segment_close(s);
	assert_int_equal(mview_segment_delete(c, "self/a"), 0);
	expect_event(c, MVIEW_EVENT_SEGMENT_CREATED, "self/a", 0);
	expect_event(c, MVIEW_EVENT_VIEW_PUBLISHED, "self/a/v", 0);
	expect_event(c, MVIEW_EVENT_VIEW_UNPUBLISHED, "self/a/v", 0);
	expect_event(c, MVIEW_EVENT_SEGMENT_DELETED, "self/a", 0);
	mview_client_close(c);
}

/* The socket fd becomes readable when an event is waiting. */
static void
test_watch_fd_polls(void **state)
{
	struct mview_client	*w = integration_connect(&mviewd);
	struct mview_client	*p = integration_connect(&mviewd);
	struct mview_segment	*s;
	struct pollfd		 pfd;

	(void)state;
	assert_int_equal(mview_client_watch(w, "poll/"), 0);
	pfd.fd = mview_client_fd(w);
	pfd.events = POLLIN;
	assert_true(pfd.fd >= 0);
	s = create(p, "poll/a");
	assert_int_equal(poll(&pfd, 1, harness_timeout_ms()), 1);
	expect_event(w, MVIEW_EVENT_SEGMENT_CREATED, "poll/a", 0);
	mview_segment_close(s);
	assert_int_equal(mview_segment_delete(p, "poll/a"), 0);
	expect_event(w, MVIEW_EVENT_SEGMENT_DELETED, "poll/a", 0);
	mview_client_close(p);
	mview_client_close(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_watch_lifecycle),
		cmocka_unit_test(test_watch_all_and_many),
		cmocka_unit_test(test_unwatch),
		cmocka_unit_test(test_watch_own_actions),
		cmocka_unit_test(test_watch_fd_polls),
	};

	integration_group_daemon(&mviewd, NULL);
	return cmocka_run_group_tests_name("integration-watch", tests,
	    integration_group_setup, integration_group_teardown);
}
