/* SPDX-License-Identifier: MIT */
/* Watches: prefixes a session follows, and the events fanned out to it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "errmsg.h"
#include "server.h"
#include "session.h"
#include "util.h"
#include "watch.h"
#include "wire.h"

_Static_assert((int)REGISTRY_SEGMENT_CREATED ==
    (int)MVIEW__EVENT__TYPE__SEGMENT_CREATED, "event numbering");
_Static_assert((int)REGISTRY_SEGMENT_DELETED ==
    (int)MVIEW__EVENT__TYPE__SEGMENT_DELETED, "event numbering");
_Static_assert((int)REGISTRY_VIEW_PUBLISHED ==
    (int)MVIEW__EVENT__TYPE__VIEW_PUBLISHED, "event numbering");
_Static_assert((int)REGISTRY_VIEW_UNPUBLISHED ==
    (int)MVIEW__EVENT__TYPE__VIEW_UNPUBLISHED, "event numbering");

int
watch_add(struct session *s, const char *prefix, struct errmsg *e)
{
	const struct limits	*l = &s->srv->limits;
	struct watch		*w;
	size_t			 len = strlen(prefix);
	int			 r;

	if (len > 0 && (r = util_check_name(prefix, l->max_name)) < 0)
		return errmsg_set(e, r, r == -ENAMETOOLONG ? "prefix longer "
		    "than the name limit (max-name)" : "invalid prefix: names "
		    "are printable ASCII without spaces, not starting with '/'");
	LIST_FOREACH(w, &s->watches, entry)
		if (strcmp(w->prefix, prefix) == 0)
			return 0;
	if (s->nwatches >= l->max_watches)
		return errmsg_set(e, -EMFILE, "this connection watches %zu "
		    "prefixes already (max-watches)", s->nwatches);
	if ((w = malloc(sizeof(*w) + len + 1)) == NULL)
		return errmsg_set(e, -ENOMEM, "out of memory");
	memcpy(w->prefix, prefix, len + 1);
	if (s->nwatches++ == 0)
		LIST_INSERT_HEAD(&s->srv->watchers, s, watch_entry);
	LIST_INSERT_HEAD(&s->watches, w, entry);
	return 0;
}

int
watch_remove(struct session *s, const char *prefix, struct errmsg *e)
{
	struct watch	*w;

	LIST_FOREACH(w, &s->watches, entry) {
		if (strcmp(w->prefix, prefix) != 0)
			continue;
		LIST_REMOVE(w, entry);
		free(w);
		if (--s->nwatches == 0)
			LIST_REMOVE(s, watch_entry);
		return 0;
	}
	return errmsg_set(e, -ENOENT, "this connection does not watch "
	    "'%.300s'", prefix);
}

void
watch_clear(struct session *s)
{
	struct watch	*w;

	while ((w = LIST_FIRST(&s->watches)) != NULL) {
		LIST_REMOVE(w, entry);
		free(w);
	}
	if (s->nwatches > 0)
		LIST_REMOVE(s, watch_entry);
	s->nwatches = 0;
}

static bool
watch_matches(const struct session *s, const char *name)
{
	const struct watch	*w;

	LIST_FOREACH(w, &s->watches, entry)
		if (util_name_has_prefix(name, w->prefix))
			return true;
	return false;
}

static int
watch_pack(Mview__Event__Type type, const char *name, uint64_t segment_id,
    void **ret_buf, size_t *ret_len)
{
	Mview__Reply	rep = MVIEW__REPLY__INIT;
	Mview__Event	ev = MVIEW__EVENT__INIT;

	ev.type = type;
	ev.name = (char *)name;
	ev.has_segment_id = segment_id != 0;
	ev.segment_id = segment_id;
	rep.id = 0;
	rep.body_case = MVIEW__REPLY__BODY_EVENT;
	rep.event = &ev;
	return wire_reply_pack(&rep, WIRE_PACKET_MAX_HARD, ret_buf, ret_len);
}

int
watch_pack_overflow(void **ret_buf, size_t *ret_len)
{
	return watch_pack(MVIEW__EVENT__TYPE__OVERFLOW, NULL, 0, ret_buf,
	    ret_len);
}

/* Only to watchers of a matching prefix who may read the segment. */
void
watch_event_cb(void *arg, enum registry_event type, const char *name,
    const struct segment *seg)
{
	struct server	*srv = arg;
	struct session	*s;
	void		*buf = NULL;
	size_t		 len = 0;

	LIST_FOREACH(s, &srv->watchers, watch_entry) {
		if (session_dead(s) || !watch_matches(s, name) ||
		    access_segment_read(&s->cred, seg) < 0)
			continue;
		if (buf == NULL && watch_pack((Mview__Event__Type)type, name,
		    seg->id, &buf, &len) < 0)
			return;
		session_send_event(s, buf, len);
	}
	free(buf);
}
