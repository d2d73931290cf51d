/* SPDX-License-Identifier: MIT */
/* The client handle: socket path, connect, hello and reconnect. */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client-wire.h"
#include "util.h"

#define CLIENT_CONNECT_FLAGS	MVIEW_CONNECT_NO_RECONNECT
#define CLIENT_CAPABILITIES	(MVIEW_CAP_WATCH | MVIEW_CAP_PAGING | MVIEW_CAP_HUGETLB)

void
client_set_error(struct mview_client *c, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(c->errmsg, sizeof(c->errmsg), fmt, ap);
	va_end(ap);
}

int64_t
client_deadline(int timeout_ms)
{
	if (timeout_ms < 0)
		return -1;
	return util_now_monotonic_ns() + (int64_t)timeout_ms * 1000000;
}

int
client_resolve_path(const char *arg, char **ret_path)
{
	const char	*env;
	char		*p;

	if (arg != NULL && arg[0] == '\0')
		return -EINVAL;
	if (arg == NULL && (env = secure_getenv("MVIEW_SOCKET")) != NULL &&
	    env[0] != '\0')
		arg = env;
	if (arg == NULL && geteuid() != 0 &&
	    (env = secure_getenv("XDG_RUNTIME_DIR")) != NULL && env[0] == '/') {
		if (asprintf(&p, MVIEW_SOCKET_USER_FMT, env) < 0)
			return -ENOMEM;
		if (access(p, F_OK) == 0) {
			*ret_path = p;
			return 0;
		}
		free(p);
	}
	if (arg == NULL)
		arg = MVIEW_SOCKET_SYSTEM;
	if ((p = strdup(arg)) == NULL)
		return -ENOMEM;
	*ret_path = p;
	return 0;
}

/*
 * Bound a blocking receive on fd by timeout_ms (< 0: none): the reply to a
 * request is then awaited by recvmsg alone, without a poll first. The
 * kernel counts SO_RCVTIMEO in ticks, so it is set a little short and
 * poll() finishes the wait exactly (client_recv()); timeouts too short
 * for that never block in recvmsg (client_may_block()).
 */
static int
client_socket_timeout(int fd, int timeout_ms)
{
	struct timeval	tv = { 0, 0 };
	int		ms = timeout_ms - CLIENT_RCVTIMEO_SLACK_MS;

	if (timeout_ms >= 0 && ms < 1)
		ms = 1;		/* unused: those waits poll */
	if (timeout_ms >= 0) {
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return -errno;
	return 0;
}

/*
 * A SOCK_SEQPACKET connection; a full backlog is retried. The socket is
 * left blocking, with SO_RCVTIMEO: sends pass MSG_DONTWAIT, and only the
 * wait for a reply blocks (see client_recv()).
 */
static int
client_open_socket(const char *path, int64_t deadline, int *ret_fd)
{
	struct sockaddr_un	sa = { .sun_family = AF_UNIX };
	size_t			len = strlen(path);
	int			fd, r;

	if (len >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, len + 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		if (r == -EAGAIN && client_remaining_ms(deadline) != 0) {
			poll(NULL, 0, 10);
			continue;
		}
		if (r == -EAGAIN)
			r = -ETIMEDOUT;
		close(fd);
		return r;
	}
	if (fcntl(fd, F_SETFL, O_RDWR) < 0) {	/* clears O_NONBLOCK */
		r = -errno;
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

void
client_disconnect(struct mview_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* Size the receive buffer for packets of up to len bytes. */
static int
client_size_rbuf(struct mview_client *c, size_t len)
{
	void	*p;

	if (len < WIRE_PACKET_DEFAULT)
		len = WIRE_PACKET_DEFAULT;
	if (len > WIRE_PACKET_MAX_HARD)
		len = WIRE_PACKET_MAX_HARD;
	if (c->rbuf != NULL && c->rcap == len)
		return 0;
	if ((p = realloc(c->rbuf, len)) == NULL)
		return -ENOMEM;
	c->rbuf = p;
	c->rcap = len;
	return 0;
}

/* Take the limits the daemon announced in its HelloReply. */
static int
client_hello_apply(struct mview_client *c, const Mview__HelloReply *h)
{
	if (h->version_major != MVIEW_PROTOCOL_MAJOR) {
		client_set_error(c, "mviewd speaks protocol %u.%u, this library %u.%u",
		    h->version_major, h->has_version_minor ? h->version_minor : 0,
		    MVIEW_PROTOCOL_MAJOR, MVIEW_PROTOCOL_MINOR);
		return -EPROTONOSUPPORT;
	}
	c->max_packet = WIRE_PACKET_DEFAULT;
	if (h->has_max_packet && h->max_packet >= 512)
		c->max_packet = h->max_packet < WIRE_PACKET_MAX_HARD ?
		    h->max_packet : WIRE_PACKET_MAX_HARD;
	c->max_name = MVIEW_NAME_MAX;
	if (h->has_max_name && h->max_name > 0 && h->max_name < MVIEW_NAME_MAX)
		c->max_name = h->max_name;
	return client_size_rbuf(c, c->max_packet);
}

static int
client_hello(struct mview_client *c)
{
	Mview__Request	 req = MVIEW__REQUEST__INIT;
	Mview__Hello	 hello = MVIEW__HELLO__INIT;
	Mview__Reply	*rep;
	int		 r;

	hello.version_major = MVIEW_PROTOCOL_MAJOR;
	hello.has_version_minor = true;
	hello.version_minor = MVIEW_PROTOCOL_MINOR;
	hello.has_capabilities = true;
	hello.capabilities = CLIENT_CAPABILITIES;
	hello.client_name = program_invocation_short_name;
	req.body_case = MVIEW__REQUEST__BODY_HELLO;
	req.hello = &hello;
	r = client_call_reply(c, &req, CLIENT_CALL_NO_RECONNECT,
	    MVIEW__REPLY__BODY_HELLO, &rep, NULL);
	if (r == -EPROTONOSUPPORT && c->errmsg[0] == '\0')
		client_set_error(c, "mviewd refused protocol %u.%u",
		    MVIEW_PROTOCOL_MAJOR, MVIEW_PROTOCOL_MINOR);
	if (r < 0)
		return r;
	r = client_hello_apply(c, rep->hello);
	wire_reply_free(rep);
	return r;
}

/* (Re)connect to c->path: socket, hello, then the watches and the
 * attachments of cached mappings again. */
int
client_reconnect(struct mview_client *c)
{
	int	fd = -1, r;

	client_disconnect(c);
	r = client_open_socket(c->path, client_deadline(c->timeout_ms), &fd);
	if (r >= 0 && (r = client_socket_timeout(fd, c->timeout_ms)) < 0)
		close(fd);
	if (r < 0) {
		client_set_error(c, "cannot connect to %s: %s", c->path,
		    mview_strerror(r));
		return r;
	}
	c->fd = fd;
	c->gen++;
	c->max_packet = WIRE_PACKET_DEFAULT;
	if ((r = client_size_rbuf(c, c->max_packet)) < 0 ||
	    (r = client_hello(c)) < 0 || (r = events_rewatch(c)) < 0 ||
	    (r = mapping_cache_reattach(c)) < 0) {
		client_disconnect(c);
		return r;
	}
	return 0;
}

int
client_check_name(struct mview_client *c, const char *name)
{
	return util_check_name(name, c->max_name > 0 ? c->max_name : MVIEW_NAME_MAX);
}

MVIEW_EXPORT int
mview_client_connect_full(const char *path, unsigned flags,
    struct mview_client **ret_client, char *errbuf, size_t errlen)
{
	struct mview_client	*c;
	int			 r;

	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	if (ret_client == NULL || (flags & ~CLIENT_CONNECT_FLAGS))
		return -EINVAL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -ENOMEM;
	c->fd = -1;
	c->flags = flags;
	c->next_id = 1;
	c->timeout_ms = CLIENT_TIMEOUT_MS;
	c->max_packet = WIRE_PACKET_DEFAULT;
	c->ev_tail = &c->ev_head;
	if ((r = client_resolve_path(path, &c->path)) < 0 ||
	    (r = client_reconnect(c)) < 0) {
		if (errbuf != NULL && errlen > 0)
			snprintf(errbuf, errlen, "%s", c->errmsg);
		mview_client_close(c);
		return r;
	}
	*ret_client = c;
	return 0;
}

MVIEW_EXPORT int
mview_client_connect_flags(const char *path, unsigned flags,
    struct mview_client **ret_client)
{
	return mview_client_connect_full(path, flags, ret_client, NULL, 0);
}

MVIEW_EXPORT int
mview_client_connect(const char *path, struct mview_client **ret_client)
{
	return mview_client_connect_full(path, 0, ret_client, NULL, 0);
}

MVIEW_EXPORT void
mview_client_close(struct mview_client *c)
{
	if (c == NULL)
		return;
	mapping_cache_detach(c);
	client_disconnect(c);
	events_free(c);
	free(c->rbuf);
	free(c->path);
	free(c);
}

MVIEW_EXPORT const char *
mview_client_last_error(const struct mview_client *c)
{
	return c != NULL ? c->errmsg : "";
}

MVIEW_EXPORT int
mview_client_fd(const struct mview_client *c)
{
	return c != NULL ? c->fd : -1;
}

MVIEW_EXPORT const char *
mview_client_path(const struct mview_client *c)
{
	return c != NULL ? c->path : NULL;
}

MVIEW_EXPORT int
mview_client_set_timeout(struct mview_client *c, int timeout_ms)
{
	int	r;

	if (c == NULL)
		return -EINVAL;
	timeout_ms = timeout_ms < 0 ? -1 : timeout_ms;
	/* The socket first: client_may_block() trusts the two to agree. */
	if (c->fd >= 0 && (r = client_socket_timeout(c->fd, timeout_ms)) < 0)
		return r;
	c->timeout_ms = timeout_ms;
	return 0;
}
