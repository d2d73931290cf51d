/* SPDX-License-Identifier: MIT */
/* Who holds what: the sessions request, under the rule of access_see_all(). */
#include <sys/queue.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "dispatch.h"
#include "registry.h"
#include "segment.h"
#include "server.h"
#include "session.h"
#include "wire.h"

#define DISPATCH_HELD_MAX	256	/* held segments listed per session */

struct held_fill {
	Mview__HeldSegment	*held;		/* DISPATCH_HELD_MAX */
	Mview__HeldSegment	**ptrs;
	size_t			 n;
	uint64_t		 bytes;
};

static void
dispatch_held_cb(struct segment *seg, void *arg)
{
	struct held_fill	*f = arg;
	Mview__HeldSegment	*h;

	f->bytes += seg->size;
	if (f->n == DISPATCH_HELD_MAX)
		return;
	h = &f->held[f->n];
	*h = (Mview__HeldSegment)MVIEW__HELD_SEGMENT__INIT;
	h->id = seg->id;
	h->name = seg->name;
	h->has_size = h->has_deleted = true;
	h->size = seg->size;
	h->deleted = seg->deleted;
	f->ptrs[f->n++] = h;
}

static void
dispatch_session_info(const struct session *me, struct session *s,
    Mview__SessionInfo *w, struct held_fill *f)
{
	*w = (Mview__SessionInfo)MVIEW__SESSION_INFO__INIT;
	w->id = s->id;
	w->has_pid = w->has_uid = w->has_gid = w->has_since_ns = true;
	w->pid = (uint32_t)s->cred.pid;
	w->uid = s->cred.uid;
	w->gid = s->cred.gid;
	w->since_ns = s->since_ns;
	w->client_name = s->client_name[0] ? s->client_name : NULL;
	registry_holder_each(&s->holder, dispatch_held_cb, f);
	w->has_nsegments = w->has_bytes = w->has_views_published = true;
	w->nsegments = (uint32_t)registry_holder_count(&s->holder);
	w->bytes = f->bytes;
	w->views_published = s->views_published;
	w->n_held = f->n;
	w->held = f->ptrs;
	w->has_self = true;
	w->self = s == me;
}

int
dispatch_session_list(struct session *s, const Mview__Request *req,
    struct reply *rep)
{
	struct session		 *o;
	Mview__SessionInfo	 *infos, **ptrs;
	Mview__HeldSegment	 *held, **hptrs;
	size_t			  n = 0, max = s->srv->nsessions, budget;
	bool			  all;

	all = access_see_all(&s->cred, "sessions", &rep->err) == 0;
	infos = calloc(max ? max : 1, sizeof(*infos));
	ptrs = calloc(max ? max : 1, sizeof(*ptrs));
	held = calloc(DISPATCH_HELD_MAX * (max ? max : 1), sizeof(*held));
	hptrs = calloc(DISPATCH_HELD_MAX * (max ? max : 1), sizeof(*hptrs));
	if (infos == NULL || ptrs == NULL || held == NULL || hptrs == NULL) {
		free(infos);
		free(ptrs);
		free(held);
		free(hptrs);
		return errmsg_set(&rep->err, -ENOMEM, "sessions: out of memory");
	}
	rep->err.text[0] = '\0';
	budget = dispatch_list_budget(s);
	rep->sesslist = (Mview__SessionListReply)MVIEW__SESSION_LIST_REPLY__INIT;
	TAILQ_FOREACH(o, &s->srv->sessions, entry) {
		struct held_fill f = {
			.held = held + n * DISPATCH_HELD_MAX,
			.ptrs = hptrs + n * DISPATCH_HELD_MAX,
		};
		size_t	sz;

		if (n == max || (!all && o->cred.uid != s->cred.uid))
			continue;
		dispatch_session_info(s, o, &infos[n], &f);
		sz = wire_repeated_entry_size(&infos[n].base);
		if (sz > budget) {
			rep->sesslist.has_truncated = true;
			rep->sesslist.truncated = true;
			break;
		}
		budget -= sz;
		ptrs[n] = &infos[n];
		n++;
	}
	rep->scratch[0] = infos;
	rep->scratch[1] = held;
	/* ptrs and hptrs live as long as the reply too. */
	rep->scratch[2] = ptrs;
	rep->scratch[3] = hptrs;
	rep->sesslist.n_sessions = n;
	rep->sesslist.sessions = ptrs;
	rep->msg.body_case = MVIEW__REPLY__BODY_SESSION_LIST;
	rep->msg.session_list = &rep->sesslist;
	return 0;
}
