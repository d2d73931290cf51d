/* SPDX-License-Identifier: MIT */
/* libmviewclient against a scripted fake daemon: matching, events, versions, reconnects, fds, paging. */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/client-wire.h"

#define FAKE_LOG_MAX	128

struct fake;
/* Answer req on conn: 0 keeps the connection, 1 closes it. */
typedef int (*fake_handler)(struct fake *f, int conn, const Mview__Request *req);

/* A daemon on a private socket, run by a thread, answering per handler. */
struct fake {
	char			 dir[64];
	char			 path[100];
	int			 lfd;
	pthread_t		 thread;
	int			 stop;
	fake_handler		 handle;
	uint32_t		 hello_major;
	int			 hello_error;	/* answer hello with this errno */
	int			 hangup_error;	/* say this (id 0) and hang up instead */
	int			 calls;		/* handler calls so far */
	pthread_mutex_t		 lock;
	int			 nconn;
	size_t			 nlog;
	Mview__Request__BodyCase log[FAKE_LOG_MAX];
	uint64_t		 log_arg[FAKE_LOG_MAX];	/* an id the request named */
	struct view_desc	 published;	/* the last publish's descriptor */
	bool			 replace;
	char			 after_name[64];	/* the last view list's */
};

static struct fake	fk;

static void
fake_send(int conn, const Mview__Reply *rep, int fd)
{
	void	*buf;
	size_t	 len;

	assert_int_equal(wire_reply_pack(rep, WIRE_PACKET_MAX_HARD, &buf, &len), 0);
	wire_send(conn, buf, len, fd >= 0 ? &fd : NULL, fd >= 0 ? 1 : 0);
	free(buf);
}

static void
fake_ok(int conn, uint64_t id)
{
	Mview__Reply	rep = MVIEW__REPLY__INIT;

	rep.id = id;
	fake_send(conn, &rep, -1);
}

static void
fake_error(int conn, uint64_t id, int err, const char *msg)
{
	Mview__Reply	rep = MVIEW__REPLY__INIT;

	rep.id = id;
	rep.has_error = true;
	rep.error = err;
	rep.message = (char *)msg;
	fake_send(conn, &rep, -1);
}

static void
fake_event(int conn, Mview__Event__Type type, const char *name, uint64_t sid)
{
	Mview__Reply	rep = MVIEW__REPLY__INIT;
	Mview__Event	ev = MVIEW__EVENT__INIT;

	ev.type = type;
	ev.name = (char *)name;
	ev.has_segment_id = true;
	ev.segment_id = sid;
	rep.body_case = MVIEW__REPLY__BODY_EVENT;
	rep.event = &ev;
	fake_send(conn, &rep, -1);
}

static void
fake_status(int conn, uint64_t id, uint32_t pid)
{
	Mview__Reply		rep = MVIEW__REPLY__INIT;
	Mview__StatusReply	st = MVIEW__STATUS_REPLY__INIT;

	st.has_pid = true;
	st.pid = pid;
	st.server_version = (char *)"fake";
	rep.id = id;
	rep.body_case = MVIEW__REPLY__BODY_STATUS;
	rep.status = &st;
	fake_send(conn, &rep, -1);
}

static void
fake_hello(struct fake *f, int conn, const Mview__Request *req)
{
	Mview__Reply		rep = MVIEW__REPLY__INIT;
	Mview__HelloReply	h = MVIEW__HELLO_REPLY__INIT;

	if (f->hello_error != 0) {
		fake_error(conn, req->id, f->hello_error, "fake: protocol 9 only");
		return;
	}
	h.version_major = f->hello_major;
	h.has_version_minor = true;
	h.has_max_packet = true;
	h.max_packet = 65536;
	h.server_version = (char *)"fake 0";
	rep.id = req->id;
	rep.body_case = MVIEW__REPLY__BODY_HELLO;
	rep.hello = &h;
	fake_send(conn, &rep, -1);
}

static void
fake_log(struct fake *f, const Mview__Request *req)
{
	uint64_t	arg = 0;

	if (req->body_case == MVIEW__REQUEST__BODY_SEGMENT_CLOSE)
		arg = req->segment_close->id;
	else if (req->body_case == MVIEW__REQUEST__BODY_SEGMENT_LIST)
		arg = req->segment_list->after_id;
	pthread_mutex_lock(&f->lock);
	if (req->body_case == MVIEW__REQUEST__BODY_VIEW_PUBLISH) {
		desc_from_wire(req->view_publish->desc, &f->published, NULL);
		f->replace = req->view_publish->replace;
	}
	if (req->body_case == MVIEW__REQUEST__BODY_VIEW_LIST)
		snprintf(f->after_name, sizeof(f->after_name), "%s",
		    req->view_list->after_name ? req->view_list->after_name : "");
	if (f->nlog < FAKE_LOG_MAX) {
		f->log_arg[f->nlog] = arg;
		f->log[f->nlog++] = req->body_case;
	}
	pthread_mutex_unlock(&f->lock);
}

/* Serve one connection until the client or the handler ends it. */
static void
fake_serve(struct fake *f, int conn)
{
	static char	 buf[WIRE_PACKET_MAX_HARD];
	struct pollfd	 pfd = { .fd = conn, .events = POLLIN };
	Mview__Request	*req;
	ssize_t		 n;
	int		 r;

	while (!__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE)) {
		if (poll(&pfd, 1, 20) <= 0)
			continue;
		if ((n = recv(conn, buf, sizeof(buf), 0)) <= 0)
			return;
		if ((req = wire_request_unpack(buf, (size_t)n, 1u << 24)) == NULL)
			return;
		fake_log(f, req);
		r = 0;
		if (req->body_case == MVIEW__REQUEST__BODY_HELLO &&
		    f->hangup_error != 0) {
			fake_error(conn, 0, f->hangup_error, "fake: too many connections");
			r = 1;
		} else if (req->body_case == MVIEW__REQUEST__BODY_HELLO)
			fake_hello(f, conn, req);
		else if (f->handle != NULL) {
			r = f->handle(f, conn, req);
			f->calls++;
		} else
			fake_ok(conn, req->id);
		wire_request_free(req);
		if (r != 0)
			return;
	}
}

static void *
fake_main(void *arg)
{
	struct fake	*f = arg;
	struct pollfd	 pfd = { .fd = f->lfd, .events = POLLIN };
	int		 conn;

	while (!__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE)) {
		if (poll(&pfd, 1, 20) <= 0)
			continue;
		if ((conn = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			continue;
		pthread_mutex_lock(&f->lock);
		f->nconn++;
		pthread_mutex_unlock(&f->lock);
		fake_serve(f, conn);
		close(conn);
	}
	return NULL;
}

static int
fake_setup(void **state)
{
	struct sockaddr_un	sa = { .sun_family = AF_UNIX };

	(void)state;
	memset(&fk, 0, sizeof(fk));
	snprintf(fk.dir, sizeof(fk.dir), "/tmp/mview-fake.XXXXXX");
	if (mkdtemp(fk.dir) == NULL)
		return -1;
	snprintf(fk.path, sizeof(fk.path), "%s/sock", fk.dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", fk.path);
	fk.hello_major = MVIEW_PROTOCOL_MAJOR;
	fk.lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fk.lfd < 0 || bind(fk.lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fk.lfd, 8) < 0)
		return -1;
	pthread_mutex_init(&fk.lock, NULL);
	return pthread_create(&fk.thread, NULL, fake_main, &fk) == 0 ? 0 : -1;
}

static int
fake_teardown(void **state)
{
	(void)state;
	__atomic_store_n(&fk.stop, 1, __ATOMIC_RELEASE);
	pthread_join(fk.thread, NULL);
	close(fk.lfd);
	unlink(fk.path);
	rmdir(fk.dir);
	pthread_mutex_destroy(&fk.lock);
	return 0;
}

static struct mview_client *
fake_connect(unsigned flags)
{
	struct mview_client	*c = NULL;

	assert_int_equal(mview_client_connect_flags(fk.path, flags, &c), 0);
	return c;
}

/* How many requests of kind were logged. */
static int
fake_count(Mview__Request__BodyCase kind)
{
	int	n = 0;

	pthread_mutex_lock(&fk.lock);
	for (size_t i = 0; i < fk.nlog; i++)
		n += fk.log[i] == kind;
	pthread_mutex_unlock(&fk.lock);
	return n;
}

/* ----------------------------------------------------- request / reply */

/* Events and a stale reply arrive before the awaited reply. */
static int
interleave_cb(struct fake *f, int conn, const Mview__Request *req)
{
	(void)f;
	if (req->body_case != MVIEW__REQUEST__BODY_STATUS) {
		fake_ok(conn, req->id);
		return 0;
	}
	fake_event(conn, MVIEW__EVENT__TYPE__SEGMENT_CREATED, "a", 1);
	fake_status(conn, req->id + 1000, 1);		/* nobody asked for this */
	fake_event(conn, MVIEW__EVENT__TYPE__VIEW_PUBLISHED, "a/v", 1);
	fake_status(conn, req->id, 4242);
	fake_event(conn, MVIEW__EVENT__TYPE__SEGMENT_DELETED, "a", 1);
	return 0;
}

static void
test_events_interleaved(void **state)
{
	struct mview_client	*c;
	struct mview_status	 st;
	struct mview_event	 ev;

	(void)state;
	fk.handle = interleave_cb;
	c = fake_connect(0);
	assert_int_equal(mview_client_watch(c, ""), 0);
	assert_int_equal(mview_client_status(c, &st), 0);
	assert_int_equal(st.pid, 4242);
	assert_string_equal(st.server_version, "fake");
	assert_int_equal(mview_client_next_event(c, 1000, &ev), 0);
	assert_int_equal(ev.type, MVIEW_EVENT_SEGMENT_CREATED);
	assert_string_equal(ev.name, "a");
	assert_int_equal(ev.segment_id, 1);
	assert_int_equal(mview_client_next_event(c, 1000, &ev), 0);
	assert_int_equal(ev.type, MVIEW_EVENT_VIEW_PUBLISHED);
	assert_string_equal(ev.name, "a/v");
	assert_int_equal(mview_client_next_event(c, 1000, &ev), 0);	/* read from the socket */
	assert_int_equal(ev.type, MVIEW_EVENT_SEGMENT_DELETED);
	assert_int_equal(mview_client_next_event(c, 0, &ev), -EAGAIN);
	mview_client_close(c);
}

/* The daemon's error and message; the next success clears the message. */
static int
error_cb(struct fake *f, int conn, const Mview__Request *req)
{
	(void)f;
	if (req->body_case == MVIEW__REQUEST__BODY_SEGMENT_STAT)
		fake_error(conn, req->id, ENOENT, "no segment named \"x\"");
	else
		fake_status(conn, req->id, 1);
	return 0;
}

static void
test_daemon_error(void **state)
{
	struct mview_client		*c;
	struct mview_segment_info	*info = (void *)0x1;
	struct mview_status		 st;

	(void)state;
	fk.handle = error_cb;
	c = fake_connect(0);
	assert_string_equal(mview_client_last_error(c), "");
	assert_int_equal(mview_segment_stat(c, "x", &info), -ENOENT);
	assert_ptr_equal(info, (void *)0x1);
	assert_string_equal(mview_client_last_error(c), "no segment named \"x\"");
	assert_int_equal(mview_client_status(c, &st), 0);
	assert_string_equal(mview_client_last_error(c), "");
	mview_client_close(c);
}

/* A reply that comes after its request timed out is dropped by id. The
 * late reply waits for the test's word that the request timed out, so
 * it is late whatever the load. */
static int	stale_go[2] = { -1, -1 };

static int
slow_cb(struct fake *f, int conn, const Mview__Request *req)
{
	struct pollfd	pfd = { .fd = stale_go[0], .events = POLLIN };
	char		c;

	if (f->calls == 0) {
		if (poll(&pfd, 1, 60 * 1000) == 1 && read(stale_go[0], &c, 1) < 0)
			return 1;
		fake_status(conn, req->id, 1);		/* too late */
	} else
		fake_status(conn, req->id, 2);
	return 0;
}

static void
test_timeout_then_stale_reply(void **state)
{
	struct mview_client	*c;
	struct mview_status	 st = { 0 };

	(void)state;
	assert_int_equal(pipe2(stale_go, O_CLOEXEC), 0);
	fk.handle = slow_cb;
	c = fake_connect(0);
	assert_int_equal(mview_client_set_timeout(c, 100), 0);
	assert_int_equal(mview_client_status(c, &st), -ETIMEDOUT);
	assert_int_equal(write(stale_go[1], "", 1), 1);	/* now the late one */
	assert_int_equal(mview_client_set_timeout(c, 5000), 0);
	assert_int_equal(mview_client_status(c, &st), 0);
	assert_int_equal(st.pid, 2);
	mview_client_close(c);
	close(stale_go[0]);
	close(stale_go[1]);
}

/* ----------------------------------------------------------- versions */

static void
test_hello_other_major(void **state)
{
	struct mview_client	*c = (void *)0x1;
	char			 msg[256];

	(void)state;
	fk.hello_major = MVIEW_PROTOCOL_MAJOR + 1;
	assert_int_equal(mview_client_connect_full(fk.path, 0, &c, msg,
	    sizeof(msg)), -EPROTONOSUPPORT);
	assert_ptr_equal(c, (void *)0x1);
	assert_non_null(strstr(msg, "protocol"));
	assert_int_equal(mview_client_connect(fk.path, &c), -EPROTONOSUPPORT);
}

/* A daemon that refuses the hello outright: its own words come back. */
static void
test_hello_refused(void **state)
{
	struct mview_client	*c = (void *)0x1;
	char			 msg[256];

	(void)state;
	fk.hello_error = EPROTONOSUPPORT;
	assert_int_equal(mview_client_connect_full(fk.path, 0, &c, msg,
	    sizeof(msg)), -EPROTONOSUPPORT);
	assert_string_equal(msg, "fake: protocol 9 only");
	assert_ptr_equal(c, (void *)0x1);
}

/* A daemon that explains itself (reply id 0) and hangs up. */
static void
test_hangup_with_reason(void **state)
{
	struct mview_client	*c = (void *)0x1;
	char			 msg[256];

	(void)state;
	fk.hangup_error = EUSERS;
	assert_int_equal(mview_client_connect_full(fk.path, 0, &c, msg,
	    sizeof(msg)), -EUSERS);
	assert_string_equal(msg, "fake: too many connections");
	assert_ptr_equal(c, (void *)0x1);
}

static void
test_connect_errors(void **state)
{
	struct mview_client	*c = (void *)0x1;
	char			 path[200], msg[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/nothing", fk.dir);
	assert_int_equal(mview_client_connect_full(path, 0, &c, msg,
	    sizeof(msg)), -ENOENT);
	assert_non_null(strstr(msg, path));
	assert_int_equal(mview_client_connect_flags(fk.path, 1u << 7, &c), -EINVAL);
	assert_ptr_equal(c, (void *)0x1);
}

/* -------------------------------------------------------- reconnection */

/* The first status (and create) kills the connection without a reply. */
static int
drop_cb(struct fake *f, int conn, const Mview__Request *req)
{
	(void)f;
	if (req->body_case == MVIEW__REQUEST__BODY_SEGMENT_CREATE)
		return 1;
	if (req->body_case == MVIEW__REQUEST__BODY_STATUS &&
	    fake_count(MVIEW__REQUEST__BODY_STATUS) == 1)
		return 1;
	if (req->body_case == MVIEW__REQUEST__BODY_STATUS)
		fake_status(conn, req->id, 7);
	else
		fake_ok(conn, req->id);
	return 0;
}

/* An idempotent request is sent again on a new connection, watches too. */
static void
test_reconnect_retries_safe(void **state)
{
	struct mview_client	*c;
	struct mview_status	 st;

	(void)state;
	fk.handle = drop_cb;
	c = fake_connect(0);
	assert_int_equal(mview_client_watch(c, "w/"), 0);
	assert_int_equal(mview_client_status(c, &st), 0);
	assert_int_equal(st.pid, 7);
	assert_int_equal(fk.nconn, 2);
	assert_int_equal(fake_count(MVIEW__REQUEST__BODY_HELLO), 2);
	assert_int_equal(fake_count(MVIEW__REQUEST__BODY_WATCH), 2);
	assert_int_equal(fake_count(MVIEW__REQUEST__BODY_STATUS), 2);
	mview_client_close(c);
}

/* A create may have happened: not repeated, -ECONNRESET; the next call reconnects. */
static void
test_reconnect_not_unsafe(void **state)
{
	struct mview_client	*c;
	struct mview_segment	*s = (void *)0x1;
	struct mview_status	 st;

	(void)state;
	fk.handle = drop_cb;
	c = fake_connect(0);
	assert_int_equal(mview_segment_create(c, "s", 4096, 0600,
	    MVIEW_LIFETIME_PERSISTENT, 0, &s), -ECONNRESET);
	assert_ptr_equal(s, (void *)0x1);
	assert_int_equal(fake_count(MVIEW__REQUEST__BODY_SEGMENT_CREATE), 1);
	assert_int_equal(mview_client_fd(c), -1);
	/* Reconnects; the daemon drops the first status too, which is resent. */
	assert_int_equal(mview_client_status(c, &st), 0);
	assert_int_equal(fk.nconn, 3);
	assert_true(mview_client_fd(c) >= 0);
	mview_client_close(c);
}

static void
test_no_reconnect_flag(void **state)
{
	struct mview_client	*c;
	struct mview_status	 st;

	(void)state;
	fk.handle = drop_cb;
	c = fake_connect(MVIEW_CONNECT_NO_RECONNECT);
	assert_int_equal(mview_client_status(c, &st), -ECONNRESET);
	assert_int_equal(mview_client_status(c, &st), -ECONNRESET);
	assert_int_equal(fk.nconn, 1);
	mview_client_close(c);
}

/* ------------------------------------------------------ fds and mappings */

static int	seg_memfd = -1;

/* Segment 42, 4096 bytes: writable fd when asked, else a read-only one. */
static int
segment_cb(struct fake *f, int conn, const Mview__Request *req)
{
	Mview__Reply		rep = MVIEW__REPLY__INIT;
	Mview__SegmentInfo	si = MVIEW__SEGMENT_INFO__INIT;
	char			path[64];
	int			fd;

	(void)f;
	if (req->body_case != MVIEW__REQUEST__BODY_SEGMENT_OPEN) {
		fake_ok(conn, req->id);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", seg_memfd);
	fd = open(path, (req->segment_open->write ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	si.id = 42;
	si.name = (char *)"seg";
	si.size = 4096;
	si.has_writable = true;
	si.writable = req->segment_open->write;
	rep.id = req->id;
	rep.has_nfds = true;
	rep.nfds = 1;
	rep.body_case = MVIEW__REPLY__BODY_SEGMENT;
	rep.segment = &si;
	fake_send(conn, &rep, fd);
	close(fd);
	return 0;
}

/* Open twice: one mapping; close both: one segment_close. */
static void
test_open_maps_once(void **state)
{
	struct mview_client	*c;
	struct mview_segment	*a, *b, *w;
	unsigned char		*p;

	(void)state;
	seg_memfd = memfd_create("fake", MFD_CLOEXEC);
	assert_int_equal(ftruncate(seg_memfd, 4096), 0);
	fk.handle = segment_cb;
	c = fake_connect(0);
	assert_int_equal(mview_segment_open(c, "seg", 0, &a), 0);
	assert_int_equal(mview_segment_open(c, "seg", 0, &b), 0);
	assert_ptr_equal(mview_segment_data(a), mview_segment_data(b));
	assert_string_equal(mview_segment_info(a)->name, "seg");
	assert_false(mview_segment_info(a)->writable);
	/* Writable later: a second mapping of the same memory. */
	assert_int_equal(mview_segment_open(c, "seg", MVIEW_OPEN_WRITE, &w), 0);
	assert_true(mview_segment_info(w)->writable);
	assert_ptr_not_equal(mview_segment_data(w), mview_segment_data(a));
	p = mview_segment_data(w);
	p[7] = 99;
	assert_int_equal(((unsigned char *)mview_segment_data(a))[7], 99);
	mview_segment_close(a);
	mview_segment_close(w);
	assert_int_equal(fake_count(MVIEW__REQUEST__BODY_SEGMENT_CLOSE), 0);
	mview_segment_close(b);
	assert_int_equal(fake_count(MVIEW__REQUEST__BODY_SEGMENT_CLOSE), 1);
	assert_int_equal(fk.log_arg[fk.nlog - 1], 42);
	mview_client_close(c);
	close(seg_memfd);
}

/* A handle outlives its client; closing it then sends nothing. */
static void
test_segment_outlives_client(void **state)
{
	struct mview_client	*c;
	struct mview_segment	*s;
	struct mview_view	*v;

	(void)state;
	seg_memfd = memfd_create("fake", MFD_CLOEXEC);
	assert_int_equal(ftruncate(seg_memfd, 4096), 0);
	fk.handle = segment_cb;
	c = fake_connect(0);
	assert_int_equal(mview_segment_open(c, "seg", MVIEW_OPEN_WRITE, &s), 0);
	assert_int_equal(mview_view_from_segment(s, &v), 0);
	mview_client_close(c);
	((unsigned char *)mview_segment_data(s))[0] = 1;
	mview_segment_close(s);
	assert_int_equal(((unsigned char *)mview_view_data(v))[0], 1);
	mview_view_release(v);
	assert_int_equal(fake_count(MVIEW__REQUEST__BODY_SEGMENT_CLOSE), 0);
	close(seg_memfd);
}

/* --------------------------------------------------------------- lists */

static void
list_reply(int conn, uint64_t id, const uint64_t *ids, size_t n, bool more)
{
	Mview__Reply			rep = MVIEW__REPLY__INIT;
	Mview__SegmentListReply		sl = MVIEW__SEGMENT_LIST_REPLY__INIT;
	Mview__SegmentInfo		si[4], *sp[4];
	char				names[4][16];

	for (size_t i = 0; i < n; i++) {
		mview__segment_info__init(&si[i]);
		si[i].id = ids[i];
		si[i].size = ids[i] * 100;
		snprintf(names[i], sizeof(names[i]), "seg%llu",
		    (unsigned long long)ids[i]);
		si[i].name = names[i];
		sp[i] = &si[i];
	}
	sl.n_segments = n;
	sl.segments = sp;
	sl.has_more = true;
	sl.more = more;
	rep.id = id;
	rep.body_case = MVIEW__REPLY__BODY_SEGMENT_LIST;
	rep.segment_list = &sl;
	fake_send(conn, &rep, -1);
}

/* Two pages: 1, 2 then 5. */
static int
pages_cb(struct fake *f, int conn, const Mview__Request *req)
{
	static const uint64_t	first[] = { 1, 2 }, second[] = { 5 };

	(void)f;
	if (!req->segment_list->has_after_id)
		list_reply(conn, req->id, first, 2, true);
	else
		list_reply(conn, req->id, second, 1, false);
	return 0;
}

static void
test_list_pages(void **state)
{
	struct mview_client		*c;
	struct mview_segment_info	*infos;
	size_t				 n;

	(void)state;
	fk.handle = pages_cb;
	c = fake_connect(0);
	assert_int_equal(mview_segment_list(c, NULL, &infos, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(infos[0].id, 1);
	assert_int_equal(infos[2].id, 5);
	assert_string_equal(infos[1].name, "seg2");
	assert_string_equal(infos[2].name, "seg5");
	assert_int_equal(infos[2].size, 500);
	assert_int_equal(fake_count(MVIEW__REQUEST__BODY_SEGMENT_LIST), 2);
	assert_int_equal(fk.log_arg[fk.nlog - 1], 2);	/* after_id of page 2 */
	free(infos);
	mview_client_close(c);
}

/* A daemon that says "more" but repeats itself must not loop us forever. */
static int
loop_cb(struct fake *f, int conn, const Mview__Request *req)
{
	static const uint64_t	same[] = { 1, 2 };

	(void)f;
	list_reply(conn, req->id, same, 2, true);
	return 0;
}

static void
test_list_no_progress(void **state)
{
	struct mview_client		*c;
	struct mview_segment_info	*infos = (void *)0x1;
	size_t				 n = 77;

	(void)state;
	fk.handle = loop_cb;
	c = fake_connect(0);
	assert_int_equal(mview_segment_list(c, "x", &infos, &n), -EPROTO);
	assert_ptr_equal(infos, (void *)0x1);
	assert_int_equal(n, 77);
	mview_client_close(c);
}

/* ----------------------------------------------------- views, events */

/* Answer fd_once lookups with "fd sent before" and no fd, whatever happened. */
static bool	lookup_claims_sent;

/* View "v": 'h' [4] at offset 8 of segment 42 (4096 bytes); "overrun" at 4094. */
static int
lookup_cb(struct fake *f, int conn, const Mview__Request *req)
{
	Mview__Reply		rep = MVIEW__REPLY__INIT;
	Mview__ViewLookupReply	lr = MVIEW__VIEW_LOOKUP_REPLY__INIT;
	Mview__ViewInfo		vi = MVIEW__VIEW_INFO__INIT;
	Mview__ViewDesc		d = MVIEW__VIEW_DESC__INIT;
	Mview__SegmentInfo	si = MVIEW__SEGMENT_INFO__INIT;
	int64_t			shape[] = { 4 }, strides[] = { 2 };
	char			path[64];
	bool			write;
	int			fd;

	(void)f;
	if (req->body_case != MVIEW__REQUEST__BODY_VIEW_LOOKUP) {
		fake_ok(conn, req->id);
		return 0;
	}
	write = req->view_lookup->write;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", seg_memfd);
	if (lookup_claims_sent && req->view_lookup->fd_once) {
		fd = -1;
		si.has_fd_sent_before = si.fd_sent_before = true;
	} else
		fd = open(path, (write ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	d.segment_id = 42, d.format = (char *)"h", d.itemsize = 2;
	d.offset = strcmp(req->view_lookup->name, "overrun") == 0 ? 4094 : 8;
	d.n_shape = d.n_strides = 1, d.shape = shape, d.strides = strides;
	vi.name = req->view_lookup->name, vi.desc = &d;
	si.id = 42;
	si.size = 4096;
	si.has_writable = true, si.writable = write;
	lr.view = &vi, lr.segment = &si;
	rep.id = req->id;
	rep.body_case = MVIEW__REPLY__BODY_VIEW_LOOKUP;
	rep.view_lookup = &lr;
	fake_send(conn, &rep, fd);
	if (fd >= 0)
		close(fd);
	return 0;
}

static void
test_lookup_maps(void **state)
{
	struct mview_client	*c;
	struct mview_view	*r = NULL, *w = NULL, *bad = (void *)0x1;
	const struct mview_desc	*d;

	(void)state;
	seg_memfd = memfd_create("fake", MFD_CLOEXEC);
	assert_int_equal(ftruncate(seg_memfd, 4096), 0);
	fk.handle = lookup_cb;
	c = fake_connect(0);
	assert_int_equal(mview_view_lookup(c, "v", 0, &r), 0);
	d = mview_view_desc(r);
	assert_int_equal(d->segment_id, 42);
	assert_int_equal(d->offset, 8);
	assert_int_equal(d->ndim, 1);
	assert_int_equal(d->shape[0], 4);
	assert_true(d->readonly);
	assert_ptr_equal(mview_view_data(r), (char *)mview_view_mapping_base(r) + 8);
	assert_int_equal(mview_view_mapping_size(r), 4096);
	assert_int_equal(mview_view_lookup(c, "v", MVIEW_OPEN_WRITE, &w), 0);
	assert_false(mview_view_desc(w)->readonly);
	((int16_t *)mview_view_data(w))[1] = -2;
	assert_int_equal(((int16_t *)mview_view_data(r))[1], -2);
	/* A descriptor that overruns its segment is refused. */
	assert_int_equal(mview_view_lookup(c, "overrun", 0, &bad), -EPROTO);
	assert_ptr_equal(bad, (void *)0x1);
	mview_view_release(r);
	mview_view_release(w);
	assert_int_equal(fake_count(MVIEW__REQUEST__BODY_SEGMENT_CLOSE), 1);
	mview_client_close(c);
	close(seg_memfd);
}

/* "No fd: you have one" for a segment the client does not map: it asks
 * again without fd_once; when it does map it, one request is enough. */
static void
test_lookup_fd_sent_before(void **state)
{
	struct mview_client	*c;
	struct mview_view	*r = NULL, *r2 = NULL;

	(void)state;
	seg_memfd = memfd_create("fake", MFD_CLOEXEC);
	assert_int_equal(ftruncate(seg_memfd, 4096), 0);
	fk.handle = lookup_cb;
	lookup_claims_sent = true;
	c = fake_connect(0);
	assert_int_equal(mview_view_lookup(c, "v", 0, &r), 0);
	assert_int_equal(fake_count(MVIEW__REQUEST__BODY_VIEW_LOOKUP), 2);
	assert_int_equal(mview_view_lookup(c, "v", 0, &r2), 0);
	assert_int_equal(fake_count(MVIEW__REQUEST__BODY_VIEW_LOOKUP), 3);
	assert_ptr_equal(mview_view_mapping_base(r), mview_view_mapping_base(r2));
	mview_view_release(r);
	mview_view_release(r2);
	mview_client_close(c);
	lookup_claims_sent = false;
	close(seg_memfd);
}

/* lookup_cb, but the first status drops the connection (and the reopen of
 * the client's mapping after it gets no segment back). */
static int
lookup_drop_cb(struct fake *f, int conn, const Mview__Request *req)
{
	if (req->body_case == MVIEW__REQUEST__BODY_STATUS &&
	    fake_count(MVIEW__REQUEST__BODY_STATUS) == 1)
		return 1;
	if (req->body_case == MVIEW__REQUEST__BODY_STATUS) {
		fake_status(conn, req->id, 7);
		return 0;
	}
	return lookup_cb(f, conn, req);
}

/* After a reconnect the daemon's "fd sent before" is about the new
 * session: a mapping from the old one (not re-attached) is not trusted. */
static void
test_lookup_fd_sent_before_new_session(void **state)
{
	struct mview_client	*c;
	struct mview_view	*r = NULL, *r2 = NULL;
	struct mview_status	 st;

	(void)state;
	seg_memfd = memfd_create("fake", MFD_CLOEXEC);
	assert_int_equal(ftruncate(seg_memfd, 4096), 0);
	fk.handle = lookup_drop_cb;
	c = fake_connect(0);
	assert_int_equal(mview_view_lookup(c, "v", 0, &r), 0);
	assert_int_equal(fake_count(MVIEW__REQUEST__BODY_VIEW_LOOKUP), 1);
	assert_int_equal(mview_client_status(c, &st), 0);	/* reconnects */
	assert_int_equal(fk.nconn, 2);
	lookup_claims_sent = true;
	assert_int_equal(mview_view_lookup(c, "v", 0, &r2), 0);
	assert_int_equal(fake_count(MVIEW__REQUEST__BODY_VIEW_LOOKUP), 3);
	mview_view_release(r);
	mview_view_release(r2);
	mview_client_close(c);
	lookup_claims_sent = false;
	close(seg_memfd);
}

/* Views "a", "b" then "c": paged by name. */
static int
view_pages_cb(struct fake *f, int conn, const Mview__Request *req)
{
	Mview__Reply		 rep = MVIEW__REPLY__INIT;
	Mview__ViewListReply	 vl = MVIEW__VIEW_LIST_REPLY__INIT;
	Mview__ViewDesc		 d = MVIEW__VIEW_DESC__INIT;
	Mview__ViewInfo		 vi[2], *vp[2];
	static const char	*names[] = { "a", "b", "c" };
	bool			 first = req->view_list->after_name == NULL;

	(void)f;
	d.format = (char *)"B", d.itemsize = 1, d.segment_id = 3;
	for (size_t i = 0; i < 2; i++) {
		mview__view_info__init(&vi[i]);
		vi[i].desc = &d;
		vi[i].name = (char *)names[first ? i : 2];
		vp[i] = &vi[i];
	}
	vl.n_views = first ? 2 : 1;
	vl.views = vp;
	vl.has_more = true, vl.more = first;
	rep.id = req->id;
	rep.body_case = MVIEW__REPLY__BODY_VIEW_LIST;
	rep.view_list = &vl;
	fake_send(conn, &rep, -1);
	return 0;
}

static void
test_view_list_pages(void **state)
{
	struct mview_client	*c;
	struct mview_view_info	*v;
	size_t			 n;

	(void)state;
	fk.handle = view_pages_cb;
	c = fake_connect(0);
	assert_int_equal(mview_view_list(c, "", &v, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0].name, "a");
	assert_string_equal(v[2].name, "c");
	assert_int_equal(v[2].desc.segment_id, 3);
	assert_string_equal(fk.after_name, "b");
	free(v);
	mview_client_close(c);
}

/* What publish puts on the wire. */
static void
test_publish_sends_desc(void **state)
{
	struct mview_client	*c;
	struct mview_segment	*s;
	struct mview_view	*v;
	int64_t			 shape[] = { 3, 4 }, strides[] = { -4, 1 };

	(void)state;
	seg_memfd = memfd_create("fake", MFD_CLOEXEC);
	assert_int_equal(ftruncate(seg_memfd, 4096), 0);
	fk.handle = segment_cb;
	c = fake_connect(0);
	assert_int_equal(mview_segment_open(c, "seg", MVIEW_OPEN_WRITE, &s), 0);
	assert_int_equal(mview_view_new(s, "@B", 2, shape, strides, 8, &v, NULL), 0);
	assert_int_equal(mview_view_publish(c, "p", v, MVIEW_PUBLISH_REPLACE), 0);
	assert_int_equal(fk.published.segment_id, 42);
	assert_int_equal(fk.published.offset, 8);
	assert_string_equal(fk.published.format, "@B");
	assert_int_equal(fk.published.itemsize, 1);
	assert_int_equal(fk.published.ndim, 2);
	assert_int_equal(fk.published.shape[1], 4);
	assert_int_equal(fk.published.strides[0], -4);
	assert_false(fk.published.readonly);
	assert_true(fk.replace);
	assert_int_equal(mview_view_publish(c, "bad name", v, 0), -EINVAL);
	assert_int_equal(mview_view_publish(c, "p", v, 1u << 5), -EINVAL);
	mview_view_release(v);
	mview_segment_close(s);
	mview_client_close(c);
	close(seg_memfd);
}

/* More events than the queue holds arrive during one request. */
static int
flood_cb(struct fake *f, int conn, const Mview__Request *req)
{
	(void)f;
	if (req->body_case == MVIEW__REQUEST__BODY_STATUS) {
		for (int i = 0; i < CLIENT_EVENTS_MAX + 10; i++)
			fake_event(conn, MVIEW__EVENT__TYPE__SEGMENT_CREATED, "e", (uint64_t)i);
		fake_status(conn, req->id, 1);
	} else
		fake_ok(conn, req->id);
	return 0;
}

static void
test_event_overflow(void **state)
{
	struct mview_client	*c;
	struct mview_status	 st;
	struct mview_event	 ev;

	(void)state;
	fk.handle = flood_cb;
	c = fake_connect(0);
	assert_int_equal(mview_client_watch(c, ""), 0);
	assert_int_equal(mview_client_status(c, &st), 0);
	for (int i = 0; i < CLIENT_EVENTS_MAX; i++) {
		assert_int_equal(mview_client_next_event(c, 0, &ev), 0);
		assert_int_equal(ev.segment_id, (uint64_t)i);
	}
	assert_int_equal(mview_client_next_event(c, 0, &ev), 0);
	assert_int_equal(ev.type, MVIEW_EVENT_OVERFLOW);
	assert_int_equal(mview_client_next_event(c, 0, &ev), -EAGAIN);
	mview_client_close(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_events_interleaved, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_daemon_error, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_timeout_then_stale_reply, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_hello_other_major, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_hello_refused, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_hangup_with_reason, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_connect_errors, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_reconnect_retries_safe, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_reconnect_not_unsafe, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_no_reconnect_flag, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_open_maps_once, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_segment_outlives_client, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_list_pages, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_list_no_progress, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_lookup_fd_sent_before,
		    fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(
		    test_lookup_fd_sent_before_new_session, fake_setup,
		    fake_teardown),
		cmocka_unit_test_setup_teardown(test_lookup_maps, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_view_list_pages, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_publish_sends_desc, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_event_overflow, fake_setup, fake_teardown),
	};

	return cmocka_run_group_tests_name("client-fake", tests, NULL, NULL);
}
