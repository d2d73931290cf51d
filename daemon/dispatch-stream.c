/* SPDX-License-Identifier: MIT */
/* Stream requests: create, open (as producer or consumer), close, delete, stat, list. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dispatch.h"
#include "access.h"
#include "listing.h"
#include "registry-stream.h"
#include "server.h"
#include "session.h"
#include "util.h"
#include "desc-wire.h"
#include "views.h"
#include "wire.h"

#define DISPATCH_STREAM_LIST_MAX	256	/* entries per page */

/* Streams have their own namespace: a name here is a stream's. */
static int
dispatch_stream_find(struct session *s, const Mview__Ref *ref,
    struct errmsg *e, struct stream **ret_stream)
{
	struct registry	*reg = &s->srv->reg;
	struct stream	*st = NULL;

	switch (ref != NULL ? ref->by_case : MVIEW__REF__BY__NOT_SET) {
	case MVIEW__REF__BY_NAME:
		if ((st = registry_stream_find_name(reg, ref->name)) == NULL)
			return errmsg_set(e, -ENOENT, "no stream named '%.300s'",
			    ref->name);
		break;
	case MVIEW__REF__BY_ID:
		if ((st = registry_stream_find_id(reg, ref->id,
		    &s->holder)) == NULL)
			return errmsg_set(e, -ENOENT, "no stream with id %llu",
			    (unsigned long long)ref->id);
		break;
	default:
		return errmsg_set(e, -EINVAL, "a stream reference needs a name "
		    "or an id");
	}
	*ret_stream = st;
	return 0;
}

/* StreamInfo of st into w (pointing into st and rep). */
static void
dispatch_stream_info(const struct stream *st, Mview__StreamInfo *w,
    Mview__ViewDesc *layout, struct reply *rep)
{
	const struct stream_frame_desc	*fd = &st->mem.ctl->layout;
	struct stream_stat		 sst;
	int				 n;

	stream_stat(st, &sst);
	*w = (Mview__StreamInfo)MVIEW__STREAM_INFO__INIT;
	w->id = st->id;
	w->name = st->name;
	w->has_uid = w->has_gid = w->has_mode = w->has_lifetime = true;
	w->uid = st->uid;
	w->gid = st->gid;
	w->mode = st->p.mode;
	w->lifetime = st->p.lifetime == SEGMENT_SESSION ?
	    MVIEW__LIFETIME__LIFETIME_SESSION :
	    MVIEW__LIFETIME__LIFETIME_PERSISTENT;
	w->has_slots = w->has_capacity = true;
	w->slots = st->p.geo.nslots;
	w->capacity = st->p.geo.capacity;
	w->has_max_consumers = w->has_max_holds = true;
	w->max_consumers = st->p.geo.max_consumers;
	w->max_holds = st->p.geo.max_holds;
	w->has_ctime_ns = w->has_has_producer = w->has_consumers = true;
	w->ctime_ns = st->ctime_ns;
	w->has_producer = st->producer != NULL;
	w->consumers = st->nconsumers;
	w->has_head = w->has_deleted = true;
	w->head = sst.head;
	w->has_published = w->has_holds = w->has_dropped = true;
	w->published = sst.published;
	w->holds = sst.holds;
	w->dropped = sst.dropped > UINT64_MAX - st->dropped_gone ? UINT64_MAX :
	    sst.dropped + st->dropped_gone;
	w->deleted = st->deleted;
	w->has_data_size = w->has_control_size = w->has_lease_size = true;
	w->data_size = st->mem.data_size;
	w->control_size = st->mem.ctl_size;
	w->lease_size = st->mem.lease_size;
	/* The daemon wrote the layout; it is checked at create and adopt. */
	n = fd->ndim >= 0 && fd->ndim <= STREAM_MAX_NDIM ? fd->ndim : 0;
	*layout = (Mview__ViewDesc)MVIEW__VIEW_DESC__INIT;
	layout->segment_id = st->id;
	layout->offset = fd->offset;
	layout->itemsize = fd->itemsize;
	layout->format = (char *)rep->stream_format;
	memcpy(rep->stream_format, fd->format, sizeof(fd->format));
	rep->stream_format[sizeof(rep->stream_format) - 1] = '\0';
	layout->n_shape = layout->n_strides = (size_t)n;
	layout->shape = (int64_t *)fd->shape;
	layout->strides = (int64_t *)fd->strides;
	w->layout = layout;
}

static void
dispatch_reply_stream(const struct stream *st, struct reply *rep)
{
	dispatch_stream_info(st, &rep->stream, &rep->stream_layout, rep);
	rep->msg.body_case = MVIEW__REPLY__BODY_STREAM;
	rep->msg.stream = &rep->stream;
}

int
dispatch_stream_create(struct session *s, const Mview__Request *req,
    struct reply *rep)
{
	const Mview__StreamCreate	*c = req->stream_create;
	const struct limits		*l = &s->srv->limits;
	struct stream_params		 p = {
		.name = c->name, .mode = c->mode,
		.lifetime = (uint32_t)c->lifetime,
	};
	struct stream			*st;
	int				 r;

	if (c->layout != NULL) {
		struct view_error verr = { 0 };

		if (desc_from_wire(c->layout, &p.layout, &verr) < 0)
			return errmsg_set(&rep->err, -EINVAL, "bad frame layout: "
			    "%s", verr.msg);
		p.layout.segment_id = 0;
		p.has_layout = true;
	}
	/* The defaults, within the limits however those were set. */
	uint64_t npos = l->stream_consumers < l->max_stream_consumers ?
	    l->stream_consumers : l->max_stream_consumers;
	uint64_t nholds = l->stream_holds < l->max_stream_holds ?
	    l->stream_holds : l->max_stream_holds;
	r = stream_params_init(&p, c->slots, c->has_capacity ? c->capacity : 0,
	    c->has_max_consumers ? c->max_consumers : (uint32_t)npos,
	    c->has_max_holds ? c->max_holds : (uint32_t)nholds, &rep->err);
	if (r < 0)
		return r;
	r = registry_stream_create(&s->srv->reg, &p, &s->cred, &s->holder,
	    &rep->err, &st);
	if (r < 0)
		return r;
	dispatch_reply_stream(st, rep);
	return 0;
}

/* The fds of an open reply: data, control, then the lease(s). */
static int
dispatch_stream_fds(struct stream *st, const struct stream_user *u,
    struct reply *rep)
{
	bool	producer = u->role == STREAM_ROLE_PRODUCER;
	int	r;

	if ((r = stream_open_data(st, producer || u->write,
	    &rep->fds[rep->nfds])) < 0)
		return r;
	rep->nfds++;
	if ((r = stream_open_control(st, producer, &rep->fds[rep->nfds])) < 0)
		return r;
	rep->nfds++;
	if (!producer) {
		if ((r = stream_open_lease(st, u->pos, true,
		    &rep->fds[rep->nfds])) < 0)
			return r;
		rep->nfds++;
		return 0;
	}
	for (uint32_t i = 0; i < st->p.geo.max_consumers; i++) {
		if ((r = stream_open_lease(st, i, false,
		    &rep->fds[rep->nfds])) < 0)
			return r;
		rep->nfds++;
	}
	return 0;
}

/* What an open asks for: known role and policy, allowed by the mode. */
static int
dispatch_stream_access(struct session *s, const struct stream *st,
    const Mview__StreamOpen *o, struct errmsg *e)
{
	bool	producer = o->role == MVIEW__STREAM_ROLE__STREAM_PRODUCER;

	if (!producer && o->role != MVIEW__STREAM_ROLE__STREAM_CONSUMER)
		return errmsg_set(e, -EINVAL, "unknown stream role %d",
		    (int)o->role);
	if (o->has_policy && o->policy != MVIEW__STREAM_POLICY__STREAM_LATEST &&
	    o->policy != MVIEW__STREAM_POLICY__STREAM_LOSSLESS)
		return errmsg_set(e, -EINVAL, "unknown stream policy %d",
		    (int)o->policy);
	return access_stream_open(&s->cred, st, producer,
	    !producer && o->has_write && o->write, e);
}

/*
 * A reattach after a daemon restart: the role this client held, kept for
 * it since (held by the restart's grace), moves to s. -ENOENT when it
 * is not kept (given up, or taken by someone else).
 */
static int
dispatch_stream_reattach(struct session *s, struct stream *st,
    const Mview__StreamOpen *o, struct errmsg *e, struct stream_user **ret)
{
	struct stream_user	*u;

	if (o->role == MVIEW__STREAM_ROLE__STREAM_PRODUCER)
		u = st->producer;
	else
		u = o->has_position && o->position < st->p.geo.max_consumers ?
		    st->consumers[o->position] : NULL;
	if (u == NULL || u->h != s->srv->restored)
		return errmsg_set(e, -ENOENT, "stream '%s' keeps no such role "
		    "from before the restart", st->name);
	LIST_REMOVE(u, entry);
	u->h->nstream_users--;
	u->h = &s->holder;
	LIST_INSERT_HEAD(&s->holder.stream_users, u, entry);
	s->holder.nstream_users++;
	*ret = u;
	return 0;
}

int
dispatch_stream_open(struct session *s, const Mview__Request *req,
    struct reply *rep)
{
	const Mview__StreamOpen	*o = req->stream_open;
	struct registry		*reg = &s->srv->reg;
	enum stream_role	 role = o->role == MVIEW__STREAM_ROLE__STREAM_PRODUCER ?
				    STREAM_ROLE_PRODUCER : STREAM_ROLE_CONSUMER;
	unsigned		 policy = o->has_policy &&
				    o->policy == MVIEW__STREAM_POLICY__STREAM_LOSSLESS ?
				    STREAM_POLICY_LOSSLESS : STREAM_POLICY_LATEST;
	struct stream_user	*u;
	struct stream		*st;
	int			 r;

	if ((r = dispatch_stream_find(s, o->ref, &rep->err, &st)) < 0)
		return r;
	if ((r = dispatch_stream_access(s, st, o, &rep->err)) < 0)
		return r;
	if (o->has_reattach && o->reattach)
		r = dispatch_stream_reattach(s, st, o, &rep->err, &u);
	else
		r = registry_stream_join(reg, &s->holder, st, role, policy,
		    o->has_write && o->write, o->has_position ?
		    (int64_t)o->position : -1, &rep->err, &u);
	if (r < 0)
		return r;
	if ((r = dispatch_stream_fds(st, u, rep)) < 0) {
		registry_stream_leave(reg, u);
		return errmsg_set(&rep->err, r, "cannot open the stream's "
		    "memory: %s", strerror(-r));
	}
	dispatch_reply_stream(st, rep);
	rep->stream.has_role = rep->stream.has_position = true;
	rep->stream.role = o->role;
	rep->stream.position = u->pos;
	rep->stream.has_writable = rep->stream.has_policy = true;
	rep->stream.writable = role == STREAM_ROLE_PRODUCER || u->write;
	rep->stream.policy = u->policy == STREAM_POLICY_LOSSLESS ?
	    MVIEW__STREAM_POLICY__STREAM_LOSSLESS :
	    MVIEW__STREAM_POLICY__STREAM_LATEST;
	return 0;
}

int
dispatch_stream_close(struct session *s, const Mview__Request *req,
    struct reply *rep)
{
	const Mview__StreamClose	*c = req->stream_close;
	enum stream_role		 role;
	struct stream_user		*u;

	role = c->role == MVIEW__STREAM_ROLE__STREAM_PRODUCER ?
	    STREAM_ROLE_PRODUCER : STREAM_ROLE_CONSUMER;
	u = registry_stream_user_find(&s->holder, c->id, role,
	    c->has_position ? c->position : 0);
	if (u == NULL)
		return errmsg_set(&rep->err, -ENOENT, "this connection plays "
		    "no such role on stream %llu", (unsigned long long)c->id);
	registry_stream_leave(&s->srv->reg, u);
	return 0;
}

int
dispatch_stream_delete(struct session *s, const Mview__Request *req,
    struct reply *rep)
{
	struct stream	*st;
	int		 r;

	if ((r = dispatch_stream_find(s, req->stream_delete, &rep->err,
	    &st)) < 0)
		return r;
	if ((r = access_stream_own(&s->cred, st, &rep->err)) < 0)
		return r;
	registry_stream_delete(&s->srv->reg, st);
	return 0;
}

int
dispatch_stream_stat(struct session *s, const Mview__Request *req,
    struct reply *rep)
{
	struct stream	*st;
	int		 r;

	if ((r = dispatch_stream_find(s, req->stream_stat, &rep->err,
	    &st)) < 0)
		return r;
	if (access_stream_read(&s->cred, st) < 0 &&
	    (r = access_stream_open(&s->cred, st, false, false,
	    &rep->err)) < 0)
		return r;
	dispatch_reply_stream(st, rep);
	return 0;
}

/* One page of StreamInfo entries; each gets its own layout and format. */
struct stream_page {
	Mview__StreamInfo	 info[DISPATCH_STREAM_LIST_MAX];
	Mview__StreamInfo	*ptrs[DISPATCH_STREAM_LIST_MAX];
	Mview__ViewDesc		 layout[DISPATCH_STREAM_LIST_MAX];
};

int
dispatch_stream_list(struct session *s, const Mview__Request *req,
    struct reply *rep)
{
	const Mview__StreamList	*sl = req->stream_list;
	const char		*prefix = sl->prefix != NULL ? sl->prefix : "";
	struct listing		 l;
	struct tree_iter	 it;
	struct stream_page	*pg;
	struct stream		*st;
	char			(*fmts)[VIEW_FORMAT_MAX];

	pg = calloc(1, sizeof(*pg));
	fmts = calloc(DISPATCH_STREAM_LIST_MAX, sizeof(*fmts));
	rep->scratch[0] = pg;
	rep->scratch[1] = fmts;
	if (pg == NULL || fmts == NULL)
		return errmsg_set(&rep->err, -ENOMEM, "out of memory");
	rep->streamlist = (Mview__StreamListReply)MVIEW__STREAM_LIST_REPLY__INIT;
	listing_begin(&l, &s->listings, LISTING_STREAMS,
	    DISPATCH_STREAM_LIST_MAX, dispatch_list_budget(s),
	    sl->has_resume ? sl->resume : 0);
	st = registry_stream_walk(&s->srv->reg, &it, prefix,
	    listing_after_name(&l, sl->after_name));
	for (; st != NULL; st = registry_stream_step(&it)) {
		if (!util_name_has_prefix(st->name, prefix)) {
			st = NULL;	/* sorted: nothing further matches */
			break;
		}
		if (!listing_look(&l))
			break;
		if (access_stream_read(&s->cred, st) < 0) {
			listing_pass(&l, 0, st->name);
			continue;
		}
		dispatch_stream_info(st, &pg->info[l.n], &pg->layout[l.n], rep);
		memcpy(fmts[l.n], rep->stream_format, sizeof(fmts[l.n]));
		pg->layout[l.n].format = fmts[l.n];
		pg->ptrs[l.n] = &pg->info[l.n];
		if (!listing_take(&l, &pg->info[l.n].base, 0, st->name))
			break;
	}
	rep->streamlist.n_streams = l.n;
	rep->streamlist.streams = pg->ptrs;
	rep->streamlist.has_more = true;
	rep->msg.body_case = MVIEW__REPLY__BODY_STREAM_LIST;
	rep->msg.stream_list = &rep->streamlist;
	return listing_end(&l, st != NULL, &rep->streamlist.more,
	    &rep->streamlist.has_resume, &rep->streamlist.resume, &rep->err);
}
