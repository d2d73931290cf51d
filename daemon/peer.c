/* SPDX-License-Identifier: MIT */
/* One connected socket: receiving, the outbound queue, back-pressure, timeouts. */
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "limits.h"
#include "log.h"
#include "peer.h"
#include "wire.h"

#define PEER_LINGER_SEC		5	/* to send a last error before closing */
#define PEER_SNDBUF_SLACK	512	/* kernel overhead per packet */

static void	peer_read_cb(evutil_socket_t fd, short what, void *arg);
static void	peer_write_cb(evutil_socket_t fd, short what, void *arg);
static void	peer_linger_cb(evutil_socket_t fd, short what, void *arg);
static void	peer_idle_cb(evutil_socket_t fd, short what, void *arg);
static void	peer_stall_cb(evutil_socket_t fd, short what, void *arg);
static void	peer_closed_cb(evutil_socket_t fd, short what, void *arg);
static void	peer_update_read(struct peer *p);

/* The largest packet the socket can send: SO_SNDBUF bounds a datagram. */
static size_t
peer_max_reply(int fd, size_t max_packet)
{
	int		sndbuf = 0;
	socklen_t	len = sizeof(sndbuf);
	int		want = (int)(max_packet * 2 + 4096);

	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &len) == 0 &&
	    (size_t)sndbuf < max_packet + PEER_SNDBUF_SLACK)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want));
	len = sizeof(sndbuf);
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &len) < 0 ||
	    sndbuf <= 2 * PEER_SNDBUF_SLACK)
		return max_packet;
	if ((size_t)sndbuf - PEER_SNDBUF_SLACK < max_packet)
		return (size_t)sndbuf - PEER_SNDBUF_SLACK;
	return max_packet;
}

static int
peer_events_new(struct peer *p)
{
	struct event_base	*base = p->env->base;

	p->ev_read = event_new(base, p->fd, EV_READ | EV_PERSIST,
	    peer_read_cb, p);
	p->ev_write = event_new(base, p->fd, EV_WRITE | EV_PERSIST,
	    peer_write_cb, p);
	p->ev_linger = evtimer_new(base, peer_linger_cb, p);
	p->ev_idle = evtimer_new(base, peer_idle_cb, p);
	p->ev_stall = evtimer_new(base, peer_stall_cb, p);
	p->ev_closed = event_new(base, -1, 0, peer_closed_cb, p);
	if (p->ev_read == NULL || p->ev_write == NULL || p->ev_linger == NULL ||
	    p->ev_idle == NULL || p->ev_stall == NULL || p->ev_closed == NULL)
		return -ENOMEM;
	return 0;
}

static void
peer_events_free(struct peer *p)
{
	struct event	**evs[] = { &p->ev_read, &p->ev_write, &p->ev_linger,
	    &p->ev_idle, &p->ev_stall, &p->ev_closed };

	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
		if (*evs[i] != NULL)
			event_free(*evs[i]);
		*evs[i] = NULL;
	}
}

/* A connection must identify itself within idle-timeout seconds (0: no limit). */
static void
peer_idle_arm(struct peer *p)
{
	struct timeval	tv = { .tv_sec = (time_t)p->env->limits->idle_timeout };

	if (tv.tv_sec > 0)
		evtimer_add(p->ev_idle, &tv);
}

void
peer_keep(struct peer *p)
{
	evtimer_del(p->ev_idle);
}

/* The owner's log fields for this peer, around one message. */
static void
peer_log_context(const struct peer *p)
{
	if (p->cb.log_context != NULL)
		p->cb.log_context(p->cb.arg);
}

static void
peer_idle_cb(evutil_socket_t fd, short what, void *arg)
{
	struct peer	*p = arg;

	peer_log_context(p);
	log_info("%s: no hello within %llu s: closing", p->label,
	    (unsigned long long)p->env->limits->idle_timeout);
	peer_fail(p, "idle timeout");
	log_context_clear();
}

/* Bytes sent to the peer that it has not read yet (-1: unknown). */
static int
peer_socket_unread(const struct peer *p)
{
	int	n;

	return ioctl(p->fd, SIOCOUTQ, &n) == 0 ? n : -1;
}

static void
peer_stall_arm(struct peer *p)
{
	struct timeval	tv = { .tv_sec = (time_t)p->env->limits->stall_timeout };

	p->stall_outq = peer_socket_unread(p);
	evtimer_add(p->ev_stall, &tv);
}

/* Keep the stall timer running exactly while the reply queue is full. */
static void
peer_stall_update(struct peer *p, bool stalled)
{
	if (!stalled || p->env->limits->stall_timeout == 0)
		evtimer_del(p->ev_stall);
	else if (!evtimer_pending(p->ev_stall, NULL))
		peer_stall_arm(p);
}

/*
 * The queue has not moved for stall-timeout seconds. A peer still reading
 * from its socket (the kernel lets us write again only once most of it is
 * read) gets another period; one that read nothing is closed.
 */
static void
peer_stall_cb(evutil_socket_t fd, short what, void *arg)
{
	struct peer	*p = arg;
	int		 unread = peer_socket_unread(p);

	if (unread >= 0 && p->stall_outq >= 0 && unread < p->stall_outq) {
		peer_stall_arm(p);
		return;
	}
	peer_log_context(p);
	log_info("%s: %zu replies unread for %llu s: closing", p->label,
	    p->nreplies, (unsigned long long)p->env->limits->stall_timeout);
	peer_fail(p, "stall timeout");
	log_context_clear();
}

/* Replies waiting for the peer reached a limit: stop taking requests. */
static bool
peer_queue_full(const struct peer *p)
{
	const struct limits	*l = p->env->limits;

	return p->nreplies >= l->max_unread_replies ||
	    p->reply_bytes >= l->max_unread_bytes ||
	    p->reply_fds >= l->max_unread_fds;
}

int
peer_new(const struct peer_env *env, int fd, const struct peer_cb *cb,
    const char *label, struct peer **ret_peer)
{
	struct peer	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -ENOMEM;
	p->env = env;
	p->cb = *cb;
	p->fd = fd;
	snprintf(p->label, sizeof(p->label), "%s", label);
	STAILQ_INIT(&p->outq);
	if (peer_events_new(p) < 0) {
		p->fd = -1;	/* still the caller's */
		peer_free(p);
		return -ENOMEM;
	}
	p->max_reply = peer_max_reply(fd, env->limits->max_packet);
	peer_idle_arm(p);
	peer_update_read(p);
	*ret_peer = p;
	return 0;
}

void
peer_fail(struct peer *p, const char *why)
{
	if (p->dead)
		return;
	peer_log_context(p);
	log_debug("%s: closing: %s", p->label, why);
	p->dead = true;
	event_del(p->ev_read);
	event_del(p->ev_write);
	event_del(p->ev_linger);
	event_del(p->ev_idle);
	event_del(p->ev_stall);
	p->reading = false;
	event_active(p->ev_closed, EV_TIMEOUT, 0);
}

static void
peer_closed_cb(evutil_socket_t fd, short what, void *arg)
{
	struct peer	*p = arg;

	p->cb.closed(p->cb.arg);
}

/* Tell the owner how many fds its replies' queue keeps. */
static void
peer_tell_fds(struct peer *p, int64_t delta)
{
	if (delta != 0 && p->cb.reply_fds != NULL)
		p->cb.reply_fds(p->cb.arg, delta);
}

static void
peer_packet_free(struct packet *pk)
{
	wire_close_fds(pk->fds, pk->nfds);
	free(pk);
}

void
peer_free(struct peer *p)
{
	struct packet	*pk;

	if (p == NULL)
		return;
	peer_tell_fds(p, -(int64_t)p->reply_fds);
	p->reply_fds = 0;
	while ((pk = STAILQ_FIRST(&p->outq)) != NULL) {
		STAILQ_REMOVE_HEAD(&p->outq, entry);
		peer_packet_free(pk);
	}
	peer_events_free(p);
	if (p->fd >= 0)
		close(p->fd);
	free(p);
}

static void
peer_update_read(struct peer *p)
{
	bool	live = !p->dead && !p->closing;
	bool	full = peer_queue_full(p);
	bool	want = live && !full;

	peer_stall_update(p, live && full);
	if (want == p->reading)
		return;
	if (want)
		event_add(p->ev_read, NULL);
	else
		event_del(p->ev_read);
	p->reading = want;
}

void
peer_linger(struct peer *p)
{
	struct timeval	tv = { .tv_sec = PEER_LINGER_SEC };

	if (p->dead)
		return;
	p->closing = true;
	peer_update_read(p);
	if (STAILQ_EMPTY(&p->outq))
		peer_fail(p, "protocol error");
	else
		event_add(p->ev_linger, &tv);
}

static void
peer_linger_cb(evutil_socket_t fd, short what, void *arg)
{
	peer_fail(arg, "peer did not read its last replies");
}

/* Queue a copy of buf with dups of the fds. 0 or -ENOMEM/-ENFILE. */
static int
peer_enqueue(struct peer *p, const void *buf, size_t len, const int *fds,
    size_t nfds, bool event)
{
	size_t		 at = (len + sizeof(int) - 1) / sizeof(int) * sizeof(int);
	struct packet	*pk;

	if ((pk = malloc(sizeof(*pk) + at + nfds * sizeof(int))) == NULL)
		return -ENOMEM;
	pk->len = len;
	pk->event = event;
	pk->fds = (int *)(void *)(pk->buf + at);
	for (pk->nfds = 0; pk->nfds < nfds; pk->nfds++) {
		pk->fds[pk->nfds] = fcntl(fds[pk->nfds], F_DUPFD_CLOEXEC, 3);
		if (pk->fds[pk->nfds] < 0) {
			peer_packet_free(pk);
			return -ENFILE;
		}
	}
	memcpy(pk->buf, buf, len);
	STAILQ_INSERT_TAIL(&p->outq, pk, entry);
	if (event)
		p->nevents++;
	else {
		p->nreplies++;
		p->reply_bytes += len;
		p->reply_fds += pk->nfds;
		peer_tell_fds(p, (int64_t)pk->nfds);
	}
	event_add(p->ev_write, NULL);
	return 0;
}

/* Send now when nothing is queued, else queue. The fds are borrowed. */
static int
peer_send_packet(struct peer *p, const void *buf, size_t len, const int *fds,
    size_t nfds, bool event)
{
	int	r;

	if (p->dead)
		return -EPIPE;
	if (STAILQ_EMPTY(&p->outq)) {
		r = wire_send(p->fd, buf, len, fds, nfds);
		if (r == 0)
			return 0;
		if (r != -EAGAIN) {
			peer_fail(p, strerror(-r));
			return r;
		}
	}
	if (nfds > 0 && p->cb.reply_fds_check != NULL &&
	    (r = p->cb.reply_fds_check(p->cb.arg, nfds)) < 0)
		return r;
	if ((r = peer_enqueue(p, buf, len, fds, nfds, event)) < 0) {
		peer_fail(p, "cannot queue a reply");
		return r;
	}
	if (!event)
		peer_update_read(p);
	return 0;
}

int
peer_send(struct peer *p, const void *buf, size_t len, const int *fds,
    size_t nfds)
{
	return peer_send_packet(p, buf, len, fds, nfds, false);
}

void
peer_send_event(struct peer *p, const void *buf, size_t len)
{
	if (p->dead || p->closing || p->overflow)
		return;
	if (p->nevents >= p->env->limits->max_watch_events) {
		p->overflow = true;	/* owed once the queue drains */
		return;
	}
	peer_send_packet(p, buf, len, NULL, 0, true);
}

static void
peer_send_overflow(struct peer *p)
{
	void	*buf;
	size_t	 len;

	p->overflow = false;
	if (p->cb.overflow(p->cb.arg, &buf, &len) < 0) {
		peer_fail(p, "out of memory packing an event");
		return;
	}
	peer_send_packet(p, buf, len, NULL, 0, true);
	free(buf);
}

/* The head of the queue went out. */
static void
peer_dequeue(struct peer *p)
{
	struct packet	*pk = STAILQ_FIRST(&p->outq);

	STAILQ_REMOVE_HEAD(&p->outq, entry);
	if (pk->event)
		p->nevents--;
	else {
		p->nreplies--;
		p->reply_bytes -= pk->len;
		p->reply_fds -= pk->nfds;
		peer_tell_fds(p, -(int64_t)pk->nfds);
	}
	peer_packet_free(pk);
}

static void
peer_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct peer	*p = arg;
	struct packet	*pk;
	bool		 sent = false;
	int		 r;

	while ((pk = STAILQ_FIRST(&p->outq)) != NULL) {
		r = wire_send(p->fd, pk->buf, pk->len, pk->fds, pk->nfds);
		if (r == -EAGAIN) {
			/* Draining, however slowly, restarts the stall clock. */
			if (sent) {
				evtimer_del(p->ev_stall);
				peer_update_read(p);
			}
			return;
		}
		if (r < 0) {
			peer_fail(p, strerror(-r));
			return;
		}
		peer_dequeue(p);
		sent = true;
	}
	event_del(p->ev_write);
	if (p->closing) {
		peer_fail(p, "protocol error");
		return;
	}
	if (p->overflow)
		peer_send_overflow(p);
	peer_update_read(p);
}

/* One packet: 1 to go on reading, 0 to stop. */
static int
peer_read_one(struct peer *p)
{
	const struct peer_env	*env = p->env;
	int			 fds[WIRE_MAX_FDS];
	size_t			 nfds = 0;
	ssize_t			 n;

	n = wire_recv(p->fd, env->rbuf, env->rcap, fds, WIRE_MAX_FDS, &nfds);
	if (n == -EAGAIN)
		return 0;
	if (n == -EMSGSIZE) {
		p->cb.recv(p->cb.arg, NULL, 0, 0);
		return 1;
	}
	if (n <= 0) {
		if (n == 0)
			wire_close_fds(fds, nfds);
		peer_fail(p, n == 0 ? "closed by peer" : strerror((int)-n));
		return 0;
	}
	wire_close_fds(fds, nfds);	/* the daemon accepts none */
	p->cb.recv(p->cb.arg, env->rbuf, (size_t)n, nfds);
	return 1;
}

/*
 * One packet per wakeup: the read event is level-triggered, so a peer
 * with more queued is called again on the next loop turn, after the
 * others. A client waiting for each answer never has a second packet
 * queued, and reading until EAGAIN would cost it a system call per request.
 */
static void
peer_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct peer	*p = arg;

	if (!p->dead && p->reading && peer_read_one(p))
		peer_update_read(p);
}
