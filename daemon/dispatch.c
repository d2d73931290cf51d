/* SPDX-License-Identifier: MIT */
/* Requests to handlers: decoding checks, the hello gate, hello, status and watch. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access.h"
#include "dispatch.h"
#include "log.h"
#include "metrics.h"
#include "notify-queue.h"
#include "server.h"
#include "session.h"
#include "util.h"
#include "watch.h"
#include "wire.h"

#define DISPATCH_LIST_FRAMING	64	/* Reply header, ids, flags */

typedef int dispatch_fn(struct session *, const Mview__Request *,
    struct reply *);

static dispatch_fn dispatch_hello, dispatch_status, dispatch_watch,
    dispatch_unwatch, dispatch_metrics;

static dispatch_fn *const dispatch_table[] = {
	[MVIEW__REQUEST__BODY_HELLO] = dispatch_hello,
	[MVIEW__REQUEST__BODY_SEGMENT_CREATE] = dispatch_segment_create,
	[MVIEW__REQUEST__BODY_SEGMENT_OPEN] = dispatch_segment_open,
	[MVIEW__REQUEST__BODY_SEGMENT_CLOSE] = dispatch_segment_close,
	[MVIEW__REQUEST__BODY_SEGMENT_DELETE] = dispatch_segment_delete,
	[MVIEW__REQUEST__BODY_SEGMENT_FREEZE] = dispatch_segment_freeze,
	[MVIEW__REQUEST__BODY_SEGMENT_STAT] = dispatch_segment_stat,
	[MVIEW__REQUEST__BODY_SEGMENT_LIST] = dispatch_segment_list,
	[MVIEW__REQUEST__BODY_VIEW_PUBLISH] = dispatch_view_publish,
	[MVIEW__REQUEST__BODY_VIEW_LOOKUP] = dispatch_view_lookup,
	[MVIEW__REQUEST__BODY_VIEW_UNPUBLISH] = dispatch_view_unpublish,
	[MVIEW__REQUEST__BODY_VIEW_LIST] = dispatch_view_list,
	[MVIEW__REQUEST__BODY_WATCH] = dispatch_watch,
	[MVIEW__REQUEST__BODY_STATUS] = dispatch_status,
	[MVIEW__REQUEST__BODY_UNWATCH] = dispatch_unwatch,
	[MVIEW__REQUEST__BODY_METRICS] = dispatch_metrics,
	[MVIEW__REQUEST__BODY_SESSION_LIST] = dispatch_session_list,
	[MVIEW__REQUEST__BODY_STREAM_CREATE] = dispatch_stream_create,
	[MVIEW__REQUEST__BODY_STREAM_OPEN] = dispatch_stream_open,
	[MVIEW__REQUEST__BODY_STREAM_CLOSE] = dispatch_stream_close,
	[MVIEW__REQUEST__BODY_STREAM_DELETE] = dispatch_stream_delete,
	[MVIEW__REQUEST__BODY_STREAM_STAT] = dispatch_stream_stat,
	[MVIEW__REQUEST__BODY_STREAM_LIST] = dispatch_stream_list,
};

#define DISPATCH_NTABLE	(sizeof(dispatch_table) / sizeof(dispatch_table[0]))

size_t
dispatch_list_budget(const struct session *s)
{
	size_t	max = session_max_reply(s);

	return max > DISPATCH_LIST_FRAMING ? max - DISPATCH_LIST_FRAMING : 0;
}

void
dispatch_segment_info(const struct segment *seg, Mview__SegmentInfo *w)
{
	w->id = seg->id;
	w->name = seg->name;
	w->size = seg->size;
	w->has_uid = w->has_gid = w->has_mode = w->has_lifetime = true;
	w->uid = seg->uid;
	w->gid = seg->gid;
	w->mode = seg->mode;
	w->lifetime = seg->lifetime == SEGMENT_SESSION ?
	    MVIEW__LIFETIME__LIFETIME_SESSION :
	    MVIEW__LIFETIME__LIFETIME_PERSISTENT;
	w->has_frozen = w->has_hugetlb = w->has_deleted = true;
	w->frozen = seg->frozen;
	w->hugetlb = seg->hugetlb;
	w->deleted = seg->deleted;
	w->has_recovered = w->has_seals = true;
	w->recovered = seg->recovered;
	w->seals = segment_seals(seg);
	w->has_ctime_ns = w->has_nattached = w->has_nviews = true;
	w->ctime_ns = seg->ctime_ns;
	w->nattached = seg->nattached;
	w->nviews = seg->nviews;
	w->has_owner_charged = w->has_nheld_charged = true;
	w->owner_charged = seg->owner_charged;
	w->nheld_charged = seg->nheld;
}

/* What the client calls itself, printable ASCII only, for sessions. */
static void
dispatch_client_name(struct session *s, const char *name)
{
	size_t	i;

	for (i = 0; name != NULL && name[i] != '\0' &&
	    i + 1 < sizeof(s->client_name); i++)
		s->client_name[i] = name[i] > ' ' && name[i] < 0x7f ?
		    name[i] : '?';
	s->client_name[i] = '\0';
}

static int
dispatch_hello(struct session *s, const Mview__Request *req, struct reply *rep)
{
	const Mview__Hello	*h = req->hello;
	const struct limits	*l = &s->srv->limits;

	if (h->version_major != MVIEW_PROTOCOL_MAJOR) {
		log_info("session %llu (pid %ld): protocol %u refused",
		    (unsigned long long)s->id, (long)s->cred.pid,
		    h->version_major);
		s->closing = true;	/* close once the refusal is sent */
		return errmsg_set(&rep->err, -EPROTONOSUPPORT, "protocol "
		    "version %u is not supported: mviewd %s speaks %u.%u",
		    h->version_major, PACKAGE_VERSION, MVIEW_PROTOCOL_MAJOR,
		    MVIEW_PROTOCOL_MINOR);
	}
	s->hello = true;
	s->listings.resume = h->has_capabilities &&
	    (h->capabilities & MVIEW_CAP_RESUME) != 0;
	dispatch_client_name(s, h->client_name);
	session_hello_done(s);
	rep->hello = (Mview__HelloReply)MVIEW__HELLO_REPLY__INIT;
	rep->hello.version_major = MVIEW_PROTOCOL_MAJOR;
	rep->hello.has_version_minor = rep->hello.has_capabilities = true;
	rep->hello.version_minor = MVIEW_PROTOCOL_MINOR;
	rep->hello.capabilities = MVIEW_CAP_WATCH | MVIEW_CAP_PAGING |
	    MVIEW_CAP_HUGETLB | MVIEW_CAP_STREAMS | MVIEW_CAP_RESUME;
	rep->hello.server_version = (char *)PACKAGE_VERSION;
	rep->hello.has_max_packet = rep->hello.has_max_name = true;
	rep->hello.has_max_ndim = true;
	rep->hello.max_packet = (uint32_t)session_max_reply(s);
	rep->hello.max_name = (uint32_t)l->max_name;
	rep->hello.max_ndim = (uint32_t)l->max_ndim;
	rep->hello.has_uid = rep->hello.has_gid = true;
	rep->hello.uid = s->cred.uid;
	rep->hello.gid = s->cred.gid;
	rep->msg.body_case = MVIEW__REPLY__BODY_HELLO;
	rep->msg.hello = &rep->hello;
	return 0;
}

static void
dispatch_status_limits(const struct limits *l, Mview__StatusReply *st)
{
	st->has_max_segment_size = st->has_max_total_bytes = true;
	st->max_segment_size = l->max_segment_size;
	st->max_total_bytes = l->max_total_bytes;
	st->has_max_bytes_per_uid = st->has_max_segments = true;
	st->max_bytes_per_uid = l->max_bytes_per_uid;
	st->max_segments = l->max_segments;
	st->has_max_segments_per_uid = st->has_max_views = true;
	st->max_segments_per_uid = l->max_segments_per_uid;
	st->max_views = l->max_views;
	st->has_max_views_per_uid = true;
	st->max_views_per_uid = l->max_views_per_uid;
	st->has_max_streams = st->has_max_streams_per_uid = true;
	st->max_streams = l->max_streams;
	st->max_streams_per_uid = l->max_streams_per_uid;
	st->has_max_held_bytes_per_uid = st->has_max_fds_per_uid = true;
	st->max_held_bytes_per_uid = l->max_held_bytes_per_uid;
	st->max_fds_per_uid = l->max_fds_per_uid;
	st->has_max_conns_per_uid = st->has_max_packet = true;
	st->max_conns_per_uid = (uint32_t)l->max_conns_per_uid;
	st->max_packet = (uint32_t)l->max_packet;
	st->has_max_name = st->has_max_ndim = st->has_max_watch_events = true;
	st->max_name = (uint32_t)l->max_name;
	st->max_ndim = (uint32_t)l->max_ndim;
	st->max_watch_events = (uint32_t)l->max_watch_events;
}

static int
dispatch_status(struct session *s, const Mview__Request *req, struct reply *rep)
{
	struct server		*srv = s->srv;
	Mview__StatusReply	*st = &rep->status;
	struct usage		 mine = registry_uid_usage(&srv->reg, s->cred.uid);

	*st = (Mview__StatusReply)MVIEW__STATUS_REPLY__INIT;
	st->server_version = (char *)PACKAGE_VERSION;
	st->has_pid = st->has_uptime_ns = true;
	st->pid = (uint32_t)getpid();
	st->uptime_ns = util_now_monotonic_ns() - srv->start_ns;
	st->has_segments = st->has_views = st->has_bytes = true;
	st->segments = srv->reg.total.segments;
	st->views = srv->reg.total.views;
	st->bytes = srv->reg.total.bytes;
	st->has_sessions = st->has_next_id = true;
	st->sessions = srv->nsessions;
	st->next_id = srv->reg.next_id;
	dispatch_status_limits(&srv->limits, st);
	st->has_uid_bytes = st->has_uid_segments = true;
	st->uid_bytes = mine.bytes;
	st->uid_segments = mine.segments;
	st->has_uid_views = true;
	st->uid_views = mine.views;
	st->has_recovered_segments = st->has_notify_queued = true;
	st->recovered_segments = srv->reg.nrecovered;
	st->notify_queued = notify_queue_pending();
	st->has_streams = st->has_uid_streams = true;
	st->streams = srv->reg.total.streams;
	st->uid_streams = mine.streams;
	st->has_deleted_held_bytes = st->has_deleted_held_segments = true;
	st->deleted_held_bytes = srv->reg.total.deleted_bytes;
	st->deleted_held_segments = srv->reg.total.deleted_segments;
	st->has_deleted_owner_bytes = true;
	st->deleted_owner_bytes = srv->reg.total.deleted_owner_bytes;
	st->has_uid_held_bytes = st->has_uid_fds = true;
	st->uid_held_bytes = mine.held_bytes;
	st->uid_fds = mine.fds;
	rep->msg.body_case = MVIEW__REPLY__BODY_STATUS;
	rep->msg.status = st;
	return 0;
}

static int
dispatch_watch(struct session *s, const Mview__Request *req, struct reply *rep)
{
	return watch_add(s, req->watch->prefix, &rep->err);
}

static int
dispatch_unwatch(struct session *s, const Mview__Request *req,
    struct reply *rep)
{
	return watch_remove(s, req->unwatch->prefix, &rep->err);
}

/* The daemon's metrics as Prometheus text, for root and mviewd's group. */
static int
dispatch_metrics(struct session *s, const Mview__Request *req,
    struct reply *rep)
{
	char	*text;
	size_t	 len;
	int	 r;

	if ((r = access_see_all(&s->cred, "metrics", &rep->err)) < 0)
		return r;
	if ((r = metrics_render(s->srv, dispatch_list_budget(s), &text,
	    &len)) < 0)
		return errmsg_set(&rep->err, r, "metrics: out of memory");
	if (len > dispatch_list_budget(s)) {
		free(text);
		return errmsg_set(&rep->err, -EMSGSIZE, "metrics: %zu bytes "
		    "do not fit in one packet (max-packet)", len);
	}
	rep->scratch[0] = text;
	rep->metrics = (Mview__MetricsReply)MVIEW__METRICS_REPLY__INIT;
	rep->metrics.text = text;
	rep->msg.body_case = MVIEW__REPLY__BODY_METRICS;
	rep->msg.metrics = &rep->metrics;
	return 0;
}

/* Run the handler for req; a failure becomes the error in rep. */
static void
dispatch_request(struct session *s, const Mview__Request *req,
    struct reply *rep)
{
	unsigned	 which = (unsigned)req->body_case;
	dispatch_fn	*fn = which < DISPATCH_NTABLE ? dispatch_table[which] : NULL;
	int		 r;

	if (fn == NULL)
		r = errmsg_set(&rep->err, -EOPNOTSUPP, "unknown request type");
	else if (req->id == 0)
		r = errmsg_set(&rep->err, -EINVAL, "request id 0 is reserved "
		    "for events");
	else if (!s->hello && req->body_case != MVIEW__REQUEST__BODY_HELLO)
		r = errmsg_set(&rep->err, -EPROTO, "the first request must be "
		    "hello");
	else
		r = fn(s, req, rep);
	if (fn != NULL && which < SERVER_NREQTYPES) {
		s->srv->nrequests[which]++;
		if (r < 0)
			s->srv->nerrors[which]++;
	}
	if (r < 0) {
		if (rep->fd >= 0)
			close(rep->fd);
		rep->fd = -1;
		wire_close_fds(rep->fds, rep->nfds);
		rep->nfds = 0;
		rep->msg.body_case = MVIEW__REPLY__BODY__NOT_SET;
		rep->msg.has_error = true;
		rep->msg.error = -r;
		rep->msg.message = rep->err.text[0] ? rep->err.text :
		    (char *)strerror(-r);
		log_debug("request %u refused: %s (%s)", which,
		    rep->msg.message, strerror(-r));
	}
}

void
dispatch_packet(struct session *s, const void *buf, size_t len, size_t nfds)
{
	struct reply	 rep;
	Mview__Request	*req;

	if (buf == NULL) {
		session_send_error(s, 0, EMSGSIZE, "packet over the packet limit "
		    "(or with too many file descriptors): dropped");
		return;
	}
	req = wire_request_unpack(buf, len, s->srv->unpack_cap);
	if (req == NULL) {
		session_send_error(s, 0, EBADMSG, "not a valid Request message");
		return;
	}
	if (nfds > 0) {
		session_send_error(s, req->id, EBADF, "mviewd accepts no file "
		    "descriptors: closed them, request refused");
		wire_request_free(req);
		return;
	}
	if (wire_request_has_nul(buf, len)) {
		session_send_error(s, req->id, EINVAL, "a string of the request "
		    "(a name, prefix or format) contains a NUL byte: refused");
		wire_request_free(req);
		return;
	}
	log_context_session(s->id, (long)s->cred.pid, (unsigned)s->cred.uid);
	memset(&rep, 0, sizeof(rep));
	rep.msg = (Mview__Reply)MVIEW__REPLY__INIT;
	rep.msg.id = req->id;
	rep.fd = -1;
	dispatch_request(s, req, &rep);
	if (rep.fd >= 0) {
		rep.fds[0] = rep.fd;
		rep.nfds = 1;
	}
	if (rep.nfds > 0) {
		rep.msg.has_nfds = true;
		rep.msg.nfds = (uint32_t)rep.nfds;
	}
	session_send_reply_fds(s, &rep.msg, rep.fds, rep.nfds);
	if (s->closing)
		session_linger(s);
	for (size_t i = 0; i < sizeof(rep.scratch) / sizeof(rep.scratch[0]); i++)
		free(rep.scratch[i]);
	wire_request_free(req);
	log_context_clear();
}
