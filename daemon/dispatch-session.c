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
#include "stream.h"
#include "wire.h"

#define DISPATCH_HELD_MAX	256	/* held segments listed per session */
#define DISPATCH_ROLES_MAX	256	/* stream roles listed per session */

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

/* The roles h plays on streams into w (at most DISPATCH_ROLES_MAX of
 * them, from roles and rptrs), the frames its consumers hold. */
static void
dispatch_session_streams(const struct holder *h, Mview__SessionInfo *w,
    Mview__SessionStream *roles, Mview__SessionStream **rptrs)
{
	const struct stream_user	*u;
	Mview__SessionStream		*r;
	uint32_t			 holds, total = 0, n = 0;

	LIST_FOREACH(u, &h->stream_users, entry) {
		holds = u->role == STREAM_ROLE_CONSUMER ?
		    stream_position_holds(u->st, u->pos) : 0;
		total += holds;
		if (n == DISPATCH_ROLES_MAX)
			continue;
		r = &roles[n];
		*r = (Mview__SessionStream)MVIEW__SESSION_STREAM__INIT;
		r->id = u->st->id;
		r->name = u->st->name;
		r->has_role = r->has_holds = r->has_deleted = true;
		r->role = u->role == STREAM_ROLE_PRODUCER ?
		    MVIEW__STREAM_ROLE__STREAM_PRODUCER :
		    MVIEW__STREAM_ROLE__STREAM_CONSUMER;
		r->holds = holds;
		r->deleted = u->st->deleted;
		if (u->role == STREAM_ROLE_CONSUMER) {
			r->has_position = r->has_policy = true;
			r->position = u->pos;
			r->policy = u->policy == STREAM_POLICY_LOSSLESS ?
			    MVIEW__STREAM_POLICY__STREAM_LOSSLESS :
			    MVIEW__STREAM_POLICY__STREAM_LATEST;
		}
		rptrs[n++] = r;
	}
	w->n_streams = n;
	w->streams = rptrs;
	w->has_nstreams = w->has_frames_held = true;
	w->nstreams = (uint32_t)h->nstream_users;
	w->frames_held = total;
}

static size_t
dispatch_roles(const struct session *s)
{
	return s->holder.nstream_users < DISPATCH_ROLES_MAX ?
	    s->holder.nstream_users : DISPATCH_ROLES_MAX;
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

/* What one reply may list: the sessions the caller sees, and room for
 * their held segments and stream roles (each capped per session). */
struct session_counts {
	size_t	sessions, held, roles;
};

static bool
dispatch_session_visible(const struct session *me, const struct session *o,
    bool all)
{
	return all || o->cred.uid == me->cred.uid;
}

static void
dispatch_session_count(const struct session *me, bool all,
    struct session_counts *c)
{
	const struct session	*o;
	size_t			 held;

	*c = (struct session_counts){ 1, 1, 1 };	/* calloc(0) may be NULL */
	TAILQ_FOREACH(o, &me->srv->sessions, entry) {
		if (!dispatch_session_visible(me, o, all))
			continue;
		held = registry_holder_count(&o->holder);
		c->sessions++;
		c->held += held < DISPATCH_HELD_MAX ? held : DISPATCH_HELD_MAX;
		c->roles += dispatch_roles(o);
	}
}

int
dispatch_session_list(struct session *s, const Mview__Request *req,
    struct reply *rep)
{
	struct session		 *o;
	struct session_counts	  max;
	Mview__SessionInfo	 *infos, **ptrs;
	Mview__HeldSegment	 *held, **hptrs;
	Mview__SessionStream	 *roles, **rptrs;
	size_t			  n = 0, h = 0, r = 0, budget;
	bool			  all;

	all = access_see_all(&s->cred, "sessions", &rep->err) == 0;
	dispatch_session_count(s, all, &max);
	infos = calloc(max.sessions, sizeof(*infos));
	ptrs = calloc(max.sessions, sizeof(*ptrs));
	held = calloc(max.held, sizeof(*held));
	hptrs = calloc(max.held, sizeof(*hptrs));
	roles = calloc(max.roles, sizeof(*roles));
	rptrs = calloc(max.roles, sizeof(*rptrs));
	if (infos == NULL || ptrs == NULL || held == NULL || hptrs == NULL ||
	    roles == NULL || rptrs == NULL) {
		free(infos);
		free(ptrs);
		free(held);
		free(hptrs);
		free(roles);
		free(rptrs);
		return errmsg_set(&rep->err, -ENOMEM, "sessions: out of memory");
	}
	rep->err.text[0] = '\0';
	budget = dispatch_list_budget(s);
	rep->sesslist = (Mview__SessionListReply)MVIEW__SESSION_LIST_REPLY__INIT;
	TAILQ_FOREACH(o, &s->srv->sessions, entry) {
		struct held_fill f = { .held = held + h, .ptrs = hptrs + h };
		size_t	sz;

		if (!dispatch_session_visible(s, o, all))
			continue;
		dispatch_session_info(s, o, &infos[n], &f);
		dispatch_session_streams(&o->holder, &infos[n], roles + r,
		    rptrs + r);
		sz = wire_repeated_entry_size(&infos[n].base);
		if (sz > budget) {
			rep->sesslist.has_truncated = true;
			rep->sesslist.truncated = true;
			break;
		}
		budget -= sz;
		h += f.n;
		r += infos[n].n_streams;
		ptrs[n] = &infos[n];
		n++;
	}
	rep->scratch[0] = infos;
	rep->scratch[1] = held;
	/* ptrs and hptrs live as long as the reply too. */
	rep->scratch[2] = ptrs;
	rep->scratch[3] = hptrs;
	rep->scratch[4] = roles;
	rep->scratch[5] = rptrs;
	rep->sesslist.n_sessions = n;
	rep->sesslist.sessions = ptrs;
	rep->msg.body_case = MVIEW__REPLY__BODY_SESSION_LIST;
	rep->msg.session_list = &rep->sesslist;
	return 0;
}
