/* SPDX-License-Identifier: MIT */
/* Watches and the event queue: events that arrive while a reply is awaited wait here. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client-wire.h"

static bool
events_type(Mview__Event__Type t, enum mview_event_type *ret_type)
{
	switch (t) {
	case MVIEW__EVENT__TYPE__SEGMENT_CREATED:
		*ret_type = MVIEW_EVENT_SEGMENT_CREATED;
		return true;
	case MVIEW__EVENT__TYPE__SEGMENT_DELETED:
		*ret_type = MVIEW_EVENT_SEGMENT_DELETED;
		return true;
	case MVIEW__EVENT__TYPE__VIEW_PUBLISHED:
		*ret_type = MVIEW_EVENT_VIEW_PUBLISHED;
		return true;
	case MVIEW__EVENT__TYPE__VIEW_UNPUBLISHED:
		*ret_type = MVIEW_EVENT_VIEW_UNPUBLISHED;
		return true;
	case MVIEW__EVENT__TYPE__OVERFLOW:
		*ret_type = MVIEW_EVENT_OVERFLOW;
		return true;
	default:
		return false;	/* a newer daemon's: skip */
	}
}

/* Queue e for client arg (the connection's event callback); when the
 * queue is full (or memory is), report OVERFLOW later. */
void
events_queue(const Mview__Event *e, void *arg)
{
	struct mview_client	*c = arg;
	struct client_event	*ev;
	enum mview_event_type	 type;
	const char		*name = e->name != NULL ? e->name : "";
	size_t			 len = strnlen(name, MVIEW_NAME_MAX);

	if (!events_type(e->type, &type))
		return;
	if (c->nevents >= CLIENT_EVENTS_MAX ||
	    (ev = malloc(sizeof(*ev) + len + 1)) == NULL) {
		c->ev_overflow = true;
		return;
	}
	ev->next = NULL;
	ev->type = type;
	ev->segment_id = e->has_segment_id ? e->segment_id : 0;
	memcpy(ev->name, name, len);
	ev->name[len] = '\0';
	*c->ev_tail = ev;
	c->ev_tail = &ev->next;
	c->nevents++;
}

/* The oldest queued event (or the overflow note after them), if any. */
static bool
events_pop(struct mview_client *c, struct mview_event *ret_event)
{
	struct client_event	*ev = c->ev_head;

	if (ev == NULL) {
		if (!c->ev_overflow)
			return false;
		c->ev_overflow = false;
		ret_event->type = MVIEW_EVENT_OVERFLOW;
		ret_event->segment_id = 0;
		ret_event->name[0] = '\0';
		return true;
	}
	if ((c->ev_head = ev->next) == NULL)
		c->ev_tail = &c->ev_head;
	c->nevents--;
	ret_event->type = ev->type;
	ret_event->segment_id = ev->segment_id;
	snprintf(ret_event->name, sizeof(ret_event->name), "%s", ev->name);
	free(ev);
	return true;
}

void
events_free(struct mview_client *c)
{
	struct client_watch	*w;
	struct client_event	*ev;

	while ((ev = c->ev_head) != NULL) {
		c->ev_head = ev->next;
		free(ev);
	}
	c->ev_tail = &c->ev_head;
	c->nevents = 0;
	while ((w = c->watches) != NULL) {
		c->watches = w->next;
		free(w);
	}
}

/* A watch (or, with unwatch, its end) on prefix, repeated after a reconnect. */
static int
events_send_watch(struct mview_client *c, const char *prefix, bool unwatch)
{
	Mview__Request	req = MVIEW__REQUEST__INIT;
	Mview__Watch	w = MVIEW__WATCH__INIT;

	replay_watch_request(&req, &w, prefix, unwatch);
	return client_call(c, &req, CLIENT_CALL_RETRY, NULL, NULL);
}

MVIEW_EXPORT int
mview_client_watch(struct mview_client *c, const char *prefix)
{
	struct client_watch	*w;
	size_t			 len;
	int			 r;

	if (c == NULL)
		return -EINVAL;
	if (prefix == NULL)
		prefix = "";
	if ((len = strlen(prefix)) > MVIEW_NAME_MAX)
		return -ENAMETOOLONG;
	for (w = c->watches; w != NULL; w = w->next) {
		if (strcmp(w->prefix, prefix) == 0)
			return 0;
	}
	if ((w = malloc(sizeof(*w) + len + 1)) == NULL)
		return -ENOMEM;
	memcpy(w->prefix, prefix, len + 1);
	if ((r = events_send_watch(c, prefix, false)) < 0) {
		free(w);
		return r;
	}
	w->next = c->watches;
	c->watches = w;
	return 0;
}

MVIEW_EXPORT int
mview_client_unwatch(struct mview_client *c, const char *prefix)
{
	struct client_watch	**pp, *w;
	int			  r;

	if (c == NULL)
		return -EINVAL;
	if (prefix == NULL)
		prefix = "";
	for (pp = &c->watches; *pp != NULL; pp = &(*pp)->next) {
		if (strcmp((*pp)->prefix, prefix) == 0)
			break;
	}
	if ((w = *pp) == NULL)
		return -ENOENT;
	/* Still listed while we ask: a reconnect on the way watches it again,
	 * and the retried unwatch then ends that watch. */
	if ((r = events_send_watch(c, prefix, true)) < 0 &&
	    r != -ENOENT)
		return r;
	*pp = w->next;
	free(w);
	return 0;
}

MVIEW_EXPORT int
mview_client_next_event(struct mview_client *c, int timeout_ms,
    struct mview_event *ret_event)
{
	Mview__Reply	*rep;
	int		 fds[WIRE_MAX_FDS];
	size_t		 nfds;
	int64_t		 deadline = conn_deadline(timeout_ms);
	int		 r;

	if (c == NULL || ret_event == NULL)
		return -EINVAL;
	for (;;) {
		if (events_pop(c, ret_event))
			return 0;
		if (c->conn.fd < 0 && (c->flags & MVIEW_CONNECT_NO_RECONNECT))
			return -ECONNRESET;
		if (c->conn.fd < 0 && (r = client_reconnect(c)) < 0)
			return r;
		r = conn_recv(&c->conn, deadline, true, &rep, fds, &nfds);
		if (r == -ETIMEDOUT)
			return -EAGAIN;
		if (r < 0)
			return r;
		if (rep->id == 0 && rep->body_case == MVIEW__REPLY__BODY_EVENT)
			events_queue(rep->event, c);
		wire_close_fds(fds, nfds);
		wire_reply_free(rep);
	}
}
