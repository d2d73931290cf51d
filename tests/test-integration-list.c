/* SPDX-License-Identifier: MIT */
/* Listings against a real mviewd holding 200,000 views: complete across pages, filtered by access, bounded per request. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "integration.h"
#include "raw-client.h"
#include "raw-expect.h"
#include "wire.h"

#define NVIEWS		200000
#define PUBLIC_EVERY	997	/* v/N is readable to all when N % 997 == 0 */
#define PUBLIC_BELOW	100000	/* ... and N < 100000: the upper half is closed */
#define NSEGMENTS	1100	/* the owner's closed segments */
#define SCAN_MAX	1024	/* entries mviewd looks at per request */
#define WINDOW		128	/* requests in flight while filling */
#define STRANGER	65534

static struct harness_daemon	daemon_;
static uint64_t			closed_seg, open_seg;
static int			owner_sock = -1;	/* keeps what it made */

static bool
is_public(long i)
{
	return i < PUBLIC_BELOW && i % PUBLIC_EVERY == 0;
}

static size_t
npublic(void)
{
	return (PUBLIC_BELOW + PUBLIC_EVERY - 1) / PUBLIC_EVERY;
}

static void
view_name(long i, char *buf, size_t len)
{
	snprintf(buf, len, "v/%06ld", i);
}

static uint64_t
create_mode(int sock, uint32_t mode)
{
	Mview__Request		 req = MVIEW__REQUEST__INIT;
	Mview__SegmentCreate	 cr = MVIEW__SEGMENT_CREATE__INIT;
	Mview__Reply		*rep = NULL;
	uint64_t		 id;
	int			 fd = -1;

	cr.size = 4096;
	cr.has_mode = true;
	cr.mode = mode;
	req.body_case = MVIEW__REQUEST__BODY_SEGMENT_CREATE;
	req.segment_create = &cr;
	assert_int_equal(raw_call(sock, &req, &rep, &fd), 0);
	if (rep->error != 0)
		fail_msg("create: %s", rep->message);
	close(fd);
	id = rep->segment->id;
	wire_reply_free(rep);
	return id;
}

/* Publish views [from, to) with WINDOW requests in flight. */
static void
publish_range(int sock, long from, long to)
{
	Mview__Request		 req = MVIEW__REQUEST__INIT;
	Mview__ViewPublish	 pub = MVIEW__VIEW_PUBLISH__INIT;
	Mview__ViewDesc		 d = MVIEW__VIEW_DESC__INIT;
	Mview__Reply		*rep;
	int64_t			 shape = 16;
	char			 name[32];

	d.format = (char *)"B";
	d.itemsize = 1;
	d.n_shape = 1;
	d.shape = &shape;
	pub.name = name;
	pub.desc = &d;
	req.body_case = MVIEW__REQUEST__BODY_VIEW_PUBLISH;
	req.view_publish = &pub;
	for (long i = from; i < to; i++) {
		view_name(i, name, sizeof(name));
		d.segment_id = is_public(i) ? open_seg : closed_seg;
		req.id = (uint64_t)i + 1;
		assert_int_equal(raw_send(sock, &req), 0);
	}
	for (long i = from; i < to; i++) {
		assert_int_equal(raw_recv(sock, harness_timeout_ms(), &rep,
		    NULL), 0);
		if (rep->error != 0)
			fail_msg("publish #%llu: %s",
			    (unsigned long long)rep->id, rep->message);
		wire_reply_free(rep);
	}
}

static int
group_setup(void **state)
{
	if (integration_group_setup(state) < 0)
		return -1;
	owner_sock = raw_open_caps(daemon_.socket, MVIEW_CAP_RESUME);
	assert_true(owner_sock >= 0);
	closed_seg = create_mode(owner_sock, 0600);
	open_seg = create_mode(owner_sock, 0644);
	for (long i = 0; i < NVIEWS; i += WINDOW)
		publish_range(owner_sock, i,
		    i + WINDOW < NVIEWS ? i + WINDOW : NVIEWS);
	for (int i = 0; i < NSEGMENTS; i++)
		(void)create_mode(owner_sock, 0600);
	return 0;
}

static int
group_teardown(void **state)
{
	if (owner_sock >= 0)
		close(owner_sock);
	return integration_group_teardown(state);
}

/* One view list request; the reply is the caller's. */
static Mview__ViewListReply *
view_page(int sock, const char *prefix, const char *after, bool has_resume,
    uint64_t resume, Mview__Reply **ret_reply)
{
	Mview__Request	 req = MVIEW__REQUEST__INIT;
	Mview__ViewList	 vl = MVIEW__VIEW_LIST__INIT;
	Mview__Reply	*rep = NULL;

	*ret_reply = NULL;
	vl.prefix = (char *)prefix;
	vl.after_name = (char *)after;
	vl.has_resume = has_resume;
	vl.resume = resume;
	req.body_case = MVIEW__REQUEST__BODY_VIEW_LIST;
	req.view_list = &vl;
	if (raw_call(sock, &req, &rep, NULL) < 0)
		return NULL;
	*ret_reply = rep;
	return rep->error == 0 ? rep->view_list : NULL;
}

/* What walking a listing page by page saw. */
struct walk {
	size_t	entries, pages, empty, bad;
	int	error;		/* the reply error that ended it, or 0 */
	char	last[32];
};

/*
 * Walk the views under prefix from after, following tokens when
 * resume is set (else as a client that predates them). Counts entries
 * that are out of order or, for a stranger, not public in bad.
 */
static int
walk_views(int sock, const char *prefix, const char *after, bool resume,
    bool stranger, struct walk *w)
{
	Mview__ViewListReply	*vl;
	Mview__Reply		*rep = NULL;
	uint64_t		 token = 0;
	bool			 has_token = false;

	memset(w, 0, sizeof(*w));
	snprintf(w->last, sizeof(w->last), "%s", after ? after : "");
	for (;;) {
		vl = view_page(sock, prefix, w->last[0] ? w->last : NULL,
		    has_token, token, &rep);
		if (rep == NULL)
			return -EIO;
		if (vl == NULL) {
			w->error = (int)rep->error;
			wire_reply_free(rep);
			return 0;
		}
		w->pages++;
		w->empty += vl->n_views == 0;
		for (size_t i = 0; i < vl->n_views; i++) {
			const char *name = vl->views[i]->name;
			long n = strtol(name + 2, NULL, 10);

			if (strcmp(name, w->last) <= 0 ||
			    (stranger && !is_public(n)))
				w->bad++;
			snprintf(w->last, sizeof(w->last), "%s", name);
		}
		w->entries += vl->n_views;
		if (!vl->more) {
			wire_reply_free(rep);
			return 0;
		}
		/* A token with every short page: never without one. */
		if (resume && !vl->has_resume)
			w->bad++;
		has_token = resume && vl->has_resume;
		token = vl->resume;
		wire_reply_free(rep);
		if (w->pages > 4 * NVIEWS)
			return -ELOOP;
	}
}

/* The owner sees every view, in order, across pages; a prefix starts at it. */
static void
test_owner_complete(void **state)
{
	struct mview_client	*c = integration_connect(&daemon_);
	struct mview_view_info	*infos = NULL;
	char			 name[32];
	size_t			 n = 0;

	(void)state;
	assert_int_equal(mview_view_list(c, NULL, &infos, &n), 0);
	assert_int_equal(n, NVIEWS);
	for (size_t i = 0; i < n; i++) {
		view_name((long)i, name, sizeof(name));
		if (strcmp(infos[i].name, name) != 0)
			fail_msg("entry %zu is %s, want %s", i, infos[i].name,
			    name);
	}
	free(infos);
	assert_int_equal(mview_view_list(c, "v/1234", &infos, &n), 0);
	assert_int_equal(n, 100);
	assert_string_equal(infos[0].name, "v/123400");
	assert_string_equal(infos[99].name, "v/123499");
	free(infos);
	assert_int_equal(mview_view_list(c, "w/", &infos, &n), 0);
	assert_int_equal(n, 0);
	free(infos);
	mview_client_close(c);
}

/* A client that predates tokens still gets the whole listing it can read
 * when its pages are full. */
static void
test_owner_old_client(void **state)
{
	struct walk	w;
	int		sock = raw_open_ok(daemon_.socket);

	(void)state;
	assert_int_equal(walk_views(sock, NULL, NULL, false, false, &w), 0);
	assert_int_equal(w.error, 0);
	assert_int_equal(w.entries, NVIEWS);
	assert_int_equal(w.bad, 0);
	close(sock);
}

static int
stranger_library(void *arg)
{
	struct harness_daemon		*d = arg;
	struct mview_client		*c = NULL;
	struct mview_view_info		*views = NULL;
	struct mview_segment_info	*segs = NULL;
	size_t				 n = 0, k = 0;

	CHILD_OK(mview_client_connect(d->socket, &c));
	CHILD_OK(mview_view_list(c, NULL, &views, &n));
	CHILD_CHECK(n == npublic());
	for (long i = 0; i < NVIEWS; i++) {
		char name[32];

		if (!is_public(i))
			continue;
		view_name(i, name, sizeof(name));
		CHILD_CHECK(k < n && strcmp(views[k].name, name) == 0);
		k++;
	}
	free(views);
	CHILD_OK(mview_view_list(c, "v/15", &views, &n));
	CHILD_CHECK(n == 0);
	free(views);
	CHILD_OK(mview_segment_list(c, NULL, &segs, &n));
	CHILD_CHECK(n == 1 && segs[0].id == open_seg);
	free(segs);
	mview_client_close(c);
	return 0;
}

/* Through the library a stranger gets exactly what it may read. */
static void
test_stranger_library(void **state)
{
	(void)state;
	assert_int_equal(harness_run_as(STRANGER, STRANGER, stranger_library,
	    &daemon_), 0);
}

static int
stranger_bounded(void *arg)
{
	struct harness_daemon	*d = arg;
	struct walk		 w;
	int			 sock;

	CHILD_CHECK((sock = raw_open_caps(d->socket, MVIEW_CAP_RESUME)) >= 0);
	/*
	 * Every request looks at SCAN_MAX entries at most: walking 200,000
	 * views takes at least 200,000 / SCAN_MAX requests, most of them
	 * empty pages, each with a token.
	 */
	CHILD_CHECK(walk_views(sock, NULL, NULL, true, true, &w) == 0);
	fprintf(stderr, "# stranger: %zu entries in %zu pages (%zu empty)\n",
	    w.entries, w.pages, w.empty);
	CHILD_CHECK(w.error == 0 && w.bad == 0);
	CHILD_CHECK(w.entries == npublic());
	CHILD_CHECK(w.pages >= NVIEWS / SCAN_MAX);
	CHILD_CHECK(w.empty >= (NVIEWS - PUBLIC_BELOW) / SCAN_MAX);
	/* The closed half alone, from a name inside it. */
	CHILD_CHECK(walk_views(sock, "v/", "v/150000", true, true, &w) == 0);
	CHILD_CHECK(w.error == 0 && w.bad == 0 && w.entries == 0);
	CHILD_CHECK(w.pages >= (NVIEWS - 150000) / SCAN_MAX);
	/* A prefix with nothing under it: one page, over at once. */
	CHILD_CHECK(walk_views(sock, "x/", NULL, true, true, &w) == 0);
	CHILD_CHECK(w.pages == 1 && w.entries == 0);
	close(sock);
	return 0;
}

/* A stranger's pages are bounded: short or empty, with a token. */
static void
test_stranger_bounded(void **state)
{
	(void)state;
	assert_int_equal(harness_run_as(STRANGER, STRANGER, stranger_bounded,
	    &daemon_), 0);
}

static int
stranger_old_client(void *arg)
{
	struct harness_daemon	*d = arg;
	struct walk		 w;
	int			 sock;

	CHILD_CHECK((sock = raw_open_caps(d->socket, 0)) >= 0);
	/* The open lower half comes in short pages; in the closed upper
	 * half the daemon looks no further and says why. */
	CHILD_CHECK(walk_views(sock, NULL, NULL, false, true, &w) == 0);
	fprintf(stderr, "# old stranger: %zu entries, then error %d\n",
	    w.entries, w.error);
	CHILD_CHECK(w.bad == 0 && w.entries == npublic());
	CHILD_CHECK(w.error == E2BIG);
	close(sock);
	return 0;
}

/* A client that follows no tokens is still bounded, and told so. */
static void
test_stranger_old_client(void **state)
{
	(void)state;
	assert_int_equal(harness_run_as(STRANGER, STRANGER,
	    stranger_old_client, &daemon_), 0);
}

static int
stranger_segments(void *arg)
{
	struct harness_daemon	*d = arg;
	Mview__Request		 req = MVIEW__REQUEST__INIT;
	Mview__SegmentList	 sl = MVIEW__SEGMENT_LIST__INIT;
	Mview__Reply		*rep = NULL;
	size_t			 pages = 0, entries = 0;
	int			 sock;
	bool			 more = true;

	CHILD_CHECK((sock = raw_open_caps(d->socket, MVIEW_CAP_RESUME)) >= 0);
	req.body_case = MVIEW__REQUEST__BODY_SEGMENT_LIST;
	req.segment_list = &sl;
	while (more) {
		req.id = 0;
		CHILD_CHECK(raw_call(sock, &req, &rep, NULL) == 0);
		CHILD_CHECK(rep->error == 0);
		for (size_t i = 0; i < rep->segment_list->n_segments; i++) {
			CHILD_CHECK(rep->segment_list->segments[i]->id ==
			    open_seg);
			sl.has_after_id = true;
			sl.after_id = open_seg;
		}
		entries += rep->segment_list->n_segments;
		more = rep->segment_list->more;
		CHILD_CHECK(!more || rep->segment_list->has_resume);
		sl.has_resume = rep->segment_list->has_resume;
		sl.resume = rep->segment_list->resume;
		wire_reply_free(rep);
		CHILD_CHECK(++pages < 100);
	}
	CHILD_CHECK(entries == 1);
	CHILD_CHECK(pages >= (NSEGMENTS + 2 + SCAN_MAX - 1) / SCAN_MAX);
	/* After an id nobody has: no scan from the start, nothing. */
	sl.has_after_id = true;
	sl.after_id = UINT64_MAX - 1;
	sl.has_resume = false;
	req.id = 0;
	CHILD_CHECK(raw_call(sock, &req, &rep, NULL) == 0);
	CHILD_CHECK(rep->error == 0 && rep->segment_list->n_segments == 0 &&
	    !rep->segment_list->more);
	wire_reply_free(rep);
	close(sock);
	return 0;
}

/* Segments page the same way: the stranger sees the open one only. */
static void
test_stranger_segments(void **state)
{
	(void)state;
	assert_int_equal(harness_run_as(STRANGER, STRANGER, stranger_segments,
	    &daemon_), 0);
}

/* A token from another session, or made up, resumes nothing: the page
 * starts after the caller's own last entry. */
static void
test_foreign_token(void **state)
{
	Mview__ViewListReply	*vl;
	Mview__Reply		*rep = NULL;
	int			 sock = raw_open_caps(daemon_.socket,
	    MVIEW_CAP_RESUME);

	(void)state;
	assert_true(sock >= 0);
	vl = view_page(sock, NULL, "v/000009", true, 12345, &rep);
	assert_non_null(vl);
	assert_true(vl->n_views > 0);
	assert_string_equal(vl->views[0]->name, "v/000010");
	wire_reply_free(rep);
	close(sock);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_owner_complete),
		cmocka_unit_test(test_owner_old_client),
		cmocka_unit_test(test_stranger_library),
		cmocka_unit_test(test_stranger_bounded),
		cmocka_unit_test(test_stranger_old_client),
		cmocka_unit_test(test_stranger_segments),
		cmocka_unit_test(test_foreign_token),
	};

	integration_group_daemon(&daemon_, NULL);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
