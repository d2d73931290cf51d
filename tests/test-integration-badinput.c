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
	struct mview_client	*c;
	struct mview_status	 st;

	assert_true(harness_daemon_alive(&mviewd));
	assert_int_equal(mview_client_status(bystander, &st), 0);
	assert_int_equal(st.pid, (uint32_t)mviewd.pid);
	c = integration_connect(&mviewd);
	assert_int_equal(mview_client_status(c, &st), 0);
	mview_client_close(c);
}

/* A valid status request with the given id, packed: *buf to free(). */
static void
pack_status(uint64_t id, void **buf, size_t *len)
{
	Mview__Request	req = MVIEW__REQUEST__INIT;
	Mview__Status	st = MVIEW__STATUS__INIT;

	req.id = id;
	req.body_case = MVIEW__REQUEST__BODY_STATUS;
	req.status = &st;
	assert_int_equal(wire_request_pack(&req, 1 << 16, buf, len), 0);
}

static void
test_garbage_packet(void **state)
{
	unsigned char	junk[64];
	int		sock = raw_open_ok(mviewd.socket);

	(void)state;
	memset(junk, 0xff, sizeof(junk));
	assert_int_equal(raw_send_bytes(sock, junk, sizeof(junk), NULL, 0), 0);
	if (raw_expect_error(sock, EBADMSG, true) != -ECONNRESET) {
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
	raw_expect_error(sock, EBADMSG, true);
	close(sock);
	assert_still_serving();
}

static void
test_empty_packet(void **state)
{
	int	sock = raw_open_ok(mviewd.socket);

	(void)state;
	assert_int_equal(raw_send_bytes(sock, "", 0, NULL, 0), 0);
	raw_expect_error(sock, EBADMSG, true);
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
	raw_expect_error(sock, EMSGSIZE, true);
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
	int		 sock = raw_open_ok(mviewd.socket), r;

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
	int		sock = raw_open_ok(mviewd.socket);

	(void)state;
	raw_call_error(sock, &req, EOPNOTSUPP, "request without a body");
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
	void		*buf = NULL;
	size_t		 len = 0;
	struct pollfd	 pfd;
	int		 sock = raw_open_ok(mviewd.socket), p[2];

	(void)state;
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pack_status(4242, &buf, &len);
	assert_int_equal(raw_send_bytes(sock, buf, len, &p[1], 1), 0);
	free(buf);
	close(p[1]);
	/* When the daemon has closed its copy, the pipe's read end sees EOF. */
	pfd.fd = p[0];
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, harness_timeout_ms()), 1);
	assert_true(pfd.revents & POLLHUP);
	close(p[0]);
	raw_expect_error(sock, 0, true);
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
	int		sock = raw_open_ok(mviewd.socket);
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
	int			 sock = raw_open_ok(mviewd.socket);

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
	raw_call_error(sock, &req, EINVAL, "publish, 65 dimensions");
	/* A view of a segment that does not exist. */
	desc.segment_id = UINT64_MAX;
	desc.n_shape = desc.n_strides = 1;
	raw_call_error(sock, &req, ENOENT, "publish on no segment");
	close(sock);
	assert_still_serving();
}

static void
test_bad_segments(void **state)
{
	Mview__Request		 req = MVIEW__REQUEST__INIT;
	Mview__SegmentCreate	 cr = MVIEW__SEGMENT_CREATE__INIT;
	char			 longname[1100];
	int			 sock = raw_open_ok(mviewd.socket);

	(void)state;
	req.body_case = MVIEW__REQUEST__BODY_SEGMENT_CREATE;
	req.segment_create = &cr;
	cr.name = (char *)"bad/huge";
	cr.size = UINT64_MAX;
	raw_call_error(sock, &req, EFBIG, "create 2^64-1 bytes");
	cr.size = 4096;
	cr.name = (char *)"has space";
	raw_call_error(sock, &req, EINVAL, "create, name with a space");
	cr.name = (char *)"/abs";
	raw_call_error(sock, &req, EINVAL, "create, absolute name");
	cr.name = (char *)"";
	raw_call_error(sock, &req, EINVAL, "create, empty name");
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	cr.name = longname;
	raw_call_error(sock, &req, ENAMETOOLONG, "create, 1099-byte name");
	cr.name = (char *)"bad/mode";
	cr.has_mode = 1;
	cr.mode = 01777;
	raw_call_error(sock, &req, EINVAL, "create, mode 01777");
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
	int			 sock = raw_open_ok(mviewd.socket), err;

	(void)state;
	op.ref = &ref;
	req.body_case = MVIEW__REQUEST__BODY_SEGMENT_OPEN;
	req.segment_open = &op;
	raw_call_error(sock, &req, EINVAL, "open, empty ref");
	/* A name that cannot exist is either refused or not found. */
	ref.by_case = MVIEW__REF__BY_NAME;
	ref.name = (char *)"bad/\xff\xfe\n";
	err = raw_call_error(sock, &req, 0, "open, non-ASCII name");
	if (err != EINVAL && err != ENOENT)
		fail_msg("open, non-ASCII name: error %d, want EINVAL or "
		    "ENOENT", err);
	ref.by_case = MVIEW__REF__BY_ID;
	ref.id = UINT64_MAX;
	raw_call_error(sock, &req, ENOENT, "open, unknown id");
	req.id = 0;
	req.body_case = MVIEW__REQUEST__BODY_SEGMENT_DELETE;
	req.segment_delete = &ref;
	raw_call_error(sock, &req, ENOENT, "delete, unknown id");
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
	int		 sock = raw_open_ok(mviewd.socket);
	int		 fds[WIRE_MAX_FDS], before, after;
	void		*buf = NULL;
	size_t		 len = 0;

	(void)state;
	before = harness_count_fds(mviewd.pid);
	for (int i = 0; i < WIRE_MAX_FDS; i++)
		assert_true((fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0);
	pack_status(99, &buf, &len);
	assert_int_equal(raw_send_bytes(sock, buf, len, fds, WIRE_MAX_FDS), 0);
	free(buf);
	for (int i = 0; i < WIRE_MAX_FDS; i++)
		close(fds[i]);
	if (raw_expect_error(sock, 0, true) != -ECONNRESET) {
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
	void		*buf = NULL;
	size_t		 len = 0;
	int		 sock = raw_open_ok(mviewd.socket), i;

	(void)state;
	pack_status(1, &buf, &len);
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
	if (integration_group_setup(state) < 0)
		return -1;
	return mview_client_connect(mviewd.socket, &bystander) < 0 ? -1 : 0;
}

static int
group_teardown(void **state)
{
	mview_client_close(bystander);
	bystander = NULL;
	return integration_group_teardown(state);
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

	integration_group_daemon(&mviewd, NULL);
	return cmocka_run_group_tests_name("integration-badinput", tests,
	    group_setup, group_teardown);
}
