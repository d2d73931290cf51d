/* SPDX-License-Identifier: MIT */
/* The notify socket without blocking: messages queued in order while the service manager does not read. */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "notify-queue.h"

struct notify_msg {
	TAILQ_ENTRY(notify_msg)	 entry;
	enum notify_kind	 kind;
	int			 fd;		/* STORE: our duplicate */
	char			*name;		/* STORE, STORE_REMOVE */
	char			*text;
};

static struct {
	int			 sock;
	struct event		*ev;
	TAILQ_HEAD(, notify_msg) q;
	size_t			 n;
	bool			 warned;
} nq = { .sock = -1, .q = TAILQ_HEAD_INITIALIZER(nq.q) };

int
notify_queue_open(void)
{
	const char		*e = getenv("NOTIFY_SOCKET");
	struct sockaddr_un	 sa = { .sun_family = AF_UNIX };
	size_t			 len;
	int			 fd;

	if (nq.sock >= 0)
		return 0;
	if (e == NULL || e[0] == '\0')
		return -ENOTCONN;
	if (e[0] != '/' && e[0] != '@')
		return -EAFNOSUPPORT;	/* vsock and the like: libsystemd's */
	if ((len = strlen(e)) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, e, len);
	if (e[0] == '@')
		sa.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	nq.sock = fd;
	return 0;
}

bool
notify_queue_is_open(void)
{
	return nq.sock >= 0;
}

/* One datagram without waiting: 0, -EAGAIN, or -errno. */
static int
notify_queue_sendmsg(const char *text, int fd)
{
	union {
		char		buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr	align;
	} ctl;
	struct iovec	 iov = { (void *)text, strlen(text) };
	struct msghdr	 mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr	*c;

	if (fd >= 0) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	for (;;) {
		if (sendmsg(nq.sock, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
			return 0;
		if (errno != EINTR)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
}

static void
notify_msg_free(struct notify_msg *m)
{
	if (m->fd >= 0)
		close(m->fd);
	free(m->name);
	free(m->text);
	free(m);
}

static void
notify_queue_drop(struct notify_msg *m)
{
	TAILQ_REMOVE(&nq.q, m, entry);
	nq.n--;
	notify_msg_free(m);
}

/* Send from the head until the socket is full again. */
static void
notify_queue_drain(void)
{
	struct notify_msg	*m;
	int			 r;

	while ((m = TAILQ_FIRST(&nq.q)) != NULL) {
		if ((r = notify_queue_sendmsg(m->text, m->fd)) == -EAGAIN)
			break;
		if (r < 0)
			log_warnx("notify: %s", strerror(-r));
		notify_queue_drop(m);
	}
	if (nq.ev != NULL && TAILQ_EMPTY(&nq.q))
		event_del(nq.ev);
	if (TAILQ_EMPTY(&nq.q) && nq.warned) {
		log_notice("notify: the service manager reads again; every "
		    "queued message is sent");
		nq.warned = false;
	}
}

static void
notify_queue_cb(evutil_socket_t fd, short what, void *arg)
{
	notify_queue_drain();
}

int
notify_queue_attach(struct event_base *base)
{
	if (nq.sock < 0 || nq.ev != NULL)
		return 0;
	nq.ev = event_new(base, nq.sock, EV_WRITE | EV_PERSIST,
	    notify_queue_cb, NULL);
	if (nq.ev == NULL)
		return -ENOMEM;
	if (!TAILQ_EMPTY(&nq.q))
		event_add(nq.ev, NULL);
	return 0;
}

/* A store of name that still waits: it never reaches the manager. */
static void
notify_queue_cancel(const char *name)
{
	struct notify_msg	*m, *next;

	for (m = TAILQ_FIRST(&nq.q); m != NULL; m = next) {
		next = TAILQ_NEXT(m, entry);
		if (m->kind == NOTIFY_STORE && strcmp(m->name, name) == 0)
			notify_queue_drop(m);
	}
}

static int
notify_queue_push(enum notify_kind kind, const char *text, int fd,
    const char *name)
{
	struct notify_msg	*m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return -ENOMEM;
	m->kind = kind;
	m->fd = -1;
	if ((m->text = strdup(text)) == NULL ||
	    (name != NULL && (m->name = strdup(name)) == NULL)) {
		notify_msg_free(m);
		return -ENOMEM;
	}
	if (fd >= 0 && (m->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3)) < 0) {
		int r = -errno;

		notify_msg_free(m);
		return r;
	}
	TAILQ_INSERT_TAIL(&nq.q, m, entry);
	nq.n++;
	if (!nq.warned) {
		log_warnx("notify: the service manager does not read its "
		    "socket; queueing (fd store changes wait, in order)");
		nq.warned = true;
	}
	if (nq.ev != NULL)
		event_add(nq.ev, NULL);
	return 0;
}

int
notify_queue_send(enum notify_kind kind, const char *text, int fd,
    const char *name)
{
	int	r;

	if (nq.sock < 0)
		return -ENOTCONN;
	if (kind == NOTIFY_STORE_REMOVE)
		notify_queue_cancel(name);
	if (TAILQ_EMPTY(&nq.q) &&
	    (r = notify_queue_sendmsg(text, kind == NOTIFY_STORE ? fd : -1)) !=
	    -EAGAIN)
		return r;
	if (nq.n >= NOTIFY_QUEUE_MAX && kind != NOTIFY_STORE_REMOVE)
		return -EAGAIN;
	return notify_queue_push(kind, text, kind == NOTIFY_STORE ? fd : -1,
	    name);
}

size_t
notify_queue_pending(void)
{
	return nq.n;
}

size_t
notify_queue_flush(int timeout_ms)
{
	struct pollfd	pfd = { .fd = nq.sock, .events = POLLOUT };
	size_t		left;

	while (!TAILQ_EMPTY(&nq.q) && poll(&pfd, 1, timeout_ms) > 0)
		notify_queue_drain();
	left = nq.n;
	while (!TAILQ_EMPTY(&nq.q))
		notify_queue_drop(TAILQ_FIRST(&nq.q));
	return left;
}

void
notify_queue_close(void)
{
	(void)notify_queue_flush(0);
	if (nq.ev != NULL)
		event_free(nq.ev);
	nq.ev = NULL;
	if (nq.sock >= 0)
		close(nq.sock);
	nq.sock = -1;
}
