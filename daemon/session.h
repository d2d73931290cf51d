/* SPDX-License-Identifier: MIT */
/* One client connection: receiving, the outbound queue, back-pressure, teardown. */
#ifndef MVIEWD_SESSION_H
#define MVIEWD_SESSION_H

#include <sys/queue.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mview.pb-c.h"
#include "perm.h"
#include "registry.h"

struct event;
struct server;
struct watch;

/* A packet the socket would not take yet; buf follows. */
struct packet {
	STAILQ_ENTRY(packet)	 entry;
	size_t			 len;
	int			 fd;		/* attached, owned; -1 none */
	bool			 event;
	unsigned char		 buf[];
};

struct session {
	TAILQ_ENTRY(session)	 entry;		/* srv->sessions or graveyard */
	LIST_ENTRY(session)	 watch_entry;	/* srv->watchers */
	struct server		*srv;
	uint64_t		 id;
	int			 fd;
	struct cred		 cred;
	struct holder		 holder;
	struct event		*ev_read;
	struct event		*ev_write;
	struct event		*ev_linger;
	struct event		*ev_idle;	/* no hello yet: idle-timeout */
	struct event		*ev_stall;	/* queue full: stall-timeout */
	STAILQ_HEAD(, packet)	 outq;
	size_t			 nreplies;	/* queued replies */
	size_t			 nevents;	/* queued events */
	size_t			 reply_bytes;	/* bytes of the queued replies */
	size_t			 reply_fds;	/* fds queued with replies */
	int			 stall_outq;	/* unread bytes at the socket */
	size_t			 max_reply;	/* bytes one packet to this peer may hold */
	LIST_HEAD(, watch)	 watches;
	size_t			 nwatches;
	bool			 hello;		/* Hello accepted */
	bool			 reading;	/* ev_read is armed */
	bool			 closing;	/* close once the queue is sent */
	bool			 dead;		/* in the graveyard */
	bool			 overflow;	/* events were dropped */
};

/*
 * A session on a connected socket fd, taking over fd and cred (its groups)
 * on success. 0 or -errno (fd and cred are then the caller's).
 */
int	session_new(struct server *srv, int fd, struct cred *cred,
	    struct session **ret_session);

/*
 * Stop serving s now: no more reads or writes. The teardown (attachments,
 * fd, memory) happens from the loop, so this is safe anywhere, even while
 * s is being served further up the stack.
 */
void	session_fail(struct session *s, const char *why);

/* Tear down for good (the reaper and shutdown only). */
void	session_destroy(struct session *s);

/* Send what is queued, then close (after a fatal protocol error). */
void	session_linger(struct session *s);

/*
 * Pack rep and send or queue it; fd (-1 for none) is closed here in all
 * cases. A reply too large for the packet limit becomes an EMSGSIZE error.
 */
int	session_send_reply(struct session *s, const Mview__Reply *rep, int fd);

/* An error reply to request id (0 when unknown). */
int	session_send_error(struct session *s, uint64_t id, int err,
	    const char *msg);

/* A packed event: dropped (and OVERFLOW owed) past the event limit. */
void	session_send_event(struct session *s, const void *buf, size_t len);

/*
 * Re-evaluate back-pressure: arm or disarm reading, and the stall timer
 * while the reply queue is full (max-unread-replies, -bytes or -fds).
 */
void	session_update_read(struct session *s);

/* Hello accepted: the idle timeout no longer applies. */
void	session_hello_done(struct session *s);

#endif /* MVIEWD_SESSION_H */
