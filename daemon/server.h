/* SPDX-License-Identifier: MIT */
/* The running daemon: its loop, limits, registry and sessions. */
#ifndef MVIEWD_SERVER_H
#define MVIEWD_SERVER_H

#include <sys/queue.h>

#include <stdbool.h>
#include <stdint.h>

#include "limits.h"
#include "registry.h"

struct event;
struct event_base;
struct listener;
struct session;

struct server {
	struct event_base	*base;
	struct limits		 limits;
	struct registry		 reg;
	struct listener		*listener;
	TAILQ_HEAD(, session)	 sessions;	/* live */
	TAILQ_HEAD(, session)	 graveyard;	/* failed, freed by reap_cb */
	LIST_HEAD(, session)	 watchers;	/* sessions with watches */
	size_t			 nsessions;
	struct event		*ev_reap;
	uint64_t		 next_session_id;
	int64_t			 start_ns;	/* monotonic */
	void			*rbuf;		/* one receive buffer: one thread */
	size_t			 rcap;
	size_t			 unpack_cap;	/* decoding budget per request */
};

/* Registry, buffers and the reaper on base. 0 or -ENOMEM. */
int	server_init(struct server *srv, struct event_base *base,
	    const struct limits *l);
/* Close every session, then free the registry (no events). */
void	server_fini(struct server *srv);

/* Run the reaper soon (a session failed). */
void	server_schedule_reap(struct server *srv);

#endif /* MVIEWD_SERVER_H */
