/* SPDX-License-Identifier: MIT */
/* Unit tests of common/wire: framing, fd passing, truncation, capped unpacking. */
#include <sys/socket.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "wire.h"

static int	sv[2] = { -1, -1 };

static int
count_fds(void)
{
	DIR		*d = opendir("/proc/self/fd");
	struct dirent	*de;
	int		 n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the DIR's own fd */
}

static int
setup(void **state)
{
	(void)state;
	return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv);
}

static int
teardown(void **state)
{
	(void)state;
	close(sv[0]);
	close(sv[1]);
	sv[0] = sv[1] = -1;
	return 0;
}

/* Packets keep their boundaries, whatever their sizes. */
static void
test_framing(void **state)
{
	char	buf[256];
	size_t	nfds = 99;

	(void)state;
	assert_int_equal(wire_send(sv[0], "abc", 3, NULL, 0), 0);
	assert_int_equal(wire_send(sv[0], "", 0, NULL, 0), 0);
	assert_int_equal(wire_send(sv[0], "defgh", 5, NULL, 0), 0);
	assert_int_equal(wire_recv(sv[1], buf, sizeof(buf), NULL, 0, &nfds), 3);
	assert_int_equal(nfds, 0);
	assert_memory_equal(buf, "abc", 3);
	assert_int_equal(wire_recv(sv[1], buf, sizeof(buf), NULL, 0, NULL), 0);
	assert_int_equal(wire_recv(sv[1], buf, sizeof(buf), NULL, 0, NULL), 5);
	assert_memory_equal(buf, "defgh", 5);
}

static void
test_eagain_and_eof(void **state)
{
	char	buf[16];

	(void)state;
	assert_int_equal(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(wire_recv(sv[1], buf, sizeof(buf), NULL, 0, NULL),
	    -EAGAIN);
	close(sv[0]);
	sv[0] = -1;
	assert_int_equal(wire_recv(sv[1], buf, sizeof(buf), NULL, 0, NULL), 0);
	assert_int_equal(wire_send(sv[1], "x", 1, NULL, 0), -EPIPE);
}

/* Two fds arrive, open and close-on-exec, referring to the same files. */
static void
test_fd_passing(void **state)
{
	int		p[2], fds[WIRE_MAX_FDS], send[2];
	size_t		nfds = 0;
	char		buf[16];
	struct stat	a, b;

	(void)state;
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	send[0] = p[0];
	send[1] = p[1];
	assert_int_equal(wire_send(sv[0], "fd", 2, send, 2), 0);
	assert_int_equal(wire_recv(sv[1], buf, sizeof(buf), fds, WIRE_MAX_FDS,
	    &nfds), 2);
	assert_int_equal(nfds, 2);
	for (int i = 0; i < 2; i++) {
		assert_true(fcntl(fds[i], F_GETFD) & FD_CLOEXEC);
		assert_int_equal(fstat(fds[i], &a), 0);
		assert_int_equal(fstat(p[i], &b), 0);
		assert_int_equal(a.st_ino, b.st_ino);
	}
	wire_close_fds(fds, nfds);
	assert_int_equal(fds[0], -1);
	close(p[0]);
	close(p[1]);
}

/* Beyond maxfds the extra descriptors are closed, not leaked. */
static void
test_fd_extra_closed(void **state)
{
	int	p[2], fds[1], send[3];
	size_t	nfds = 0;
	char	buf[16];
	int	before;

	(void)state;
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	send[0] = send[1] = send[2] = p[0];
	before = count_fds();
	assert_int_equal(wire_send(sv[0], "x", 1, send, 3), 0);
	assert_int_equal(wire_recv(sv[1], buf, sizeof(buf), fds, 1, &nfds), 1);
	assert_int_equal(nfds, 1);
	assert_int_equal(count_fds(), before + 1);
	wire_close_fds(fds, 1);
	/* No fds wanted at all: every one is closed. */
	assert_int_equal(wire_send(sv[0], "x", 1, send, 3), 0);
	assert_int_equal(wire_recv(sv[1], buf, sizeof(buf), NULL, 0, &nfds), 1);
	assert_int_equal(nfds, 0);
	assert_int_equal(count_fds(), before);
	close(p[0]);
	close(p[1]);
}

static void
test_send_too_many_fds(void **state)
{
	int	fds[WIRE_MAX_FDS + 1];

	(void)state;
	for (int i = 0; i <= WIRE_MAX_FDS; i++)
		fds[i] = 0;
	assert_int_equal(wire_send(sv[0], "x", 1, fds, WIRE_MAX_FDS + 1),
	    -EINVAL);
}

/* A packet larger than the buffer is refused whole; its fds are closed. */
static void
test_msg_trunc(void **state)
{
	char	big[100], buf[10];
	int	p[2], fds[WIRE_MAX_FDS], before;
	size_t	nfds = 0;

	(void)state;
	memset(big, 'x', sizeof(big));
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	before = count_fds();
	assert_int_equal(wire_send(sv[0], big, sizeof(big), p, 2), 0);
	assert_int_equal(wire_recv(sv[1], buf, sizeof(buf), fds, WIRE_MAX_FDS,
	    &nfds), -EMSGSIZE);
	assert_int_equal(count_fds(), before);
	/* The rest of the packet is gone, the next one is intact. */
	assert_int_equal(wire_send(sv[0], "ok", 2, NULL, 0), 0);
	assert_int_equal(wire_recv(sv[1], buf, sizeof(buf), NULL, 0, NULL), 2);
	close(p[0]);
	close(p[1]);
}

/* More fds than the control buffer holds: MSG_CTRUNC, nothing leaks. */
#define CTRUNC_FDS	(WIRE_MAX_FDS + 8)
static void
test_msg_ctrunc(void **state)
{
	union {
		char		buf[CMSG_SPACE(sizeof(int) * CTRUNC_FDS)];
		struct cmsghdr	align;
	} cm;
	int		 fds[WIRE_MAX_FDS], send[CTRUNC_FDS], p[2], before;
	struct iovec	 iov = { .iov_base = (void *)"x", .iov_len = 1 };
	struct msghdr	 msg = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = cm.buf, .msg_controllen = sizeof(cm.buf) };
	struct cmsghdr	*c;
	char		 buf[16];
	size_t		 nfds = 0;

	(void)state;
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	for (int i = 0; i < CTRUNC_FDS; i++)
		send[i] = p[i & 1];
	memset(&cm, 0, sizeof(cm));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(send));
	memcpy(CMSG_DATA(c), send, sizeof(send));
	before = count_fds();
	assert_int_equal(sendmsg(sv[0], &msg, 0), 1);
	assert_int_equal(wire_recv(sv[1], buf, sizeof(buf), fds, WIRE_MAX_FDS,
	    &nfds), -EMSGSIZE);
	assert_int_equal(count_fds(), before);
	close(p[0]);
	close(p[1]);
}

static Mview__Request *
make_publish(Mview__ViewPublish *pub, Mview__ViewDesc *desc, int64_t *shape,
    size_t n, Mview__Request *req)
{
	*req = (Mview__Request)MVIEW__REQUEST__INIT;
	*pub = (Mview__ViewPublish)MVIEW__VIEW_PUBLISH__INIT;
	*desc = (Mview__ViewDesc)MVIEW__VIEW_DESC__INIT;
	desc->format = (char *)"B";
	desc->itemsize = 1;
	desc->n_shape = n;
	desc->shape = shape;
	pub->name = (char *)"v";
	pub->desc = desc;
	req->id = 1;
	req->body_case = MVIEW__REQUEST__BODY_VIEW_PUBLISH;
	req->view_publish = pub;
	return req;
}

/* 20000 one-byte varints expand to 160 KB: the cap stops that. */
static void
test_capped_unpack(void **state)
{
	Mview__Request		 req, *out;
	Mview__ViewPublish	 pub;
	Mview__ViewDesc		 desc;
	int64_t			*shape = calloc(20000, sizeof(*shape));
	void			*buf;
	size_t			 len;

	(void)state;
	assert_non_null(shape);
	make_publish(&pub, &desc, shape, 20000, &req);
	assert_int_equal(wire_request_pack(&req, 1 << 20, &buf, &len), 0);
	assert_true(len < 21000);
	assert_null(wire_request_unpack(buf, len, 100000));
	out = wire_request_unpack(buf, len, 1 << 20);
	assert_non_null(out);
	assert_int_equal(out->view_publish->desc->n_shape, 20000);
	wire_request_free(out);
	free(buf);
	free(shape);
}

static void
test_pack_limit(void **state)
{
	Mview__Request		 req;
	Mview__ViewPublish	 pub;
	Mview__ViewDesc		 desc;
	int64_t			 shape[100] = { 0 };
	void			*buf = (void *)&req;
	size_t			 len = 12345;

	(void)state;
	make_publish(&pub, &desc, shape, 100, &req);
	assert_int_equal(wire_request_pack(&req, 50, &buf, &len), -EMSGSIZE);
	assert_ptr_equal(buf, (void *)&req);	/* untouched on failure */
	assert_int_equal(len, 12345);
	assert_int_equal(wire_request_pack(&req, 1000, &buf, &len), 0);
	assert_int_equal(len, protobuf_c_message_get_packed_size(&req.base));
	free(buf);
}

static void
test_garbage_unpack(void **state)
{
	static const unsigned char junk[] = { 0xff, 0xff, 0xff, 0x01, 0x02 };
	static const unsigned char no_id[] = { 0x52, 0x00 };	/* hello, no id */

	(void)state;
	assert_null(wire_request_unpack(junk, sizeof(junk), 1 << 20));
	assert_null(wire_request_unpack(no_id, sizeof(no_id), 1 << 20));
	assert_null(wire_reply_unpack(junk, sizeof(junk), 1 << 20));
	wire_request_free(NULL);
	wire_reply_free(NULL);
}

/* The size paging counts on is what packing really adds. */
static void
test_repeated_entry_size(void **state)
{
	Mview__SegmentListReply	 sl = MVIEW__SEGMENT_LIST_REPLY__INIT;
	Mview__SegmentInfo	 a = MVIEW__SEGMENT_INFO__INIT, b;
	Mview__SegmentInfo	*v[2] = { &a, &b };
	char			 name[300];
	size_t			 before;

	(void)state;
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	a.id = 7;
	a.size = 4096;
	b = a;
	b.name = name;	/* a length prefix of two bytes */
	sl.segments = v;
	sl.n_segments = 1;
	before = protobuf_c_message_get_packed_size(&sl.base);
	sl.n_segments = 2;
	assert_int_equal(protobuf_c_message_get_packed_size(&sl.base) - before,
	    wire_repeated_entry_size(&b.base));
	sl.n_segments = 0;
	before = protobuf_c_message_get_packed_size(&sl.base);
	sl.n_segments = 1;
	assert_int_equal(protobuf_c_message_get_packed_size(&sl.base) - before,
	    wire_repeated_entry_size(&a.base));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_framing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eagain_and_eof, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fd_passing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fd_extra_closed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_send_too_many_fds, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_msg_trunc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msg_ctrunc, setup, teardown),
		cmocka_unit_test(test_capped_unpack),
		cmocka_unit_test(test_pack_limit),
		cmocka_unit_test(test_garbage_unpack),
		cmocka_unit_test(test_repeated_entry_size),
	};

	return cmocka_run_group_tests_name("wire", tests, NULL, NULL);
}
