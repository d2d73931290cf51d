/* SPDX-License-Identifier: MIT */
/*
 * Integration: the client library where its own process is the difficulty:
 * no free fd for a reply's descriptor, open-or-create among racing
 * creators, private copy-on-write views of what it may only read, and
 * names holding a NUL byte on the wire.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdbool.h>
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

#include "integration.h"
#include "raw-client.h"

#define NOBODY		((uid_t)65534)
#define NOGROUP		((gid_t)65534)
#define FILL_MAX	256

static struct harness_daemon	mviewd = { .pid = -1, .pidfd = -1 };

/* This process's fds, taken up to a lowered RLIMIT_NOFILE; given back by
 * the test's teardown too, when an assertion ended it early. */
struct fd_fill {
	struct rlimit	saved;
	bool		lowered;
	int		fds[FILL_MAX];
	size_t		n;
	int		probe[2];	/* a socketpair made before filling */
};

static struct fd_fill	fill = { .probe = { -1, -1 } };

static void
unfill_fds(struct fd_fill *f)
{
	for (size_t i = 0; i < f->n; i++)
		close(f->fds[i]);
	f->n = 0;
	if (f->lowered)
		setrlimit(RLIMIT_NOFILE, &f->saved);
	f->lowered = false;
	for (int i = 0; i < 2; i++) {
		if (f->probe[i] >= 0)
			close(f->probe[i]);
		f->probe[i] = -1;
	}
}

static int
unfill_teardown(void **state)
{
	(void)state;
	unfill_fds(&fill);
	return 0;
}

/* Whether the kernel, not only dup(), now refuses this process an fd:
 * one passed over a socket arrives cut off (MSG_CTRUNC). Under valgrind
 * the limit is only emulated and the kernel still installs it. */
static bool
fd_limit_enforced(struct fd_fill *f)
{
	union {
		char		buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr	align;
	} cm;
	struct iovec	 iov = { .iov_base = (char[1]){ 'x' }, .iov_len = 1 };
	struct msghdr	 msg = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = cm.buf, .msg_controllen = sizeof(cm.buf) };
	struct cmsghdr	*h;
	int		 fd;

	memset(&cm, 0, sizeof(cm));
	h = CMSG_FIRSTHDR(&msg);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &f->probe[0], sizeof(int));
	assert_int_equal(sendmsg(f->probe[0], &msg, 0), 1);
	msg.msg_controllen = sizeof(cm.buf);
	assert_int_equal(recvmsg(f->probe[1], &msg, MSG_CMSG_CLOEXEC), 1);
	if (msg.msg_flags & MSG_CTRUNC)
		return true;
	if ((h = CMSG_FIRSTHDR(&msg)) != NULL && h->cmsg_type == SCM_RIGHTS) {
		memcpy(&fd, CMSG_DATA(h), sizeof(int));
		close(fd);
	}
	return false;
}

/* Lower the soft limit just above what is open, then dup until EMFILE;
 * skips the test where the kernel does not enforce it. */
static void
fill_fds(struct fd_fill *f)
{
	struct rlimit	rl;
	int		open_now, fd;

	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0,
	    f->probe), 0);
	open_now = harness_count_fds(getpid());
	assert_true(open_now > 0);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &f->saved), 0);
	rl = f->saved;
	rl.rlim_cur = (rlim_t)open_now + 16;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	f->lowered = true;
	for (f->n = 0; f->n < FILL_MAX; f->n++) {
		if ((fd = fcntl(0, F_DUPFD_CLOEXEC, 0)) < 0)
			break;
		f->fds[f->n] = fd;
	}
	assert_int_equal(errno, EMFILE);
	assert_true(f->n < FILL_MAX);
	if (!fd_limit_enforced(f)) {
		unfill_fds(f);
		skip();
	}
}

/* Segments the session of c holds, by the daemon's own account. */
static size_t
held_by(struct mview_client *c)
{
	struct mview_session_info	*infos = NULL;
	size_t				 n = 0, held = SIZE_MAX;

	assert_int_equal(mview_session_list(c, &infos, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (infos[i].self)
			held = infos[i].nheld;
	free(infos);
	assert_true(held != SIZE_MAX);
	return held;
}

static void
assert_message(struct mview_client *c, const char *needle)
{
	const char	*msg = mview_client_last_error(c);

	print_message("# %s\n", msg);
	assert_non_null(strstr(msg, needle));
}

/* A segment name with bytes 'M' and a view name/v of it, mode 0644. */
static struct mview_segment *
make_published(struct mview_client *c, const char *name)
{
	struct mview_segment	*s = NULL;
	struct mview_view	*v = NULL;
	char			 vname[128];

	assert_int_equal(mview_segment_create(c, name, 4096, 0644,
	    MVIEW_LIFETIME_PERSISTENT, 0, &s), 0);
	memset(mview_segment_data(s), 'M', 4096);
	assert_int_equal(mview_view_from_segment(s, &v), 0);
	snprintf(vname, sizeof(vname), "%s/v", name);
	assert_int_equal(mview_view_publish(c, vname, v, 0), 0);
	mview_view_release(v);
	return s;
}

/*
 * With every fd slot taken, a reply's descriptor cannot be received: each
 * request that brings one fails with -EMFILE and says why, undoes what
 * the daemon did (nothing created, held or taken), leaks no fd, and the
 * connection keeps serving.
 */
static void
test_emfile(void **state)
{
	struct mview_client		*c, *r;
	struct mview_segment		*s, *s2 = NULL;
	struct mview_view		*v = NULL;
	struct mview_stream		*st = NULL;
	struct mview_stream_info	*si = NULL;
	struct mview_segment_info	*info = NULL;
	struct mview_stream_params	 p = { .slots = 4, .capacity = 64 };
	struct mview_status		 status;
	struct fd_fill			*f = &fill;
	int				 before;

	(void)state;
	/* Skip before making anything where the limit is not the kernel's. */
	fill_fds(f);
	unfill_fds(f);
	c = integration_connect(&mviewd);
	r = integration_connect(&mviewd);
	s = make_published(c, "emfile/seg");
	assert_int_equal(mview_stream_create(c, "emfile/st", &p, NULL), 0);
	assert_int_equal(mview_client_status(r, &status), 0);
	before = harness_count_fds(getpid());

	fill_fds(f);
	assert_int_equal(mview_view_lookup(r, "emfile/seg/v", 0, &v), -EMFILE);
	assert_message(r, "no free file descriptor");
	assert_int_equal(mview_view_lookup(r, "emfile/seg/v",
	    MVIEW_OPEN_PRIVATE, &v), -EMFILE);
	assert_int_equal(mview_segment_open(r, "emfile/seg", 0, &s2), -EMFILE);
	assert_message(r, "no free file descriptor");
	assert_int_equal(mview_segment_create(r, "emfile/new", 4096, 0600,
	    MVIEW_LIFETIME_PERSISTENT, 0, &s2), -EMFILE);
	assert_int_equal(mview_stream_open(r, "emfile/st", 0, &st), -EMFILE);
	assert_null(v);
	assert_null(s2);
	assert_null(st);
	/* The connection still serves requests that bring no fd. */
	assert_int_equal(mview_client_status(r, &status), 0);
	unfill_fds(f);

	assert_int_equal(harness_count_fds(getpid()), before);
	assert_int_equal(held_by(r), 0);
	assert_int_equal(mview_segment_stat(c, "emfile/new", &info), -ENOENT);
	assert_int_equal(mview_stream_stat(c, "emfile/st", &si), 0);
	assert_int_equal(si->consumers, 0);
	free(si);

	/* Once it may, the same client gets them. */
	assert_int_equal(mview_view_lookup(r, "emfile/seg/v", 0, &v), 0);
	assert_int_equal(((const char *)mview_view_data(v))[0], 'M');
	assert_int_equal(held_by(r), 1);
	/* A lookup of a segment the client maps already needs no new fd. */
	fill_fds(f);
	{
		struct mview_view	*w = NULL;

		assert_int_equal(mview_view_lookup(r, "emfile/seg/v", 0, &w),
		    0);
		mview_view_release(w);
	}
	unfill_fds(f);
	mview_view_release(v);
	assert_int_equal(held_by(r), 0);

	mview_segment_close(s);
	assert_int_equal(mview_segment_delete(c, "emfile/seg"), 0);
	assert_int_equal(mview_stream_delete(c, "emfile/st"), 0);
	mview_client_close(r);
	mview_client_close(c);
	assert_int_equal(harness_count_fds(getpid()), before - 2);
}

/* MVIEW_CREATE_EXIST_OK opens a compatible existing segment, as it is. */
static void
test_exist_ok_opens(void **state)
{
	struct mview_client	*a = integration_connect(&mviewd);
	struct mview_client	*b = integration_connect(&mviewd);
	struct mview_segment	*sa = NULL, *sb = NULL;

	(void)state;
	assert_int_equal(mview_segment_create(a, "eo/one", 8192, 0640,
	    MVIEW_LIFETIME_PERSISTENT, MVIEW_CREATE_EXIST_OK, &sa), 0);
	memcpy(mview_segment_data(sa), "first", 6);
	assert_int_equal(mview_segment_create(b, "eo/one", 8192, 0600,
	    MVIEW_LIFETIME_SESSION, MVIEW_CREATE_EXIST_OK, &sb), 0);
	assert_int_equal(mview_segment_info(sb)->id,
	    mview_segment_info(sa)->id);
	assert_int_equal(mview_segment_info(sb)->mode, 0640);
	assert_int_equal(mview_segment_info(sb)->lifetime,
	    MVIEW_LIFETIME_PERSISTENT);
	assert_true(mview_segment_info(sb)->writable);
	assert_string_equal(mview_segment_data(sb), "first");
	memcpy(mview_segment_data(sb), "second", 7);
	assert_string_equal(mview_segment_data(sa), "second");
	mview_segment_close(sb);
	mview_segment_close(sa);
	assert_int_equal(mview_segment_delete(a, "eo/one"), 0);
	mview_client_close(b);
	mview_client_close(a);
}

/* Another size is a clear -EEXIST that leaves nothing held. */
static void
test_exist_ok_size(void **state)
{
	struct mview_client	*a = integration_connect(&mviewd);
	struct mview_client	*b = integration_connect(&mviewd);
	struct mview_segment	*sa = NULL, *sb = NULL;

	(void)state;
	assert_int_equal(mview_segment_create(a, "eo/size", 4096, 0600,
	    MVIEW_LIFETIME_PERSISTENT, 0, &sa), 0);
	assert_int_equal(mview_segment_create(b, "eo/size", 8192, 0600,
	    MVIEW_LIFETIME_PERSISTENT, MVIEW_CREATE_EXIST_OK, &sb), -EEXIST);
	assert_null(sb);
	assert_message(b, "4096");
	assert_message(b, "8192");
	assert_int_equal(held_by(b), 0);
	assert_int_equal(mview_segment_create(b, "eo/size", 4096, 0600,
	    MVIEW_LIFETIME_PERSISTENT, 0, &sb), -EEXIST);
	/* Anonymous segments have no name to exist under. */
	assert_int_equal(mview_segment_create(b, NULL, 4096, 0600,
	    MVIEW_LIFETIME_SESSION, MVIEW_CREATE_EXIST_OK, &sb), 0);
	mview_segment_close(sb);
	mview_segment_close(sa);
	assert_int_equal(mview_segment_delete(a, "eo/size"), 0);
	mview_client_close(b);
	mview_client_close(a);
}

static int
exist_ok_no_write_child(void *arg)
{
	struct mview_client	*c;
	struct mview_segment	*s = NULL;
	int			 r;

	(void)arg;
	CHILD_OK(mview_client_connect(mviewd.socket, &c));
	r = mview_segment_create(c, "eo/ro", 4096, 0600,
	    MVIEW_LIFETIME_SESSION, MVIEW_CREATE_EXIST_OK, &s);
	CHILD_CHECK(r == -EACCES);
	CHILD_CHECK(s == NULL);
	mview_client_close(c);
	return 0;
}

/* One who may read but not write gets -EACCES, not a read-only handle. */
static void
test_exist_ok_no_write(void **state)
{
	struct mview_client	*a = integration_connect(&mviewd);
	struct mview_segment	*sa = NULL;

	(void)state;
	if (geteuid() != 0) {
		mview_client_close(a);
		skip();
	}
	assert_int_equal(mview_segment_create(a, "eo/ro", 4096, 0644,
	    MVIEW_LIFETIME_PERSISTENT, 0, &sa), 0);
	assert_int_equal(harness_run_as(NOBODY, NOGROUP,
	    exist_ok_no_write_child, NULL), 0);
	mview_segment_close(sa);
	assert_int_equal(mview_segment_delete(a, "eo/ro"), 0);
	mview_client_close(a);
}

#define RACE_CREATORS	4
#define RACE_ROUNDS	10

struct race {
	const char	*name;
	int		 start;		/* read end: EOF means go */
	int		 start_w;	/* its write end, closed in children */
	int		 result;	/* write end: the id each got */
};

static int
race_child(void *arg)
{
	struct race		*q = arg;
	struct mview_client	*c;
	struct mview_segment	*s = NULL;
	uint64_t		 id;
	char			 b;

	close(q->start_w);
	CHILD_OK(mview_client_connect(mviewd.socket, &c));
	CHILD_CHECK(read(q->start, &b, 1) == 0);
	CHILD_OK(mview_segment_create(c, q->name, 4096, 0600,
	    MVIEW_LIFETIME_PERSISTENT, MVIEW_CREATE_EXIST_OK, &s));
	id = mview_segment_info(s)->id;
	CHILD_CHECK(write(q->result, &id, sizeof(id)) == sizeof(id));
	mview_segment_close(s);
	mview_client_close(c);
	return 0;
}

/* Creators racing for one name all succeed, with one and the same segment. */
static void
test_exist_ok_race(void **state)
{
	struct mview_client		*c = integration_connect(&mviewd);
	struct mview_segment_info	*infos = NULL;
	char				 name[64];
	pid_t				 pids[RACE_CREATORS];
	uint64_t			 ids[RACE_CREATORS];
	size_t				 n = 0;
	int				 start[2], result[2];

	(void)state;
	for (int round = 0; round < RACE_ROUNDS; round++) {
		struct race	q;

		snprintf(name, sizeof(name), "eo/race/%d", round);
		assert_int_equal(pipe2(start, O_CLOEXEC), 0);
		assert_int_equal(pipe2(result, O_CLOEXEC), 0);
		q = (struct race){ .name = name, .start = start[0],
		    .start_w = start[1], .result = result[1] };
		for (int i = 0; i < RACE_CREATORS; i++) {
			pids[i] = harness_child_start((uid_t)-1, (gid_t)-1,
			    race_child, &q);
			assert_true(pids[i] > 0);
		}
		close(start[0]);
		close(result[1]);
		close(start[1]);	/* go */
		for (int i = 0; i < RACE_CREATORS; i++)
			assert_int_equal(harness_child_wait(pids[i]), 0);
		for (int i = 0; i < RACE_CREATORS; i++) {
			assert_int_equal(read(result[0], &ids[i],
			    sizeof(ids[i])), sizeof(ids[i]));
			assert_int_equal(ids[i], ids[0]);
		}
		close(result[0]);
		assert_int_equal(mview_segment_list(c, name, &infos, &n), 0);
		assert_int_equal(n, 1);
		assert_int_equal(infos[0].id, ids[0]);
		free(infos);
		assert_int_equal(mview_segment_delete(c, name), 0);
	}
	mview_client_close(c);
}

/* A reader's private view: writable, its own, and the segment unchanged. */
static int
private_child(void *arg)
{
	const char		*name = arg;
	struct mview_client	*c;
	struct mview_view	*shared = NULL, *priv = NULL, *w = NULL;
	struct mview_segment	*seg = NULL;
	char			 vname[128];
	char			*p;

	snprintf(vname, sizeof(vname), "%s/v", name);
	CHILD_OK(mview_client_connect(mviewd.socket, &c));
	/* It may read, not write. */
	CHILD_OK(mview_view_lookup(c, vname, MVIEW_OPEN_WRITE, &shared));
	CHILD_CHECK(mview_view_desc(shared)->readonly);
	CHILD_CHECK(!mview_view_is_private(shared));
	CHILD_CHECK(mview_segment_open(c, name, MVIEW_OPEN_WRITE, &seg) < 0);
	CHILD_OK(mview_view_lookup(c, vname, MVIEW_OPEN_PRIVATE, &priv));
	CHILD_CHECK(!mview_view_desc(priv)->readonly);
	CHILD_CHECK(mview_view_is_private(priv));
	p = mview_view_data(priv);
	memcpy(p, "private", 7);
	CHILD_CHECK(memcmp(p, "private", 7) == 0);
	CHILD_CHECK(((char *)mview_view_data(shared))[0] == 'M');
	/* Derived views share the copy; a dup too. */
	CHILD_OK(mview_view_dup(priv, &w));
	CHILD_CHECK(mview_view_is_private(w));
	CHILD_CHECK(memcmp(mview_view_data(w), "private", 7) == 0);
	/* A private segment handle is one more copy. */
	CHILD_OK(mview_segment_open(c, name, MVIEW_OPEN_PRIVATE, &seg));
	CHILD_CHECK(mview_segment_info(seg)->writable);
	CHILD_CHECK(((char *)mview_segment_data(seg))[0] == 'M');
	((char *)mview_segment_data(seg))[1] = 'S';
	CHILD_CHECK(p[1] == 'r');
	/* The private view outlives the others, and the client. */
	mview_view_release(shared);
	mview_segment_close(seg);
	mview_client_close(c);
	p[7] = '!';
	CHILD_CHECK(memcmp(mview_view_data(w), "private!", 8) == 0);
	mview_view_release(priv);
	mview_view_release(w);
	return 0;
}

/* Static, so that the forked child (which leaves without freeing what
 * it inherited) still reaches them: no false leak under valgrind. */
static struct mview_client	*volatile priv_owner, *volatile priv_other;
static struct mview_segment	*volatile priv_seg;

static void
check_private_as_reader(bool freeze)
{
	struct mview_client	*c = priv_owner = integration_connect(&mviewd);
	struct mview_client	*o = priv_other = integration_connect(&mviewd);
	struct mview_segment	*s;
	struct mview_view	*v = NULL;
	const char		*name = freeze ? "priv/frozen" : "priv/plain";
	char			 vname[128];
	const char		*d;

	s = priv_seg = make_published(c, name);
	if (freeze)
		assert_int_equal(mview_segment_freeze(c, name), 0);
	assert_int_equal(harness_run_as(NOBODY, NOGROUP, private_child,
	    (void *)name), 0);
	d = mview_segment_data(s);
	for (int i = 0; i < 4096; i++)
		assert_int_equal(d[i], 'M');
	snprintf(vname, sizeof(vname), "%s/v", name);
	assert_int_equal(mview_view_lookup(o, vname, 0, &v), 0);
	assert_int_equal(((const char *)mview_view_data(v))[0], 'M');
	mview_view_release(v);
	mview_segment_close(s);
	assert_int_equal(mview_segment_delete(c, name), 0);
	mview_client_close(o);
	mview_client_close(c);
}

static void
test_private_reader(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	check_private_as_reader(false);
	check_private_as_reader(true);
}

/*
 * In one client, private and shared views of one segment stay apart in
 * either order (the shared mapping cache never hands out the private
 * one), and the session holds the segment until the last of them goes.
 */
static void
test_private_and_shared(void **state)
{
	struct mview_client	*c = integration_connect(&mviewd);
	struct mview_client	*r = integration_connect(&mviewd);
	struct mview_segment	*s;
	struct mview_view	*p1 = NULL, *sh = NULL, *p2 = NULL, *sh2 = NULL;

	(void)state;
	s = make_published(c, "priv/mixed");
	assert_int_equal(mview_view_lookup(r, "priv/mixed/v",
	    MVIEW_OPEN_WRITE | MVIEW_OPEN_PRIVATE, &p1), -EINVAL);
	assert_int_equal(mview_view_lookup(r, "priv/mixed/v",
	    MVIEW_OPEN_PRIVATE, &p1), 0);
	((char *)mview_view_data(p1))[0] = '1';
	assert_int_equal(mview_view_lookup(r, "priv/mixed/v", 0, &sh), 0);
	assert_false(mview_view_is_private(sh));
	assert_int_equal(((char *)mview_view_data(sh))[0], 'M');
	assert_int_equal(mview_view_lookup(r, "priv/mixed/v",
	    MVIEW_OPEN_PRIVATE, &p2), 0);
	assert_true(mview_view_data(p2) != mview_view_data(p1));
	assert_int_equal(((char *)mview_view_data(p2))[0], 'M');
	((char *)mview_view_data(p2))[0] = '2';
	assert_int_equal(mview_view_lookup(r, "priv/mixed/v", 0, &sh2), 0);
	assert_ptr_equal(mview_view_data(sh2), mview_view_data(sh));
	assert_int_equal(((char *)mview_view_data(p1))[0], '1');
	/* The owner's later write shows in the shared views only where the
	 * private ones have their own copy of the page. */
	((char *)mview_segment_data(s))[0] = 'N';
	assert_int_equal(((char *)mview_view_data(sh))[0], 'N');
	assert_int_equal(((char *)mview_view_data(p1))[0], '1');
	assert_int_equal(held_by(r), 1);
	mview_view_release(sh);
	mview_view_release(sh2);
	mview_view_release(p1);
	assert_int_equal(held_by(r), 1);
	mview_view_release(p2);
	assert_int_equal(held_by(r), 0);
	mview_segment_close(s);
	assert_int_equal(mview_segment_delete(c, "priv/mixed"), 0);
	mview_client_close(r);
	mview_client_close(c);
}

/*
 * A string holding a NUL byte in any request is refused by the daemon (its
 * C view of the string would end at the NUL: "ab\0cd" read as "ab").
 * protobuf-c packs C strings, so the NUL is put into the packed bytes.
 */
static void
send_with_nul(int sock, Mview__Request *req, const char *marked)
{
	Mview__Reply	*rep = NULL;
	uint8_t		*buf, *at;
	size_t		 len = mview__request__get_packed_size(req);

	assert_non_null(buf = malloc(len));
	mview__request__pack(req, buf);
	assert_non_null(at = memmem(buf, len, marked, strlen(marked)));
	at[2] = '\0';			/* "abXcd" -> "ab\0cd" */
	assert_int_equal(raw_send_bytes(sock, buf, len, NULL, 0), 0);
	free(buf);
	assert_int_equal(raw_recv(sock, harness_timeout_ms(), &rep, NULL), 0);
	assert_int_equal(rep->id, req->id);
	assert_true(rep->has_error);
	assert_int_equal(rep->error, EINVAL);
	assert_non_null(strstr(rep->message, "NUL"));
	wire_reply_free(rep);
}

static void
test_nul_in_names(void **state)
{
	struct mview_client	*c = integration_connect(&mviewd);
	struct mview_segment	*s = NULL;
	struct mview_segment_info *info = NULL;
	Mview__Request		 req = MVIEW__REQUEST__INIT;
	Mview__SegmentCreate	 sc = MVIEW__SEGMENT_CREATE__INIT;
	Mview__ViewPublish	 vp = MVIEW__VIEW_PUBLISH__INIT;
	Mview__ViewDesc		 wd = MVIEW__VIEW_DESC__INIT;
	Mview__ViewLookup	 vl = MVIEW__VIEW_LOOKUP__INIT;
	int64_t			 shape = 16, strides = 1;
	char			 name[] = "abXcd", fmt_b[] = "B", fmt_bad[] = "BBXcd";
	char			 vname[] = "nul/v";
	int			 sock = raw_open(mviewd.socket);

	(void)state;
	assert_true(sock >= 0);
	assert_int_equal(mview_segment_create(c, "nul/seg", 16, 0644,
	    MVIEW_LIFETIME_PERSISTENT, 0, &s), 0);

	sc.name = name;
	sc.size = 4096;
	req.id = 7;
	req.body_case = MVIEW__REQUEST__BODY_SEGMENT_CREATE;
	req.segment_create = &sc;
	send_with_nul(sock, &req, "abXcd");
	assert_int_equal(mview_segment_stat(c, "ab", &info), -ENOENT);

	/* Nested: a publish's name, and the format inside its descriptor. */
	wd.segment_id = mview_segment_info(s)->id;
	wd.format = fmt_b;
	wd.itemsize = 1;
	wd.n_shape = wd.n_strides = 1;
	wd.shape = &shape;
	wd.strides = &strides;
	vp.name = name;
	vp.desc = &wd;
	req.id = 8;
	req.body_case = MVIEW__REQUEST__BODY_VIEW_PUBLISH;
	req.view_publish = &vp;
	send_with_nul(sock, &req, "abXcd");
	vp.name = vname;
	wd.format = fmt_bad;
	req.id = 9;
	send_with_nul(sock, &req, "BBXcd");
	vl.name = name;
	req.id = 10;
	req.body_case = MVIEW__REQUEST__BODY_VIEW_LOOKUP;
	req.view_lookup = &vl;
	send_with_nul(sock, &req, "abXcd");

	/* The connection goes on; nothing was made. */
	req.id = 11;
	req.body_case = MVIEW__REQUEST__BODY_VIEW_PUBLISH;
	req.view_publish = &vp;
	wd.format = fmt_b;
	{
		Mview__Reply	*rep = NULL;

		assert_int_equal(raw_call(sock, &req, &rep, NULL), 0);
		assert_false(rep->has_error && rep->error != 0);
		wire_reply_free(rep);
	}
	assert_int_equal(mview_segment_stat(c, "ab", &info), -ENOENT);
	assert_int_equal(mview_view_unpublish(c, "ab"), -ENOENT);
	close(sock);
	mview_segment_close(s);
	assert_int_equal(mview_segment_delete(c, "nul/seg"), 0);
	mview_client_close(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_emfile, unfill_teardown),
		cmocka_unit_test(test_exist_ok_opens),
		cmocka_unit_test(test_exist_ok_size),
		cmocka_unit_test(test_exist_ok_no_write),
		cmocka_unit_test(test_exist_ok_race),
		cmocka_unit_test(test_private_reader),
		cmocka_unit_test(test_private_and_shared),
		cmocka_unit_test(test_nul_in_names),
	};

	integration_group_daemon(&mviewd, NULL);
	return cmocka_run_group_tests_name("integration-client", tests,
	    integration_group_setup, integration_group_teardown);
}
