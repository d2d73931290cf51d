/* SPDX-License-Identifier: MIT */
/* One client: who it is, what it holds and watches, and replying to it. */
#ifndef MVIEWD_SESSION_H
#define MVIEWD_SESSION_H

#include <sys/queue.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "access.h"
#include "listing.h"
#include "mview.pb-c.h"
#include "registry.h"

struct peer;
struct server;
struct watch;

/*
 * The state a client's requests work on. Its connection is a peer (the
 * transport), made and torn down by clients.c; nothing here calls up.
 */
struct session {
	TAILQ_ENTRY(session)	 entry;		/* srv->sessions */
	LIST_ENTRY(session)	 watch_entry;	/* srv->watchers */
	struct server		*srv;
	struct peer		*peer;
	uint64_t		 id;
	struct cred		 cred;
	struct holder		 holder;
	LIST_HEAD(, watch)	 watches;
	size_t			 nwatches;
	int64_t			 since_ns;	/* connected, CLOCK_REALTIME */
	uint64_t		 views_published;
	char			 client_name[32];	/* from its hello */
	struct listing_cursors	 listings;
	bool			 hello;		/* Hello accepted */
	bool			 closing;	/* close once the reply is sent */
};

/*
 * A session for cred (taking over its groups on success), counted in
 * srv->sessions; its peer is the caller's to set. 0 or -ENOMEM (cred is
 * then the caller's).
 */
int	session_new(struct server *srv, struct cred *cred,
	    struct session **ret_session);

/* Release what s holds, free its peer and s. Watches must be gone. */
void	session_free(struct session *s);

/* The session failed or stopped: it sends and receives nothing more. */
bool	session_dead(const struct session *s);

/* Stop serving s (its peer's closed callback follows from the loop). */
void	session_fail(struct session *s, const char *why);

/* Send what is queued, then close (after a fatal protocol error). */
void	session_linger(struct session *s);

/* Hello accepted: the idle timeout no longer applies. */
void	session_hello_done(struct session *s);

/*
 * Pack rep and send or queue it; fd (-1 for none) is closed here in all
 * cases. A reply too large for the packet limit becomes an EMSGSIZE error.
 */
int	session_send_reply(struct session *s, const Mview__Reply *rep, int fd);
/* The same with nfds fds (all closed here). */
int	session_send_reply_fds(struct session *s, const Mview__Reply *rep,
	    int *fds, size_t nfds);

/* An error reply to request id (0 when unknown). */
int	session_send_error(struct session *s, uint64_t id, int err,
	    const char *msg);

/* A packed event: dropped (and OVERFLOW owed) past the event limit. */
void	session_send_event(struct session *s, const void *buf, size_t len);

/* The largest reply this client can be sent. */
size_t	session_max_reply(const struct session *s);

#endif /* MVIEWD_SESSION_H */
