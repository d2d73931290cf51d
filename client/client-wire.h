/* SPDX-License-Identifier: MIT */
/* libmviewclient internals that speak the wire protocol (never installed). */
#ifndef MVIEW_CLIENT_WIRE_H
#define MVIEW_CLIENT_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client-internal.h"
#include "wire.h"

/* client.c and request.c: connections and requests. */
#define CLIENT_CALL_RETRY	(1u << 0)	/* idempotent: resend after a reconnect */
#define CLIENT_CALL_QUIET	(1u << 1)	/* leave errmsg alone */
#define CLIENT_CALL_NO_RECONNECT (1u << 2)	/* never reconnect for this one */

/* The socket path per mview.h: arg, $MVIEW_SOCKET, the user's, the system's. */
int	client_resolve_path(const char *arg, char **ret_path);

/*
 * Send req (its id is assigned here) and wait for its reply, queueing
 * events that arrive meanwhile. Returns 0 with *ret_reply (free with
 * wire_reply_free) and *ret_fd (the first fd attached, else -1; either
 * out-param may be NULL), or -errno: the daemon's error (message kept in
 * errmsg), -ECONNRESET, -ETIMEDOUT, -EPROTO.
 */
int	client_call(struct mview_client *c, Mview__Request *req, unsigned flags,
	    Mview__Reply **ret_reply, int *ret_fd);
/* client_call() for a reply of the given body: any other is -EPROTO (its
 * fd closed). *ret_reply is never NULL on success; ret_fd may be. */
int	client_call_reply(struct mview_client *c, Mview__Request *req,
	    unsigned flags, Mview__Reply__BodyCase body,
	    Mview__Reply **ret_reply, int *ret_fd);

/* Receive one packet by the deadline (monotonic ns, < 0: none). With
 * eintr, a signal returns -EINTR; a timeout is -ETIMEDOUT. */
int	client_recv(struct mview_client *c, int64_t deadline_ns, bool eintr,
	    Mview__Reply **ret_reply, int *fds, size_t *ret_nfds);

int	client_reconnect(struct mview_client *c);
void	client_disconnect(struct mview_client *c);
int	client_check_name(struct mview_client *c, const char *name);
void	client_set_error(struct mview_client *c, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int64_t	client_deadline(int timeout_ms);
int	client_remaining_ms(int64_t deadline);

/* events.c: the watch list and the event queue. */
void	events_queue(struct mview_client *c, const Mview__Event *e);
void	events_free(struct mview_client *c);
int	events_rewatch(struct mview_client *c);

/* segment.c */
void	segment_info_from_wire(const Mview__SegmentInfo *w,
	    struct mview_segment_info *ret_info);

/* view.c */
int	desc_from_wire(const Mview__ViewDesc *w, struct view_desc *ret_desc);

/* list.c: one malloc'd block holding the entries and their names. */
int	list_pack_segments(Mview__SegmentInfo *const *v, size_t n,
	    struct mview_segment_info **ret_infos);
int	list_pack_views(Mview__ViewInfo *const *v, size_t n,
	    struct mview_view_info **ret_infos);

#endif /* MVIEW_CLIENT_WIRE_H */
