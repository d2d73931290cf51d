/* SPDX-License-Identifier: MIT */
/* One client connection: receiving, the outbound queue, back-pressure, teardown. */
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "dispatch.h"
#include "log.h"
#include "server.h"
#include "session.h"
#include "watch.h"
#include "wire.h"

#define SESSION_LINGER_SEC	5	/* to send a last error before closing */
#define SESSION_SNDBUF_SLACK	512	/* kernel overhead per packet */

static void	session_read_cb(evutil_socket_t fd, short what, void *arg);
static void	session_write_cb(evutil_socket_t fd, short what, void *arg);
static void	session_linger_cb(evutil_socket_t fd, short what, void *arg);
static void	session_idle_cb(evutil_socket_t fd, short what, void *arg);
static void	session_stall_cb(evutil_socket_t fd, short what, void *arg);

/* The largest packet the socket can send: SO_SNDBUF bounds a datagram. */
static size_t
session_max_reply(int fd, size_t max_packet)
{
	int		sndbuf = 0;
	socklen_t	len = sizeof(sndbuf);
	int		want = (int)(max_packet * 2 + 4096);

	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &len) == 0 &&
	    (size_t)sndbuf < max_packet + SESSION_SNDBUF_SLACK)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want));
	len = sizeof(sndbuf);
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &len) < 0 ||
	    sndbuf <= 2 * SESSION_SNDBUF_SLACK)
		return max_packet;
	if ((size_t)sndbuf - SESSION_SNDBUF_SLACK < max_packet)
		return (size_t)sndbuf - SESSION_SNDBUF_SLACK;
	return max_packet;
}

static int
session_events_new(struct session *s)
{
	struct event_base	*base = s->srv->base;

	s->ev_read = event_new(base, s->fd, EV_READ | EV_PERSIST,
	    session_read_cb, s);
	s->ev_write = event_new(base, s->fd, EV_WRITE | EV_PERSIST,
	    session_write_cb, s);
	s->ev_linger = evtimer_new(base, session_linger_cb, s);
	s->ev_idle = evtimer_new(base, session_idle_cb, s);
	s->ev_stall = evtimer_new(base, session_stall_cb, s);
	if (s->ev_read == NULL || s->ev_write == NULL || s->ev_linger == NULL ||
	    s->ev_idle == NULL || s->ev_stall == NULL)
		return -ENOMEM;
	return 0;
}

static void
session_events_free(struct session *s)
{
	struct event	**evs[] = { &s->ev_read, &s->ev_write, &s->ev_linger,
	    &s->ev_idle, &s->ev_stall };

	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
		if (*evs[i] != NULL)
			event_free(*evs[i]);
		*evs[i] = NULL;
	}
}

/* A connection must say hello within idle-timeout seconds (0: no limit). */
static void
session_idle_arm(struct session *s)
{
	struct timeval	tv = { .tv_sec = (time_t)s->srv->limits.idle_timeout };

	if (tv.tv_sec > 0)
		evtimer_add(s->ev_idle, &tv);
}

void
session_hello_done(struct session *s)
{
	evtimer_del(s->ev_idle);
}

static void
session_idle_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session	*s = arg;

	log_info("session %llu (pid %ld uid %u): no hello within %llu s: "
	    "closing", (unsigned long long)s->id, (long)s->cred.pid,
	    (unsigned)s->cred.uid,
	    (unsigned long long)s->srv->limits.idle_timeout);
	session_fail(s, "idle timeout");
}

/* Bytes sent to the peer that it has not read yet (-1: unknown). */
static int
session_socket_unread(const struct session *s)
{
	int	n;

	return ioctl(s->fd, SIOCOUTQ, &n) == 0 ? n : -1;
}

static void
session_stall_arm(struct session *s)
{
	struct timeval	tv = { .tv_sec = (time_t)s->srv->limits.stall_timeout };

	s->stall_outq = session_socket_unread(s);
	evtimer_add(s->ev_stall, &tv);
}

/* Keep the stall timer running exactly while the reply queue is full. */
static void
session_stall_update(struct session *s, bool stalled)
{
	if (!stalled || s->srv->limits.stall_timeout == 0)
		evtimer_del(s->ev_stall);
	else if (!evtimer_pending(s->ev_stall, NULL))
		session_stall_arm(s);
}

/*
 * The queue has not moved for stall-timeout seconds. A peer still reading
 * from its socket (the kernel lets us write again only once most of it is
 * read) gets another period; one that read nothing is closed.
 */
static void
session_stall_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session	*s = arg;
	int		 unread = session_socket_unread(s);

	if (unread >= 0 && s->stall_outq >= 0 && unread < s->stall_outq) {
		session_stall_arm(s);
		return;
	}
	log_info("session %llu (pid %ld uid %u): %zu replies unread for "
	    "%llu s: closing", (unsigned long long)s->id, (long)s->cred.pid,
	    (unsigned)s->cred.uid, s->nreplies,
	    (unsigned long long)s->srv->limits.stall_timeout);
	session_fail(s, "stall timeout");
}

/* Replies waiting for the peer reached a limit: stop taking requests. */
static bool
session_queue_full(const struct session *s)
{
	const struct limits	*l = &s->srv->limits;

	return s->nreplies >= l->max_unread_replies ||
	    s->reply_bytes >= l->max_unread_bytes ||
	    s->reply_fds >= l->max_unread_fds;
}

int
session_new(struct server *srv, int fd, struct cred *cred,
    struct session **ret_session)
{
	struct session	*s;
	int		 r;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -ENOMEM;
	s->srv = srv;
	s->fd = fd;
	STAILQ_INIT(&s->outq);
	LIST_INIT(&s->watches);
	if ((r = registry_holder_init(&s->holder)) < 0)
		goto fail;
	if ((r = session_events_new(s)) < 0)
		goto fail;
	s->id = ++srv->next_session_id;
	s->cred = *cred;
	memset(cred, 0, sizeof(*cred));
	s->max_reply = session_max_reply(fd, srv->limits.max_packet);
	TAILQ_INSERT_TAIL(&srv->sessions, s, entry);
	srv->nsessions++;
	session_idle_arm(s);
	session_update_read(s);
	*ret_session = s;
	return 0;

fail:
	session_events_free(s);
	hash_fini(&s->holder.attached);
	free(s);
	return r;
}

void
session_fail(struct session *s, const char *why)
{
	struct server	*srv = s->srv;

	if (s->dead)
		return;
	log_debug("session %llu (pid %ld uid %u): closing: %s",
	    (unsigned long long)s->id, (long)s->cred.pid, (unsigned)s->cred.uid,
	    why);
	s->dead = true;
	event_del(s->ev_read);
	event_del(s->ev_write);
	event_del(s->ev_linger);
	event_del(s->ev_idle);
	event_del(s->ev_stall);
	s->reading = false;
	TAILQ_REMOVE(&srv->sessions, s, entry);
	TAILQ_INSERT_TAIL(&srv->graveyard, s, entry);
	server_schedule_reap(srv);
}

static void
session_packet_free(struct packet *p)
{
	if (p->fd >= 0)
		close(p->fd);
	free(p);
}

void
session_destroy(struct session *s)
{
	struct server	*srv = s->srv;
	struct packet	*p;

	if (s->dead)
		TAILQ_REMOVE(&srv->graveyard, s, entry);
	else
		TAILQ_REMOVE(&srv->sessions, s, entry);
	s->dead = true;
	srv->nsessions--;
	watch_clear(s);
	/* Events this sends go to other sessions only: s is dead. */
	registry_holder_release(&srv->reg, &s->holder);
	registry_conn_del(&srv->reg, s->cred.uid);
	while ((p = STAILQ_FIRST(&s->outq)) != NULL) {
		STAILQ_REMOVE_HEAD(&s->outq, entry);
		session_packet_free(p);
	}
	session_events_free(s);
	if (s->fd >= 0)
		close(s->fd);
	perm_cred_clear(&s->cred);
	free(s);
}

void
session_update_read(struct session *s)
{
	bool	live = !s->dead && !s->closing;
	bool	full = session_queue_full(s);
	bool	want = live && !full;

	session_stall_update(s, live && full);
	if (want == s->reading)
		return;
	if (want)
		event_add(s->ev_read, NULL);
	else
		event_del(s->ev_read);
	s->reading = want;
}

void
session_linger(struct session *s)
{
	struct timeval	tv = { .tv_sec = SESSION_LINGER_SEC };

	if (s->dead)
		return;
	s->closing = true;
	session_update_read(s);
	if (STAILQ_EMPTY(&s->outq))
		session_fail(s, "protocol error");
	else
		event_add(s->ev_linger, &tv);
}

static void
session_linger_cb(evutil_socket_t fd, short what, void *arg)
{
	session_fail(arg, "peer did not read its last replies");
}

/* Queue a copy of buf with a dup of fd. 0 or -ENOMEM/-ENFILE. */
static int
session_enqueue(struct session *s, const void *buf, size_t len, int fd,
    bool event)
{
	struct packet	*p;

	if ((p = malloc(sizeof(*p) + len)) == NULL)
		return -ENOMEM;
	p->len = len;
	p->event = event;
	p->fd = -1;
	if (fd >= 0 && (p->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3)) < 0) {
		free(p);
		return -ENFILE;
	}
	memcpy(p->buf, buf, len);
	STAILQ_INSERT_TAIL(&s->outq, p, entry);
	if (event)
		s->nevents++;
	else {
		s->nreplies++;
		s->reply_bytes += len;
		s->reply_fds += p->fd >= 0;
	}
	event_add(s->ev_write, NULL);
	return 0;
}

/* Send now when nothing is queued, else queue. fd is borrowed. */
static int
session_send_packet(struct session *s, const void *buf, size_t len, int fd,
    bool event)
{
	int	r;

	if (s->dead)
		return -EPIPE;
	if (STAILQ_EMPTY(&s->outq)) {
		r = wire_send(s->fd, buf, len, fd >= 0 ? &fd : NULL, fd >= 0);
		if (r == 0)
			return 0;
		if (r != -EAGAIN) {
			session_fail(s, strerror(-r));
			return r;
		}
	}
	if ((r = session_enqueue(s, buf, len, fd, event)) < 0) {
		session_fail(s, "cannot queue a reply");
		return r;
	}
	if (!event)
		session_update_read(s);
	return 0;
}

int
session_send_reply(struct session *s, const Mview__Reply *rep, int fd)
{
	void	*buf;
	size_t	 len;
	int	 r;

	r = wire_reply_pack(rep, s->max_reply, &buf, &len);
	if (r < 0) {
		if (fd >= 0)
			close(fd);
		if (r == -EMSGSIZE)
			return session_send_error(s, rep->id, EMSGSIZE,
			    "the reply would exceed the packet limit");
		session_fail(s, "out of memory packing a reply");
		return r;
	}
	r = session_send_packet(s, buf, len, fd, false);
	free(buf);
	if (fd >= 0)
		close(fd);
	return r;
}

int
session_send_error(struct session *s, uint64_t id, int err, const char *msg)
{
	Mview__Reply	rep = MVIEW__REPLY__INIT;

	rep.id = id;
	rep.has_error = true;
	rep.error = err;
	rep.message = (char *)msg;
	return session_send_reply(s, &rep, -1);
}

void
session_send_event(struct session *s, const void *buf, size_t len)
{
	if (s->dead || s->closing || s->overflow)
		return;
	if (s->nevents >= s->srv->limits.max_watch_events) {
		s->overflow = true;	/* owed once the queue drains */
		return;
	}
	session_send_packet(s, buf, len, -1, true);
}

static void
session_send_overflow(struct session *s)
{
	void	*buf;
	size_t	 len;

	s->overflow = false;
	if (watch_pack_overflow(&buf, &len) < 0) {
		session_fail(s, "out of memory packing an event");
		return;
	}
	session_send_packet(s, buf, len, -1, true);
	free(buf);
}

/* The head of the queue went out. */
static void
session_dequeue(struct session *s)
{
	struct packet	*p = STAILQ_FIRST(&s->outq);

	STAILQ_REMOVE_HEAD(&s->outq, entry);
	if (p->event)
		s->nevents--;
	else {
		s->nreplies--;
		s->reply_bytes -= p->len;
		s->reply_fds -= p->fd >= 0;
	}
	session_packet_free(p);
}

static void
session_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session	*s = arg;
	struct packet	*p;
	bool		 sent = false;
	int		 r;

	while ((p = STAILQ_FIRST(&s->outq)) != NULL) {
		r = wire_send(s->fd, p->buf, p->len, p->fd >= 0 ? &p->fd : NULL,
		    p->fd >= 0);
		if (r == -EAGAIN) {
			/* Draining, however slowly, restarts the stall clock. */
			if (sent) {
				evtimer_del(s->ev_stall);
				session_update_read(s);
			}
			return;
		}
		if (r < 0) {
			session_fail(s, strerror(-r));
			return;
		}
		session_dequeue(s);
		sent = true;
	}
	event_del(s->ev_write);
	if (s->closing) {
		session_fail(s, "protocol error");
		return;
	}
	if (s->overflow)
		session_send_overflow(s);
	session_update_read(s);
}

/* One packet: 1 to go on reading, 0 to stop. */
static int
session_read_one(struct session *s)
{
	struct server	*srv = s->srv;
	int		 fds[WIRE_MAX_FDS];
	size_t		 nfds = 0;
	ssize_t		 n;

	n = wire_recv(s->fd, srv->rbuf, srv->rcap, fds, WIRE_MAX_FDS, &nfds);
	if (n == -EAGAIN)
		return 0;
	if (n == -EMSGSIZE) {
		session_send_error(s, 0, EMSGSIZE, "packet over the packet limit "
		    "(or with too many file descriptors): dropped");
		return 1;
	}
	if (n <= 0) {
		if (n == 0)
			wire_close_fds(fds, nfds);
		session_fail(s, n == 0 ? "closed by peer" : strerror((int)-n));
		return 0;
	}
	wire_close_fds(fds, nfds);	/* the daemon accepts none */
	dispatch_packet(s, srv->rbuf, (size_t)n, nfds);
	return 1;
}

/*
 * One packet per wakeup: the read event is level-triggered, so a session
 * with more queued is called again on the next loop turn, after the
 * others. A client waiting for each answer never has a second packet
 * queued, and reading until EAGAIN would cost it a system call per request.
 */
static void
session_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session	*s = arg;

	if (!s->dead && s->reading && session_read_one(s))
		session_update_read(s);
}
