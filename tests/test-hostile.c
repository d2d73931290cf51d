/* SPDX-License-Identifier: MIT */
/*
 * Hostile and broken clients against a live mviewd: every bad input gets a
 * clear error or a closed connection, the daemon's fds and memory come
 * back to where they were, and a bystander connected throughout sees
 * nothing.
 */
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
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

#define IDLE_TIMEOUT	1	/* s: --idle-timeout */
#define STALL_TIMEOUT	2	/* s: --stall-timeout */
#define MAX_SEGMENTS	2000
#define MAX_UNREAD	16
/* glibc keeps some freed memory; ASan's quarantine keeps much more. */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_SLACK_KB	(256 * 1024)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RSS_SLACK_KB	(256 * 1024)
#endif
#endif
#ifndef RSS_SLACK_KB
#define RSS_SLACK_KB	(8 * 1024)
#endif
#define BYSTANDER_SIZE	65536

static const char *const hostile_argv[] = {
	"--idle-timeout=1",
	"--stall-timeout=2",
	"--max-segments=2000",
	"--max-fds-per-uid=1073741824",	/* one uid reaches max-segments */
	"--max-unread-replies=16",
	"--max-unread-fds=8",
	NULL,
};

static struct harness_daemon mviewd;

/* Connected from the start to the end: it must never see an error. */
static struct {
	struct mview_client	*c;
	struct mview_segment	*seg;
	int			 errors;
} by;

static int	base_fds;
static long	base_rss_kb;

static long
rss_kb(pid_t pid)
{
	char	 path[64], line[256];
	long	 kb = -1;
	FILE	*f;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static uint8_t
pattern(size_t i)
{
	return (uint8_t)(i * 131 + 7);
}

/* The bystander's data, its view and the daemon are all as they were. */
static void
bystander_check(void)
{
	struct mview_status	 st;
	struct mview_view	*v = NULL;
	const uint8_t		*p;
	int			 r;

	if ((r = mview_client_status(by.c, &st)) < 0) {
		by.errors++;
		fail_msg("bystander: status: %s", mview_strerror(r));
	}
	if ((r = mview_view_lookup(by.c, "by/view", 0, &v)) < 0) {
		by.errors++;
		fail_msg("bystander: lookup: %s", mview_strerror(r));
	}
	p = mview_view_data(v);
	for (size_t i = 0; i < BYSTANDER_SIZE; i++) {
		if (p[i] != pattern(i)) {
			by.errors++;
			fail_msg("bystander: byte %zu changed", i);
		}
	}
	mview_view_release(v);
}

static void
assert_still_serving(void)
{
	assert_true(harness_daemon_alive(&mviewd));
	bystander_check();
}

/* True once the daemon has closed sock (POLLHUP), without reading it. */
static bool
wait_hup(int sock, int ms)
{
	long long	deadline = harness_now_ms() + ms;
	struct pollfd	pfd = { .fd = sock, .events = 0 };

	for (;;) {
		long long left = deadline - harness_now_ms();

		if (left <= 0)
			return false;
		if (poll(&pfd, 1, (int)left) > 0 && (pfd.revents & POLLHUP))
			return true;
	}
}

/* The daemon's fds come back to n within the harness timeout. */
static void
assert_fds_settle(int n)
{
	long long	deadline = harness_now_ms() + harness_timeout_ms();
	int		now;

	while ((now = harness_count_fds(mviewd.pid)) != n &&
	    harness_now_ms() < deadline)
		poll(NULL, 0, 10);
	if (now != n) {
		harness_print_fds(mviewd.pid);
		fail_msg("mviewd has %d fds, want %d", now, n);
	}
}

static uint64_t	rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* ------------------------------------------------------------ packets */

static void
pack(Mview__Request *req, void **buf, size_t *len)
{
	assert_int_equal(wire_request_pack(req, WIRE_PACKET_MAX_HARD, buf, len),
	    0);
}

/* A long valid publish request: every prefix of it is some malformation. */
static void
test_truncated(void **state)
{
	Mview__Request		 req = MVIEW__REQUEST__INIT;
	Mview__ViewPublish	 pub = MVIEW__VIEW_PUBLISH__INIT;
	Mview__ViewDesc		 d = MVIEW__VIEW_DESC__INIT;
	int64_t			 shape[3] = { 4, 4, 4 }, strides[3] = { 16, 4, 1 };
	void			*buf;
	size_t			 len;
	int			 sock = raw_open_ok(mviewd.socket), n = 0;

	(void)state;
	d.segment_id = 1;
	d.format = (char *)"B";
	d.itemsize = 1;
	d.n_shape = d.n_strides = 3;
	d.shape = shape;
	d.strides = strides;
	pub.name = (char *)"hostile/truncated/view";
	pub.desc = &d;
	req.id = 77;
	req.body_case = MVIEW__REQUEST__BODY_VIEW_PUBLISH;
	req.view_publish = &pub;
	pack(&req, &buf, &len);
	/* Length 0 reads as an orderly close on SOCK_SEQPACKET: not sent. */
	for (size_t l = 1; l < len; l++) {
		assert_int_equal(raw_send_bytes(sock, buf, l, NULL, 0), 0);
		raw_expect_error(sock, 0, false);
		n++;
	}
	free(buf);
	print_message("# %d truncations of a %zu-byte request: each an error\n",
	    n, len);
	assert_int_equal(raw_hello(sock, MVIEW_PROTOCOL_MAJOR, NULL), 0);
	close(sock);
	assert_still_serving();
}

/* One packet of len bytes; false when this socket cannot send that much. */
static bool
send_big(int sock, size_t len)
{
	int	 sndbuf = (int)(len * 2 + 65536), r;
	char	*big = calloc(1, len);

	assert_non_null(big);
	/* Past net.core.wmem_max only with CAP_NET_ADMIN. */
	if (setsockopt(sock, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf,
	    sizeof(sndbuf)) < 0)
		setsockopt(sock, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	big[0] = 0x08;		/* id = 1, then zeros: never valid */
	big[1] = 0x01;
	r = raw_send_bytes(sock, big, len, NULL, 0);
	free(big);
	if (r == -EMSGSIZE || r == -ENOBUFS) {
		print_message("# cannot send %zu bytes in one packet here: "
		    "skipped\n", len);
		return false;
	}
	assert_int_equal(r, 0);
	return true;
}

static void
test_oversized(void **state)
{
	uint32_t	max = 0;
	int		sock = raw_connect(mviewd.socket);

	(void)state;
	assert_true(sock >= 0);
	assert_int_equal(raw_hello(sock, MVIEW_PROTOCOL_MAJOR, &max), 0);
	if (send_big(sock, (size_t)max + 1))
		raw_expect_error(sock, EMSGSIZE, true);
	if (send_big(sock, WIRE_PACKET_MAX_HARD + 4096))
		raw_expect_error(sock, EMSGSIZE, true);
	close(sock);
	assert_still_serving();
}

static void
random_packet(unsigned char *buf, size_t *len)
{
	*len = 1 + rng() % 1024;
	for (size_t i = 0; i < *len; i++)
		buf[i] = (unsigned char)rng();
	/* Half of them look like a Request: id, then a random body. */
	if (rng() & 1) {
		buf[0] = 0x08;
		buf[1] = 0x05;
		buf[2] = (unsigned char)(0x52 + 8 * (rng() % 14));
	}
}

static void
test_random_bytes(void **state)
{
	unsigned char	buf[1024];
	size_t		len;
	int		sock = raw_open_ok(mviewd.socket), closed = 0;

	(void)state;
	for (int i = 0; i < 1000; i++) {
		random_packet(buf, &len);
		assert_int_equal(raw_send_bytes(sock, buf, len, NULL, 0), 0);
		raw_expect_error(sock, 0, false);
	}
	assert_int_equal(raw_hello(sock, MVIEW_PROTOCOL_MAJOR, NULL), 0);
	close(sock);
	/* Before any hello, on fresh connections. */
	for (int i = 0; i < 50; i++) {
		assert_true((sock = raw_connect(mviewd.socket)) >= 0);
		random_packet(buf, &len);
		assert_int_equal(raw_send_bytes(sock, buf, len, NULL, 0), 0);
		closed += raw_expect_error(sock, 0, true) == -ECONNRESET;
		close(sock);
	}
	print_message("# 1000 random packets after hello, 50 before: all "
	    "errors (%d closed)\n", closed);
	assert_still_serving();
}

/* ------------------------------------------- valid but inconsistent */

static void
test_inconsistent_views(void **state)
{
	static struct raw_desc b[] = {
		{ "shape*stride > INT64_MAX", 0, 8, "d", 2, 2,
		    { INT64_C(1) << 62, 4 }, { 8, INT64_C(1) << 62 } },
		{ "shape INT64_MAX, C strides", 0, 8, "d", 1, 0,
		    { INT64_MAX }, { 0 } },
		{ "stride INT64_MAX", 0, 1, "B", 1, 1, { 2 }, { INT64_MAX } },
		{ "stride INT64_MIN", 100, 1, "B", 1, 1, { 2 }, { INT64_MIN } },
		{ "offset INT64_MAX", INT64_MAX, 1, "B", 1, 1, { 1 }, { 1 } },
		{ "offset INT64_MIN", INT64_MIN, 1, "B", 1, 1, { 1 }, { 1 } },
		{ "negative shape", 0, 1, "B", 1, 1, { -5 }, { 1 } },
		{ "negative shape, C strides", 0, 1, "B", 2, 0, { 2, -1 },
		    { 0 } },
		{ "INT64_MIN shape", 0, 1, "B", 1, 1, { INT64_MIN }, { 1 } },
		{ "negative itemsize", 0, -4, "i", 1, 1, { 2 }, { 4 } },
		{ "itemsize INT64_MAX", 0, INT64_MAX, "B", 1, 1, { 1 }, { 1 } },
		{ "unprintable format", 0, 1, "B\x01", 1, 1, { 2 }, { 1 } },
		{ "format too long", 0, 1, "BBBBBBBBBBBBBBBBBBBBBBBB", 1, 1,
		    { 2 }, { 1 } },
		{ "strides count != ndim", 0, 1, "B", 3, 2, { 1, 1, 1 },
		    { 1, 1 } },
		{ "ndim 65", 0, 1, "B", 65, 65, { 0 }, { 0 } },
		{ "64 dims of 2: 2^64 items", 0, 1, "B", 64, 0, { 0 }, { 0 } },
	};
	int		sock = raw_open_ok(mviewd.socket);
	uint64_t	id = raw_create_ok(sock, NULL, 4096,
	    MVIEW__LIFETIME__LIFETIME_SESSION);

	(void)state;
	for (size_t i = 0; i < 65; i++) {
		b[14].shape[i] = 1;
		b[14].strides[i] = 1;
		b[15].shape[i] = 2;
	}
	for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		raw_publish_refused(sock, "hostile/bad", id, &b[i]);
	close(sock);
	assert_still_serving();
}

/* A 10 KB name in every place a name goes. */
static void
test_long_names(void **state)
{
	Mview__Request		 req = MVIEW__REQUEST__INIT;
	Mview__SegmentCreate	 cr = MVIEW__SEGMENT_CREATE__INIT;
	Mview__SegmentOpen	 op = MVIEW__SEGMENT_OPEN__INIT;
	Mview__Ref		 ref = MVIEW__REF__INIT;
	Mview__ViewPublish	 pub = MVIEW__VIEW_PUBLISH__INIT;
	Mview__ViewDesc		 d = MVIEW__VIEW_DESC__INIT;
	Mview__ViewLookup	 lk = MVIEW__VIEW_LOOKUP__INIT;
	Mview__Watch		 w = MVIEW__WATCH__INIT;
	int64_t			 shape[1] = { 16 };
	char			*name = malloc(10240 + 1);
	int			 sock = raw_open_ok(mviewd.socket);

	(void)state;
	assert_non_null(name);
	memset(name, 'n', 10240);
	name[10240] = '\0';
	cr.name = name;
	cr.size = 4096;
	req.body_case = MVIEW__REQUEST__BODY_SEGMENT_CREATE;
	req.segment_create = &cr;
	raw_call_error(sock, &req, ENAMETOOLONG, "create, 10 KB name");
	ref.by_case = MVIEW__REF__BY_NAME;
	ref.name = name;
	op.ref = &ref;
	req.id = 0;
	req.body_case = MVIEW__REQUEST__BODY_SEGMENT_OPEN;
	req.segment_open = &op;
	raw_call_error(sock, &req, 0, "open, 10 KB name");
	req.id = 0;
	req.body_case = MVIEW__REQUEST__BODY_SEGMENT_DELETE;
	req.segment_delete = &ref;
	raw_call_error(sock, &req, 0, "delete, 10 KB name");
	d.segment_id = raw_create_ok(sock, NULL, 4096,
	    MVIEW__LIFETIME__LIFETIME_SESSION);
	d.format = (char *)"B";
	d.itemsize = 1;
	d.n_shape = 1;
	d.shape = shape;
	pub.name = name;
	pub.desc = &d;
	req.id = 0;
	req.body_case = MVIEW__REQUEST__BODY_VIEW_PUBLISH;
	req.view_publish = &pub;
	raw_call_error(sock, &req, ENAMETOOLONG, "publish, 10 KB name");
	lk.name = name;
	req.id = 0;
	req.body_case = MVIEW__REQUEST__BODY_VIEW_LOOKUP;
	req.view_lookup = &lk;
	raw_call_error(sock, &req, ENOENT, "lookup, 10 KB name");
	req.id = 0;
	req.body_case = MVIEW__REQUEST__BODY_VIEW_UNPUBLISH;
	req.view_unpublish = name;
	raw_call_error(sock, &req, ENOENT, "unpublish, 10 KB name");
	w.prefix = name;
	req.id = 0;
	req.body_case = MVIEW__REQUEST__BODY_WATCH;
	req.watch = &w;
	raw_call_error(sock, &req, ENAMETOOLONG, "watch, 10 KB prefix");
	free(name);
	close(sock);
	assert_still_serving();
}

/* Enum fields with values no version defines, sent as raw varints. */
static void
test_unknown_enums(void **state)
{
	/* Request{id=9, segment_create{size=4096 (2), lifetime=7 (4)}} */
	static const unsigned char lifetime7[] = {
		0x08, 0x09, 0x5a, 0x05, 0x10, 0x80, 0x20, 0x20, 0x07,
	};
	/* The same with lifetime = -1 (ten-byte varint). */
	static const unsigned char lifetime_neg[] = {
		0x08, 0x0a, 0x5a, 0x0e, 0x10, 0x80, 0x20, 0x20,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
	};
	int	sock = raw_open_ok(mviewd.socket);

	(void)state;
	assert_int_equal(raw_send_bytes(sock, lifetime7, sizeof(lifetime7),
	    NULL, 0), 0);
	assert_int_equal(raw_expect_error(sock, 0, false), EINVAL);
	assert_int_equal(raw_send_bytes(sock, lifetime_neg,
	    sizeof(lifetime_neg), NULL, 0), 0);
	raw_expect_error(sock, 0, false);
	close(sock);
	assert_still_serving();
}

static void
test_huge_sizes(void **state)
{
	Mview__Request		req = MVIEW__REQUEST__INIT;
	Mview__SegmentCreate	cr = MVIEW__SEGMENT_CREATE__INIT;
	int			sock = raw_open_ok(mviewd.socket);

	(void)state;
	req.body_case = MVIEW__REQUEST__BODY_SEGMENT_CREATE;
	req.segment_create = &cr;
	cr.name = (char *)"hostile/eib";
	cr.size = UINT64_C(1) << 60;
	raw_call_error(sock, &req, EFBIG, "create 1 EiB");
	req.id = 0;
	cr.size = UINT64_MAX;
	raw_call_error(sock, &req, EFBIG, "create 2^64-1 bytes");
	req.id = 0;
	cr.size = UINT64_C(1) << 60;
	cr.has_hugetlb = cr.hugetlb = true;
	raw_call_error(sock, &req, 0, "create 1 EiB of huge pages");
	close(sock);
	assert_still_serving();
}

/* Up to the global segment limit, then the connection goes: all of it freed. */
static void
test_many_segments(void **state)
{
	Mview__Request		req = MVIEW__REQUEST__INIT;
	Mview__SegmentCreate	cr = MVIEW__SEGMENT_CREATE__INIT;
	Mview__Reply		*rep = NULL;
	int			sock = raw_open_ok(mviewd.socket);
	int			fd, n = 0, before, peak;
	long long		t0 = harness_now_ms();

	(void)state;
	before = harness_count_fds(mviewd.pid);
	cr.size = 4096;
	cr.has_lifetime = true;
	cr.lifetime = MVIEW__LIFETIME__LIFETIME_SESSION;
	req.body_case = MVIEW__REQUEST__BODY_SEGMENT_CREATE;
	req.segment_create = &cr;
	for (;;) {
		req.id = 0;
		fd = -1;
		assert_int_equal(raw_call(sock, &req, &rep, &fd), 0);
		if (rep->error != 0)
			break;
		close(fd);
		wire_reply_free(rep);
		n++;
	}
	assert_int_equal(rep->error, ENOSPC);
	print_message("# %d segments in %lld ms, then %s: %s\n", n,
	    harness_now_ms() - t0, strerror(rep->error), rep->message);
	wire_reply_free(rep);
	assert_true(n >= MAX_SEGMENTS - 10);
	peak = harness_count_fds(mviewd.pid);
	assert_int_equal(peak, before + n);
	/* Another client is refused for the cap, and served otherwise. */
	{
		struct mview_segment *s = NULL;

		assert_int_equal(mview_segment_create(by.c, NULL, 4096, 0600,
		    MVIEW_LIFETIME_SESSION, 0, &s), -ENOSPC);
		bystander_check();
	}
	close(sock);
	assert_fds_settle(before - 1);
	assert_still_serving();
}

/* ---------------------------------------------------------------- fds */

/* sendmsg with n fds (more than WIRE_MAX_FDS allows). */
static int
send_with_fds(int sock, const void *buf, size_t len, const int *fds, size_t n)
{
	size_t		 cl = CMSG_SPACE(sizeof(int) * n);
	char		*cbuf = calloc(1, cl);
	struct iovec	 iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr	 msg = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = cbuf, .msg_controllen = cl };
	struct cmsghdr	*cm = CMSG_FIRSTHDR(&msg);
	ssize_t		 r;

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * n);
	r = sendmsg(sock, &msg, MSG_NOSIGNAL);
	free(cbuf);
	return r < 0 ? -errno : 0;
}

static void
test_fds_to_daemon(void **state)
{
	Mview__Request	 req = MVIEW__REQUEST__INIT;
	Mview__Status	 st = MVIEW__STATUS__INIT;
	int		 sock = raw_open_ok(mviewd.socket);
	int		 fds[200], p[2], before;
	struct pollfd	 pfd;
	void		*buf;
	size_t		 len;

	(void)state;
	before = harness_count_fds(mviewd.pid);
	req.id = 5;
	req.body_case = MVIEW__REQUEST__BODY_STATUS;
	req.status = &st;
	pack(&req, &buf, &len);
	/* One fd: refused, and the daemon's copy closed at once. */
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(send_with_fds(sock, buf, len, &p[1], 1), 0);
	close(p[1]);
	raw_expect_error(sock, EBADF, false);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, harness_timeout_ms()), 1);
	assert_true(pfd.revents & POLLHUP);
	close(p[0]);
	/* 200 in one packet: none may stay with the daemon. */
	for (int i = 0; i < 200; i++)
		assert_true((fds[i] = open("/dev/null", O_RDONLY |
		    O_CLOEXEC)) >= 0);
	assert_int_equal(send_with_fds(sock, buf, len, fds, 200), 0);
	for (int i = 0; i < 200; i++)
		close(fds[i]);
	raw_expect_error(sock, 0, true);
	/* And before hello. */
	close(sock);
	assert_true((sock = raw_connect(mviewd.socket)) >= 0);
	assert_true((fds[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0);
	assert_int_equal(send_with_fds(sock, buf, len, fds, 1), 0);
	close(fds[0]);
	raw_expect_error(sock, 0, true);
	free(buf);
	close(sock);
	assert_fds_settle(before - 1);
	assert_still_serving();
}

/* ----------------------------------------------------- slow and silent */

/*
 * Send req without reading until the daemon stops taking requests: the
 * kernel buffers both ways are full and it has paused this connection.
 */
static int
flood(int sock, Mview__Request *req)
{
	struct pollfd	 pfd = { .fd = sock, .events = POLLOUT };
	void		*buf;
	size_t		 len;
	int		 n = 0, r;

	pack(req, &buf, &len);
	assert_int_equal(fcntl(sock, F_SETFL, O_NONBLOCK), 0);
	while (n < 1000000) {
		if ((r = raw_send_bytes(sock, buf, len, NULL, 0)) == 0) {
			n++;
			continue;
		}
		assert_int_equal(r, -EAGAIN);
		if (poll(&pfd, 1, 1000) == 0)
			break;
	}
	free(buf);
	return n;
}

static void
test_never_reads(void **state)
{
	Mview__Request		req = MVIEW__REQUEST__INIT;
	Mview__Status		st = MVIEW__STATUS__INIT;
	Mview__ViewLookup	lk = MVIEW__VIEW_LOOKUP__INIT;
	int			sock = raw_open_ok(mviewd.socket), n, before;
	long long		t0;

	(void)state;
	before = harness_count_fds(mviewd.pid);
	req.id = 1;
	req.body_case = MVIEW__REQUEST__BODY_STATUS;
	req.status = &st;
	n = flood(sock, &req);
	t0 = harness_now_ms();
	bystander_check();
	assert_true(wait_hup(sock, (STALL_TIMEOUT + 5) * 1000));
	print_message("# status x %d unread: closed after %lld ms "
	    "(--stall-timeout=%d)\n", n, harness_now_ms() - t0, STALL_TIMEOUT);
	assert_true(harness_now_ms() - t0 >= STALL_TIMEOUT * 1000 - 1200);
	close(sock);
	/* Replies with fds: the daemon pauses at --max-unread-fds. */
	sock = raw_open_ok(mviewd.socket);
	lk.name = (char *)"by/view";
	req.body_case = MVIEW__REQUEST__BODY_VIEW_LOOKUP;
	req.view_lookup = &lk;
	n = flood(sock, &req);
	t0 = harness_now_ms();
	assert_true(wait_hup(sock, (STALL_TIMEOUT + 5) * 1000));
	print_message("# lookup x %d unread: closed after %lld ms\n", n,
	    harness_now_ms() - t0);
	close(sock);
	assert_fds_settle(before - 1);
	assert_still_serving();
}

/* Reading a reply every half second, for longer than the stall timeout, is fine. */
static void
test_slow_reader_kept(void **state)
{
	Mview__Request	 req = MVIEW__REQUEST__INIT;
	Mview__Status	 st = MVIEW__STATUS__INIT;
	Mview__Reply	*rep = NULL;
	int		 sock = raw_open_ok(mviewd.socket);

	(void)state;
	req.id = 1;
	req.body_case = MVIEW__REQUEST__BODY_STATUS;
	req.status = &st;
	flood(sock, &req);
	for (int i = 0; i < 3 * STALL_TIMEOUT; i++) {
		poll(NULL, 0, 500);
		assert_int_equal(raw_recv(sock, 1000, &rep, NULL), 0);
		assert_int_equal(rep->error, 0);
		wire_reply_free(rep);
	}
	assert_false(wait_hup(sock, 0));
	/* Drain the rest: it was never closed. */
	while (raw_recv(sock, 200, &rep, NULL) == 0)
		wire_reply_free(rep);
	assert_false(wait_hup(sock, 0));
	close(sock);
	assert_still_serving();
}

static void
test_silent_client(void **state)
{
	unsigned char	junk[8] = { 0x08, 0x01 };
	int		silent, noisy, hello;
	long long	t0 = harness_now_ms();

	(void)state;
	assert_true((silent = raw_connect(mviewd.socket)) >= 0);
	assert_true((noisy = raw_connect(mviewd.socket)) >= 0);
	hello = raw_open_ok(mviewd.socket);
	/* Talking without a hello does not count. */
	for (int i = 0; i < 5; i++) {
		raw_send_bytes(noisy, junk, 2, NULL, 0);
		poll(NULL, 0, 100);
	}
	assert_true(wait_hup(silent, (IDLE_TIMEOUT + 5) * 1000));
	print_message("# silent client closed after %lld ms "
	    "(--idle-timeout=%d)\n", harness_now_ms() - t0, IDLE_TIMEOUT);
	assert_true(harness_now_ms() - t0 >= IDLE_TIMEOUT * 1000 - 200);
	assert_true(wait_hup(noisy, 2000));
	/* Hello done, then idle for twice the timeout: still served. */
	assert_false(wait_hup(hello, 2 * IDLE_TIMEOUT * 1000 + 500));
	assert_int_equal(raw_hello(hello, MVIEW_PROTOCOL_MAJOR, NULL), 0);
	close(silent);
	close(noisy);
	close(hello);
	assert_still_serving();
}

/* A hello on a connection mviewd refuses must go through... */
static void
expect_refusal(int c)
{
	Mview__Request	 req = MVIEW__REQUEST__INIT;
	Mview__Hello	 h = MVIEW__HELLO__INIT;
	int		 r;

	h.version_major = MVIEW_PROTOCOL_MAJOR;
	req.id = 3;
	req.body_case = MVIEW__REQUEST__BODY_HELLO;
	req.hello = &h;
	if ((r = raw_send(c, &req)) < 0)
		fail_msg("refused client: hello: %s", strerror(-r));
}

/* ...and the reply be the EUSERS refusal, then a close. */
static void
expect_refusal_reply(int c)
{
	Mview__Reply	*rep = NULL;
	int		 r;

	r = raw_recv(c, harness_timeout_ms(), &rep, NULL);
	if (r < 0)
		fail_msg("refused client: %s, want an EUSERS reply", strerror(-r));
	assert_int_equal(rep->error, EUSERS);
	print_message("# refused: %s\n", rep->message);
	wire_reply_free(rep);
	assert_true(raw_wait_closed(c, harness_timeout_ms()));
	close(c);
}

/*
 * A client over the connection limit reads why it was refused, whether its
 * hello was queued before mviewd refused it (closing a socket with unread
 * packets resets it) or sent after (a closed socket answers EPIPE).
 */
static void
test_refused_client_told_why(void **state)
{
	static const char *const argv[] = { "--max-conns-per-uid=2", NULL };
	struct harness_daemon	 d;
	int			 a, b, c;

	(void)state;
	assert_int_equal(harness_daemon_start(&d, argv), 0);
	assert_true((a = raw_open(d.socket)) >= 0);
	assert_true((b = raw_open(d.socket)) >= 0);
	/* Stopped, mviewd accepts only once the hello is queued. */
	assert_int_equal(kill(d.pid, SIGSTOP), 0);
	assert_true((c = raw_connect(d.socket)) >= 0);
	expect_refusal(c);
	assert_int_equal(kill(d.pid, SIGCONT), 0);
	expect_refusal_reply(c);
	/* A slow client: refused before it says anything. */
	assert_true((c = raw_connect(d.socket)) >= 0);
	poll(NULL, 0, 300);
	expect_refusal(c);
	expect_refusal_reply(c);
	close(b);
	close(a);
	assert_int_equal(harness_daemon_stop(&d), 0);
}

/* Last: fds exactly, memory within slack, the bystander unharmed. */
static void
test_back_to_baseline(void **state)
{
	long	rss, slack = RSS_SLACK_KB;

	(void)state;
	assert_fds_settle(base_fds);
	rss = rss_kb(mviewd.pid);
	/* $MVIEW_RSS_SLACK_KB overrides (valgrind keeps freed blocks). */
	if (getenv("MVIEW_RSS_SLACK_KB") != NULL &&
	    atol(getenv("MVIEW_RSS_SLACK_KB")) > 0)
		slack = atol(getenv("MVIEW_RSS_SLACK_KB"));
	print_message("# mviewd: %d fds (baseline %d), VmRSS %ld kB "
	    "(baseline %ld kB, slack %ld kB)\n", harness_count_fds(mviewd.pid),
	    base_fds, rss, base_rss_kb, slack);
	assert_true(rss > 0 && rss <= base_rss_kb + slack);
	bystander_check();
	assert_int_equal(by.errors, 0);
}

static int
bystander_start(void)
{
	struct mview_view	*v = NULL;
	struct mview_segment	*ro = NULL;
	uint8_t			*p;

	if (mview_client_connect(mviewd.socket, &by.c) < 0 ||
	    mview_segment_create(by.c, "by/seg", BYSTANDER_SIZE, 0600,
	    MVIEW_LIFETIME_SESSION, 0, &by.seg) < 0)
		return -1;
	p = mview_segment_data(by.seg);
	for (size_t i = 0; i < BYSTANDER_SIZE; i++)
		p[i] = pattern(i);
	/* The daemon keeps a segment's O_RDONLY reopen from its first
	 * read-only open on: make it part of the baseline. */
	if (mview_segment_open(by.c, "by/seg", 0, &ro) < 0)
		return -1;
	mview_segment_close(ro);
	/* Last, a request without an fd: the daemon closes the fd it sent
	 * with a reply just after sending it, and must be past that before
	 * the baseline is counted. */
	if (mview_view_from_segment(by.seg, &v) < 0 ||
	    mview_view_publish(by.c, "by/view", v, 0) < 0)
		return -1;
	mview_view_release(v);
	return 0;
}

static int
group_setup(void **state)
{
	(void)state;
	/* $MVIEW_TEST_TIMEOUT (slow builds) wins over our own budget. */
	harness_watchdog(getenv("MVIEW_TEST_TIMEOUT") ? 0 : 120);
	if (harness_daemon_start(&mviewd, hostile_argv) < 0 ||
	    bystander_start() < 0)
		return -1;
	base_fds = harness_count_fds(mviewd.pid);
	if (getenv("MVIEW_TEST_VERBOSE") != NULL)
		harness_print_fds(mviewd.pid);
	base_rss_kb = rss_kb(mviewd.pid);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	mview_segment_close(by.seg);
	mview_client_close(by.c);
	return harness_daemon_stop(&mviewd) != 0 ? -1 : 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_inconsistent_views),
		cmocka_unit_test(test_long_names),
		cmocka_unit_test(test_unknown_enums),
		cmocka_unit_test(test_huge_sizes),
		cmocka_unit_test(test_many_segments),
		cmocka_unit_test(test_fds_to_daemon),
		cmocka_unit_test(test_never_reads),
		cmocka_unit_test(test_slow_reader_kept),
		cmocka_unit_test(test_silent_client),
		cmocka_unit_test(test_refused_client_told_why),
		cmocka_unit_test(test_back_to_baseline),
	};

	/* HOSTILE_TEST=test_never_reads runs just that one. */
	if (getenv("HOSTILE_TEST") != NULL)
		cmocka_set_test_filter(getenv("HOSTILE_TEST"));
	return cmocka_run_group_tests_name("hostile", tests, group_setup,
	    group_teardown);
}
