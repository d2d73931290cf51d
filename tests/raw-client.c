/* SPDX-License-Identifier: MIT */
/* Integration tests: a minimal hand-driven client of the wire protocol. */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdbool.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "raw-client.h"

#define RAW_RECV_CAP	(WIRE_PACKET_MAX_HARD + 1)

static uint64_t raw_next_id = 1000;

int
raw_connect(const char *path)
{
	struct sockaddr_un	sun = { .sun_family = AF_UNIX };
	int			fd, r;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

int
raw_send_bytes(int sock, const void *buf, size_t len, const int *fds,
    size_t nfds)
{
	return wire_send(sock, buf, len, fds, nfds);
}

int
raw_send(int sock, const Mview__Request *req)
{
	return wire_send_request(sock, req, WIRE_PACKET_MAX_HARD);
}

int
raw_recv(int sock, int timeout_ms, Mview__Reply **ret_reply, int *ret_fd)
{
	struct pollfd	 pfd = { .fd = sock, .events = POLLIN };
	int		 fds[WIRE_MAX_FDS];
	size_t		 nfds = 0;
	ssize_t		 n;
	Mview__Reply	*rep;
	char		*buf;
	int		 r;

	if ((r = poll(&pfd, 1, timeout_ms)) < 0)
		return -errno;
	if (r == 0)
		return -ETIMEDOUT;
	if ((buf = malloc(RAW_RECV_CAP)) == NULL)
		return -ENOMEM;
	n = wire_recv(sock, buf, RAW_RECV_CAP, fds, WIRE_MAX_FDS, &nfds);
	if (n <= 0) {
		free(buf);
		return (n == 0 || n == -ECONNRESET) ? -ECONNRESET : (int)n;
	}
	rep = wire_reply_unpack(buf, (size_t)n, 16u << 20);
	free(buf);
	if (rep == NULL) {
		wire_close_fds(fds, nfds);
		return -EBADMSG;
	}
	if (ret_fd != NULL && nfds > 0) {
		*ret_fd = fds[0];
		fds[0] = -1;
	} else if (ret_fd != NULL) {
		*ret_fd = -1;
	}
	wire_close_fds(fds, nfds);
	*ret_reply = rep;
	return 0;
}

int
raw_call(int sock, Mview__Request *req, Mview__Reply **ret_reply, int *ret_fd)
{
	Mview__Reply	*rep;
	int		 r, fd;

	if (req->id == 0)
		req->id = raw_next_id++;
	if ((r = raw_send(sock, req)) < 0)
		return r;
	for (;;) {
		if ((r = raw_recv(sock, 10000, &rep, &fd)) < 0)
			return r;
		if (rep->id == req->id)
			break;
		if (fd >= 0)
			close(fd);
		wire_reply_free(rep);
	}
	if (ret_fd != NULL)
		*ret_fd = fd;
	else if (fd >= 0)
		close(fd);
	*ret_reply = rep;
	return 0;
}

/* Hello with major and, when has_caps, the capabilities caps. */
static int
hello_with(int sock, uint32_t major, bool has_caps, uint64_t caps,
    uint32_t *ret_max_packet)
{
	Mview__Request	 req = MVIEW__REQUEST__INIT;
	Mview__Hello	 hello = MVIEW__HELLO__INIT;
	Mview__Reply	*rep;
	int		 r;

	hello.version_major = major;
	hello.has_version_minor = 1;
	hello.version_minor = MVIEW_PROTOCOL_MINOR;
	hello.has_capabilities = has_caps;
	hello.capabilities = caps;
	hello.client_name = (char *)"raw-test";
	req.body_case = MVIEW__REQUEST__BODY_HELLO;
	req.hello = &hello;
	if ((r = raw_call(sock, &req, &rep, NULL)) < 0)
		return r;
	r = rep->error ? -rep->error : 0;
	if (r == 0 && ret_max_packet != NULL)
		*ret_max_packet = (rep->body_case == MVIEW__REPLY__BODY_HELLO &&
		    rep->hello->has_max_packet) ? rep->hello->max_packet :
		    WIRE_PACKET_DEFAULT;
	wire_reply_free(rep);
	return r;
}

int
raw_hello(int sock, uint32_t major, uint32_t *ret_max_packet)
{
	return hello_with(sock, major, false, 0, ret_max_packet);
}

/* raw_connect and a hello of the current major, caps offered or not. */
static int
open_with(const char *path, bool has_caps, uint64_t caps)
{
	int	fd, r;

	if ((fd = raw_connect(path)) < 0)
		return fd;
	if ((r = hello_with(fd, MVIEW_PROTOCOL_MAJOR, has_caps, caps,
	    NULL)) < 0) {
		close(fd);
		return r;
	}
	return fd;
}

int
raw_open(const char *path)
{
	return open_with(path, false, 0);
}

int
raw_open_caps(const char *path, uint64_t caps)
{
	return open_with(path, true, caps);
}

int
raw_wait_closed(int sock, int timeout_ms)
{
	Mview__Reply	*rep;
	int		 r;

	for (;;) {
		r = raw_recv(sock, timeout_ms, &rep, NULL);
		if (r == -ECONNRESET)
			return 1;
		if (r < 0)
			return 0;
		wire_reply_free(rep);
	}
}
