/* SPDX-License-Identifier: MIT */
/* Segment requests: create, open, close, delete, freeze, stat, list. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access.h"
#include "dispatch.h"
#include "listing.h"
#include "log.h"
#include "server.h"
#include "session.h"
#include "util.h"
#include "wire.h"

#define DISPATCH_LIST_MAX	1024	/* entries per page, whatever their size */

void
dispatch_segment_refresh(struct session *s, struct segment *seg)
{
	uint64_t	missing;
	bool		sealed;
	int		r;

	r = registry_segment_refresh(&s->srv->reg, seg, &sealed, &missing);
	if (sealed)
		log_notice("segment %llu: a writer sealed it against writing: "
		    "now frozen", (unsigned long long)seg->id);
	/* A writer may do it at every request: 1st, 2nd, 4th, 8th... time. */
	if (missing > 0 && r == 0 && (seg->nrefills & (seg->nrefills - 1)) == 0)
		log_warnx("segment %llu: a writer freed %llu bytes of it "
		    "(punched a hole): reserved again (%u times so far)",
		    (unsigned long long)seg->id, (unsigned long long)missing,
		    (unsigned)seg->nrefills);
	else if (missing > 0)
		log_warnx("segment %llu: a writer freed %llu bytes of it and "
		    "they cannot be reserved again: %s; readers may fault",
		    (unsigned long long)seg->id, (unsigned long long)missing,
		    strerror(-r));
}

/* The live segment ref names; by id also one s holds after its deletion. */
static int
dispatch_ref_find(struct session *s, const Mview__Ref *ref, bool held,
    struct errmsg *e, struct segment **ret_seg)
{
	struct registry	*reg = &s->srv->reg;
	struct segment	*seg = NULL;

	switch (ref->by_case) {
	case MVIEW__REF__BY_NAME:
		if ((seg = registry_segment_find_name(reg, ref->name)) == NULL)
			return errmsg_set(e, -ENOENT, "no segment named '%.300s'",
			    ref->name);
		break;
	case MVIEW__REF__BY_ID:
		seg = registry_segment_find_id(reg, ref->id);
		if (seg == NULL && held)
			seg = registry_holder_find(&s->holder, ref->id);
		if (seg == NULL && ref->id < reg->first_id)
			return errmsg_set(e, -ENOENT, "no segment with id %llu: "
			    "deleted, or made by an earlier mviewd (ids are "
			    "never reused)", (unsigned long long)ref->id);
		if (seg == NULL)
			return errmsg_set(e, -ENOENT, "no segment with id %llu",
			    (unsigned long long)ref->id);
		break;
	default:
		return errmsg_set(e, -EINVAL, "a segment reference needs a "
		    "name or an id");
	}
	log_context_segment(seg->id, seg->name);
	dispatch_segment_refresh(s, seg);
	*ret_seg = seg;
	return 0;
}

int
dispatch_attach_fd(struct session *s, struct segment *seg, bool write,
    struct reply *rep)
{
	struct registry	*reg = &s->srv->reg;
	bool		 held = registry_holder_find(&s->holder, seg->id) != NULL;
	int		 r;

	if ((r = registry_attach(reg, &s->holder, seg, &rep->err)) < 0)
		return r;
	if ((r = segment_open_fd(seg, write, &rep->fd)) < 0) {
		if (!held)
			registry_detach(reg, &s->holder, seg);
		return errmsg_set(&rep->err, r, "cannot open segment %llu: %s",
		    (unsigned long long)seg->id, strerror(-r));
	}
	registry_holder_fd_sent(&s->holder, seg->id, write);
	rep->seg.has_writable = true;
	rep->seg.writable = write;
	return 0;
}

/* Reply seg's info; with_fd attaches seg and an fd (O_RDWR when write). */
static int
dispatch_reply_segment(struct session *s, struct segment *seg, bool with_fd,
    bool write, struct reply *rep)
{
	int	r;

	rep->seg = (Mview__SegmentInfo)MVIEW__SEGMENT_INFO__INIT;
	if (with_fd && (r = dispatch_attach_fd(s, seg, write, rep)) < 0)
		return r;
	dispatch_segment_info(seg, &rep->seg);
	rep->msg.body_case = MVIEW__REPLY__BODY_SEGMENT;
	rep->msg.segment = &rep->seg;
	return 0;
}

int
dispatch_segment_create(struct session *s, const Mview__Request *req,
    struct reply *rep)
{
	const Mview__SegmentCreate	*c = req->segment_create;
	struct registry			*reg = &s->srv->reg;
	struct segment_params		 p = {
		.name = c->name, .size = c->size, .mode = c->mode,
		.lifetime = (uint32_t)c->lifetime,
		.hugetlb = c->has_hugetlb && c->hugetlb,
	};
	struct segment			*seg;
	int				 r;

	if (p.name != NULL && (r = access_name_reserved(&s->cred,
	    s->srv->reserve, p.name, &rep->err)) < 0)
		return r;
	r = registry_segment_create(reg, &p, &s->cred, &s->holder, &rep->err,
	    &seg);
	if (r < 0)
		return r;
	log_context_segment(seg->id, seg->name);
	if ((r = dispatch_reply_segment(s, seg, true, true, rep)) < 0) {
		registry_segment_delete(reg, seg);
		registry_detach(reg, &s->holder, seg);
		return r;
	}
	log_debug("segment %llu created (%llu bytes)",
	    (unsigned long long)seg->id, (unsigned long long)seg->size);
	return 0;
}

int
dispatch_segment_open(struct session *s, const Mview__Request *req,
    struct reply *rep)
{
	const Mview__SegmentOpen	*o = req->segment_open;
	bool				 write = o->has_write && o->write;
	struct segment			*seg;
	int				 r;

	if ((r = dispatch_ref_find(s, o->ref, false, &rep->err, &seg)) < 0)
		return r;
	if ((r = access_segment_open(&s->cred, seg, write, &rep->err)) < 0)
		return r;
	return dispatch_reply_segment(s, seg, true, write, rep);
}

int
dispatch_segment_close(struct session *s, const Mview__Request *req,
    struct reply *rep)
{
	const Mview__Ref	*ref = req->segment_close;
	struct segment		*seg;
	int			 r;

	if ((r = dispatch_ref_find(s, ref, true, &rep->err, &seg)) < 0)
		return r;
	if (registry_detach(&s->srv->reg, &s->holder, seg) < 0)
		return errmsg_set(&rep->err, -ENOENT, "this connection does not "
		    "hold segment %llu", (unsigned long long)seg->id);
	return 0;
}

int
dispatch_segment_delete(struct session *s, const Mview__Request *req,
    struct reply *rep)
{
	struct segment	*seg;
	int		 r;

	if ((r = dispatch_ref_find(s, req->segment_delete, false, &rep->err,
	    &seg)) < 0)
		return r;
	if ((r = access_segment_own(&s->cred, seg, "delete", &rep->err)) < 0)
		return r;
	log_debug("segment %llu deleted", (unsigned long long)seg->id);
	registry_segment_delete(&s->srv->reg, seg);
	return 0;
}

int
dispatch_segment_freeze(struct session *s, const Mview__Request *req,
    struct reply *rep)
{
	struct segment	*seg;
	int		 r;

	if ((r = dispatch_ref_find(s, req->segment_freeze, false, &rep->err,
	    &seg)) < 0)
		return r;
	if ((r = access_segment_own(&s->cred, seg, "freeze", &rep->err)) < 0)
		return r;
	if ((r = registry_segment_freeze(&s->srv->reg, seg, &rep->err)) < 0)
		return r;
	return dispatch_reply_segment(s, seg, false, false, rep);
}

int
dispatch_segment_stat(struct session *s, const Mview__Request *req,
    struct reply *rep)
{
	struct segment	*seg;
	int		 r;

	if ((r = dispatch_ref_find(s, req->segment_stat, true, &rep->err,
	    &seg)) < 0)
		return r;
	if (registry_holder_find(&s->holder, seg->id) == NULL &&
	    (r = access_segment_open(&s->cred, seg, false,
	    &rep->err)) < 0)
		return r;
	return dispatch_reply_segment(s, seg, false, false, rep);
}

/* Listed: live, under the prefix ("" lists anonymous ones too), readable. */
static bool
dispatch_segment_listed(struct session *s, const struct segment *seg,
    const char *prefix)
{
	if (seg->deleted)
		return false;
	if (prefix != NULL && prefix[0] != '\0' &&
	    (seg->name == NULL || !util_name_has_prefix(seg->name, prefix)))
		return false;
	return access_segment_read(&s->cred, seg) == 0;
}

int
dispatch_segment_list(struct session *s, const Mview__Request *req,
    struct reply *rep)
{
	const Mview__SegmentList	*sl = req->segment_list;
	struct listing			 l;
	Mview__SegmentInfo		*infos, **ptrs;
	struct segment			*seg;

	infos = calloc(DISPATCH_LIST_MAX, sizeof(*infos));
	ptrs = calloc(DISPATCH_LIST_MAX, sizeof(*ptrs));
	rep->scratch[0] = infos;
	rep->scratch[1] = ptrs;
	if (infos == NULL || ptrs == NULL)
		return errmsg_set(&rep->err, -ENOMEM, "out of memory");
	rep->seglist = (Mview__SegmentListReply)MVIEW__SEGMENT_LIST_REPLY__INIT;
	listing_begin(&l, &s->listings, LISTING_SEGMENTS, DISPATCH_LIST_MAX,
	    dispatch_list_budget(s), sl->has_resume ? sl->resume : 0);
	seg = registry_segment_after(&s->srv->reg, listing_after_id(&l,
	    sl->has_after_id ? sl->after_id : 0));
	for (; seg != NULL; seg = TAILQ_NEXT(seg, order)) {
		if (!listing_look(&l))
			break;
		if (!dispatch_segment_listed(s, seg, sl->prefix)) {
			listing_pass(&l, seg->id, NULL);
			continue;
		}
		infos[l.n] = (Mview__SegmentInfo)MVIEW__SEGMENT_INFO__INIT;
		dispatch_segment_info(seg, &infos[l.n]);
		ptrs[l.n] = &infos[l.n];
		if (!listing_take(&l, &infos[l.n].base, seg->id, NULL))
			break;
	}
	rep->seglist.segments = ptrs;
	rep->seglist.has_more = true;
	rep->msg.body_case = MVIEW__REPLY__BODY_SEGMENT_LIST;
	rep->msg.segment_list = &rep->seglist;
	rep->seglist.n_segments = l.n;
	return listing_end(&l, seg != NULL, &rep->seglist.more,
	    &rep->seglist.has_resume, &rep->seglist.resume, &rep->err);
}
