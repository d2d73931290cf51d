/* SPDX-License-Identifier: MIT */
/* The listening socket: binding it safely, accepting under fd pressure, admission. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "access.h"
#include "errmsg.h"
#include "listener.h"
#include "log.h"
#include "wire.h"

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS	59
#endif

#define LISTENER_BACKLOG	128
#define LISTENER_BATCH		16	/* accepts per wakeup */
#define LISTENER_PAUSE_MS	200	/* after EMFILE/ENFILE */
#define LISTENER_MAX_GROUPS	65536
#define LISTENER_DRAIN_MAX	16	/* packets read from a refused client */
#define LISTENER_REFUSALS	32	/* refused clients held open at once */
#define LISTENER_REFUSAL_MS	1000	/* for at most this long */

static int
listener_sockaddr(const char *path, struct sockaddr_un *sun, struct errmsg *e)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return errmsg_set(e, -ENAMETOOLONG, "socket path %s is longer "
		    "than %zu bytes", path, sizeof(sun->sun_path) - 1);
	strcpy(sun->sun_path, path);
	return 0;
}

/* The parent directory, made 0755 when missing (one level). */
static int
listener_make_dir(const char *path, struct errmsg *e)
{
	char	buf[PATH_MAX], *dir;

	if (strlen(path) >= sizeof(buf))
		return errmsg_set(e, -ENAMETOOLONG, "socket path too long");
	strcpy(buf, path);
	dir = dirname(buf);
	if (mkdir(dir, 0755) == 0) {
		log_info("created %s", dir);
		return 0;
	}
	if (errno == EEXIST)
		return 0;
	return errmsg_set(e, -errno, "mkdir %s: %s", dir, strerror(errno));
}

/* 0 when path is free (a stale socket is removed), else -errno. */
static int
listener_check_stale(const struct sockaddr_un *sun, struct errmsg *e)
{
	const char	*path = sun->sun_path;
	struct stat	 st;
	int		 fd, r;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : errmsg_set(e, -errno, "%s: %s",
		    path, strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		return errmsg_set(e, -EEXIST, "%s exists and is not a socket: "
		    "not replacing it", path);
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) < 0)
		return errmsg_set(e, -errno, "socket: %s", strerror(errno));
	r = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	r = r == 0 ? 0 : errno;
	close(fd);
	if (r != ECONNREFUSED)
		return errmsg_set(e, -EADDRINUSE, "%s is in use (%s): is "
		    "another mviewd running?", path, r ? strerror(r) : "it "
		    "accepts connections");
	if (unlink(path) < 0 && errno != ENOENT)
		return errmsg_set(e, -errno, "removing stale %s: %s", path,
		    strerror(errno));
	log_info("removed stale socket %s", path);
	return 0;
}

/* Bound with a tight umask, then opened up to the configured mode. */
static int
listener_bind_fd(int fd, const struct sockaddr_un *sun,
    const struct listen_config *cfg, struct errmsg *e)
{
	mode_t	old = umask(0177);
	int	r = bind(fd, (const struct sockaddr *)sun, sizeof(*sun));

	umask(old);
	if (r < 0)
		return errmsg_set(e, -errno, "bind %s: %s", cfg->path,
		    strerror(errno));
	if (cfg->gid != (gid_t)-1 && chown(cfg->path, (uid_t)-1, cfg->gid) < 0)
		r = errmsg_set(e, -errno, "chown %s to gid %u: %s", cfg->path,
		    (unsigned)cfg->gid, strerror(errno));
	else if (chmod(cfg->path, cfg->mode) < 0)
		r = errmsg_set(e, -errno, "chmod %s: %s", cfg->path,
		    strerror(errno));
	else if (listen(fd, LISTENER_BACKLOG) < 0)
		r = errmsg_set(e, -errno, "listen: %s", strerror(errno));
	if (r < 0)
		unlink(cfg->path);	/* ours: bind made it */
	return r;
}

int
listener_bind(const struct listen_config *cfg, struct errmsg *e, int *ret_fd)
{
	struct sockaddr_un	sun;
	int			fd, r;

	if ((r = listener_sockaddr(cfg->path, &sun, e)) < 0)
		return r;
	if ((r = listener_make_dir(cfg->path, e)) < 0)
		return r;
	if ((r = listener_check_stale(&sun, e)) < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errmsg_set(e, -errno, "socket: %s", strerror(errno));
	if ((r = listener_bind_fd(fd, &sun, cfg, e)) < 0) {
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

/* SO_PEERCRED and SO_PEERGROUPS (none on kernels without it). */
static int
listener_peer_cred(int fd, struct cred *c)
{
	struct ucred	uc;
	socklen_t	len = sizeof(uc);
	gid_t		*g;
	int		 err = EINVAL;

	memset(c, 0, sizeof(*c));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0)
		return -errno;
	c->pid = uc.pid;
	c->uid = uc.uid;
	c->gid = uc.gid;
	len = 64 * sizeof(gid_t);
	for (int tries = 0; tries < 2; tries++) {
		if ((g = malloc(len)) == NULL)
			return -ENOMEM;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) == 0) {
			c->groups = g;
			c->ngroups = len / sizeof(gid_t);
			return 0;
		}
		err = errno;
		free(g);
		if (err != ERANGE || len > LISTENER_MAX_GROUPS * sizeof(gid_t))
			break;
	}
	return err == ENOPROTOOPT ? 0 : -err;
}

/* Discard what a client sent (its hello); fds with it go with MSG_CTRUNC. */
static void
listener_drain(int fd)
{
	char	buf[64];

	for (int i = 0; i < LISTENER_DRAIN_MAX; i++)
		if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC) <= 0)
			break;
}

/*
 * Close a refused connection without resetting it: a socket closed with
 * unread packets makes the peer read ECONNRESET instead of our refusal.
 * So stop the client sending, drain what it sent, then close.
 */
static void
listener_close_refused(int fd)
{
	shutdown(fd, SHUT_RD);
	listener_drain(fd);
	close(fd);
}

static void
listener_refusal_free(struct refusal *rf)
{
	LIST_REMOVE(rf, entry);
	rf->l->nrefusals--;
	event_free(rf->ev);
	listener_close_refused(rf->fd);
	free(rf);
}

/* The client sent its hello (or took too long): it has the refusal. */
static void
listener_refusal_cb(evutil_socket_t fd, short what, void *arg)
{
	listener_refusal_free(arg);
}

/*
 * Hold fd until the client has sent something, so that its hello does not
 * hit a closed socket (EPIPE) before it reads why. Bounded in number and
 * time; past the bound the connection is closed at once.
 */
static void
listener_hold_refused(struct listener *l, int fd)
{
	struct timeval	 tv = { 0, LISTENER_REFUSAL_MS * 1000 };
	struct refusal	*rf;

	if (l->nrefusals >= LISTENER_REFUSALS ||
	    (rf = calloc(1, sizeof(*rf))) == NULL) {
		listener_close_refused(fd);
		return;
	}
	rf->l = l;
	rf->fd = fd;
	if ((rf->ev = event_new(l->base, fd, EV_READ,
	    listener_refusal_cb, rf)) == NULL ||
	    event_add(rf->ev, &tv) < 0) {
		if (rf->ev != NULL)
			event_free(rf->ev);
		free(rf);
		listener_close_refused(fd);
		return;
	}
	LIST_INSERT_HEAD(&l->refusals, rf, entry);
	l->nrefusals++;
}

/* Tell a refused client why (best effort: it may not be reading); fd is ours. */
static void
listener_refuse(struct listener *l, int fd, int err, const char *msg)
{
	Mview__Reply	 rep = MVIEW__REPLY__INIT;
	void		*buf;
	size_t		 len;

	rep.has_error = true;
	rep.error = err;
	rep.message = (char *)msg;
	if (wire_reply_pack(&rep, WIRE_PACKET_MAX_HARD, &buf, &len) == 0) {
		wire_send(fd, buf, len, NULL, 0);
		free(buf);
	}
	listener_hold_refused(l, fd);
}

static void
listener_admit(struct listener *l, int fd)
{
	struct errmsg	 e = { "" };
	struct cred	 c;
	int		 r;

	if ((r = listener_peer_cred(fd, &c)) < 0) {
		log_warnx("accept: no peer credentials: %s", strerror(-r));
		close(fd);
		return;
	}
	if ((r = l->admit(l->arg, fd, &c, &e)) == 0)
		return;
	access_cred_clear(&c);
	if (e.text[0] != '\0')
		listener_refuse(l, fd, -r, e.text);
	else
		close(fd);
}

/* Out of fds: shed waiting clients through the reserve fd's slot, then rest. */
static void
listener_pause(struct listener *l, int err)
{
	struct timeval	tv = { 0, LISTENER_PAUSE_MS * 1000 };
	int		fd;

	if (!l->starved)
		log_warnx("accept: %s: shedding new connections", strerror(err));
	l->starved = true;
	if (l->reserve_fd >= 0) {
		close(l->reserve_fd);
		l->reserve_fd = -1;
	}
	for (int i = 0; i < LISTENER_BATCH; i++) {
		if ((fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			break;
		close(fd);	/* the client sees EOF now, not a hang */
	}
	event_del(l->ev_accept);
	event_add(l->ev_resume, &tv);
}

static void
listener_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct listener	*l = arg;
	struct timeval	 tv = { 0, LISTENER_PAUSE_MS * 1000 };

	if (l->reserve_fd < 0 &&
	    (l->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
		event_add(l->ev_resume, &tv);
		return;
	}
	event_add(l->ev_accept, NULL);
}

static void
listener_accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct listener	*l = arg;
	int		 fd;

	for (int i = 0; i < LISTENER_BATCH; i++) {
		fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			if (l->starved)
				log_notice("accepting connections again");
			l->starved = false;
			listener_admit(l, fd);
			continue;
		}
		if (errno == EMFILE || errno == ENFILE)
			listener_pause(l, errno);
		else if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("accept");
		return;
	}
}

int
listener_new(struct event_base *base, int fd, const char *path,
    listener_admit_fn *admit, void *arg, struct listener **ret_listener)
{
	struct listener	*l;
	struct stat	 st;
	int		 flags;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return -ENOMEM;
	l->base = base;
	l->admit = admit;
	l->arg = arg;
	l->fd = fd;
	LIST_INIT(&l->refusals);
	l->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (path != NULL && stat(path, &st) == 0) {
		l->path = strdup(path);
		l->dev = st.st_dev;
		l->ino = st.st_ino;
	}
	/* An inherited socket may be blocking: accept must never block. */
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		goto fail;
	l->ev_accept = event_new(base, fd, EV_READ | EV_PERSIST,
	    listener_accept_cb, l);
	l->ev_resume = evtimer_new(base, listener_resume_cb, l);
	if (l->reserve_fd < 0 || l->ev_accept == NULL || l->ev_resume == NULL ||
	    (path != NULL && l->path == NULL) ||
	    event_add(l->ev_accept, NULL) < 0)
		goto fail;
	*ret_listener = l;
	return 0;

fail:
	l->fd = -1;	/* still the caller's */
	listener_free(l);
	return -ENOMEM;
}

void
listener_free(struct listener *l)
{
	struct stat	st;

	if (l == NULL)
		return;
	if (l->ev_accept != NULL)
		event_free(l->ev_accept);
	if (l->ev_resume != NULL)
		event_free(l->ev_resume);
	while (!LIST_EMPTY(&l->refusals))
		listener_refusal_free(LIST_FIRST(&l->refusals));
	/* Unlink only the socket we made, not a successor's. */
	if (l->path != NULL && stat(l->path, &st) == 0 &&
	    st.st_dev == l->dev && st.st_ino == l->ino)
		unlink(l->path);
	free(l->path);
	if (l->reserve_fd >= 0)
		close(l->reserve_fd);
	if (l->fd >= 0)
		close(l->fd);
	free(l);
}
