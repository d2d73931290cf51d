/* SPDX-License-Identifier: MIT */
/* Requests: send, match replies by id, queue events meanwhile, retry when safe. */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client-wire.h"
#include "util.h"

/* Milliseconds left until deadline (rounded up), -1 for none. */
int
client_remaining_ms(int64_t deadline)
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
client_poll(int fd, short events, int64_t deadline, bool eintr)
{
	struct pollfd	pfd = { .fd = fd, .events = events };
	int		r;

	for (;;) {
		r = poll(&pfd, 1, client_remaining_ms(deadline));
		if (r > 0)
			return 0;
		if (r == 0)
			return -ETIMEDOUT;
		if (errno != EINTR || eintr)
			return -errno;
	}
}

static bool
client_gone(int r)
{
	return r == -EPIPE || r == -ECONNRESET || r == -ENOTCONN ||
	    r == -ECONNREFUSED;
}

/* How much memory a packet of len bytes may unpack into. */
static size_t
client_unpack_cap(size_t len)
{
	return len * 128 + (64u << 10);
}

/*
 * The daemon refused us and hung up (e.g. EUSERS, too many connections)
 * before our request went out: its id-0 error may still wait unread.
 * Returns that -errno (keeping its message), or -ECONNRESET.
 */
static int
client_pending_refusal(struct mview_client *c)
{
	struct pollfd	 pfd = { .fd = c->fd, .events = POLLIN };
	Mview__Reply	*rep;
	int		 fds[WIRE_MAX_FDS];
	size_t		 nfds = 0;
	ssize_t		 n;
	int		 r = -ECONNRESET;

	while (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN)) {
		n = wire_recv_flags(c->fd, MSG_DONTWAIT, c->rbuf, c->rcap, fds,
		    WIRE_MAX_FDS, &nfds);
		if (n <= 0)
			break;
		wire_close_fds(fds, nfds);
		rep = wire_reply_unpack(c->rbuf, (size_t)n,
		    client_unpack_cap((size_t)n));
		if (rep != NULL && rep->id == 0 && rep->has_error &&
		    rep->error > 0 && rep->error < 4096) {
			r = -rep->error;
			client_set_error(c, "%s", rep->message ? rep->message : "");
		}
		wire_reply_free(rep);
	}
	return r;
}

/* Pack and send, waiting for room by the deadline. */
static int
client_send(struct mview_client *c, const Mview__Request *req,
    int64_t deadline)
{
	void	*buf;
	size_t	 len;
	int	 r;

	if ((r = wire_request_pack(req, c->max_packet, &buf, &len)) < 0)
		return r;
	while ((r = wire_send_flags(c->fd, MSG_DONTWAIT, buf, len, NULL,
	    0)) == -EAGAIN) {
		if ((r = client_poll(c->fd, POLLOUT, deadline, false)) < 0)
			break;
	}
	free(buf);
	if (client_gone(r)) {
		r = client_pending_refusal(c);
		client_disconnect(c);
		return r;
	}
	return r;
}

/*
 * Whether a blocking recvmsg, bounded by the socket's SO_RCVTIMEO (the
 * request timeout less CLIENT_RCVTIMEO_SLACK_MS), ends by the deadline:
 * only when the request has used less than a millisecond of it so far,
 * never for timeouts too short to leave that slack, and never for event
 * waits (their own timeout, and a signal must interrupt them). poll()
 * waits out what is left.
 */
static bool
client_may_block(const struct mview_client *c, int64_t deadline, bool eintr)
{
	if (eintr || (c->timeout_ms >= 0 &&
	    c->timeout_ms <= 2 * CLIENT_RCVTIMEO_SLACK_MS))
		return false;
	if (c->timeout_ms < 0)
		return deadline < 0;
	return deadline >= 0 && deadline - util_now_monotonic_ns() >=
	    ((int64_t)c->timeout_ms - 1) * 1000000;
}

/* One packet: a blocking recvmsg when that keeps the deadline (one system
 * call per reply), else poll and a non-blocking one. */
static ssize_t
client_recv_packet(struct mview_client *c, int64_t deadline, bool eintr,
    bool *may_block, int *fds, size_t *ret_nfds)
{
	ssize_t	n;
	int	r;

	if (*may_block) {
		*may_block = false;	/* once per wait: SO_RCVTIMEO restarts */
		n = wire_recv_flags(c->fd, 0, c->rbuf, c->rcap, fds,
		    WIRE_MAX_FDS, ret_nfds);
		if (n != -EAGAIN && n != -EINTR)
			return n;
	}
	if ((r = client_poll(c->fd, POLLIN, deadline, eintr)) < 0)
		return r;
	return wire_recv_flags(c->fd, MSG_DONTWAIT, c->rbuf, c->rcap, fds,
	    WIRE_MAX_FDS, ret_nfds);
}

int
client_recv(struct mview_client *c, int64_t deadline_ns, bool eintr,
    Mview__Reply **ret_reply, int *fds, size_t *ret_nfds)
{
	Mview__Reply	*rep;
	ssize_t		 n;
	size_t		 nfds = 0;
	bool		 may_block = client_may_block(c, deadline_ns, eintr);

	for (;;) {
		if (c->fd < 0)
			return -ECONNRESET;
		n = client_recv_packet(c, deadline_ns, eintr, &may_block, fds,
		    &nfds);
		if (n == -EAGAIN || (n == -EINTR && !eintr))
			continue;
		if (n == -ETIMEDOUT || n == -EINTR)
			return (int)n;
		if (n == 0 || client_gone((int)n)) {
			client_disconnect(c);
			return -ECONNRESET;
		}
		if (n < 0)
			return n == -EMSGSIZE ? -EPROTO : (int)n;
		break;
	}
	rep = wire_reply_unpack(c->rbuf, (size_t)n, client_unpack_cap((size_t)n));
	if (rep == NULL) {
		wire_close_fds(fds, nfds);
		return -EPROTO;
	}
	*ret_reply = rep;
	*ret_nfds = nfds;
	return 0;
}

/*
 * Wait for the reply to id, queueing events and dropping stale replies.
 * An unsolicited error (id 0, e.g. "too many connections") is kept: when
 * the daemon then hangs up, it is the answer.
 */
static int
client_wait(struct mview_client *c, uint64_t id, int64_t deadline,
    Mview__Reply **ret_reply, int *fds, size_t *ret_nfds)
{
	Mview__Reply	*rep;
	size_t		 nfds;
	int		 r, unsolicited = 0;

	for (;;) {
		for (size_t i = 0; i < WIRE_MAX_FDS; i++)
			fds[i] = -1;
		r = client_recv(c, deadline, false, &rep, fds, &nfds);
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
			events_queue(c, rep->event);
		else if (rep->id == 0 && rep->has_error && rep->error > 0) {
			unsolicited = rep->error < 4096 ? -rep->error : -EPROTO;
			client_set_error(c, "%s", rep->message ? rep->message : "");
		}
		wire_close_fds(fds, nfds);
		wire_reply_free(rep);
	}
}

/* One send and wait on the current connection; *ret_sent tells whether
 * the daemon may have seen the request. */
static int
client_transact(struct mview_client *c, Mview__Request *req,
    Mview__Reply **ret_reply, int *fds, size_t *ret_nfds, bool *ret_sent)
{
	int64_t	deadline = client_deadline(c->timeout_ms);
	int	r;

	req->id = c->next_id++;
	if (c->next_id == 0)
		c->next_id = 1;
	*ret_sent = false;
	if ((r = client_send(c, req, deadline)) < 0)
		return r;
	*ret_sent = true;
	return client_wait(c, req->id, deadline, ret_reply, fds, ret_nfds);
}

/* The daemon's error in rep as -errno (0 when none), keeping its message. */
static int
client_reply_error(struct mview_client *c, const Mview__Reply *rep,
    unsigned flags)
{
	int	err;

	if (!rep->has_error || rep->error == 0)
		return 0;
	err = rep->error > 0 && rep->error < 4096 ? rep->error : EPROTO;
	if (!(flags & CLIENT_CALL_QUIET))
		client_set_error(c, "%s", rep->message != NULL ? rep->message : "");
	return -err;
}

/* Send and wait, reconnecting first when needed and once more when safe. */
static int
client_exchange(struct mview_client *c, Mview__Request *req, unsigned flags,
    Mview__Reply **ret_reply, int *fds, size_t *ret_nfds)
{
	bool	may_reconnect = !(flags & CLIENT_CALL_NO_RECONNECT) &&
		    !(c->flags & MVIEW_CONNECT_NO_RECONNECT);
	bool	sent;
	int	r = -ECONNRESET;

	for (int attempt = 0; attempt < 2; attempt++) {
		if (c->fd < 0) {
			if (!may_reconnect)
				return -ECONNRESET;
			/* No daemon to reconnect to is "gone", not "no such name". */
			if ((r = client_reconnect(c)) < 0)
				return r == -ENOENT || r == -ECONNREFUSED ?
				    -ECONNRESET : r;
		}
		r = client_transact(c, req, ret_reply, fds, ret_nfds, &sent);
		if (r != -ECONNRESET || (sent && !(flags & CLIENT_CALL_RETRY)))
			break;
	}
	return r;
}

int
client_call(struct mview_client *c, Mview__Request *req, unsigned flags,
    Mview__Reply **ret_reply, int *ret_fd)
{
	Mview__Reply	*rep;
	int		 fds[WIRE_MAX_FDS];
	size_t		 nfds = 0;
	char		 saved[CLIENT_ERRMSG_MAX];
	int		 r;

	if (flags & CLIENT_CALL_QUIET)
		memcpy(saved, c->errmsg, sizeof(saved));
	c->errmsg[0] = '\0';
	r = client_exchange(c, req, flags, &rep, fds, &nfds);
	if (r >= 0 && (r = client_reply_error(c, rep, flags)) < 0) {
		wire_close_fds(fds, nfds);
		wire_reply_free(rep);
	}
	if (flags & CLIENT_CALL_QUIET)
		memcpy(c->errmsg, saved, sizeof(saved));
	if (r < 0)
		return r;
	if (nfds > 0 && ret_fd != NULL) {
		*ret_fd = fds[0];
		fds[0] = -1;
	} else if (ret_fd != NULL)
		*ret_fd = -1;
	wire_close_fds(fds, nfds);
	if (ret_reply != NULL)
		*ret_reply = rep;
	else
		wire_reply_free(rep);
	return 0;
}

int
client_call_reply(struct mview_client *c, Mview__Request *req, unsigned flags,
    Mview__Reply__BodyCase body, Mview__Reply **ret_reply, int *ret_fd)
{
	Mview__Reply	*rep;
	int		 fd = -1, r;

	r = client_call(c, req, flags, &rep, ret_fd != NULL ? &fd : NULL);
	if (r < 0)
		return r;
	if (rep->body_case != body) {
		if (fd >= 0)
			close(fd);
		wire_reply_free(rep);
		return -EPROTO;
	}
	if (ret_fd != NULL)
		*ret_fd = fd;
	*ret_reply = rep;
	return 0;
}
