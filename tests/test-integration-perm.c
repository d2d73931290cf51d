/* SPDX-License-Identifier: MIT */
/* Integration: a second uid (nobody) is refused or allowed per the mode bits. */
#include <sys/mman.h>
#include <sys/prctl.h>

#include <errno.h>
#include <fcntl.h>
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
#include "raw-client.h"

#define NOBODY		((uid_t)65534)
#define NOGROUP		((gid_t)65534)
#define ROOTGROUP	((gid_t)0)	/* the group of segments root creates */

static struct harness_daemon mviewd;

enum perm_op {
	OP_OPEN_READ,		/* open, map read-only, read the marker */
	OP_OPEN_WRITE,		/* open writable, write 'W' at byte 1 */
	OP_LOOKUP,		/* look the view NAME/v up and read through it */
	OP_DELETE,
	OP_FREEZE,
	OP_PUBLISH,		/* publish NAME/mine over the segment */
	OP_UNPUBLISH,		/* unpublish NAME/v */
	OP_LIST,		/* exit status: how many segments under NAME are listed */
	OP_REOPEN_RDWR,		/* take the read-only fd raw, reopen it O_RDWR */
	OP_CREATE0,		/* create NAME with mode 0000 */
	OP_LOOKUP_MINE_WRITE,	/* look NAME/mine up for writing: EROFS if read-only */
};

struct perm_req {
	const char	*name;
	enum perm_op	 op;
	uid_t		 uid;
	gid_t		 gid;
};

static int
errno_status(int r)
{
	return r < 0 ? -r : r;
}

static int
child_open(struct mview_client *c, const struct perm_req *q)
{
	struct mview_segment	*s = NULL;
	bool			 write = q->op == OP_OPEN_WRITE;
	int			 r;

	r = mview_segment_open(c, q->name, write ? MVIEW_OPEN_WRITE : 0, &s);
	if (r < 0)
		return errno_status(r);
	CHILD_CHECK(mview_segment_info(s)->writable == write);
	CHILD_CHECK(((char *)mview_segment_data(s))[0] == 'M');
	if (write)
		((char *)mview_segment_data(s))[1] = 'W';
	mview_segment_close(s);
	return 0;
}

static int
child_lookup(struct mview_client *c, const struct perm_req *q)
{
	struct mview_view	*v = NULL;
	char			 name[128];
	int			 r;

	snprintf(name, sizeof(name), "%s/v", q->name);
	if ((r = mview_view_lookup(c, name, 0, &v)) < 0)
		return errno_status(r);
	CHILD_CHECK(mview_view_desc(v)->readonly);
	CHILD_CHECK(((char *)mview_view_data(v))[0] == 'M');
	mview_view_release(v);
	return 0;
}

static int
child_lookup_write(struct mview_client *c, const struct perm_req *q)
{
	struct mview_view	*v = NULL;
	char			 name[128];
	int			 r;

	snprintf(name, sizeof(name), "%s/mine", q->name);
	if ((r = mview_view_lookup(c, name, MVIEW_OPEN_WRITE, &v)) < 0)
		return errno_status(r);
	r = mview_view_desc(v)->readonly ? EROFS : 0;
	mview_view_release(v);
	return r;
}

static int
child_publish(struct mview_client *c, const struct perm_req *q)
{
	struct mview_segment	*s = NULL;
	struct mview_view	*v = NULL;
	char			 name[128];
	int			 r;

	snprintf(name, sizeof(name), "%s/mine", q->name);
	if ((r = mview_segment_open(c, q->name, 0, &s)) < 0)
		return errno_status(r);
	CHILD_OK(mview_view_from_segment(s, &v));
	r = mview_view_publish(c, name, v, 0);
	mview_view_release(v);
	mview_segment_close(s);
	return errno_status(r);
}

static int
child_list(struct mview_client *c, const struct perm_req *q)
{
	struct mview_segment_info	*infos = NULL;
	size_t				 n = 0;

	CHILD_OK(mview_segment_list(c, q->name, &infos, &n));
	free(infos);
	return (int)n;
}

/* The memfd is 0600 and owned by the daemon: a read-only fd cannot be upgraded. */
static int
child_reopen(const struct perm_req *q)
{
	Mview__Request		 req = MVIEW__REQUEST__INIT;
	Mview__SegmentOpen	 op = MVIEW__SEGMENT_OPEN__INIT;
	Mview__Ref		 ref = MVIEW__REF__INIT;
	Mview__Reply		*rep = NULL;
	char			 path[64];
	int			 sock, fd = -1, fd2;

	/* So that /proc/self stays ours after the uid change. */
	prctl(PR_SET_DUMPABLE, 1);
	CHILD_CHECK((sock = raw_open(mviewd.socket)) >= 0);
	ref.by_case = MVIEW__REF__BY_NAME;
	ref.name = (char *)q->name;
	op.ref = &ref;
	req.body_case = MVIEW__REQUEST__BODY_SEGMENT_OPEN;
	req.segment_open = &op;
	CHILD_OK(raw_call(sock, &req, &rep, &fd));
	CHILD_CHECK(rep->error == 0);
	wire_reply_free(rep);
	CHILD_CHECK(fd >= 0);
	CHILD_CHECK((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	fd2 = open(path, O_RDWR | O_CLOEXEC);
	if (fd2 >= 0) {
		close(fd2);
		return 0;
	}
	return errno;
}

static int
perm_child(void *arg)
{
	const struct perm_req	*q = arg;
	struct mview_client	*c = NULL;
	struct mview_segment	*s = NULL;
	int			 r;

	if (q->op == OP_REOPEN_RDWR)
		return child_reopen(q);
	CHILD_OK(mview_client_connect(mviewd.socket, &c));
	switch (q->op) {
	case OP_OPEN_READ:
	case OP_OPEN_WRITE:
		r = child_open(c, q);
		break;
	case OP_LOOKUP:
		r = child_lookup(c, q);
		break;
	case OP_DELETE:
		r = errno_status(mview_segment_delete(c, q->name));
		break;
	case OP_FREEZE:
		r = errno_status(mview_segment_freeze(c, q->name));
		break;
	case OP_PUBLISH:
		r = child_publish(c, q);
		break;
	case OP_UNPUBLISH: {
		char name[128];

		snprintf(name, sizeof(name), "%s/v", q->name);
		r = errno_status(mview_view_unpublish(c, name));
		break;
	}
	case OP_LIST:
		r = child_list(c, q);
		break;
	case OP_LOOKUP_MINE_WRITE:
		r = child_lookup_write(c, q);
		break;
	case OP_CREATE0:
		r = errno_status(mview_segment_create(c, q->name, 4096, 0,
		    MVIEW_LIFETIME_PERSISTENT, 0, &s));
		if (r == 0)
			((char *)mview_segment_data(s))[0] = 'M';
		mview_segment_close(s);
		break;
	default:
		r = 99;
	}
	mview_client_close(c);
	return r;
}

static int
as(uid_t uid, gid_t gid, enum perm_op op, const char *name)
{
	struct perm_req q = { .name = name, .op = op, .uid = uid, .gid = gid };

	return harness_run_as(uid, gid, perm_child, &q);
}

/* A root-owned segment NAME with mode, marker 'M', and a view NAME/v on it. */
static struct mview_segment *
make_segment(struct mview_client *c, const char *name, uint32_t mode)
{
	struct mview_segment	*s = NULL;
	struct mview_view	*v = NULL;
	char			 vname[128];

	assert_int_equal(mview_segment_create(c, name, 4096, mode,
	    MVIEW_LIFETIME_PERSISTENT, 0, &s), 0);
	memset(mview_segment_data(s), 0, 4096);
	((char *)mview_segment_data(s))[0] = 'M';
	assert_int_equal(mview_view_from_segment(s, &v), 0);
	snprintf(vname, sizeof(vname), "%s/v", name);
	assert_int_equal(mview_view_publish(c, vname, v, 0), 0);
	mview_view_release(v);
	return s;
}

static void
drop_segment(struct mview_client *c, struct mview_segment *s, const char *name)
{
	mview_segment_close(s);
	assert_int_equal(mview_segment_delete(c, name), 0);
}

/*
 * A reader publishing over a segment it may not write: refused (EPERM, as
 * mview.h says) or accepted as a read-only view; never a way to write.
 */
static void
assert_publish_by_reader(struct mview_client *c, const char *segname)
{
	struct mview_view	*v = NULL;
	char			 name[128];
	int			 r;

	r = as(NOBODY, NOGROUP, OP_PUBLISH, segname);
	if (r == EPERM)
		return;
	assert_int_equal(r, 0);
	print_message("# note: mviewd accepted a reader's publish on %s "
	    "(mview.h documents EPERM); checking it is read-only\n", segname);
	snprintf(name, sizeof(name), "%s/mine", segname);
	assert_int_equal(mview_view_lookup(c, name, MVIEW_OPEN_WRITE, &v), 0);
	assert_true(mview_view_desc(v)->readonly);
	mview_view_release(v);
	assert_int_equal(as(NOBODY, NOGROUP, OP_LOOKUP_MINE_WRITE, segname),
	    EROFS);
	assert_int_equal(mview_view_unpublish(c, name), 0);
}

static void
test_mode_0600(void **state)
{
	struct mview_client	*c = integration_connect(&mviewd);
	struct mview_segment	*s = make_segment(c, "perm/0600", 0600);

	(void)state;
	assert_int_equal(as(NOBODY, NOGROUP, OP_OPEN_READ, "perm/0600"), EACCES);
	assert_int_equal(as(NOBODY, ROOTGROUP, OP_OPEN_READ, "perm/0600"), EACCES);
	assert_int_equal(as(NOBODY, NOGROUP, OP_OPEN_WRITE, "perm/0600"), EACCES);
	assert_int_equal(as(NOBODY, NOGROUP, OP_LOOKUP, "perm/0600"), EACCES);
	assert_int_equal(as(NOBODY, NOGROUP, OP_LIST, "perm/0600"), 0);
	assert_int_equal(as(NOBODY, NOGROUP, OP_DELETE, "perm/0600"), EPERM);
	drop_segment(c, s, "perm/0600");
	mview_client_close(c);
}

static void
test_mode_0640_group(void **state)
{
	struct mview_client	*c = integration_connect(&mviewd);
	struct mview_segment	*s = make_segment(c, "perm/0640", 0640);

	(void)state;
	assert_int_equal(as(NOBODY, ROOTGROUP, OP_OPEN_READ, "perm/0640"), 0);
	assert_int_equal(as(NOBODY, ROOTGROUP, OP_LOOKUP, "perm/0640"), 0);
	assert_int_equal(as(NOBODY, ROOTGROUP, OP_LIST, "perm/0640"), 1);
	assert_int_equal(as(NOBODY, ROOTGROUP, OP_OPEN_WRITE, "perm/0640"), EACCES);
	assert_int_equal(as(NOBODY, NOGROUP, OP_OPEN_READ, "perm/0640"), EACCES);
	assert_int_equal(as(NOBODY, NOGROUP, OP_LIST, "perm/0640"), 0);
	drop_segment(c, s, "perm/0640");
	mview_client_close(c);
}

static void
test_mode_0660_group_writes(void **state)
{
	struct mview_client	*c = integration_connect(&mviewd);
	struct mview_segment	*s = make_segment(c, "perm/0660", 0660);

	(void)state;
	assert_int_equal(as(NOBODY, ROOTGROUP, OP_OPEN_WRITE, "perm/0660"), 0);
	assert_int_equal(((char *)mview_segment_data(s))[1], 'W');
	assert_int_equal(as(NOBODY, NOGROUP, OP_OPEN_READ, "perm/0660"), EACCES);
	drop_segment(c, s, "perm/0660");
	mview_client_close(c);
}

static void
test_mode_0644_other(void **state)
{
	struct mview_client	*c = integration_connect(&mviewd);
	struct mview_segment	*s = make_segment(c, "perm/0644", 0644);

	(void)state;
	assert_int_equal(as(NOBODY, NOGROUP, OP_OPEN_READ, "perm/0644"), 0);
	assert_int_equal(as(NOBODY, NOGROUP, OP_LOOKUP, "perm/0644"), 0);
	assert_int_equal(as(NOBODY, NOGROUP, OP_OPEN_WRITE, "perm/0644"), EACCES);
	assert_int_equal(((char *)mview_segment_data(s))[1], 0);
	assert_int_equal(as(NOBODY, NOGROUP, OP_REOPEN_RDWR, "perm/0644"), EACCES);
	assert_publish_by_reader(c, "perm/0644");
	assert_int_equal(as(NOBODY, NOGROUP, OP_UNPUBLISH, "perm/0644"), EPERM);
	assert_int_equal(as(NOBODY, NOGROUP, OP_FREEZE, "perm/0644"), EPERM);
	assert_int_equal(as(NOBODY, NOGROUP, OP_DELETE, "perm/0644"), EPERM);
	drop_segment(c, s, "perm/0644");
	mview_client_close(c);
}

static void
test_mode_0666_other_writes(void **state)
{
	struct mview_client	*c = integration_connect(&mviewd);
	struct mview_segment	*s = make_segment(c, "perm/0666", 0666);
	struct mview_view	*v = NULL;

	(void)state;
	assert_int_equal(as(NOBODY, NOGROUP, OP_OPEN_WRITE, "perm/0666"), 0);
	assert_int_equal(((char *)mview_segment_data(s))[1], 'W');
	assert_int_equal(as(NOBODY, NOGROUP, OP_PUBLISH, "perm/0666"), 0);
	assert_int_equal(mview_view_lookup(c, "perm/0666/mine", 0, &v), 0);
	mview_view_release(v);
	/* Owner-only operations stay owner-only whatever the mode. */
	assert_int_equal(as(NOBODY, NOGROUP, OP_FREEZE, "perm/0666"), EPERM);
	assert_int_equal(as(NOBODY, NOGROUP, OP_DELETE, "perm/0666"), EPERM);
	/* The segment's owner may unpublish what nobody published. */
	assert_int_equal(mview_view_unpublish(c, "perm/0666/mine"), 0);
	drop_segment(c, s, "perm/0666");
	mview_client_close(c);
}

/* The owner and root may always read; mode 0 shuts everyone else out. */
static void
test_owner_and_root_always(void **state)
{
	struct mview_client	*c = integration_connect(&mviewd);
	struct mview_segment	*s = NULL;

	(void)state;
	assert_int_equal(as(NOBODY, NOGROUP, OP_CREATE0, "perm/nobody0"), 0);
	assert_int_equal(as(NOBODY, NOGROUP, OP_OPEN_READ, "perm/nobody0"), 0);
	assert_int_equal(as(65533, 65533, OP_OPEN_READ, "perm/nobody0"), EACCES);
	assert_int_equal(mview_segment_open(c, "perm/nobody0", MVIEW_OPEN_WRITE,
	    &s), 0);
	assert_int_equal(((char *)mview_segment_data(s))[0], 'M');
	assert_int_equal(mview_segment_info(s)->uid, NOBODY);
	mview_segment_close(s);
	assert_int_equal(as(NOBODY, NOGROUP, OP_DELETE, "perm/nobody0"), 0);
	mview_client_close(c);
}

struct watch_req {
	int	ready[2];
};

/* As nobody: watch "perm/w/" and expect to hear only of the readable name. */
static int
watch_child(void *arg)
{
	struct watch_req	*w = arg;
	struct mview_client	*c = NULL;
	struct mview_event	 ev;

	close(w->ready[0]);
	CHILD_OK(mview_client_connect(mviewd.socket, &c));
	CHILD_OK(mview_client_watch(c, "perm/w/"));
	CHILD_CHECK(write(w->ready[1], "r", 1) == 1);
	close(w->ready[1]);
	CHILD_OK(mview_client_next_event(c, harness_timeout_ms(), &ev));
	CHILD_CHECK(ev.type == MVIEW_EVENT_SEGMENT_CREATED);
	CHILD_CHECK(strcmp(ev.name, "perm/w/shown") == 0);
	mview_client_close(c);
	return 0;
}

static void
test_watch_filtered_by_mode(void **state)
{
	struct mview_client	*c = integration_connect(&mviewd);
	struct mview_segment	*hidden = NULL, *shown = NULL;
	struct watch_req	 w;
	char			 b;
	pid_t			 pid;

	(void)state;
	assert_int_equal(pipe(w.ready), 0);
	pid = harness_child_start(NOBODY, NOGROUP, watch_child, &w);
	assert_true(pid > 0);
	close(w.ready[1]);
	assert_int_equal(read(w.ready[0], &b, 1), 1);
	close(w.ready[0]);
	assert_int_equal(mview_segment_create(c, "perm/w/hidden", 4096, 0600,
	    MVIEW_LIFETIME_PERSISTENT, 0, &hidden), 0);
	assert_int_equal(mview_segment_create(c, "perm/w/shown", 4096, 0644,
	    MVIEW_LIFETIME_PERSISTENT, 0, &shown), 0);
	assert_int_equal(harness_child_wait(pid), 0);
	drop_segment(c, hidden, "perm/w/hidden");
	drop_segment(c, shown, "perm/w/shown");
	mview_client_close(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode_0600),
		cmocka_unit_test(test_mode_0640_group),
		cmocka_unit_test(test_mode_0660_group_writes),
		cmocka_unit_test(test_mode_0644_other),
		cmocka_unit_test(test_mode_0666_other_writes),
		cmocka_unit_test(test_owner_and_root_always),
		cmocka_unit_test(test_watch_filtered_by_mode),
	};

	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root to run a second uid\n");
		return 77;
	}
	integration_group_daemon(&mviewd, NULL);
	return cmocka_run_group_tests_name("integration-perm", tests,
	    integration_group_setup, integration_group_teardown);
}
