/* SPDX-License-Identifier: MIT */
/* Clients: accepted connections become sessions served by dispatch, and go away. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "access.h"
#include "clients.h"
#include "dispatch.h"
#include "errmsg.h"
#include "listener.h"
#include "log.h"
#include "peer.h"
#include "server.h"
#include "session.h"
#include "watch.h"

/*
 * The one place that knows every layer: the listener admits, the peer
 * carries packets, dispatch answers them, watches hear the registry. Each
 * of those calls only down, or up through the callbacks set here.
 */

static void
clients_recv_cb(void *arg, const void *buf, size_t len, size_t nfds)
{
	dispatch_packet(arg, buf, len, nfds);
}

static int
clients_overflow_cb(void *arg, void **ret_buf, size_t *ret_len)
{
	return watch_pack_overflow(ret_buf, ret_len);
}

static void
clients_log_context_cb(void *arg)
{
	const struct session	*s = arg;

	log_context_session(s->id, (long)s->cred.pid, (unsigned)s->cred.uid);
}

void
clients_remove(struct session *s)
{
	struct server	*srv = s->srv;
	uid_t		 uid = s->cred.uid;

	watch_clear(s);
	/* Events the release sends go to other sessions only: s is dead or
	 * nobody is told at all (stop). */
	session_free(s);
	registry_conn_del(&srv->reg, uid);
}

static void
clients_closed_cb(void *arg)
{
	clients_remove(arg);
}

/* The fds queued for s count in its uid's budget (max-fds-per-uid). */
static void
clients_reply_fds_cb(void *arg, int64_t delta)
{
	struct session	*s = arg;

	registry_fds_charge(&s->srv->reg, s->cred.uid, delta);
}

static int
clients_reply_fds_check_cb(void *arg, size_t nfds)
{
	struct session	*s = arg;
	struct usage	 mine = registry_uid_usage(&s->srv->reg, s->cred.uid);

	return limits_check_fds(&s->srv->limits, &mine, nfds, NULL);
}

/* A session for c on fd, its peer wired to dispatch. 0 or -ENOMEM. */
static int
clients_session_new(struct server *srv, int fd, struct cred *c,
    struct session **ret_session)
{
	struct peer_cb	 cb = {
		.recv = clients_recv_cb, .closed = clients_closed_cb,
		.overflow = clients_overflow_cb,
		.log_context = clients_log_context_cb,
		.reply_fds = clients_reply_fds_cb,
		.reply_fds_check = clients_reply_fds_check_cb,
	};
	struct session	*s;
	char		 label[80];
	int		 r;

	if ((r = session_new(srv, c, &s)) < 0)
		return r;
	cb.arg = s;
	snprintf(label, sizeof(label), "session %llu (pid %ld uid %u)",
	    (unsigned long long)s->id, (long)s->cred.pid,
	    (unsigned)s->cred.uid);
	if ((r = peer_new(&srv->env, fd, &cb, label, &s->peer)) < 0) {
		*c = s->cred;	/* the caller's again */
		memset(&s->cred, 0, sizeof(s->cred));
		session_free(s);
		return r;
	}
	*ret_session = s;
	return 0;
}

int
clients_add(struct server *srv, int fd, struct cred *c, struct errmsg *e,
    struct session **ret_session)
{
	struct session	*s;
	int		 r;

	if ((r = registry_conn_add(&srv->reg, c->uid, e)) < 0) {
		log_notice("refused pid %ld uid %u: %s", (long)c->pid,
		    (unsigned)c->uid, e->text);
		return r;
	}
	if ((r = clients_session_new(srv, fd, c, ret_session)) < 0) {
		log_warnx("session for pid %ld: %s", (long)c->pid, strerror(-r));
		registry_conn_del(&srv->reg, c->uid);
		return r;
	}
	s = *ret_session;
	clients_log_context_cb(s);
	log_debug("session %llu: pid %ld uid %u gid %u",
	    (unsigned long long)s->id, (long)s->cred.pid,
	    (unsigned)s->cred.uid, (unsigned)s->cred.gid);
	log_context_clear();
	return 0;
}

static int
clients_admit_cb(void *arg, int fd, struct cred *c, struct errmsg *e)
{
	struct session	*s;

	return clients_add(arg, fd, c, e, &s);
}

int
clients_start(struct server *srv, int fd, const char *path)
{
	int	r;

	r = listener_new(srv->base, fd, path, clients_admit_cb, srv,
	    &srv->listener);
	if (r < 0)
		return r;
	srv->reg.hooks.event = watch_event_cb;
	srv->reg.hooks.arg = srv;
	return 0;
}

void
clients_stop(struct server *srv)
{
	struct session	*s;

	listener_free(srv->listener);
	srv->listener = NULL;
	/* Nobody is left to tell: no events during teardown, and nothing
	 * leaves the fd store (the next start re-adopts it all). */
	srv->reg.hooks.event = NULL;
	srv->reg.persist = NULL;
	while ((s = TAILQ_FIRST(&srv->sessions)) != NULL)
		clients_remove(s);
}
