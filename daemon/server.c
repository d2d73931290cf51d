/* SPDX-License-Identifier: MIT */
/* The running daemon: the registry wired to watches, buffers, the session reaper. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "listener.h"
#include "server.h"
#include "session.h"
#include "util.h"
#include "watch.h"

/* Decoding may expand a packet; 8x covers packed int64s, the rest is slack. */
#define SERVER_UNPACK_FACTOR	16
#define SERVER_UNPACK_SLACK	(64u << 10)

static void
server_reap_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server	*srv = arg;
	struct session	*s;

	while ((s = TAILQ_FIRST(&srv->graveyard)) != NULL)
		session_destroy(s);
}

void
server_schedule_reap(struct server *srv)
{
	if (srv->ev_reap != NULL)
		event_active(srv->ev_reap, EV_TIMEOUT, 0);
}

int
server_init(struct server *srv, struct event_base *base, const struct limits *l)
{
	memset(srv, 0, sizeof(*srv));
	srv->base = base;
	srv->limits = *l;
	TAILQ_INIT(&srv->sessions);
	TAILQ_INIT(&srv->graveyard);
	LIST_INIT(&srv->watchers);
	srv->start_ns = util_now_monotonic_ns();
	srv->rcap = (size_t)l->max_packet;
	srv->unpack_cap = srv->rcap * SERVER_UNPACK_FACTOR + SERVER_UNPACK_SLACK;
	if (registry_init(&srv->reg, &srv->limits) < 0)
		return -ENOMEM;
	srv->reg.hooks.event = watch_event_cb;
	srv->reg.hooks.arg = srv;
	srv->rbuf = malloc(srv->rcap);
	srv->ev_reap = event_new(base, -1, 0, server_reap_cb, srv);
	if (srv->rbuf == NULL || srv->ev_reap == NULL) {
		server_fini(srv);
		return -ENOMEM;
	}
	return 0;
}

void
server_fini(struct server *srv)
{
	struct session	*s;

	if (srv->listener != NULL) {
		listener_free(srv->listener);
		srv->listener = NULL;
	}
	/* Nobody is left to tell: no events during teardown, and nothing
	 * leaves the fd store (the next start re-adopts it all). */
	srv->reg.hooks.event = NULL;
	srv->reg.persist = NULL;
	while ((s = TAILQ_FIRST(&srv->sessions)) != NULL)
		session_destroy(s);
	while ((s = TAILQ_FIRST(&srv->graveyard)) != NULL)
		session_destroy(s);
	registry_fini(&srv->reg);
	if (srv->ev_reap != NULL)
		event_free(srv->ev_reap);
	srv->ev_reap = NULL;
	free(srv->rbuf);
	srv->rbuf = NULL;
}
