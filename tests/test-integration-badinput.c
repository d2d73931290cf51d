/* SPDX-License-Identifier: MIT */
/* Integration: malformed input gets an error or a closed connection, nothing more. */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "integration.h"
#include "raw-client.h"
#include "raw-expect.h"

static struct harness_daemon mviewd;

/* A client that stays connected through every test: it must keep being served. */
static struct mview_client *bystander;

/* The daemon is alive and answers both an old and a new client. */
static void
assert_still_serving(void)
{
	struct mview_client	*c = NULL;
	struct mview_status	 st;

	assert_true(harness_daemon_alive(&mviewd));
	assert_int_equal(mview_client_status(bystander, &st), 0);
	assert_int_equal(st.pid, (uint32_t)mviewd.pid);
	assert_int_equal(mview_client_connect(mviewd.socket, &c), 0);
	assert_int_equal(mview_client_status(c, &st), 0);
	mview_client_close(c);
}

/*
 * The reply to what was just sent: an error equal to want_errno (0: any
 * error), or (when allow_close) the connection closed. Returns true when
 * it was closed.
 */
static bool
expect_error_or_close(int sock, int want_errno, bool allow_close)
{
	Mview__Reply	*rep = NULL;
	int		 r;

	r = raw_recv(sock, harness_timeout_ms(), &rep, NULL);
	if (r == -ECONNRESET && allow_close)
		return true;
	if (r < 0)
		fail_msg("no reply (want errno %d): %s", want_errno, strerror(-r));
	if (want_errno == 0 ? rep->error == 0 : rep->error != want_errno)
		fail_msg("reply error %d (%s), want %d (%s)", rep->error,
		    rep->message ? rep->message : "", want_errno,
		    strerror(want_errno));
	assert_non_null(rep->message);
	assert_true(rep->message[0] != '\0');
	wire_reply_free(rep);
	return false;
}

/* Same, for a request sent with raw_call: the reply carries its id. */
static void
expect_call_error(int sock, Mview__Request *req, int want_errno)
{
	Mview__Reply	*rep = NULL;
	int		 fd = -1, r;

	if ((r = raw_call(sock, req, &rep, &fd)) < 0)
		fail_msg("request %d: no reply: %s", (int)req->body_case,
		    strerror(-r));
	if (rep->error != want_errno)
		fail_msg("request %d: error %d (%s), want %d (%s)",
		    (int)req->body_case, rep->error,
		    rep->message ? rep->message : "", want_errno,
		    strerror(want_errno));
	assert_non_null(rep->message);
	assert_true(rep->message[0] != '\0');
	assert_int_equal(fd, -1);
	wire_reply_free(rep);
}

static void
expect_call_error_either(int sock, Mview__Request *req, int e1, int e2)
{
	Mview__Reply	*rep = NULL;
	int		 r;

	if ((r = raw_call(sock, req, &rep, NULL)) < 0)
		fail_msg("request %d: no reply: %s", (int)req->body_case,
		    strerror(-r));
	if (rep->error != e1 && rep->error != e2)
		fail_msg("request %d: error %d, want %d or %d",
		    (int)req->body_case, rep->error, e1, e2);
	assert_true(rep->message != NULL && rep->message[0] != '\0');
	wire_reply_free(rep);
}

static int
open_hello(void)
{
	int sock = raw_open(mviewd.socket);

	if (sock < 0)
		fail_msg("raw connect/hello: %s", strerror(-sock));
	return sock;
}

static void
test_garbage_packet(void **state)
{
	unsigned char	junk[64];
	int		sock = open_hello();

	(void)state;
	memset(junk, 0xff, sizeof(junk));
	assert_int_equal(raw_send_bytes(sock, junk, sizeof(junk), NULL, 0), 0);
	if (!expect_error_or_close(sock, EBADMSG, true)) {
		/* Answered, not closed: the connection still works. */
		assert_int_equal(raw_hello(sock, MVIEW_PROTOCOL_MAJOR, NULL),
		    0);
	}
	close(sock);
	assert_still_serving();
}

static void
test_garbage_before_hello(void **state)
{
	static const unsigned char junk[] = { 0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01 };
	int	sock = raw_connect(mviewd.socket);

	(void)state;
	assert_true(sock >= 0);
	assert_int_equal(raw_send_bytes(sock, junk, sizeof(junk), NULL, 0), 0);
	expect_error_or_close(sock, EBADMSG, true);
	close(sock);
	assert_still_serving();
}

static void
test_empty_packet(void **state)
{
	int	sock = open_hello();

	(void)state;
	assert_int_equal(raw_send_bytes(sock, "", 0, NULL, 0), 0);
	expect_error_or_close(sock, EBADMSG, true);
	close(sock);
	assert_still_serving();
}

static void
test_oversized_packet(void **state)
{
	uint32_t	 max = 0;
	size_t		 len;
	char		*big;
	int		 sock = raw_connect(mviewd.socket);
	int		 sndbuf;

	(void)state;
	assert_true(sock >= 0);
	assert_int_equal(raw_hello(sock, MVIEW_PROTOCOL_MAJOR, &max), 0);
	assert_true(max > 0);
	len = (size_t)max + 4096;
	sndbuf = (int)len * 2;
	setsockopt(sock, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	big = calloc(1, len);
	assert_non_null(big);
	/* A valid prefix (id = 1) followed by a long string field. */
	big[0] = 0x08;
	big[1] = 0x01;
	assert_int_equal(raw_send_bytes(sock, big, len, NULL, 0), 0);
	free(big);
	expect_error_or_close(sock, EMSGSIZE, true);
	close(sock);
	assert_still_serving();
}

/* A Request whose only body is field 99, which no version defines. */
static void
test_unknown_message_type(void **state)
{
	static const unsigned char pkt[] = {
		0x08, 0x07,		/* id = 7 */
		0x9a, 0x06, 0x02,	/* field 99, length-delimited, 2 bytes */
		0x08, 0x01,
	};
	Mview__Reply	*rep = NULL;
	int		 sock = open_hello(), r;

	(void)state;
	assert_int_equal(raw_send_bytes(sock, pkt, sizeof(pkt), NULL, 0), 0);
	r = raw_recv(sock, harness_timeout_ms(), &rep, NULL);
	if (r == 0) {
		assert_int_equal(rep->id, 7);
		assert_int_equal(rep->error, EOPNOTSUPP);
		assert_true(rep->message != NULL && rep->message[0] != '\0');
		wire_reply_free(rep);
		/* Still usable. */
		assert_int_equal(raw_hello(sock, MVIEW_PROTOCOL_MAJOR, NULL), 0);
	} else {
		assert_int_equal(r, -ECONNRESET);
	}
	close(sock);
	assert_still_serving();
}

static void
test_request_without_body(void **state)
{
	Mview__Request	req = MVIEW__REQUEST__INIT;
	int		sock = open_hello();

	(void)state;
	expect_call_error(sock, &req, EOPNOTSUPP);
	close(sock);
	assert_still_serving();
}

static void
test_wrong_protocol_version(void **state)
{
	int	sock = raw_connect(mviewd.socket);

	(void)state;
	assert_true(sock >= 0);
	assert_int_equal(raw_hello(sock, MVIEW_PROTOCOL_MAJOR + 1, NULL),
	    -EPROTONOSUPPORT);
	assert_true(raw_wait_closed(sock, harness_timeout_ms()));
	close(sock);
	assert_still_serving();
}

static void
test_request_before_hello(void **state)
{
	Mview__Request	req = MVIEW__REQUEST__INIT;
	Mview__Status	st = MVIEW__STATUS__INIT;
	Mview__Reply	*rep = NULL;
	int		sock = raw_connect(mviewd.socket), r;

	(void)state;
	assert_true(sock >= 0);
	req.body_case = MVIEW__REQUEST__BODY_STATUS;
	req.status = &st;
	r = raw_call(sock, &req, &rep, NULL);
	if (r == 0) {
		assert_int_equal(rep->error, EPROTO);
		wire_reply_free(rep);
	} else {
		assert_int_equal(r, -ECONNRESET);
	}
	close(sock);
	assert_still_serving();
}

/* The daemon accepts no fds: the request is refused and the fd closed. */
static void
test_fd_from_client_refused(void **state)
{
	Mview__Request	 req = MVIEW__REQUEST__INIT;
	Mview__Status	 st = MVIEW__STATUS__INIT;
	void		*buf = NULL;
	size_t		 len = 0;
	struct pollfd	 pfd;
	int		 sock = open_hello(), p[2];

	(void)state;
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	req.id = 4242;
	req.body_case = MVIEW__REQUEST__BODY_STATUS;
	req.status = &st;
	assert_int_equal(wire_request_pack(&req, 1 << 16, &buf, &len), 0);
	assert_int_equal(raw_send_bytes(sock, buf, len, &p[1], 1), 0);
	free(buf);
	close(p[1]);
	/* When the daemon has closed its copy, the pipe's read end sees EOF. */
	pfd.fd = p[0];
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, harness_timeout_ms()), 1);
	assert_true(pfd.revents & POLLHUP);
	close(p[0]);
	expect_error_or_close(sock, 0, true);
	close(sock);
	assert_still_serving();
}

static void
test_bad_views(void **state)
{
	static const struct raw_desc bad[] = {
		{ "past the end", 96, 4, "i", 1, 1, { 2 }, { 4 } },
		{ "offset == size", 100, 1, "B", 1, 1, { 1 }, { 1 } },
		{ "negative offset", -1, 1, "B", 1, 1, { 2 }, { 1 } },
		{ "negative stride below 0", 0, 4, "i", 1, 1, { 2 }, { -4 } },
		{ "2-D past the end", 0, 1, "B", 2, 2, { 11, 10 }, { 10, 1 } },
		{ "negative shape", 0, 1, "B", 1, 1, { -1 }, { 1 } },
		{ "overflowing shape", 0, 8, "d", 2, 2,
		    { INT64_C(1) << 62, 4 }, { 32, 8 } },
		{ "overflowing stride", 0, 1, "B", 1, 1,
		    { 3 }, { INT64_MAX / 2 } },
		{ "INT64_MIN stride", 50, 1, "B", 1, 1, { 2 }, { INT64_MIN } },
		{ "huge itemsize", 0, INT64_MAX, "B", 1, 1, { 1 }, { 1 } },
		{ "itemsize 0", 0, 0, "B", 1, 1, { 1 }, { 1 } },
		{ "itemsize not the format's", 0, 4, "h", 1, 1, { 2 }, { 4 } },
		{ "empty format", 0, 1, "", 1, 1, { 2 }, { 1 } },
		{ "strides and shape differ", 0, 1, "B", 2, 1, { 2, 2 }, { 1 } },
	};
	int		sock = open_hello();
	uint64_t	id = raw_create_ok(sock, "bad/seg", 100,
	    MVIEW__LIFETIME__LIFETIME_PERSISTENT);

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		raw_publish_refused(sock, "bad/view", id, &bad[i]);
	close(sock);
	assert_still_serving();
}

/* More than 64 dimensions. */
static void
test_too_many_dims(void **state)
{
	Mview__Request		 req = MVIEW__REQUEST__INIT;
	Mview__ViewPublish	 pub = MVIEW__VIEW_PUBLISH__INIT;
	Mview__ViewDesc		 desc = MVIEW__VIEW_DESC__INIT;
	int64_t			 shape[65], strides[65];
	int			 sock = open_hello();

	(void)state;
	for (int i = 0; i < 65; i++) {
		shape[i] = 1;
		strides[i] = 1;
	}
	desc.segment_id = raw_create_ok(sock, "bad/dims", 16,
	    MVIEW__LIFETIME__LIFETIME_PERSISTENT);
	desc.format = (char *)"B";
	desc.itemsize = 1;
	desc.n_shape = desc.n_strides = 65;
	desc.shape = shape;
	desc.strides = strides;
	pub.name = (char *)"bad/dims/v";
	pub.desc = &desc;
	req.body_case = MVIEW__REQUEST__BODY_VIEW_PUBLISH;
	req.view_publish = &pub;
	expect_call_error(sock, &req, EINVAL);
	/* A view of a segment that does not exist. */
	desc.segment_id = UINT64_MAX;
	desc.n_shape = desc.n_strides = 1;
	expect_call_error(sock, &req, ENOENT);
	close(sock);
	assert_still_serving();
}

static void
test_bad_segments(void **state)
{
	Mview__Request		 req = MVIEW__REQUEST__INIT;
	Mview__SegmentCreate	 cr = MVIEW__SEGMENT_CREATE__INIT;
	char			 longname[1100];
	int			 sock = open_hello();

	(void)state;
	req.body_case = MVIEW__REQUEST__BODY_SEGMENT_CREATE;
	req.segment_create = &cr;
	cr.name = (char *)"bad/huge";
	cr.size = UINT64_MAX;
	expect_call_error(sock, &req, EFBIG);
	cr.size = 4096;
	cr.name = (char *)"has space";
	expect_call_error(sock, &req, EINVAL);
	cr.name = (char *)"/abs";
	expect_call_error(sock, &req, EINVAL);
	cr.name = (char *)"";
	expect_call_error(sock, &req, EINVAL);
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	cr.name = longname;
	expect_call_error(sock, &req, ENAMETOOLONG);
	cr.name = (char *)"bad/mode";
	cr.has_mode = 1;
	cr.mode = 01777;
	expect_call_error(sock, &req, EINVAL);
	close(sock);
	assert_still_serving();
}

/* A Ref naming nothing, a non-ASCII name, an id nobody has. */
static void
test_bad_refs(void **state)
{
	Mview__Request		 req = MVIEW__REQUEST__INIT;
	Mview__SegmentOpen	 op = MVIEW__SEGMENT_OPEN__INIT;
	Mview__Ref		 ref = MVIEW__REF__INIT;
	int			 sock = open_hello();

	(void)state;
	op.ref = &ref;
	req.body_case = MVIEW__REQUEST__BODY_SEGMENT_OPEN;
	req.segment_open = &op;
	expect_call_error(sock, &req, EINVAL);
	/* A name that cannot exist is either refused or not found. */
	ref.by_case = MVIEW__REF__BY_NAME;
	ref.name = (char *)"bad/\xff\xfe\n";
	expect_call_error_either(sock, &req, EINVAL, ENOENT);
	ref.by_case = MVIEW__REF__BY_ID;
	ref.id = UINT64_MAX;
	expect_call_error(sock, &req, ENOENT);
	req.id = 0;
	req.body_case = MVIEW__REQUEST__BODY_SEGMENT_DELETE;
	req.segment_delete = &ref;
	expect_call_error(sock, &req, ENOENT);
	close(sock);
	assert_still_serving();
}

/* Tens of thousands of dimensions in one packet: refused, never allocated for. */
static void
test_huge_shape_count(void **state)
{
	Mview__Request		 req = MVIEW__REQUEST__INIT;
	Mview__ViewPublish	 pub = MVIEW__VIEW_PUBLISH__INIT;
	Mview__ViewDesc		 desc = MVIEW__VIEW_DESC__INIT;
	Mview__Reply		*rep = NULL;
	uint32_t		 max = 0;
	int64_t			*dims;
	size_t			 n;
	int			 sock = raw_connect(mviewd.socket), r;

	(void)state;
	assert_true(sock >= 0);
	assert_int_equal(raw_hello(sock, MVIEW_PROTOCOL_MAJOR, &max), 0);
	n = max / 2 - 64;		/* 1 byte each, shape and strides */
	dims = calloc(n, sizeof(*dims));
	assert_non_null(dims);
	desc.segment_id = raw_create_ok(sock, "bad/manydims", 16,
	    MVIEW__LIFETIME__LIFETIME_PERSISTENT);
	desc.format = (char *)"B";
	desc.itemsize = 1;
	desc.n_shape = desc.n_strides = n;
	desc.shape = desc.strides = dims;
	pub.name = (char *)"bad/manydims/v";
	pub.desc = &desc;
	req.id = 77;
	req.body_case = MVIEW__REQUEST__BODY_VIEW_PUBLISH;
	req.view_publish = &pub;
	assert_int_equal(raw_send(sock, &req), 0);
	free(dims);
	r = raw_recv(sock, harness_timeout_ms(), &rep, NULL);
	if (r == 0) {
		if (rep->error != EINVAL && rep->error != EBADMSG)
			fail_msg("error %d (%s), want EINVAL or EBADMSG",
			    rep->error, rep->message ? rep->message : "");
		wire_reply_free(rep);
	} else {
		assert_int_equal(r, -ECONNRESET);
	}
	close(sock);
	assert_still_serving();
}

/* More fds than any packet may carry: all closed, the request refused. */
static void
test_many_fds_from_client(void **state)
{
	Mview__Request	 req = MVIEW__REQUEST__INIT;
	Mview__Status	 st = MVIEW__STATUS__INIT;
	int		 fds[WIRE_MAX_FDS], sock = open_hello(), before, after;
	void		*buf = NULL;
	size_t		 len = 0;

	(void)state;
	before = harness_count_fds(mviewd.pid);
	for (int i = 0; i < WIRE_MAX_FDS; i++)
		assert_true((fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0);
	req.id = 99;
	req.body_case = MVIEW__REQUEST__BODY_STATUS;
	req.status = &st;
	assert_int_equal(wire_request_pack(&req, 1 << 16, &buf, &len), 0);
	assert_int_equal(raw_send_bytes(sock, buf, len, fds, WIRE_MAX_FDS), 0);
	free(buf);
	for (int i = 0; i < WIRE_MAX_FDS; i++)
		close(fds[i]);
	if (!expect_error_or_close(sock, 0, true)) {
		after = harness_count_fds(mviewd.pid);
		assert_int_equal(after, before);
	}
	close(sock);
	assert_still_serving();
}

/* A client that sends and never reads does not stall anyone else. */
static void
test_flood_without_reading(void **state)
{
	Mview__Request	 req = MVIEW__REQUEST__INIT;
	Mview__Status	 st = MVIEW__STATUS__INIT;
	void		*buf = NULL;
	size_t		 len = 0;
	int		 sock = open_hello(), i;

	(void)state;
	req.id = 1;
	req.body_case = MVIEW__REQUEST__BODY_STATUS;
	req.status = &st;
	assert_int_equal(wire_request_pack(&req, 1 << 16, &buf, &len), 0);
	assert_int_equal(fcntl(sock, F_SETFL, O_NONBLOCK), 0);
	for (i = 0; i < 100000; i++)
		if (raw_send_bytes(sock, buf, len, NULL, 0) < 0)
			break;
	free(buf);
	assert_still_serving();
	close(sock);
	assert_still_serving();
}

static int
group_setup(void **state)
{
	(void)state;
	harness_watchdog(0);
	if (harness_daemon_start(&mviewd, NULL) < 0)
		return -1;
	return mview_client_connect(mviewd.socket, &bystander) < 0 ? -1 : 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	mview_client_close(bystander);
	bystander = NULL;
	return harness_daemon_stop(&mviewd) != 0 ? -1 : 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_garbage_packet),
		cmocka_unit_test(test_garbage_before_hello),
		cmocka_unit_test(test_empty_packet),
		cmocka_unit_test(test_oversized_packet),
		cmocka_unit_test(test_unknown_message_type),
		cmocka_unit_test(test_request_without_body),
		cmocka_unit_test(test_wrong_protocol_version),
		cmocka_unit_test(test_request_before_hello),
		cmocka_unit_test(test_fd_from_client_refused),
		cmocka_unit_test(test_bad_views),
		cmocka_unit_test(test_too_many_dims),
		cmocka_unit_test(test_bad_segments),
		cmocka_unit_test(test_bad_refs),
		cmocka_unit_test(test_huge_shape_count),
		cmocka_unit_test(test_many_fds_from_client),
		cmocka_unit_test(test_flood_without_reading),
	};

	return cmocka_run_group_tests_name("integration-badinput", tests,
	    group_setup, group_teardown);
}
