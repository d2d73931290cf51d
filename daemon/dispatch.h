/* SPDX-License-Identifier: MIT */
/* Requests to handlers: decoding checks, the hello gate, the handler table. */
#ifndef MVIEWD_DISPATCH_H
#define MVIEWD_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "errmsg.h"
#include "mview.pb-c.h"
#include "view.h"
#include "wire.h"

struct segment;
struct session;
struct view;

/* What a handler fills in; dispatch sends it. */
struct reply {
	Mview__Reply		 msg;
	int			 fd;		/* to attach, owned; -1 none */
	int			 fds[WIRE_MAX_FDS];	/* or these nfds (fd is -1) */
	size_t			 nfds;
	struct errmsg		 err;
	Mview__HelloReply	 hello;
	Mview__SegmentInfo	 seg;
	Mview__ViewInfo		 vinfo;
	Mview__ViewDesc		 vdesc;
	Mview__ViewLookupReply	 lookup;
	Mview__SegmentListReply	 seglist;
	Mview__ViewListReply	 viewlist;
	Mview__StatusReply	 status;
	Mview__MetricsReply	 metrics;
	Mview__SessionListReply	 sesslist;
	void			*scratch[6];	/* freed after sending */
	Mview__StreamInfo	 stream;
	Mview__ViewDesc		 stream_layout;
	Mview__StreamListReply	 streamlist;
	char			 stream_format[VIEW_FORMAT_MAX];
};

/* Handle one received packet (nfds descriptors came with it, already
 * closed); buf NULL: one was dropped for its size. */
void	dispatch_packet(struct session *s, const void *buf, size_t len,
	    size_t nfds);

/* Handlers: 0 (reply->msg body set) or -errno (message in reply->err). */
int	dispatch_segment_create(struct session *s, const Mview__Request *req,
	    struct reply *rep);
int	dispatch_segment_open(struct session *s, const Mview__Request *req,
	    struct reply *rep);
int	dispatch_segment_close(struct session *s, const Mview__Request *req,
	    struct reply *rep);
int	dispatch_segment_delete(struct session *s, const Mview__Request *req,
	    struct reply *rep);
int	dispatch_segment_freeze(struct session *s, const Mview__Request *req,
	    struct reply *rep);
int	dispatch_segment_stat(struct session *s, const Mview__Request *req,
	    struct reply *rep);
int	dispatch_segment_list(struct session *s, const Mview__Request *req,
	    struct reply *rep);
int	dispatch_view_publish(struct session *s, const Mview__Request *req,
	    struct reply *rep);
int	dispatch_view_lookup(struct session *s, const Mview__Request *req,
	    struct reply *rep);
int	dispatch_view_unpublish(struct session *s, const Mview__Request *req,
	    struct reply *rep);
int	dispatch_view_list(struct session *s, const Mview__Request *req,
	    struct reply *rep);
int	dispatch_session_list(struct session *s, const Mview__Request *req,
	    struct reply *rep);

/* Before answering about seg: seals and holes writers made are found and
 * repaired or recorded (registry_segment_refresh()), and logged. */
void	dispatch_segment_refresh(struct session *s, struct segment *seg);
/* dispatch-stream.c */
int	dispatch_stream_create(struct session *s, const Mview__Request *req,
	    struct reply *rep);
int	dispatch_stream_open(struct session *s, const Mview__Request *req,
	    struct reply *rep);
int	dispatch_stream_close(struct session *s, const Mview__Request *req,
	    struct reply *rep);
int	dispatch_stream_delete(struct session *s, const Mview__Request *req,
	    struct reply *rep);
int	dispatch_stream_stat(struct session *s, const Mview__Request *req,
	    struct reply *rep);
int	dispatch_stream_list(struct session *s, const Mview__Request *req,
	    struct reply *rep);

/*
 * Attach seg to s and open an fd of it into rep->fd (O_RDWR when write),
 * recorded as sent and marked in rep->seg; an attachment made here is
 * undone when no fd can be opened. 0 or -errno (message in rep->err).
 */
int	dispatch_attach_fd(struct session *s, struct segment *seg, bool write,
	    struct reply *rep);

/* SegmentInfo of seg into w (pointing into seg). */
void	dispatch_segment_info(const struct segment *seg, Mview__SegmentInfo *w);

/* Room a list reply leaves for entries (packet limit minus framing). */
size_t	dispatch_list_budget(const struct session *s);

#endif /* MVIEWD_DISPATCH_H */
