/* SPDX-License-Identifier: MIT */
/* The daemon's shared state: loop, limits, registry, the sessions and watchers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "util.h"

/* Decoding may expand a packet; 8x covers packed int64s, the rest is slack. */
#define SERVER_UNPACK_FACTOR	16
#define SERVER_UNPACK_SLACK	(64u << 10)

int
server_init(struct server *srv, struct event_base *base, const struct limits *l)
{
	memset(srv, 0, sizeof(*srv));
	srv->base = base;
	srv->limits = *l;
	TAILQ_INIT(&srv->sessions);
	LIST_INIT(&srv->watchers);
	srv->start_ns = util_now_monotonic_ns();
	srv->env.base = base;
	srv->env.limits = &srv->limits;
	srv->env.rcap = (size_t)l->max_packet;
	srv->unpack_cap = srv->env.rcap * SERVER_UNPACK_FACTOR +
	    SERVER_UNPACK_SLACK;
	if (registry_init(&srv->reg, &srv->limits) < 0)
		return -ENOMEM;
	if ((srv->env.rbuf = malloc(srv->env.rcap)) == NULL) {
		server_fini(srv);
		return -ENOMEM;
	}
	return 0;
}

void
server_fini(struct server *srv)
{
	registry_fini(&srv->reg);
	free(srv->env.rbuf);
	srv->env.rbuf = NULL;
}
