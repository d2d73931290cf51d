/* SPDX-License-Identifier: MIT */
/* Segment and view listings: paging through the daemon, one malloc'd block out. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client-wire.h"
#include "util.h"

/* The replies of a paged listing and the entries they hold. */
struct list_pages {
	Mview__Reply		**replies;
	size_t			  nreplies;
	Mview__SegmentInfo	**segs;
	Mview__ViewInfo		**views;
	size_t			  n, cap;
};

static void
list_pages_free(struct list_pages *p)
{
	for (size_t i = 0; i < p->nreplies; i++)
		wire_reply_free(p->replies[i]);
	free(p->replies);
	free(p->segs);
	free(p->views);
}

/* Keep rep (owned from here on, even on failure); room for n more entries. */
static int
list_pages_keep(struct list_pages *p, Mview__Reply *rep, size_t n,
    size_t each, void **arr)
{
	Mview__Reply	**nr;
	void		 *na;

	if ((nr = realloc(p->replies, sizeof(*nr) * (p->nreplies + 1))) == NULL) {
		wire_reply_free(rep);
		return -ENOMEM;
	}
	p->replies = nr;
	p->replies[p->nreplies++] = rep;
	if ((na = util_grow(*arr, &p->cap, p->n, n, each)) == NULL)
		return -ENOMEM;
	*arr = na;
	return 0;
}

static int
list_pages_add_segments(struct list_pages *p, Mview__Reply *rep,
    Mview__SegmentInfo **v, size_t n)
{
	void	*arr = p->segs;
	int	 r;

	r = list_pages_keep(p, rep, n, sizeof(*v), &arr);
	p->segs = arr;
	for (size_t i = 0; r == 0 && i < n; i++)
		p->segs[p->n++] = v[i];
	return r;
}

static int
list_pages_add_views(struct list_pages *p, Mview__Reply *rep,
    Mview__ViewInfo **v, size_t n)
{
	void	*arr = p->views;
	int	 r;

	r = list_pages_keep(p, rep, n, sizeof(*v), &arr);
	p->views = arr;
	for (size_t i = 0; r == 0 && i < n; i++)
		p->views[p->n++] = v[i];
	return r;
}

/* Bytes for n entries of size each plus their names; 0 on overflow. */
static size_t
list_block_size(size_t n, size_t each, const char *const *names)
{
	size_t	total;

	if (__builtin_mul_overflow(n, each, &total))
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (names[i] != NULL &&
		    __builtin_add_overflow(total, strlen(names[i]) + 1, &total))
			return 0;
	}
	return total > 0 ? total : 1;
}

int
list_pack_segments(Mview__SegmentInfo *const *v, size_t n,
    struct mview_segment_info **ret_infos)
{
	struct mview_segment_info	*infos;
	const char			**names;
	size_t				  size;
	char				 *p;

	if ((names = calloc(n ? n : 1, sizeof(*names))) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		names[i] = v[i]->name;
	size = list_block_size(n, sizeof(*infos), names);
	free(names);
	if (size == 0 || (infos = malloc(size)) == NULL)
		return -ENOMEM;
	p = (char *)(infos + n);
	for (size_t i = 0; i < n; i++) {
		segment_info_from_wire(v[i], &infos[i]);
		if (v[i]->name != NULL) {
			size_t	len = strlen(v[i]->name) + 1;

			infos[i].name = memcpy(p, v[i]->name, len);
			p += len;
		}
	}
	*ret_infos = infos;
	return 0;
}

/* One view info from the wire, its name still pointing into w. */
static int
list_view_from_wire(const Mview__ViewInfo *w, struct mview_view_info *ret)
{
	struct view_desc	d;

	if (w->name == NULL || desc_from_wire(w->desc, &d, NULL) < 0)
		return -EPROTO;
	*ret = (struct mview_view_info){	/* reserved words zero */
		.name = w->name,
		.uid = w->uid,
		.ctime_ns = w->ctime_ns,
	};
	memcpy(&ret->desc, &d, sizeof(d));
	return 0;
}

int
list_pack_views(Mview__ViewInfo *const *v, size_t n,
    struct mview_view_info **ret_infos)
{
	struct mview_view_info	*infos;
	const char		**names;
	size_t			  size;
	char			 *p;
	int			  r = 0;

	if ((names = calloc(n ? n : 1, sizeof(*names))) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		names[i] = v[i]->name;
	size = list_block_size(n, sizeof(*infos), names);
	free(names);
	if (size == 0 || (infos = malloc(size)) == NULL)
		return -ENOMEM;
	p = (char *)(infos + n);
	for (size_t i = 0; i < n && r == 0; i++) {
		if ((r = list_view_from_wire(v[i], &infos[i])) == 0) {
			size_t	len = strlen(v[i]->name) + 1;

			infos[i].name = memcpy(p, v[i]->name, len);
			p += len;
		}
	}
	if (r < 0) {
		free(infos);
		return r;
	}
	*ret_infos = infos;
	return 0;
}

/* Where the next page starts: after the last entry received, and where
 * the daemon stopped looking when it gave a token. */
struct list_position {
	bool		has_id;
	uint64_t	id;
	const char	*name;
	bool		has_resume;
	uint64_t	resume;
};

/*
 * Go on after a page of n entries? 0: stop; 1: ask again; -EPROTO: the
 * daemon says there is more but gave neither an entry nor a token to
 * resume from (asking again would get the same page).
 */
static int
list_position_next(struct list_position *pos, bool more,
    protobuf_c_boolean has_resume, uint64_t resume, size_t n)
{
	if (!more)
		return 0;
	if (n == 0 && !has_resume)
		return -EPROTO;
	pos->has_resume = has_resume;
	pos->resume = resume;
	return 1;
}

/* One page of segments after pos (nothing yet: the first). */
static int
list_segment_page(struct mview_client *c, const char *prefix,
    const struct list_position *pos, Mview__Reply **ret_reply)
{
	Mview__Request		req = MVIEW__REQUEST__INIT;
	Mview__SegmentList	sl = MVIEW__SEGMENT_LIST__INIT;

	sl.prefix = prefix != NULL && prefix[0] != '\0' ? (char *)prefix : NULL;
	sl.has_after_id = pos->has_id;
	sl.after_id = pos->id;
	sl.has_resume = pos->has_resume;
	sl.resume = pos->resume;
	req.body_case = MVIEW__REQUEST__BODY_SEGMENT_LIST;
	req.segment_list = &sl;
	return client_call_reply(c, &req, CLIENT_CALL_RETRY,
	    MVIEW__REPLY__BODY_SEGMENT_LIST, ret_reply, NULL);
}

/* Ids must grow across pages, so that paging always ends. */
static int
list_segments_collect(struct mview_client *c, const char *prefix,
    struct list_pages *pages)
{
	Mview__SegmentListReply	*sl;
	Mview__Reply		*rep;
	struct list_position	 pos = { 0 };
	int			 r;

	for (;;) {
		if ((r = list_segment_page(c, prefix, &pos, &rep)) < 0)
			return r;
		sl = rep->segment_list;
		for (size_t i = 0; i < sl->n_segments; i++) {
			if (pos.has_id && sl->segments[i]->id <= pos.id)
				r = -EPROTO;
			pos.id = sl->segments[i]->id;
			pos.has_id = true;
		}
		if (r == 0)
			r = list_pages_add_segments(pages, rep, sl->segments,
			    sl->n_segments);
		else
			wire_reply_free(rep);
		if (r < 0)
			return r;
		if ((r = list_position_next(&pos, sl->more, sl->has_resume,
		    sl->resume, sl->n_segments)) <= 0)
			return r;
	}
}

MVIEW_EXPORT int
mview_segment_list(struct mview_client *c, const char *prefix,
    struct mview_segment_info **ret_infos, size_t *ret_n)
{
	struct list_pages	pages = { 0 };
	int			r;

	if (c == NULL || ret_infos == NULL || ret_n == NULL)
		return -EINVAL;
	r = list_segments_collect(c, prefix, &pages);
	if (r == 0)
		r = list_pack_segments(pages.segs, pages.n, ret_infos);
	if (r == 0)
		*ret_n = pages.n;
	list_pages_free(&pages);
	return r;
}

static int
list_view_page(struct mview_client *c, const char *prefix,
    const struct list_position *pos, Mview__Reply **ret_reply)
{
	Mview__Request	req = MVIEW__REQUEST__INIT;
	Mview__ViewList	vl = MVIEW__VIEW_LIST__INIT;

	vl.prefix = prefix != NULL && prefix[0] != '\0' ? (char *)prefix : NULL;
	vl.after_name = (char *)pos->name;
	vl.has_resume = pos->has_resume;
	vl.resume = pos->resume;
	req.body_case = MVIEW__REQUEST__BODY_VIEW_LIST;
	req.view_list = &vl;
	return client_call_reply(c, &req, CLIENT_CALL_RETRY,
	    MVIEW__REPLY__BODY_VIEW_LIST, ret_reply, NULL);
}

/* Names must sort upwards across pages, so that paging always ends. */
static int
list_views_collect(struct mview_client *c, const char *prefix,
    struct list_pages *pages)
{
	Mview__ViewListReply	*vl;
	Mview__Reply		*rep;
	struct list_position	 pos = { 0 };
	int			 r;

	for (;;) {
		if ((r = list_view_page(c, prefix, &pos, &rep)) < 0)
			return r;
		vl = rep->view_list;
		for (size_t i = 0; i < vl->n_views && r == 0; i++) {
			const char *name = vl->views[i]->name;

			if (name == NULL ||
			    (pos.name != NULL && strcmp(name, pos.name) <= 0))
				r = -EPROTO;
			pos.name = name;
		}
		if (r == 0)
			r = list_pages_add_views(pages, rep, vl->views,
			    vl->n_views);
		else
			wire_reply_free(rep);
		if (r < 0)
			return r;
		if ((r = list_position_next(&pos, vl->more, vl->has_resume,
		    vl->resume, vl->n_views)) <= 0)
			return r;
	}
}

MVIEW_EXPORT int
mview_view_list(struct mview_client *c, const char *prefix,
    struct mview_view_info **ret_infos, size_t *ret_n)
{
	struct list_pages	pages = { 0 };
	int			r;

	if (c == NULL || ret_infos == NULL || ret_n == NULL)
		return -EINVAL;
	r = list_views_collect(c, prefix, &pages);
	if (r == 0)
		r = list_pack_views(pages.views, pages.n, ret_infos);
	if (r == 0)
		*ret_n = pages.n;
	list_pages_free(&pages);
	return r;
}
