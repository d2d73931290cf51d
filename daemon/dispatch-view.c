/* SPDX-License-Identifier: MIT */
/* View requests: publish, lookup, unpublish, list. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "desc-wire.h"
#include "dispatch.h"
#include "listing.h"
#include "server.h"
#include "session.h"
#include "util.h"
#include "view.h"
#include "wire.h"

#define DISPATCH_LIST_MAX	1024	/* entries per page, whatever their size */

static void
dispatch_view_info(const struct view *v, Mview__ViewInfo *vi,
    Mview__ViewDesc *vd)
{
	*vi = (Mview__ViewInfo)MVIEW__VIEW_INFO__INIT;
	*vd = (Mview__ViewDesc)MVIEW__VIEW_DESC__INIT;
	desc_to_wire(&v->head, v->dims, vd);
	vi->name = (char *)views_name(v);
	vi->desc = vd;
	vi->has_uid = vi->has_ctime_ns = true;
	vi->uid = v->uid;
	vi->ctime_ns = v->ctime_ns;
}

static int
dispatch_view_find(struct session *s, const char *name, struct errmsg *e,
    struct view **ret_view)
{
	struct view	*v = registry_view_find(&s->srv->reg, name);
	int		 r;

	if (v == NULL)
		return errmsg_set(e, -ENOENT, "no view named '%.300s'", name);
	if ((r = access_view_read(&s->cred, v, name, e)) < 0)
		return r;
	*ret_view = v;
	return 0;
}

/* The segment a descriptor names, readable by s. */
static int
dispatch_publish_segment(struct session *s, uint64_t id, struct errmsg *e,
    struct segment **ret_seg)
{
	struct segment	*seg = registry_segment_find_id(&s->srv->reg, id);
	int		 r;

	if (seg == NULL)
		return errmsg_set(e, -ENOENT, "no segment with id %llu",
		    (unsigned long long)id);
	if ((r = access_publish(&s->cred, seg, e)) < 0)
		return r;
	*ret_seg = seg;
	return 0;
}

int
dispatch_view_publish(struct session *s, const Mview__Request *req,
    struct reply *rep)
{
	const Mview__ViewPublish	*p = req->view_publish;
	struct registry			*reg = &s->srv->reg;
	struct view_desc		 d;
	struct view_error		 verr;
	struct segment			*seg = NULL;
	struct view			*old, *v = NULL;
	int				 r;

	if ((r = desc_from_wire(p->desc, &d, &verr)) < 0)
		return errmsg_set(&rep->err, r, "invalid view: %s", verr.msg);
	if ((r = dispatch_publish_segment(s, d.segment_id, &rep->err, &seg)) < 0)
		return r;
	if ((r = access_name_reserved(&s->cred, s->srv->reserve, p->name,
	    &rep->err)) < 0)
		return r;
	if ((old = registry_view_find(reg, p->name)) != NULL) {
		if (!(p->has_replace && p->replace))
			return errmsg_set(&rep->err, -EEXIST, "view '%.300s' "
			    "exists", p->name);
		if ((r = access_view_unpublish(&s->cred, old, p->name, true,
		    &rep->err)) < 0)
			return r;
	}
	if (!access_segment_write(&s->cred, seg))
		d.readonly = true;	/* what the publisher could not write */
	r = registry_view_publish(reg, p->name, &d, seg, s->cred.uid,
	    &rep->err, &v);
	if (r < 0)
		return r;
	s->views_published++;
	dispatch_view_info(v, &rep->vinfo, &rep->vdesc);
	rep->msg.body_case = MVIEW__REPLY__BODY_VIEW;
	rep->msg.view = &rep->vinfo;
	return 0;
}

int
dispatch_view_lookup(struct session *s, const Mview__Request *req,
    struct reply *rep)
{
	const Mview__ViewLookup	*l = req->view_lookup;
	struct view		*v = NULL;
	struct segment		*seg;
	bool			 write;
	int			 r;

	if ((r = dispatch_view_find(s, l->name, &rep->err, &v)) < 0)
		return r;
	seg = v->seg;
	dispatch_segment_refresh(s, seg);
	/* Asked and allowed, else read-only: the kernel enforces it. */
	write = l->has_write && l->write && !v->head.readonly &&
	    access_segment_write(&s->cred, seg);
	rep->seg = (Mview__SegmentInfo)MVIEW__SEGMENT_INFO__INIT;
	if (l->want_fd && l->has_fd_once && l->fd_once &&
	    registry_holder_has_fd(&s->holder, seg->id, write)) {
		rep->seg.has_fd_sent_before = rep->seg.fd_sent_before = true;
		rep->seg.has_writable = true;
		rep->seg.writable = write;
	} else if (l->want_fd &&
	    (r = dispatch_attach_fd(s, seg, write, rep)) < 0)
		return r;
	dispatch_segment_info(seg, &rep->seg);
	dispatch_view_info(v, &rep->vinfo, &rep->vdesc);
	rep->lookup = (Mview__ViewLookupReply)MVIEW__VIEW_LOOKUP_REPLY__INIT;
	rep->lookup.view = &rep->vinfo;
	rep->lookup.segment = &rep->seg;
	rep->msg.body_case = MVIEW__REPLY__BODY_VIEW_LOOKUP;
	rep->msg.view_lookup = &rep->lookup;
	return 0;
}

int
dispatch_view_unpublish(struct session *s, const Mview__Request *req,
    struct reply *rep)
{
	const char	*name = req->view_unpublish;
	struct view	*v = registry_view_find(&s->srv->reg, name);
	int		 r;

	if (v == NULL)
		return errmsg_set(&rep->err, -ENOENT, "no view named '%.300s'",
		    name);
	if ((r = access_view_unpublish(&s->cred, v, name, false,
	    &rep->err)) < 0)
		return r;
	registry_view_unpublish(&s->srv->reg, v);
	return 0;
}

int
dispatch_view_list(struct session *s, const Mview__Request *req,
    struct reply *rep)
{
	const Mview__ViewList	*vl = req->view_list;
	const char		*prefix = vl->prefix != NULL ? vl->prefix : "";
	struct listing		 l;
	struct tree_iter	 it;
	Mview__ViewInfo		*infos, **ptrs;
	Mview__ViewDesc		*descs;
	struct view		*v;

	infos = calloc(DISPATCH_LIST_MAX, sizeof(*infos) + sizeof(*descs));
	ptrs = calloc(DISPATCH_LIST_MAX, sizeof(*ptrs));
	rep->scratch[0] = infos;
	rep->scratch[1] = ptrs;
	if (infos == NULL || ptrs == NULL)
		return errmsg_set(&rep->err, -ENOMEM, "out of memory");
	descs = (Mview__ViewDesc *)(void *)(infos + DISPATCH_LIST_MAX);
	listing_begin(&l, &s->listings, LISTING_VIEWS, DISPATCH_LIST_MAX,
	    dispatch_list_budget(s), vl->has_resume ? vl->resume : 0);
	v = registry_view_walk(&s->srv->reg, &it, prefix,
	    listing_after_name(&l, vl->after_name));
	for (; v != NULL; v = registry_view_step(&it)) {
		if (!util_name_has_prefix(views_name(v), prefix)) {
			v = NULL;	/* sorted: nothing further matches */
			break;
		}
		if (!listing_look(&l))
			break;
		if (access_segment_read(&s->cred, v->seg) < 0) {
			listing_pass(&l, 0, views_name(v));
			continue;
		}
		dispatch_view_info(v, &infos[l.n], &descs[l.n]);
		ptrs[l.n] = &infos[l.n];
		if (!listing_take(&l, &infos[l.n].base, 0, views_name(v)))
			break;
	}
	rep->viewlist = (Mview__ViewListReply)MVIEW__VIEW_LIST_REPLY__INIT;
	rep->viewlist.n_views = l.n;
	rep->viewlist.views = ptrs;
	rep->viewlist.has_more = true;
	rep->msg.body_case = MVIEW__REPLY__BODY_VIEW_LIST;
	rep->msg.view_list = &rep->viewlist;
	return listing_end(&l, v != NULL, &rep->viewlist.more,
	    &rep->viewlist.has_resume, &rep->viewlist.resume, &rep->err);
}
