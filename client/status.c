/* SPDX-License-Identifier: MIT */
/* The daemon's status: counters, limits and the caller's own use. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client-wire.h"

static void
status_from_wire(const Mview__StatusReply *w, struct mview_status *s)
{
	*s = (struct mview_status){
		.pid = w->pid,
		.uptime_ns = w->uptime_ns,
		.segments = w->segments,
		.views = w->views,
		.bytes = w->bytes,
		.sessions = w->sessions,
		.next_id = w->next_id,
		.max_segment_size = w->max_segment_size,
		.max_total_bytes = w->max_total_bytes,
		.max_bytes_per_uid = w->max_bytes_per_uid,
		.max_segments = w->max_segments,
		.max_segments_per_uid = w->max_segments_per_uid,
		.max_views = w->max_views,
		.max_conns_per_uid = w->max_conns_per_uid,
		.max_packet = w->max_packet,
		.max_name = w->max_name,
		.max_ndim = w->max_ndim,
		.max_watch_events = w->max_watch_events,
		.uid_bytes = w->uid_bytes,
		.uid_segments = w->uid_segments,
		.uid_views = w->uid_views,
		.max_views_per_uid = w->max_views_per_uid,
		.recovered_segments = w->recovered_segments,
		.notify_queued = w->notify_queued,
		.streams = w->streams,
		.uid_streams = w->uid_streams,
		.max_streams = w->max_streams,
		.max_streams_per_uid = w->max_streams_per_uid,
		.deleted_held_bytes = w->deleted_held_bytes,
		.deleted_held_segments = w->deleted_held_segments,
		.deleted_owner_bytes = w->deleted_owner_bytes,
		.uid_held_bytes = w->uid_held_bytes,
		.max_held_bytes_per_uid = w->max_held_bytes_per_uid,
		.uid_fds = w->uid_fds,
		.max_fds_per_uid = w->max_fds_per_uid,
	};
	snprintf(s->server_version, sizeof(s->server_version), "%s",
	    w->server_version != NULL ? w->server_version : "");
}

MVIEW_EXPORT int
mview_client_status(struct mview_client *c, struct mview_status *ret_status)
{
	Mview__Request	 req = MVIEW__REQUEST__INIT;
	Mview__Status	 st = MVIEW__STATUS__INIT;
	Mview__Reply	*rep;
	int		 r;

	if (c == NULL || ret_status == NULL)
		return -EINVAL;
	req.body_case = MVIEW__REQUEST__BODY_STATUS;
	req.status = &st;
	if ((r = client_call_reply(c, &req, CLIENT_CALL_RETRY,
	    MVIEW__REPLY__BODY_STATUS, &rep, NULL)) < 0)
		return r;
	status_from_wire(rep->status, ret_status);
	wire_reply_free(rep);
	return 0;
}

MVIEW_EXPORT int
mview_client_metrics(struct mview_client *c, char **ret_text)
{
	Mview__Request	 req = MVIEW__REQUEST__INIT;
	Mview__Metrics	 m = MVIEW__METRICS__INIT;
	Mview__Reply	*rep;
	char		*text;
	int		 r;

	if (c == NULL || ret_text == NULL)
		return -EINVAL;
	req.body_case = MVIEW__REQUEST__BODY_METRICS;
	req.metrics = &m;
	if ((r = client_call_reply(c, &req, CLIENT_CALL_RETRY,
	    MVIEW__REPLY__BODY_METRICS, &rep, NULL)) < 0)
		return r;
	text = strdup(rep->metrics->text != NULL ? rep->metrics->text : "");
	wire_reply_free(rep);
	if (text == NULL)
		return -ENOMEM;
	*ret_text = text;
	return 0;
}
