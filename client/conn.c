/* SPDX-License-Identifier: MIT */
/* The connection to mviewd: socket, hello, one request/reply exchange. */
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

#include "conn.h"
#include "mview.h"
#include "util.h"

#define CONN_CAPABILITIES	(MVIEW_CAP_WATCH | MVIEW_CAP_PAGING | \
	    MVIEW_CAP_HUGETLB | MVIEW_CAP_RESUME)

void
conn_set_error(struct client_conn *conn, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(conn->errmsg, sizeof(conn->errmsg), fmt, ap);
	va_end(ap);
}

int64_t
conn_deadline(int timeout_ms)
{
	if (timeout_ms < 0)
		return -1;
	return util_now_monotonic_ns() + (int64_t)timeout_ms * 1000000;
}

/* Milliseconds left until deadline (rounded up), -1 for none. */
static int
conn_remaining_ms(int64_t deadline)
{
	int64_t	left;

	if (deadline < 0)
		return -1;
	left = deadline - util_now_monotonic_ns();
	if (left <= 0)
		return 0;
	left = (left + 999999) / 1000000;
	return left > 0x7fffffff ? 0x7fffffff : (int)left;
}

/* Wait for events on fd by the deadline: -ETIMEDOUT, or -EINTR with eintr. */
static int
conn_poll(int fd, short events, int64_t deadline, bool eintr)
{
	struct pollfd	pfd = { .fd = fd, .events = events };
	int		r;

	for (;;) {
		r = poll(&pfd, 1, conn_remaining_ms(deadline));
		if (r > 0)
			return 0;
		if (r == 0)
			return -ETIMEDOUT;
		if (errno != EINTR || eintr)
			return -errno;
	}
}

static bool
conn_gone(int r)
{
	return r == -EPIPE || r == -ECONNRESET || r == -ENOTCONN ||
	    r == -ECONNREFUSED;
}

/* How much memory a packet of len bytes may unpack into. */
static size_t
conn_unpack_cap(size_t len)
{
	return len * 128 + (64u << 10);
}

void
conn_init(struct client_conn *conn,
    void (*event_cb)(const Mview__Event *, void *), void *arg)
{
	memset(conn, 0, sizeof(*conn));
	conn->fd = -1;
	conn->timeout_ms = CONN_TIMEOUT_MS;
	conn->next_id = 1;
	conn->max_packet = WIRE_PACKET_DEFAULT;
	conn->event_cb = event_cb;
	conn->cb_arg = arg;
}

void
conn_close(struct client_conn *conn)
{
	if (conn->fd >= 0)
		close(conn->fd);
	conn->fd = -1;
}

void
conn_free(struct client_conn *conn)
{
	conn_close(conn);
	free(conn->rbuf);
	conn->rbuf = NULL;
	conn->rcap = 0;
}

/*
 * Bound a blocking receive on fd by timeout_ms (< 0: none): the reply to a
 * request is then awaited by recvmsg alone, without a poll first. The
 * kernel counts SO_RCVTIMEO in ticks, so it is set a little short and
 * poll() finishes the wait exactly (conn_recv()); timeouts too short
 * for that never block in recvmsg (conn_may_block()).
 */
static int
conn_socket_timeout(int fd, int timeout_ms)
{
	struct timeval	tv = { 0, 0 };
	int		ms = timeout_ms - CONN_RCVTIMEO_SLACK_MS;

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

int
conn_set_timeout(struct client_conn *conn, int timeout_ms)
{
	int	r;

	timeout_ms = timeout_ms < 0 ? -1 : timeout_ms;
	/* The socket first: conn_may_block() trusts the two to agree. */
	if (conn->fd >= 0 &&
	    (r = conn_socket_timeout(conn->fd, timeout_ms)) < 0)
		return r;
	conn->timeout_ms = timeout_ms;
	return 0;
}

/*
 * Against the hard cap, not the daemon's max-name: a reload may lower
 * that below names that exist, which must stay reachable; the daemon
 * judges new names itself.
 */
int
conn_check_name(struct client_conn *conn, const char *name)
{
	int	r = util_check_name(name, MVIEW_NAME_MAX);

	if (r == -ENAMETOOLONG)
		conn_set_error(conn, "name longer than %d bytes",
		    MVIEW_NAME_MAX);
	else if (r < 0)
		conn_set_error(conn, "invalid name: names are printable "
		    "ASCII without spaces, not starting with '/'");
	return r;
}

/*
 * A SOCK_SEQPACKET connection; a full backlog is retried. The socket is
 * left blocking, with SO_RCVTIMEO: sends pass MSG_DONTWAIT, and only the
 * wait for a reply blocks (see conn_recv()).
 */
static int
conn_open_socket(const char *path, int64_t deadline, int *ret_fd)
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
		if (r == -EAGAIN && conn_remaining_ms(deadline) != 0) {
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

/* Size the receive buffer for packets of up to len bytes. */
static int
conn_size_rbuf(struct client_conn *conn, size_t len)
{
	void	*p;

	if (len < WIRE_PACKET_DEFAULT)
		len = WIRE_PACKET_DEFAULT;
	if (len > WIRE_PACKET_MAX_HARD)
		len = WIRE_PACKET_MAX_HARD;
	if (conn->rbuf != NULL && conn->rcap == len)
		return 0;
	if ((p = realloc(conn->rbuf, len)) == NULL)
		return -ENOMEM;
	conn->rbuf = p;
	conn->rcap = len;
	return 0;
}

/*
 * The daemon refused us and hung up (e.g. EUSERS, too many connections)
 * before our request went out: its id-0 error may still wait unread.
 * Returns that -errno (keeping its message), or -ECONNRESET.
 */
static int
conn_pending_refusal(struct client_conn *conn)
{
	struct pollfd	 pfd = { .fd = conn->fd, .events = POLLIN };
	Mview__Reply	*rep;
	int		 fds[WIRE_MAX_FDS];
	size_t		 nfds = 0;
	ssize_t		 n;
	int		 r = -ECONNRESET;

	while (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN)) {
		n = wire_recv_flags(conn->fd, MSG_DONTWAIT, conn->rbuf,
		    conn->rcap, fds, WIRE_MAX_FDS, &nfds, NULL);
		if (n <= 0)
			break;
		wire_close_fds(fds, nfds);
		rep = wire_reply_unpack(conn->rbuf, (size_t)n,
		    conn_unpack_cap((size_t)n));
		if (rep != NULL && rep->id == 0 && rep->has_error &&
		    rep->error > 0 && rep->error < 4096) {
			r = -rep->error;
			conn_set_error(conn, "%s", rep->message ? rep->message : "");
		}
		wire_reply_free(rep);
	}
	return r;
}

/* Pack and send, waiting for room by the deadline. */
static int
conn_send(struct client_conn *conn, const Mview__Request *req,
    int64_t deadline)
{
	void	*buf;
	size_t	 len;
	int	 r;

	if ((r = wire_request_pack(req, conn->max_packet, &buf, &len)) < 0)
		return r;
	while ((r = wire_send_flags(conn->fd, MSG_DONTWAIT, buf, len, NULL,
	    0)) == -EAGAIN) {
		if ((r = conn_poll(conn->fd, POLLOUT, deadline, false)) < 0)
			break;
	}
	free(buf);
	if (conn_gone(r)) {
		r = conn_pending_refusal(conn);
		conn_close(conn);
		return r;
	}
	return r;
}

/*
 * Whether a blocking recvmsg, bounded by the socket's SO_RCVTIMEO (the
 * request timeout less CONN_RCVTIMEO_SLACK_MS), ends by the deadline:
 * only when the request has used less than a millisecond of it so far,
 * never for timeouts too short to leave that slack, and never for event
 * waits (their own timeout, and a signal must interrupt them). poll()
 * waits out what is left.
 */
static bool
conn_may_block(const struct client_conn *conn, int64_t deadline, bool eintr)
{
	if (eintr || (conn->timeout_ms >= 0 &&
	    conn->timeout_ms <= 2 * CONN_RCVTIMEO_SLACK_MS))
		return false;
	if (conn->timeout_ms < 0)
		return deadline < 0;
	return deadline >= 0 && deadline - util_now_monotonic_ns() >=
	    ((int64_t)conn->timeout_ms - 1) * 1000000;
}

/* One packet: a blocking recvmsg when that keeps the deadline (one system
 * call per reply), else poll and a non-blocking one. */
static ssize_t
conn_recv_packet(struct client_conn *conn, int64_t deadline, bool eintr,
    bool *may_block, int *fds, size_t *ret_nfds)
{
	ssize_t	n;
	int	r;

	if (*may_block) {
		*may_block = false;	/* once per wait: SO_RCVTIMEO restarts */
		n = wire_recv_flags(conn->fd, 0, conn->rbuf, conn->rcap, fds,
		    WIRE_MAX_FDS, ret_nfds, &conn->fds_lost);
		if (n != -EAGAIN && n != -EINTR)
			return n;
	}
	if ((r = conn_poll(conn->fd, POLLIN, deadline, eintr)) < 0)
		return r;
	return wire_recv_flags(conn->fd, MSG_DONTWAIT, conn->rbuf, conn->rcap,
	    fds, WIRE_MAX_FDS, ret_nfds, &conn->fds_lost);
}

/* A forked child shares its parent's socket: it must not speak on it. */
static int
conn_check_owner(struct client_conn *conn)
{
	if (conn->fd < 0 || conn->pid == getpid())
		return 0;
	conn_set_error(conn, "this connection to mviewd was opened by process "
	    "%ld: after fork() connect again", (long)conn->pid);
	return -EBADFD;
}

int
conn_recv(struct client_conn *conn, int64_t deadline, bool eintr,
    Mview__Reply **ret_reply, int *fds, size_t *ret_nfds)
{
	Mview__Reply	*rep;
	ssize_t		 n;
	size_t		 nfds = 0;
	bool		 may_block = conn_may_block(conn, deadline, eintr);

	if ((n = conn_check_owner(conn)) < 0)
		return (int)n;
	conn->fds_lost = false;
	for (;;) {
		if (conn->fd < 0)
			return -ECONNRESET;
		n = conn_recv_packet(conn, deadline, eintr, &may_block, fds,
		    &nfds);
		if (n == -EAGAIN || (n == -EINTR && !eintr))
			continue;
		if (n == -ETIMEDOUT || n == -EINTR)
			return (int)n;
		if (n == 0 || conn_gone((int)n)) {
			conn_close(conn);
			return -ECONNRESET;
		}
		if (n < 0)
			return n == -EMSGSIZE ? -EPROTO : (int)n;
		break;
	}
	rep = wire_reply_unpack(conn->rbuf, (size_t)n,
	    conn_unpack_cap((size_t)n));
	if (rep == NULL) {
		wire_close_fds(fds, nfds);
		return -EPROTO;
	}
	*ret_reply = rep;
	*ret_nfds = nfds;
	return 0;
}

/*
 * Wait for the reply to id, handing events on and dropping stale replies.
 * An unsolicited error (id 0, e.g. "too many connections") is kept: when
 * the daemon then hangs up, it is the answer.
 */
static int
conn_wait(struct client_conn *conn, uint64_t id, int64_t deadline,
    Mview__Reply **ret_reply, int *fds, size_t *ret_nfds)
{
	Mview__Reply	*rep;
	size_t		 nfds;
	int		 r, unsolicited = 0;

	for (;;) {
		for (size_t i = 0; i < WIRE_MAX_FDS; i++)
			fds[i] = -1;
		r = conn_recv(conn, deadline, false, &rep, fds, &nfds);
		if (r == -ECONNRESET && unsolicited < 0)
			return unsolicited;
		if (r < 0)
			return r;
		if (rep->id == id) {
			*ret_reply = rep;
			*ret_nfds = nfds;
			return 0;
		}
		if (rep->id == 0 && rep->body_case == MVIEW__REPLY__BODY_EVENT)
			conn->event_cb(rep->event, conn->cb_arg);
		else if (rep->id == 0 && rep->has_error && rep->error > 0) {
			unsolicited = rep->error < 4096 ? -rep->error : -EPROTO;
			conn_set_error(conn, "%s", rep->message ? rep->message : "");
		}
		wire_close_fds(fds, nfds);
		wire_reply_free(rep);
	}
}

/* Send and wait on the open connection; *ret_sent tells whether the
 * daemon may have seen the request. */
static int
conn_transact(struct client_conn *conn, Mview__Request *req,
    Mview__Reply **ret_reply, int *fds, size_t *ret_nfds, bool *ret_sent)
{
	int64_t	deadline = conn_deadline(conn->timeout_ms);
	int	r;

	if (conn->fd < 0)
		return -ECONNRESET;
	req->id = conn->next_id++;
	if (conn->next_id == 0)
		conn->next_id = 1;
	if ((r = conn_send(conn, req, deadline)) < 0)
		return r;
	*ret_sent = true;
	return conn_wait(conn, req->id, deadline, ret_reply, fds, ret_nfds);
}

/* The daemon's error in rep as -errno (0 when none), keeping its message;
 * a reply of another body than asked for is -EPROTO, one whose fds the
 * kernel could not give us -EMFILE. */
static int
conn_reply_error(struct client_conn *conn, const Mview__Reply *rep,
    Mview__Reply__BodyCase body)
{
	int	err;

	if ((!rep->has_error || rep->error == 0) && conn->fds_lost) {
		conn_set_error(conn, "the descriptor mviewd attached to its "
		    "reply could not be received: this process has no free "
		    "file descriptor (RLIMIT_NOFILE reached)");
		return -EMFILE;
	}
	if (!rep->has_error || rep->error == 0)
		return body == MVIEW__REPLY__BODY__NOT_SET ||
		    rep->body_case == body ? 0 : -EPROTO;
	err = rep->error > 0 && rep->error < 4096 ? rep->error : EPROTO;
	conn_set_error(conn, "%s", rep->message != NULL ? rep->message : "");
	return -err;
}

/* The request's kind as the protocol names it ("segment_create"). */
static const char *
conn_request_name(const Mview__Request *req)
{
	const ProtobufCFieldDescriptor	*f;

	f = protobuf_c_message_descriptor_get_field(&mview__request__descriptor,
	    (unsigned)req->body_case);
	return f != NULL ? f->name : "a request";
}

int
conn_call_fds(struct client_conn *conn, Mview__Request *req, unsigned flags,
    Mview__Reply__BodyCase body, Mview__Reply **ret_reply,
    int fds[WIRE_MAX_FDS], size_t *ret_nfds, bool *ret_sent)
{
	Mview__Reply	*rep;
	size_t		 nfds = 0;
	char		 saved[CONN_ERRMSG_MAX];
	bool		 sent = false;
	int		 r;

	if (flags & CONN_QUIET)
		memcpy(saved, conn->errmsg, sizeof(saved));
	conn->errmsg[0] = '\0';
	if ((r = conn_check_owner(conn)) == 0)
		r = conn_transact(conn, req, &rep, fds, &nfds, &sent);
	if (r == -ETIMEDOUT)
		conn_set_error(conn, "no reply to %s from mviewd within %d ms",
		    conn_request_name(req), conn->timeout_ms);
	if (r >= 0 && (r = conn_reply_error(conn, rep, body)) < 0) {
		wire_close_fds(fds, nfds);
		if (r == -EMFILE && conn->fds_lost &&
		    (flags & CONN_LOST_FDS_REPLY) && ret_reply != NULL)
			*ret_reply = rep;	/* the caller undoes what it did */
		else
			wire_reply_free(rep);
	}
	if (flags & CONN_QUIET)
		memcpy(conn->errmsg, saved, sizeof(saved));
	if (ret_sent != NULL)
		*ret_sent = sent;
	if (r < 0)
		return r;
	*ret_nfds = nfds;
	if (ret_reply != NULL)
		*ret_reply = rep;
	else
		wire_reply_free(rep);
	return 0;
}

int
conn_call(struct client_conn *conn, Mview__Request *req, unsigned flags,
    Mview__Reply__BodyCase body, Mview__Reply **ret_reply, int *ret_fd,
    bool *ret_sent)
{
	int	fds[WIRE_MAX_FDS];
	size_t	nfds = 0;
	int	r;

	r = conn_call_fds(conn, req, flags, body, ret_reply, fds, &nfds,
	    ret_sent);
	if (r < 0)
		return r;
	if (ret_fd != NULL) {
		*ret_fd = nfds > 0 ? fds[0] : -1;
		if (nfds > 0)
			fds[0] = -1;
	}
	wire_close_fds(fds, nfds);
	return 0;
}

/* Take the limits the daemon announced in its HelloReply. */
static int
conn_hello_apply(struct client_conn *conn, const Mview__HelloReply *h)
{
	if (h->version_major != MVIEW_PROTOCOL_MAJOR) {
		conn_set_error(conn, "mviewd speaks protocol %u.%u, this library %u.%u",
		    h->version_major, h->has_version_minor ? h->version_minor : 0,
		    MVIEW_PROTOCOL_MAJOR, MVIEW_PROTOCOL_MINOR);
		return -EPROTONOSUPPORT;
	}
	conn->max_packet = WIRE_PACKET_DEFAULT;
	if (h->has_max_packet && h->max_packet >= 512)
		conn->max_packet = h->max_packet < WIRE_PACKET_MAX_HARD ?
		    h->max_packet : WIRE_PACKET_MAX_HARD;
	conn->max_name = MVIEW_NAME_MAX;
	if (h->has_max_name && h->max_name > 0 && h->max_name < MVIEW_NAME_MAX)
		conn->max_name = h->max_name;
	return conn_size_rbuf(conn, conn->max_packet);
}

static int
conn_hello(struct client_conn *conn)
{
	Mview__Request	 req = MVIEW__REQUEST__INIT;
	Mview__Hello	 hello = MVIEW__HELLO__INIT;
	Mview__Reply	*rep;
	int		 r;

	hello.version_major = MVIEW_PROTOCOL_MAJOR;
	hello.has_version_minor = true;
	hello.version_minor = MVIEW_PROTOCOL_MINOR;
	hello.has_capabilities = true;
	hello.capabilities = CONN_CAPABILITIES;
	hello.client_name = program_invocation_short_name;
	req.body_case = MVIEW__REQUEST__BODY_HELLO;
	req.hello = &hello;
	r = conn_call(conn, &req, 0, MVIEW__REPLY__BODY_HELLO, &rep, NULL, NULL);
	if (r == -ETIMEDOUT)
		conn_set_error(conn, "no answer to the hello within %d ms: is "
		    "mviewd stopped, or is this not mviewd's socket?",
		    conn->timeout_ms);
	if (r == -EPROTONOSUPPORT && conn->errmsg[0] == '\0')
		conn_set_error(conn, "mviewd refused protocol %u.%u",
		    MVIEW_PROTOCOL_MAJOR, MVIEW_PROTOCOL_MINOR);
	if (r < 0)
		return r;
	r = conn_hello_apply(conn, rep->hello);
	wire_reply_free(rep);
	return r;
}

int
conn_open(struct client_conn *conn, const char *path)
{
	int	fd = -1, r;

	conn_close(conn);
	r = conn_open_socket(path, conn_deadline(conn->timeout_ms), &fd);
	if (r >= 0 && (r = conn_socket_timeout(fd, conn->timeout_ms)) < 0)
		close(fd);
	if (r == -ETIMEDOUT) {
		conn_set_error(conn, "cannot connect to %s within %d ms: its "
		    "queue of connections stayed full", path, conn->timeout_ms);
		return r;
	}
	if (r < 0) {
		conn_set_error(conn, "cannot connect to %s: %s", path,
		    mview_strerror(r));
		return r;
	}
	conn->fd = fd;
	conn->pid = getpid();
	conn->max_packet = WIRE_PACKET_DEFAULT;
	if ((r = conn_size_rbuf(conn, conn->max_packet)) < 0 ||
	    (r = conn_hello(conn)) < 0) {
		if (r == -ETIMEDOUT) {
			char	why[CONN_ERRMSG_MAX];

			memcpy(why, conn->errmsg, sizeof(why));
			conn_set_error(conn, "%s: %s", path, why);
		}
		conn_close(conn);
		return r;
	}
	return 0;
}
