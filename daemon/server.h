/* SPDX-License-Identifier: MIT */
/* The daemon's shared state: loop, limits, registry, the sessions and watchers. */
#ifndef MVIEWD_SERVER_H
#define MVIEWD_SERVER_H

#include <sys/queue.h>

#include <stdbool.h>
#include <stdint.h>

#include "limits.h"
#include "peer.h"
#include "registry.h"

struct event_base;
struct listener;
struct persist;
struct session;

/* What request handlers read; clients.c wires the parts together. */
#define SERVER_NREQTYPES	64

struct reservations;

struct server {
	struct event_base	*base;
	struct limits		 limits;
	const struct reservations *reserve;	/* name prefixes, may be NULL */
	struct registry		 reg;
	struct peer_env		 env;		/* for every session's peer */
	struct listener		*listener;
	TAILQ_HEAD(, session)	 sessions;	/* all, failed ones too */
	LIST_HEAD(, session)	 watchers;	/* sessions with watches */
	size_t			 nsessions;
	uint64_t		 next_session_id;
	int64_t			 start_ns;	/* monotonic */
	size_t			 unpack_cap;	/* decoding budget per request */
	/* Requests answered and refused, by Request body number. */
	uint64_t		 nrequests[SERVER_NREQTYPES];
	uint64_t		 nerrors[SERVER_NREQTYPES];
	struct holder		*restored;	/* roles on streams a restart kept, or NULL */
	const struct persist	*persist;	/* for the metrics, or NULL */
};

/* Registry and the receive buffer on base. 0 or -ENOMEM. */
int	server_init(struct server *srv, struct event_base *base,
	    const struct limits *l);
/* Free the registry (no events). Sessions must be gone (clients_stop). */
void	server_fini(struct server *srv);

#endif /* MVIEWD_SERVER_H */
