/* SPDX-License-Identifier: MIT */
/* libmviewclient internals that speak the wire protocol (never installed). */
#ifndef MVIEW_CLIENT_WIRE_H
#define MVIEW_CLIENT_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client-internal.h"
#include "desc-wire.h"
#include "wire.h"

/*
 * The layers: conn.c (socket, hello, one exchange) knows nothing above it;
 * replay.c reconnects and replays the watches and mappings on the new
 * connection; request.c sends a request, reconnecting through replay.c
 * when the connection is gone; the API files call request.c.
 */

/* request.c */
#define CLIENT_CALL_RETRY	(1u << 0)	/* idempotent: resend after a reconnect */

/*
 * Send req and wait for its reply (conn_call()), reconnecting first when
 * the connection is gone (unless MVIEW_CONNECT_NO_RECONNECT), and once
 * more after -ECONNRESET when the daemon never saw req or flags has
 * CLIENT_CALL_RETRY. Returns 0 with *ret_reply (free with
 * wire_reply_free; NULL: freed here) and *ret_fd (the first fd attached,
 * else -1; may be NULL), or -errno: the daemon's error (its message in
 * errmsg), -ECONNRESET, -ETIMEDOUT, -EPROTO.
 */
int	client_call(struct mview_client *c, Mview__Request *req, unsigned flags,
	    Mview__Reply **ret_reply, int *ret_fd);
/* client_call_reply() keeping every fd attached (*ret_nfds in fds). */
int	client_call_fds(struct mview_client *c, Mview__Request *req,
	    unsigned flags, Mview__Reply__BodyCase body,
	    Mview__Reply **ret_reply, int fds[WIRE_MAX_FDS], size_t *ret_nfds);
/* client_call() for a reply of the given body: any other is -EPROTO (its
 * fd closed). */
int	client_call_reply(struct mview_client *c, Mview__Request *req,
	    unsigned flags, Mview__Reply__BodyCase body,
	    Mview__Reply **ret_reply, int *ret_fd);

/* replay.c: (re)connect to c->path, then watch again and re-attach every
 * cached mapping's segment; -errno when the new connection fails. */
int	client_reconnect(struct mview_client *c);
/* The request watching (or unwatching) prefix, in req and w. */
void	replay_watch_request(Mview__Request *req, Mview__Watch *w,
	    const char *prefix, bool unwatch);

/* client.c: the socket path per mview.h: arg, $MVIEW_SOCKET, the user's,
 * the system's. */
int	client_resolve_path(const char *arg, char **ret_path);

/* events.c: the watch list and the event queue (events_queue is the
 * connection's event callback, arg the client). */
void	events_queue(const Mview__Event *e, void *arg);
void	events_free(struct mview_client *c);

/* segment.c */
void	segment_info_from_wire(const Mview__SegmentInfo *w,
	    struct mview_segment_info *ret_info);

/* stream.c: after a reconnect, take every open stream's role back;
 * -errno only when the connection failed meanwhile. On close, forget c. */
int	streams_reattach(struct mview_client *c);
void	streams_client_gone(struct mview_client *c);
/* A stream open's reply was of no use: give the role it took back. */
void	stream_abandon(struct mview_client *c, const Mview__StreamInfo *w,
	    bool producer);

/* list.c: one malloc'd block holding the entries and their names. */
int	list_pack_segments(Mview__SegmentInfo *const *v, size_t n,
	    struct mview_segment_info **ret_infos);
int	list_pack_views(Mview__ViewInfo *const *v, size_t n,
	    struct mview_view_info **ret_infos);

#endif /* MVIEW_CLIENT_WIRE_H */
