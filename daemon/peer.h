/* SPDX-License-Identifier: MIT */
/* One connected socket: receiving, the outbound queue, back-pressure, timeouts. */
#ifndef MVIEWD_PEER_H
#define MVIEWD_PEER_H

#include <sys/queue.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The transport knows packets, not requests: it calls up only through the
 * callbacks it was made with, the way tmux's peers and OpenSMTPD's mproc
 * hand what they read to a handler.
 */

struct event;
struct event_base;
struct limits;

struct peer_cb {
	/* One packet; nfds descriptors came with it, already closed. buf
	 * is NULL for a packet dropped for its size (or too many fds). */
	void	(*recv)(void *arg, const void *buf, size_t len, size_t nfds);
	/* The peer failed; called from the loop, never from inside another
	 * peer call. The owner tears down and calls peer_free(). */
	void	(*closed)(void *arg);
	/* Pack the event owed once events were dropped. 0 or -ENOMEM. */
	int	(*overflow)(void *arg, void **ret_buf, size_t *ret_len);
	/* Say who this is for the log's fields (log_context_session());
	 * may be NULL. */
	void	(*log_context)(void *arg);
	/* delta fds more (or fewer) queued with replies; may be NULL. */
	void	(*reply_fds)(void *arg, int64_t delta);
	/* May nfds more be queued? 0 or -EMFILE; may be NULL (always). */
	int	(*reply_fds_check)(void *arg, size_t nfds);
	void	*arg;
};

/* What every peer shares: the loop, the limits, one receive buffer. */
struct peer_env {
	struct event_base	*base;
	const struct limits	*limits;
	void			*rbuf;		/* one thread: one buffer */
	size_t			 rcap;
};

/* A packet the socket would not take yet; buf follows. */
struct packet {
	STAILQ_ENTRY(packet)	 entry;
	size_t			 len;
	size_t			 nfds;
	int			*fds;		/* attached, owned (after buf) */
	bool			 event;
	_Alignas(int) unsigned char buf[];	/* the fds follow, int-aligned */
};

struct peer {
	const struct peer_env	*env;
	struct peer_cb		 cb;
	int			 fd;
	char			 label[80];	/* who, for the log */
	struct event		*ev_read;
	struct event		*ev_write;
	struct event		*ev_linger;
	struct event		*ev_idle;	/* not yet kept: idle-timeout */
	struct event		*ev_stall;	/* queue full: stall-timeout */
	struct event		*ev_closed;	/* failed: tell the owner */
	STAILQ_HEAD(, packet)	 outq;
	size_t			 nreplies;	/* queued replies */
	size_t			 nevents;	/* queued events */
	size_t			 reply_bytes;	/* bytes of the queued replies */
	size_t			 reply_fds;	/* fds queued with replies */
	int			 stall_outq;	/* unread bytes at the socket */
	size_t			 max_reply;	/* bytes one packet to it may hold */
	bool			 reading;	/* ev_read is armed */
	bool			 closing;	/* close once the queue is sent */
	bool			 dead;		/* failed, closed cb pending */
	bool			 overflow;	/* events were dropped */
};

/*
 * A peer on a connected socket fd (taken over on success), reading at
 * once; label names it in log lines. 0 or -ENOMEM (fd is then the
 * caller's).
 */
int	peer_new(const struct peer_env *env, int fd, const struct peer_cb *cb,
	    const char *label, struct peer **ret_peer);

/* Close the socket and free everything queued. NULL-safe. */
void	peer_free(struct peer *p);

/*
 * Stop serving p now: no more reads or writes; the closed callback runs
 * from the loop, so this is safe anywhere, even inside p's callbacks.
 */
void	peer_fail(struct peer *p, const char *why);

/* Send what is queued, then fail (after a fatal protocol error). */
void	peer_linger(struct peer *p);

/* The peer identified itself: the idle timeout no longer applies. */
void	peer_keep(struct peer *p);

/*
 * Send buf now, or queue a copy with dups of the nfds fds (borrowed).
 * A reply counts against the unread-reply limits and stops reading when
 * they are reached. 0 or -errno (p has then failed), or -EMFILE when
 * it would have to be queued and reply_fds_check refuses its fds (p
 * lives on; nothing was sent).
 */
int	peer_send(struct peer *p, const void *buf, size_t len, const int *fds,
	    size_t nfds);

/* An event: dropped past max-watch-events, and then OVERFLOW is owed. */
void	peer_send_event(struct peer *p, const void *buf, size_t len);

static inline bool
peer_dead(const struct peer *p)
{
	return p->dead;
}

/* The largest packet the socket can send (SO_SNDBUF bounds a datagram). */
static inline size_t
peer_max_packet(const struct peer *p)
{
	return p->max_reply;
}

#endif /* MVIEWD_PEER_H */
