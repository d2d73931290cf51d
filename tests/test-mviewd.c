/* SPDX-License-Identifier: MIT */
/* Smoke test of the real mviewd: raw protocol over common/wire, good and bad input. */
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "wire.h"

#define TIMEOUT_MS	30000

struct daemon {
	pid_t	pid;
	char	dir[64];
	char	sock[128];
	int	nofile;		/* > 0: RLIMIT_NOFILE for the daemon */
	int	listen_fd;	/* >= 0: passed by socket activation */
};

static struct daemon	main_daemon = { .pid = -1, .listen_fd = -1 };
static uint64_t		next_id = 1;
static bool		in_child;	/* forked: no cmocka asserts */

/* The helpers' checks: cmocka's in the test, an exit status in a child. */
#define REQUIRE(cond) do {						\
	bool require_ok_ = (cond);					\
									\
	if (!require_ok_ && in_child) {					\
		fprintf(stderr, "%s:%d: in child: check failed: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		_exit(1);						\
	}								\
	if (!require_ok_)						\
		fail_msg("%s:%d: %s", __FILE__, __LINE__, #cond);	\
} while (0)

static void
daemon_kill_all(int sig)
{
	(void)sig;
	if (main_daemon.pid > 0)
		kill(main_daemon.pid, SIGKILL);
	_exit(99);
}

/* exec mviewd (behind $MVIEW_DAEMON_WRAPPER) with the ready pipe as fd 3. */
static void
daemon_exec(const struct daemon *d, int ready, const char *const *extra)
{
	const char	*argv[48], *wrap = getenv("MVIEW_DAEMON_WRAPPER");
	const char	*top = getenv("MVIEW_TOP_BUILDDIR");
	char		 path[4096], wbuf[512], *save = NULL, *tok;
	size_t		 n = 0;

	struct rlimit	 rl = { (rlim_t)d->nofile, (rlim_t)d->nofile };
	char		 pid[32];

	int		 lfd = -1;

	/* Out of the way first, so that dup2 never meets its own target. */
	if ((ready = fcntl(ready, F_DUPFD_CLOEXEC, 10)) < 0 ||
	    (d->listen_fd >= 0 &&
	    (lfd = fcntl(d->listen_fd, F_DUPFD_CLOEXEC, 10)) < 0) ||
	    dup2(ready, 4) < 0)
		_exit(126);
	if (d->nofile > 0 && setrlimit(RLIMIT_NOFILE, &rl) < 0)
		_exit(126);
	if (lfd >= 0) {
		/* sd_listen_fds(): fd 3, for this pid. */
		if (dup2(lfd, 3) < 0)
			_exit(126);
		snprintf(pid, sizeof(pid), "%ld", (long)getpid());
		setenv("LISTEN_FDS", "1", 1);
		setenv("LISTEN_PID", pid, 1);
		setenv("LISTEN_FDNAMES", "mviewd.socket", 1);
	}
	if (wrap != NULL && strlen(wrap) < sizeof(wbuf)) {
		strcpy(wbuf, wrap);
		for (tok = strtok_r(wbuf, " ", &save); tok != NULL && n < 16;
		    tok = strtok_r(NULL, " ", &save))
			argv[n++] = tok;
	}
	snprintf(path, sizeof(path), "%s/daemon/mviewd", top ? top : ".");
	argv[n++] = path;
	argv[n++] = "--socket";
	argv[n++] = d->sock;
	argv[n++] = "--ready-fd=4";
	argv[n++] = "--log-level=warning";
	for (size_t i = 0; extra != NULL && extra[i] != NULL && n < 46; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	execvp(argv[0], (char *const *)argv);
	_exit(127);
}

/* Start and wait for the ready byte (EOF: the daemon failed). 0 or -1. */
static int
daemon_start_at(struct daemon *d, const char *const *extra)
{
	int		p[2];
	char		c;
	struct pollfd	pfd;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	if ((d->pid = fork()) < 0)
		return -1;
	if (d->pid == 0) {
		close(p[0]);
		daemon_exec(d, p[1], extra);
	}
	close(p[1]);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	if (poll(&pfd, 1, TIMEOUT_MS) != 1 || read(p[0], &c, 1) != 1) {
		close(p[0]);
		return -1;
	}
	close(p[0]);
	return 0;
}

/* Under /tmp, not $TMPDIR: a socket path must fit in 108 bytes. */
static int
daemon_start(struct daemon *d, const char *const *extra)
{
	snprintf(d->dir, sizeof(d->dir), "/tmp/mviewd-smoke.XXXXXX");
	if (mkdtemp(d->dir) == NULL || chmod(d->dir, 0711) < 0)
		return -1;
	snprintf(d->sock, sizeof(d->sock), "%s/mviewd.sock", d->dir);
	return daemon_start_at(d, extra);
}

/* SIGTERM and reap: the exit status (0 clean), 128+signal otherwise. */
static int
daemon_stop(struct daemon *d, bool rmdir_too)
{
	int	status;

	if (d->pid <= 0)
		return -1;
	kill(d->pid, SIGTERM);
	while (waitpid(d->pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	d->pid = -1;
	if (rmdir_too)
		rmdir(d->dir);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int
count_fds(pid_t pid)
{
	char		 path[64];
	DIR		*dp;
	struct dirent	*de;
	int		 n = 0;

	snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
	if ((dp = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(dp)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(dp);
	return n;
}

static int
conn(const char *path)
{
	struct sockaddr_un	sun = { .sun_family = AF_UNIX };
	int			fd;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	REQUIRE(fd >= 0);
	REQUIRE((connect(fd, (struct sockaddr *)&sun, sizeof(sun))) == (0));
	return fd;
}

/* The next packet: a reply, its first fd (others closed), or NULL on EOF. */
static Mview__Reply *
recv_reply(int sock, int *ret_fd)
{
	static char	 buf[WIRE_PACKET_MAX_HARD];
	struct pollfd	 pfd = { .fd = sock, .events = POLLIN };
	int		 fds[WIRE_MAX_FDS];
	size_t		 nfds = 0;
	ssize_t		 n;
	Mview__Reply	*rep;

	REQUIRE((poll(&pfd, 1, TIMEOUT_MS)) == (1));
	n = wire_recv(sock, buf, sizeof(buf), fds, WIRE_MAX_FDS, &nfds);
	if (n == 0 || n == -ECONNRESET)
		return NULL;
	REQUIRE(n > 0);
	rep = wire_reply_unpack(buf, (size_t)n, 1 << 24);
	REQUIRE((rep) != NULL);
	REQUIRE((rep->has_nfds ? rep->nfds : 0) == (nfds));
	if (ret_fd != NULL)
		*ret_fd = nfds > 0 ? fds[0] : -1;
	for (size_t i = ret_fd != NULL ? 1 : 0; i < nfds; i++)
		close(fds[i]);
	return rep;
}

/* Send req and return the reply with its id (events skipped). */
static Mview__Reply *
call(int sock, Mview__Request *req, int *ret_fd)
{
	Mview__Reply	*rep;

	req->id = next_id++;
	REQUIRE((wire_send_request(sock, req, WIRE_PACKET_MAX_HARD)) == (0));
	for (;;) {
		rep = recv_reply(sock, ret_fd);
		REQUIRE((rep) != NULL);
		if (rep->id == req->id)
			return rep;
		if (ret_fd != NULL && *ret_fd >= 0)
			close(*ret_fd);
		wire_reply_free(rep);
	}
}

/* A call expected to fail with err, carrying a message and no fd. */
static void
call_fails(int sock, Mview__Request *req, int err)
{
	int		 fd = -1;
	Mview__Reply	*rep = call(sock, req, &fd);

	if (rep->error != err)
		fail_msg("request %d: error %d (%s), want %d", (int)req->body_case,
		    rep->error, rep->message ? rep->message : "", err);
	REQUIRE((rep->message) != NULL);
	REQUIRE(rep->message[0] != '\0');
	REQUIRE((fd) == (-1));
	wire_reply_free(rep);
}

static int
hello(int sock, uint32_t major)
{
	Mview__Request	 req = MVIEW__REQUEST__INIT;
	Mview__Hello	 h = MVIEW__HELLO__INIT;
	Mview__Reply	*rep;
	int		 err;

	h.version_major = major;
	req.body_case = MVIEW__REQUEST__BODY_HELLO;
	req.hello = &h;
	rep = call(sock, &req, NULL);
	err = rep->error;
	if (err == 0) {
		REQUIRE((rep->body_case) == (MVIEW__REPLY__BODY_HELLO));
		REQUIRE((rep->hello->version_major) == (MVIEW_PROTOCOL_MAJOR));
		REQUIRE((rep->hello->uid) == (getuid()));
		REQUIRE((rep->hello->max_ndim) == (64));
		REQUIRE(rep->hello->max_packet >= 4096);
	}
	wire_reply_free(rep);
	return err;
}

static int
open_session(const struct daemon *d)
{
	int	sock = conn(d->sock);

	REQUIRE((hello(sock, MVIEW_PROTOCOL_MAJOR)) == (0));
	return sock;
}

static Mview__Reply *
create_seg(int sock, const char *name, uint64_t size, uint32_t mode,
    Mview__Lifetime lifetime, int *ret_fd)
{
	Mview__Request		req = MVIEW__REQUEST__INIT;
	Mview__SegmentCreate	cr = MVIEW__SEGMENT_CREATE__INIT;

	cr.name = (char *)name;
	cr.size = size;
	cr.has_mode = true;
	cr.mode = mode;
	cr.has_lifetime = true;
	cr.lifetime = lifetime;
	req.body_case = MVIEW__REQUEST__BODY_SEGMENT_CREATE;
	req.segment_create = &cr;
	return call(sock, &req, ret_fd);
}

static uint64_t
create_ok(int sock, const char *name, uint64_t size, int *ret_fd)
{
	Mview__Reply	*rep = create_seg(sock, name, size, 0644,
	    MVIEW__LIFETIME__LIFETIME_PERSISTENT, ret_fd);
	uint64_t	 id;

	if (rep->error != 0)
		fail_msg("create %s: %s", name ? name : "(anon)", rep->message);
	REQUIRE((rep->body_case) == (MVIEW__REPLY__BODY_SEGMENT));
	REQUIRE(rep->segment->writable);
	id = rep->segment->id;
	wire_reply_free(rep);
	return id;
}

static Mview__Reply *
open_seg(int sock, const char *name, uint64_t id, bool write, int *ret_fd)
{
	Mview__Request		req = MVIEW__REQUEST__INIT;
	Mview__SegmentOpen	op = MVIEW__SEGMENT_OPEN__INIT;
	Mview__Ref		ref = MVIEW__REF__INIT;

	if (name != NULL) {
		ref.by_case = MVIEW__REF__BY_NAME;
		ref.name = (char *)name;
	} else {
		ref.by_case = MVIEW__REF__BY_ID;
		ref.id = id;
	}
	op.ref = &ref;
	op.has_write = true;
	op.write = write;
	req.body_case = MVIEW__REQUEST__BODY_SEGMENT_OPEN;
	req.segment_open = &op;
	return call(sock, &req, ret_fd);
}

/* A request whose body is a Ref (close, delete, freeze, stat). */
static Mview__Reply *
ref_call(int sock, Mview__Request__BodyCase body, const char *name,
    uint64_t id)
{
	Mview__Request	req = MVIEW__REQUEST__INIT;
	Mview__Ref	ref = MVIEW__REF__INIT;

	if (name != NULL) {
		ref.by_case = MVIEW__REF__BY_NAME;
		ref.name = (char *)name;
	} else {
		ref.by_case = MVIEW__REF__BY_ID;
		ref.id = id;
	}
	req.body_case = body;
	req.segment_close = &ref;	/* a union: same slot for each Ref */
	return call(sock, &req, NULL);
}

struct desc {
	uint64_t	 id;
	int64_t		 offset, itemsize;
	const char	*format;
	size_t		 ndim, nstrides;
	int64_t		 shape[4], strides[4];
};

static Mview__Reply *
publish(int sock, const char *name, const struct desc *d, bool replace)
{
	Mview__Request		req = MVIEW__REQUEST__INIT;
	Mview__ViewPublish	pub = MVIEW__VIEW_PUBLISH__INIT;
	Mview__ViewDesc		vd = MVIEW__VIEW_DESC__INIT;

	vd.segment_id = d->id;
	vd.offset = d->offset;
	vd.format = (char *)d->format;
	vd.itemsize = d->itemsize;
	vd.n_shape = d->ndim;
	vd.shape = (int64_t *)d->shape;
	vd.n_strides = d->nstrides;
	vd.strides = (int64_t *)d->strides;
	pub.name = (char *)name;
	pub.desc = &vd;
	pub.has_replace = true;
	pub.replace = replace;
	req.body_case = MVIEW__REQUEST__BODY_VIEW_PUBLISH;
	req.view_publish = &pub;
	return call(sock, &req, NULL);
}

static Mview__Reply *
lookup_full(int sock, const char *name, bool write, bool want_fd,
    bool fd_once, int *ret_fd)
{
	Mview__Request		req = MVIEW__REQUEST__INIT;
	Mview__ViewLookup	l = MVIEW__VIEW_LOOKUP__INIT;

	l.name = (char *)name;
	l.has_write = true;
	l.write = write;
	l.has_want_fd = true;
	l.want_fd = want_fd;
	l.has_fd_once = fd_once;
	l.fd_once = fd_once;
	req.body_case = MVIEW__REQUEST__BODY_VIEW_LOOKUP;
	req.view_lookup = &l;
	return call(sock, &req, ret_fd);
}

static Mview__Reply *
lookup(int sock, const char *name, bool write, bool want_fd, int *ret_fd)
{
	return lookup_full(sock, name, write, want_fd, false, ret_fd);
}

static Mview__Reply *
unpublish(int sock, const char *name)
{
	Mview__Request	req = MVIEW__REQUEST__INIT;

	req.body_case = MVIEW__REQUEST__BODY_VIEW_UNPUBLISH;
	req.view_unpublish = (char *)name;
	return call(sock, &req, NULL);
}

static Mview__Reply *
status(int sock)
{
	Mview__Request	req = MVIEW__REQUEST__INIT;
	Mview__Status	st = MVIEW__STATUS__INIT;

	req.body_case = MVIEW__REQUEST__BODY_STATUS;
	req.status = &st;
	return call(sock, &req, NULL);
}

/* The daemon's fd count while one session (this one) is connected. */
static int
daemon_fds(const struct daemon *d)
{
	int	sock = open_session(d), n;

	wire_reply_free(status(sock));
	n = count_fds(d->pid);
	close(sock);
	return n;
}

/* Once the daemon has caught up with connections closed just before. */
static int
settled_fds(const struct daemon *d, int want)
{
	int	n = daemon_fds(d);

	for (int i = 0; i < 100 && n != want; i++) {
		poll(NULL, 0, 20);
		n = daemon_fds(d);
	}
	return n;
}

static void
test_hello(void **state)
{
	Mview__Request	 req = MVIEW__REQUEST__INIT;
	Mview__Status	 st = MVIEW__STATUS__INIT;
	Mview__Reply	*rep;
	struct stat	 sb;
	int		 sock = conn(main_daemon.sock);

	(void)state;
	/* Anything before hello is EPROTO. */
	req.body_case = MVIEW__REQUEST__BODY_STATUS;
	req.status = &st;
	call_fails(sock, &req, EPROTO);
	assert_int_equal(hello(sock, MVIEW_PROTOCOL_MAJOR), 0);
	assert_int_equal(stat(main_daemon.sock, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0666);	/* --socket-mode */
	rep = status(sock);
	assert_int_equal(rep->error, 0);
	assert_int_equal(rep->status->pid, (uint32_t)main_daemon.pid);
	assert_true(rep->status->sessions >= 1);
	assert_int_equal(rep->status->max_packet, WIRE_PACKET_DEFAULT);
	wire_reply_free(rep);
	close(sock);
}

/* Write through the creator's fd, read through a reader's O_RDONLY fd. */
static void
test_create_open_share(void **state)
{
	Mview__Reply	*rep;
	int		 sock = open_session(&main_daemon), rw = -1, ro = -1;
	uint64_t	 id = create_ok(sock, "smoke/a", 4096, &rw);
	char		*w, *r;

	(void)state;
	assert_true(rw >= 0);
	assert_int_equal(fcntl(rw, F_GETFL) & O_ACCMODE, O_RDWR);
	w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0);
	assert_true(w != MAP_FAILED);
	strcpy(w, "hello across processes");
	rep = open_seg(sock, "smoke/a", 0, false, &ro);
	assert_int_equal(rep->error, 0);
	assert_int_equal(rep->segment->id, id);
	assert_false(rep->segment->writable);
	assert_int_equal(rep->segment->mode, 0644);
	assert_int_equal(rep->segment->nattached, 1);	/* one session, a set */
	wire_reply_free(rep);
	assert_int_equal(fcntl(ro, F_GETFL) & O_ACCMODE, O_RDONLY);
	assert_true(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ro,
	    0) == MAP_FAILED);
	assert_int_equal(errno, EACCES);
	r = mmap(NULL, 4096, PROT_READ, MAP_SHARED, ro, 0);
	assert_true(r != MAP_FAILED);
	assert_string_equal(r, "hello across processes");
	/* By id, for writing this time. */
	close(ro);
	rep = open_seg(sock, NULL, id, true, &ro);
	assert_int_equal(rep->error, 0);
	assert_true(rep->segment->writable);
	wire_reply_free(rep);
	assert_int_equal(fcntl(ro, F_GETFL) & O_ACCMODE, O_RDWR);
	/* Sealed: no growing or shrinking under a mapping. */
	assert_int_equal(ftruncate(ro, 8192), -1);
	assert_int_equal(ftruncate(ro, 0), -1);
	munmap(w, 4096);
	munmap(r, 4096);
	close(ro);
	close(rw);
	rep = open_seg(sock, "smoke/none", 0, false, NULL);
	assert_int_equal(rep->error, ENOENT);
	wire_reply_free(rep);
	close(sock);
}

static void
test_views(void **state)
{
	struct desc	 d = { .format = "h", .itemsize = 2, .ndim = 2,
	    .nstrides = 2, .shape = { 4, 8 }, .strides = { 16, 2 } };
	Mview__Reply	*rep;
	int		 sock = open_session(&main_daemon), fd = -1;

	(void)state;
	d.id = create_ok(sock, "smoke/v-seg", 64, &fd);
	close(fd);
	rep = publish(sock, "smoke/v", &d, false);
	assert_int_equal(rep->error, 0);
	assert_string_equal(rep->view->name, "smoke/v");
	wire_reply_free(rep);
	rep = publish(sock, "smoke/v", &d, false);
	assert_int_equal(rep->error, EEXIST);
	wire_reply_free(rep);
	d.shape[0] = 2;
	rep = publish(sock, "smoke/v", &d, true);
	assert_int_equal(rep->error, 0);
	wire_reply_free(rep);
	rep = lookup(sock, "smoke/v", false, true, &fd);
	assert_int_equal(rep->error, 0);
	assert_int_equal(rep->view_lookup->segment->id, d.id);
	assert_int_equal(rep->view_lookup->view->desc->n_shape, 2);
	assert_int_equal(rep->view_lookup->view->desc->shape[0], 2);
	assert_int_equal(rep->view_lookup->view->desc->strides[1], 2);
	assert_string_equal(rep->view_lookup->view->desc->format, "h");
	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	close(fd);
	wire_reply_free(rep);
	rep = lookup(sock, "smoke/v", true, true, &fd);
	assert_true(rep->view_lookup->segment->writable);
	assert_int_equal(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
	close(fd);
	wire_reply_free(rep);
	rep = lookup(sock, "smoke/v", false, false, &fd);
	assert_int_equal(rep->error, 0);
	assert_int_equal(fd, -1);
	wire_reply_free(rep);
	rep = lookup(sock, "smoke/nope", false, true, &fd);
	assert_int_equal(rep->error, ENOENT);
	wire_reply_free(rep);
	/* A name's bytes come back printable: no escapes, valid UTF-8. */
	rep = lookup(sock, "smoke/\xff\x1b[31m\n", false, true, &fd);
	assert_int_equal(rep->error, ENOENT);
	assert_string_equal(rep->message, "no view named 'smoke/??[31m?'");
	wire_reply_free(rep);
	close(sock);
}

/* A fd_once lookup: whether an fd came (closed here), checking the flag. */
static bool
lookup_once_sends_fd(int sock, const char *name, bool write)
{
	Mview__Reply	*rep;
	int		 fd = -1;
	bool		 sent;

	rep = lookup_full(sock, name, write, true, true, &fd);
	assert_int_equal(rep->error, 0);
	sent = fd >= 0;
	assert_true(rep->view_lookup->segment->fd_sent_before == !sent);
	assert_true(rep->view_lookup->segment->writable == write);
	if (sent)
		assert_int_equal(fcntl(fd, F_GETFL) & O_ACCMODE,
		    write ? O_RDWR : O_RDONLY);
	if (fd >= 0)
		close(fd);
	wire_reply_free(rep);
	return sent;
}

/* fd_once: no fd for a segment this session was sent one of (with the
 * access asked), until it lets go of the segment. */
static void
test_lookup_fd_once(void **state)
{
	struct desc	 d = { .format = "B", .itemsize = 1, .ndim = 1,
	    .shape = { 64 } };
	Mview__Reply	*rep;
	int		 a = open_session(&main_daemon), b, fd = -1;

	(void)state;
	d.id = create_ok(a, "once/seg", 64, &fd);
	close(fd);
	rep = publish(a, "once/v", &d, false);
	assert_int_equal(rep->error, 0);
	wire_reply_free(rep);
	/* The creator was sent a read-write fd: nothing more, either way. */
	assert_false(lookup_once_sends_fd(a, "once/v", false));
	assert_false(lookup_once_sends_fd(a, "once/v", true));

	b = open_session(&main_daemon);
	assert_true(lookup_once_sends_fd(b, "once/v", false));
	assert_false(lookup_once_sends_fd(b, "once/v", false));
	assert_true(lookup_once_sends_fd(b, "once/v", true));	/* more access */
	assert_false(lookup_once_sends_fd(b, "once/v", true));
	assert_false(lookup_once_sends_fd(b, "once/v", false));
	rep = ref_call(b, MVIEW__REQUEST__BODY_SEGMENT_CLOSE, NULL, d.id);
	assert_int_equal(rep->error, 0);
	wire_reply_free(rep);
	assert_true(lookup_once_sends_fd(b, "once/v", false));	/* let go */
	close(b);
	close(a);
}

/* Garbage, oversized, unknown, bodiless, id 0: an error each, still served. */
static void
test_bad_packets(void **state)
{
	static const unsigned char junk[] = { 0xde, 0xad, 0xbe, 0xef, 0xff };
	/* id 7, then an unknown field 99 (length-delimited, 1 byte) */
	static const unsigned char unknown[] = { 0x08, 0x07, 0x9a, 0x06, 0x01,
	    0x00 };
	static const unsigned char nobody[] = { 0x08, 0x09 };
	Mview__Request	 req = MVIEW__REQUEST__INIT;
	Mview__Status	 st = MVIEW__STATUS__INIT;
	Mview__Reply	*rep;
	char		*big = calloc(1, WIRE_PACKET_DEFAULT + 1);
	int		 sock = open_session(&main_daemon);

	(void)state;
	assert_int_equal(wire_send(sock, junk, sizeof(junk), NULL, 0), 0);
	rep = recv_reply(sock, NULL);
	assert_int_equal(rep->id, 0);
	assert_int_equal(rep->error, EBADMSG);
	wire_reply_free(rep);
	assert_int_equal(wire_send(sock, big, WIRE_PACKET_DEFAULT + 1, NULL, 0), 0);
	rep = recv_reply(sock, NULL);
	assert_int_equal(rep->error, EMSGSIZE);
	wire_reply_free(rep);
	assert_int_equal(wire_send(sock, unknown, sizeof(unknown), NULL, 0), 0);
	rep = recv_reply(sock, NULL);
	assert_int_equal(rep->id, 7);
	assert_int_equal(rep->error, EOPNOTSUPP);
	wire_reply_free(rep);
	assert_int_equal(wire_send(sock, nobody, sizeof(nobody), NULL, 0), 0);
	rep = recv_reply(sock, NULL);
	assert_int_equal(rep->id, 9);
	assert_int_equal(rep->error, EOPNOTSUPP);
	wire_reply_free(rep);
	req.body_case = MVIEW__REQUEST__BODY_STATUS;
	req.status = &st;
	assert_int_equal(wire_send_request(sock, &req, 4096), 0);	/* id 0 */
	rep = recv_reply(sock, NULL);
	assert_int_equal(rep->error, EINVAL);
	wire_reply_free(rep);
	rep = status(sock);	/* the connection still works */
	assert_int_equal(rep->error, 0);
	wire_reply_free(rep);
	free(big);
	close(sock);
}

static void
test_wrong_version(void **state)
{
	int	sock = conn(main_daemon.sock);

	(void)state;
	assert_int_equal(hello(sock, MVIEW_PROTOCOL_MAJOR + 1), EPROTONOSUPPORT);
	assert_null(recv_reply(sock, NULL));	/* then closed */
	close(sock);
}

/* The daemon takes no fds: it closes them (the pipe sees EOF) and refuses. */
static void
test_fd_refused(void **state)
{
	Mview__Request	 req = MVIEW__REQUEST__INIT;
	Mview__Status	 st = MVIEW__STATUS__INIT;
	Mview__Reply	*rep;
	void		*buf;
	size_t		 len;
	int		 p[2], sock = open_session(&main_daemon);
	char		 c;

	(void)state;
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	req.id = 4242;
	req.body_case = MVIEW__REQUEST__BODY_STATUS;
	req.status = &st;
	assert_int_equal(wire_request_pack(&req, 4096, &buf, &len), 0);
	assert_int_equal(wire_send(sock, buf, len, &p[1], 1), 0);
	free(buf);
	close(p[1]);
	rep = recv_reply(sock, NULL);
	assert_int_equal(rep->id, 4242);
	assert_int_equal(rep->error, EBADF);
	wire_reply_free(rep);
	assert_int_equal(read(p[0], &c, 1), 0);	/* no writer left anywhere */
	close(p[0]);
	close(sock);
}

static void
publish_fails(int sock, const struct desc *d, int err, const char *what)
{
	Mview__Reply	*rep = publish(sock, "smoke/bad", d, false);

	if (rep->error != err)
		fail_msg("%s: error %d (%s), want %d", what, rep->error,
		    rep->message ? rep->message : "", err);
	assert_true(rep->message != NULL && rep->message[0] != '\0');
	wire_reply_free(rep);
}

static void
test_bad_views(void **state)
{
	static const struct desc bad[] = {
		{ 0, 96, 4, "i", 1, 1, { 2 }, { 4 } },
		{ 0, -1, 1, "B", 1, 1, { 2 }, { 1 } },
		{ 0, 0, 1, "B", 1, 1, { -1 }, { 1 } },
		{ 0, 0, 1, "B", 1, 0, { -3 }, { 0 } },
		{ 0, 0, 8, "d", 2, 2, { INT64_C(1) << 62, 4 }, { 32, 8 } },
		{ 0, 0, 8, "d", 2, 0, { INT64_C(1) << 62, 4 }, { 0 } },
		{ 0, 0, 1, "B", 1, 1, { 3 }, { INT64_MAX / 2 } },
		{ 0, 50, 1, "B", 1, 1, { 2 }, { INT64_MIN } },
		{ 0, 0, INT64_MAX, "B", 1, 1, { 1 }, { 1 } },
		{ 0, 0, 0, "B", 1, 1, { 1 }, { 1 } },
		{ 0, 0, 1, "", 1, 1, { 1 }, { 1 } },
		{ 0, 0, 1, "BBBBBBBBBBBBBBBBBBBB", 1, 1, { 1 }, { 1 } },
		{ 0, 0, 1, "B", 2, 1, { 2, 2 }, { 1 } },
	};
	struct desc	 d;
	int		 sock = open_session(&main_daemon), fd;
	uint64_t	 id = create_ok(sock, "smoke/bad-seg", 100, &fd);

	(void)state;
	close(fd);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char what[32];

		d = bad[i];
		d.id = id;
		snprintf(what, sizeof(what), "bad view #%zu", i);
		publish_fails(sock, &d, EINVAL, what);
	}
	d = bad[0];
	d.id = UINT64_MAX;
	publish_fails(sock, &d, ENOENT, "no such segment");
	close(sock);
}

static void
test_bad_segments(void **state)
{
	Mview__Reply	*rep;
	char		 name[400];
	int		 sock = open_session(&main_daemon);

	(void)state;
	rep = create_seg(sock, "smoke/huge", UINT64_MAX, 0600, 0, NULL);
	assert_int_equal(rep->error, EFBIG);
	wire_reply_free(rep);
	rep = create_seg(sock, "smoke/mode", 1, 0777, 0, NULL);
	assert_int_equal(rep->error, EINVAL);
	wire_reply_free(rep);
	rep = create_seg(sock, "smoke/life", 1, 0600, 5, NULL);
	assert_int_equal(rep->error, EINVAL);
	wire_reply_free(rep);
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	rep = create_seg(sock, name, 1, 0600, 0, NULL);
	assert_int_equal(rep->error, ENAMETOOLONG);
	wire_reply_free(rep);
	rep = create_seg(sock, "with space", 1, 0600, 0, NULL);
	assert_int_equal(rep->error, EINVAL);
	wire_reply_free(rep);
	close(sock);
}

/* Delete: the name and views go now, an attached mapping stays valid. */
static void
test_delete_while_attached(void **state)
{
	struct desc	 d = { .format = "B", .itemsize = 1, .ndim = 1,
	    .nstrides = 1, .shape = { 4096 }, .strides = { 1 } };
	Mview__Reply	*rep;
	int		 a = open_session(&main_daemon), b = open_session(&main_daemon);
	int		 fd = -1;
	char		*p;

	(void)state;
	d.id = create_ok(a, "smoke/d", 4096, &fd);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);
	close(fd);
	wire_reply_free(publish(a, "smoke/d/v", &d, false));
	rep = ref_call(b, MVIEW__REQUEST__BODY_SEGMENT_DELETE, "smoke/d", 0);
	assert_int_equal(rep->error, 0);	/* same uid: the owner */
	wire_reply_free(rep);
	rep = lookup(b, "smoke/d/v", false, true, NULL);
	assert_int_equal(rep->error, ENOENT);
	wire_reply_free(rep);
	rep = open_seg(b, "smoke/d", 0, false, NULL);
	assert_int_equal(rep->error, ENOENT);
	wire_reply_free(rep);
	rep = ref_call(b, MVIEW__REQUEST__BODY_SEGMENT_STAT, NULL, d.id);
	assert_int_equal(rep->error, ENOENT);	/* b does not hold it */
	wire_reply_free(rep);
	rep = ref_call(a, MVIEW__REQUEST__BODY_SEGMENT_STAT, NULL, d.id);
	assert_int_equal(rep->error, 0);	/* a does */
	assert_true(rep->segment->deleted);
	wire_reply_free(rep);
	strcpy(p, "still mapped");
	assert_string_equal(p, "still mapped");
	rep = ref_call(a, MVIEW__REQUEST__BODY_SEGMENT_CLOSE, NULL, d.id);
	assert_int_equal(rep->error, 0);
	wire_reply_free(rep);
	rep = ref_call(a, MVIEW__REQUEST__BODY_SEGMENT_CLOSE, NULL, d.id);
	assert_int_equal(rep->error, ENOENT);
	wire_reply_free(rep);
	assert_string_equal(p, "still mapped");	/* our mapping outlives it */
	munmap(p, 4096);
	close(a);
	close(b);
}

/* Session segments go with their last holder; the daemon's fds come back. */
static void
test_session_lifetime_and_fds(void **state)
{
	Mview__Reply	*rep;
	int		 base = daemon_fds(&main_daemon);
	int		 a = open_session(&main_daemon), fd = -1;

	(void)state;
	rep = create_seg(a, "smoke/sess", 8192, 0600,
	    MVIEW__LIFETIME__LIFETIME_SESSION, &fd);
	assert_int_equal(rep->error, 0);
	assert_int_equal(rep->segment->lifetime,
	    MVIEW__LIFETIME__LIFETIME_SESSION);
	wire_reply_free(rep);
	close(fd);
	create_ok(a, NULL, 4096, &fd);	/* anonymous, persistent */
	close(fd);
	close(a);
	/* The session segment went, the persistent one holds an fd. */
	assert_int_equal(settled_fds(&main_daemon, base + 1), base + 1);
	a = open_session(&main_daemon);
	rep = open_seg(a, "smoke/sess", 0, false, NULL);
	assert_int_equal(rep->error, ENOENT);
	wire_reply_free(rep);
	close(a);
}

static void
test_freeze_and_owner(void **state)
{
	Mview__Reply	*rep;
	int		 a = open_session(&main_daemon), fd = -1;
	uint64_t	 id = create_ok(a, "smoke/frz", 4096, &fd);

	(void)state;
	close(fd);
	rep = ref_call(a, MVIEW__REQUEST__BODY_SEGMENT_FREEZE, "smoke/frz", 0);
	assert_int_equal(rep->error, 0);
	assert_true(rep->segment->frozen);
	wire_reply_free(rep);
	rep = open_seg(a, NULL, id, true, &fd);
	assert_int_equal(rep->error, EPERM);
	wire_reply_free(rep);
	rep = open_seg(a, NULL, id, false, &fd);
	assert_int_equal(rep->error, 0);
	wire_reply_free(rep);
	assert_true(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
	    0) == MAP_FAILED);
	close(fd);
	close(a);
}

#define CHILD_CHECK(cond)	REQUIRE(cond)

static int
child_error(Mview__Reply *rep)
{
	int	err = rep->error;

	wire_reply_free(rep);
	return err;
}

/* Segments under perm/ the caller is shown: only the readable ones. */
static int
perm_child_listed(int sock)
{
	Mview__Request		 req = MVIEW__REQUEST__INIT;
	Mview__SegmentList	 sl = MVIEW__SEGMENT_LIST__INIT;
	Mview__Reply		*rep;
	int			 n;

	sl.prefix = (char *)"perm/";
	req.body_case = MVIEW__REQUEST__BODY_SEGMENT_LIST;
	req.segment_list = &sl;
	rep = call(sock, &req, NULL);
	REQUIRE(rep->error == 0 && !rep->segment_list->more);
	n = (int)rep->segment_list->n_segments;
	for (int i = 0; i < n; i++)
		REQUIRE(strcmp(rep->segment_list->segments[i]->name,
		    "perm/private") != 0);
	wire_reply_free(rep);
	return n;
}

/* What uid nobody may do with root's segments of various modes. */
static void
perm_child(void)
{
	struct desc	 d = { .format = "B", .itemsize = 1, .ndim = 1,
	    .nstrides = 1, .shape = { 16 }, .strides = { 1 } };
	Mview__Reply	*rep;
	int		 sock = open_session(&main_daemon), fd = -1;

	CHILD_CHECK(child_error(open_seg(sock, "perm/private", 0, false,
	    NULL)) == EACCES);
	rep = open_seg(sock, "perm/public", 0, false, &fd);
	CHILD_CHECK(rep->error == 0 && fd >= 0);
	CHILD_CHECK((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY);
	d.id = rep->segment->id;
	wire_reply_free(rep);
	close(fd);
	CHILD_CHECK(child_error(open_seg(sock, "perm/public", 0, true,
	    NULL)) == EACCES);
	CHILD_CHECK(child_error(open_seg(sock, "perm/shared", 0, true,
	    &fd)) == 0);
	close(fd);
	CHILD_CHECK(child_error(ref_call(sock,
	    MVIEW__REQUEST__BODY_SEGMENT_DELETE, "perm/public", 0)) == EPERM);
	CHILD_CHECK(child_error(ref_call(sock,
	    MVIEW__REQUEST__BODY_SEGMENT_FREEZE, "perm/public", 0)) == EPERM);
	CHILD_CHECK(child_error(ref_call(sock,
	    MVIEW__REQUEST__BODY_SEGMENT_STAT, "perm/private", 0)) == EACCES);
	/* A view on what nobody can only read is stored read-only. */
	rep = publish(sock, "perm/nobodys", &d, false);
	CHILD_CHECK(rep->error == 0 && rep->view->desc->readonly);
	wire_reply_free(rep);
	rep = lookup(sock, "perm/nobodys", true, true, &fd);
	CHILD_CHECK(rep->error == 0 && !rep->view_lookup->segment->writable);
	CHILD_CHECK((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY);
	wire_reply_free(rep);
	close(fd);
	CHILD_CHECK(child_error(lookup(sock, "perm/private-view", false, true,
	    NULL)) == EACCES);
	CHILD_CHECK(child_error(unpublish(sock, "perm/roots")) == EPERM);
	CHILD_CHECK(perm_child_listed(sock) == 2);	/* public and shared */
	close(sock);
	_exit(0);
}

static void
test_permissions(void **state)
{
	struct desc	 d = { .format = "B", .itemsize = 1, .ndim = 1,
	    .nstrides = 1, .shape = { 16 }, .strides = { 1 } };
	Mview__Reply	*rep;
	int		 sock, fd, status;
	uint64_t	 priv;
	pid_t		 pid;

	(void)state;
	if (getuid() != 0)
		skip();
	sock = open_session(&main_daemon);
	rep = create_seg(sock, "perm/private", 16, 0600, 0, &fd);
	priv = rep->segment->id;
	wire_reply_free(rep);
	close(fd);
	wire_reply_free(create_seg(sock, "perm/public", 16, 0644, 0, &fd));
	close(fd);
	wire_reply_free(create_seg(sock, "perm/shared", 16, 0666, 0, &fd));
	close(fd);
	d.id = priv;
	wire_reply_free(publish(sock, "perm/private-view", &d, false));
	d.id = priv + 1;
	wire_reply_free(publish(sock, "perm/roots", &d, false));
	fflush(NULL);
	if ((pid = fork()) == 0) {
		in_child = true;
		if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
		    setresuid(65534, 65534, 65534) < 0)
			_exit(2);
		perm_child();
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(sock);
}

/* View lists page below the packet limit, in ascending names, complete. */
static void
test_list_views_paging(void **state)
{
	enum { N = 300 };
	struct desc	 d = { .format = "B", .itemsize = 1, .ndim = 1,
	    .nstrides = 1, .shape = { 16 }, .strides = { 1 } };
	Mview__Request	 req = MVIEW__REQUEST__INIT;
	Mview__ViewList	 vl = MVIEW__VIEW_LIST__INIT;
	Mview__Reply	*rep;
	char		 name[256], last[256] = "";
	int		 sock = open_session(&main_daemon), fd, pages = 0;
	size_t		 n = 0;
	bool		 more = true;

	(void)state;
	d.id = create_ok(sock, "smoke/list-seg", 16, &fd);
	close(fd);
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "smoke/list/%03d/%0200d", i, i);
		wire_reply_free(publish(sock, name, &d, false));
	}
	vl.prefix = (char *)"smoke/list/";
	req.body_case = MVIEW__REQUEST__BODY_VIEW_LIST;
	req.view_list = &vl;
	for (; more && pages < 100; pages++) {
		vl.after_name = last[0] ? last : NULL;
		rep = call(sock, &req, NULL);
		assert_int_equal(rep->error, 0);
		for (size_t i = 0; i < rep->view_list->n_views; i++) {
			const char *nm = rep->view_list->views[i]->name;

			assert_true(strcmp(nm, last) > 0);
			snprintf(last, sizeof(last), "%s", nm);
			n++;
		}
		more = rep->view_list->more;
		wire_reply_free(rep);
	}
	assert_int_equal(n, N);
	assert_true(pages > 1);
	close(sock);
}

/* Segment lists: ascending ids, "" lists anonymous ones too. */
static void
test_list_segments(void **state)
{
	Mview__Request		 req = MVIEW__REQUEST__INIT;
	Mview__SegmentList	 sl = MVIEW__SEGMENT_LIST__INIT;
	Mview__Reply		*rep;
	int			 sock = open_session(&main_daemon), fd;
	uint64_t		 last_id = 0, anon = create_ok(sock, NULL, 1, &fd);
	bool			 more = true, seen = false;

	(void)state;
	close(fd);
	req.body_case = MVIEW__REQUEST__BODY_SEGMENT_LIST;
	req.segment_list = &sl;
	while (more) {
		sl.has_after_id = last_id != 0;
		sl.after_id = last_id;
		rep = call(sock, &req, NULL);
		assert_int_equal(rep->error, 0);
		for (size_t i = 0; i < rep->segment_list->n_segments; i++) {
			Mview__SegmentInfo *si = rep->segment_list->segments[i];

			assert_true(si->id > last_id);
			last_id = si->id;
			seen |= si->id == anon;
		}
		more = rep->segment_list->more;
		wire_reply_free(rep);
	}
	assert_true(seen);
	close(sock);
}

static struct daemon	small = { .pid = -1, .listen_fd = -1 };

static void
expect_event(int sock, Mview__Event__Type type, const char *name)
{
	Mview__Reply	*rep = recv_reply(sock, NULL);

	assert_non_null(rep);
	assert_int_equal(rep->id, 0);
	assert_int_equal(rep->body_case, MVIEW__REPLY__BODY_EVENT);
	assert_int_equal(rep->event->type, type);
	if (name != NULL)
		assert_string_equal(rep->event->name, name);
	wire_reply_free(rep);
}

static void
watch(int sock, const char *prefix)
{
	Mview__Request	 req = MVIEW__REQUEST__INIT;
	Mview__Watch	 w = MVIEW__WATCH__INIT;
	Mview__Reply	*rep;

	w.prefix = (char *)prefix;
	req.body_case = MVIEW__REQUEST__BODY_WATCH;
	req.watch = &w;
	rep = call(sock, &req, NULL);
	assert_int_equal(rep->error, 0);
	wire_reply_free(rep);
}

static void
unpublish_ok(int sock, const char *name)
{
	Mview__Reply	*rep = unpublish(sock, name);

	assert_int_equal(rep->error, 0);
	wire_reply_free(rep);
}

/* Until the daemon has let go of every other connection. */
static void
wait_idle(const struct daemon *d)
{
	Mview__Request	 req = MVIEW__REQUEST__INIT;
	Mview__Hello	 h = MVIEW__HELLO__INIT;
	Mview__Reply	*rep;
	uint64_t	 n = 0;

	h.version_major = MVIEW_PROTOCOL_MAJOR;
	req.body_case = MVIEW__REQUEST__BODY_HELLO;
	req.hello = &h;
	for (int i = 0; i < 500 && n != 1; i++) {
		int sock = conn(d->sock);

		req.id = next_id++;
		assert_int_equal(wire_send_request(sock, &req, 4096), 0);
		rep = recv_reply(sock, NULL);	/* hello, or EUSERS */
		if (rep != NULL && rep->error == 0) {
			wire_reply_free(rep);
			rep = status(sock);
			n = rep->status->sessions;
		}
		wire_reply_free(rep);
		close(sock);
		if (n != 1)
			poll(NULL, 0, 10);
	}
	assert_int_equal(n, 1);
}

static void
test_conn_cap(void **state)
{
	Mview__Reply	*rep;
	int		 s[4], extra;

	(void)state;
	for (int i = 0; i < 4; i++)
		s[i] = open_session(&small);
	extra = conn(small.sock);
	rep = recv_reply(extra, NULL);
	assert_non_null(rep);
	assert_int_equal(rep->id, 0);
	assert_int_equal(rep->error, EUSERS);
	assert_non_null(strstr(rep->message, "max-conns-per-uid"));
	wire_reply_free(rep);
	assert_null(recv_reply(extra, NULL));
	close(extra);
	for (int i = 0; i < 4; i++)
		close(s[i]);
	wait_idle(&small);
}

static void
test_watch_events(void **state)
{
	struct desc	 d = { .format = "B", .itemsize = 1, .ndim = 1,
	    .nstrides = 1, .shape = { 1 }, .strides = { 1 } };
	Mview__Reply	*rep;
	int		 w = open_session(&small), p = open_session(&small), fd;
	char		 name[32];
	bool		 overflow = false;
	int		 nev = 0;

	(void)state;
	watch(w, "w/");
	d.id = create_ok(p, "w/seg", 64, &fd);
	close(fd);
	create_ok(p, "x/unwatched", 64, &fd);
	close(fd);
	wire_reply_free(publish(p, "w/v", &d, false));
	unpublish_ok(p, "w/v");
	expect_event(w, MVIEW__EVENT__TYPE__SEGMENT_CREATED, "w/seg");
	expect_event(w, MVIEW__EVENT__TYPE__VIEW_PUBLISHED, "w/v");
	expect_event(w, MVIEW__EVENT__TYPE__VIEW_UNPUBLISHED, "w/v");
	/* 2000 events to a watcher that does not read: dropped, then OVERFLOW. */
	for (int i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "w/many/%d", i);
		rep = publish(p, name, &d, false);
		assert_int_equal(rep->error, 0);
		wire_reply_free(rep);
	}
	while (!overflow) {
		rep = recv_reply(w, NULL);
		assert_non_null(rep);
		assert_int_equal(rep->body_case, MVIEW__REPLY__BODY_EVENT);
		overflow = rep->event->type == MVIEW__EVENT__TYPE__OVERFLOW;
		nev++;
		wire_reply_free(rep);
	}
	assert_true(nev < 2000);
	/* Deleting the segment unpublishes its views: events resume. */
	rep = ref_call(p, MVIEW__REQUEST__BODY_SEGMENT_DELETE, "w/seg", 0);
	assert_int_equal(rep->error, 0);
	wire_reply_free(rep);
	expect_event(w, MVIEW__EVENT__TYPE__VIEW_UNPUBLISHED, NULL);
	close(w);
	close(p);
}

/* A client that floods without reading is paused, loses nothing, and
 * does not slow anyone else. */
static void
test_backpressure(void **state)
{
	Mview__Request	 req = MVIEW__REQUEST__INIT;
	Mview__Status	 st = MVIEW__STATUS__INIT;
	Mview__Reply	*rep;
	int		 flood = open_session(&small), other = open_session(&small);
	uint64_t	 first = next_id, sent = 0;

	(void)state;
	req.body_case = MVIEW__REQUEST__BODY_STATUS;
	req.status = &st;
	assert_int_equal(fcntl(flood, F_SETFL, O_NONBLOCK), 0);
	for (int i = 0; i < 100000; i++) {
		req.id = first + sent;
		if (wire_send_request(flood, &req, 4096) < 0)
			break;
		sent++;
	}
	assert_true(sent > 2);
	next_id = first + sent;
	rep = status(other);
	assert_int_equal(rep->error, 0);
	wire_reply_free(rep);
	assert_int_equal(fcntl(flood, F_SETFL, 0), 0);
	for (uint64_t i = 0; i < sent; i++) {
		rep = recv_reply(flood, NULL);
		assert_non_null(rep);
		assert_int_equal(rep->id, first + i);
		assert_int_equal(rep->error, 0);
		wire_reply_free(rep);
	}
	close(flood);
	close(other);
}

/* A second daemon does not steal a live socket; a stale one is replaced. */
static void
test_socket_takeover(void **state)
{
	struct daemon	 again = main_daemon, third = { .listen_fd = -1 };
	struct stat	 st;

	(void)state;
	again.pid = -1;
	assert_int_equal(daemon_start_at(&again, NULL), -1);
	assert_int_equal(daemon_stop(&again, false), 1);	/* it gave up */
	assert_true(daemon_fds(&main_daemon) > 0);	/* still serving */
	assert_int_equal(daemon_start(&third, NULL), 0);
	kill(third.pid, SIGKILL);
	waitpid(third.pid, NULL, 0);
	assert_int_equal(stat(third.sock, &st), 0);	/* left behind */
	assert_int_equal(daemon_start_at(&third, NULL), 0);
	assert_int_equal(daemon_stop(&third, false), 0);
	assert_int_equal(stat(third.sock, &st), -1);	/* removed at exit */
	rmdir(third.dir);
}

/* Under systemd the passed (blocking) socket is served; --socket is unused. */
static void
test_socket_activation(void **state)
{
#ifdef HAVE_LIBSYSTEMD
	struct daemon		 d = { .listen_fd = -1 };
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	struct stat		 st;
	char			 act[100];
	int			 sock;

	(void)state;
	snprintf(d.dir, sizeof(d.dir), "/tmp/mviewd-smoke.XXXXXX");
	assert_non_null(mkdtemp(d.dir));
	snprintf(d.sock, sizeof(d.sock), "%s/unused.sock", d.dir);
	snprintf(act, sizeof(act), "%s/activated.sock", d.dir);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", act);
	d.listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(d.listen_fd, (struct sockaddr *)&sun,
	    sizeof(sun)), 0);
	assert_int_equal(listen(d.listen_fd, 16), 0);
	assert_int_equal(daemon_start_at(&d, NULL), 0);
	close(d.listen_fd);
	for (int i = 0; i < 3; i++) {	/* accept never blocks the loop */
		sock = conn(act);
		assert_int_equal(hello(sock, MVIEW_PROTOCOL_MAJOR), 0);
		close(sock);
	}
	assert_int_equal(stat(d.sock, &st), -1);
	assert_int_equal(daemon_stop(&d, false), 0);
	assert_int_equal(stat(act, &st), 0);	/* the manager's, not ours */
	unlink(act);
	rmdir(d.dir);
#else
	(void)state;
	skip();
#endif
}

static long
cpu_ticks(pid_t pid)
{
	char		 path[64], buf[1024], *p;
	unsigned long	 ut = 0, st = 0;
	FILE		*f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (p == NULL || (p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
	    &ut, &st) != 2)
		return -1;
	return (long)(ut + st);
}

/* Out of fds, the daemon sheds new clients (EOF) instead of spinning,
 * and accepts again once fds are free. */
static void
test_out_of_fds(void **state)
{
	enum { N = 40 };
	struct daemon	 d = { .listen_fd = -1, .nofile = 24 };
	Mview__Request	 req = MVIEW__REQUEST__INIT;
	Mview__Hello	 h = MVIEW__HELLO__INIT;
	Mview__Reply	*rep;
	int		 socks[N], ok = 0, shed = 0, sock;
	long		 t0;

	(void)state;
	assert_int_equal(daemon_start(&d, NULL), 0);
	h.version_major = MVIEW_PROTOCOL_MAJOR;
	req.body_case = MVIEW__REQUEST__BODY_HELLO;
	req.hello = &h;
	t0 = cpu_ticks(d.pid);
	for (int i = 0; i < N; i++) {
		int r;

		socks[i] = conn(d.sock);
		req.id = next_id++;
		/* A shed connection may already be closed when we send. */
		r = wire_send_request(socks[i], &req, 4096);
		assert_true(r == 0 || r == -EPIPE || r == -ECONNRESET);
	}
	for (int i = 0; i < N; i++) {
		if ((rep = recv_reply(socks[i], NULL)) != NULL && rep->error == 0)
			ok++;
		else
			shed++;
		wire_reply_free(rep);
	}
	assert_true(ok > 0);
	assert_true(shed > 0);
	assert_true(cpu_ticks(d.pid) - t0 < 100);	/* no busy loop */
	for (int i = 0; i < N; i++)
		close(socks[i]);
	for (int i = 0; i < 300; i++) {	/* the pause is 200 ms */
		sock = conn(d.sock);
		req.id = next_id++;
		assert_int_equal(wire_send_request(sock, &req, 4096), 0);
		rep = recv_reply(sock, NULL);
		close(sock);
		if (rep != NULL) {
			wire_reply_free(rep);
			break;
		}
		poll(NULL, 0, 20);
		assert_true(i < 299);
	}
	assert_int_equal(daemon_stop(&d, true), 0);
}

static int
group_setup(void **state)
{
	static const char *const main_args[] = { "--socket-mode=0666", NULL };
	static const char *const small_args[] = { "--max-conns-per-uid=4",
	    "--max-watch-events=4", "--max-unread-replies=2", NULL };

	(void)state;
	signal(SIGALRM, daemon_kill_all);
	alarm(300);
	if (daemon_start(&main_daemon, main_args) < 0)
		return -1;
	return daemon_start(&small, small_args);
}

static int
group_teardown(void **state)
{
	struct stat	st;
	int		r1, r2;

	(void)state;
	r1 = daemon_stop(&small, true);
	r2 = daemon_stop(&main_daemon, false);
	if (stat(main_daemon.sock, &st) == 0) {
		fprintf(stderr, "mviewd left its socket behind\n");
		r2 = -1;
	}
	rmdir(main_daemon.dir);
	return (r1 == 0 && r2 == 0) ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello),
		cmocka_unit_test(test_create_open_share),
		cmocka_unit_test(test_views),
		cmocka_unit_test(test_lookup_fd_once),
		cmocka_unit_test(test_bad_packets),
		cmocka_unit_test(test_wrong_version),
		cmocka_unit_test(test_fd_refused),
		cmocka_unit_test(test_bad_views),
		cmocka_unit_test(test_bad_segments),
		cmocka_unit_test(test_delete_while_attached),
		cmocka_unit_test(test_session_lifetime_and_fds),
		cmocka_unit_test(test_freeze_and_owner),
		cmocka_unit_test(test_permissions),
		cmocka_unit_test(test_list_views_paging),
		cmocka_unit_test(test_list_segments),
		cmocka_unit_test(test_conn_cap),
		cmocka_unit_test(test_watch_events),
		cmocka_unit_test(test_backpressure),
		cmocka_unit_test(test_socket_takeover),
		cmocka_unit_test(test_socket_activation),
		cmocka_unit_test(test_out_of_fds),
	};

	if (getenv("MVIEW_TOP_BUILDDIR") == NULL)
		setenv("MVIEW_TOP_BUILDDIR", ".", 0);
	return cmocka_run_group_tests_name("mviewd", tests, group_setup,
	    group_teardown);
}
