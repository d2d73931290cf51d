/* SPDX-License-Identifier: MIT */
/* The registry's views: publish (validated against the segment), find, list, unpublish. */
#include <errno.h>
#include <string.h>

#include "errmsg.h"
#include "registry.h"
#include "registry-internal.h"
#include "util.h"
#include "view.h"
#include "wire.h"

static bool
registry_view_eq(const struct hash_link *l, const void *key)
{
	return strcmp(views_name(container_of(l, struct view, link)), key) == 0;
}

struct view *
registry_view_find(const struct registry *reg, const char *name)
{
	struct hash_link *l = hash_find(&reg->view_names, hash_string(name),
	    registry_view_eq, name);

	return l != NULL ? container_of(l, struct view, link) : NULL;
}

static struct view *
registry_view_of(struct tree_node *n)
{
	return n != NULL ? container_of(n, struct view, order) : NULL;
}

struct view *
registry_view_next(const struct registry *reg, const char *key, bool inclusive)
{
	return registry_view_of(tree_next(&reg->view_order, key, inclusive));
}

struct view *
registry_view_walk(const struct registry *reg, struct tree_iter *it,
    const char *prefix, const char *after)
{
	return registry_view_of(registry_walk_start(it, &reg->view_order,
	    prefix, after));
}

struct view *
registry_view_step(struct tree_iter *it)
{
	return registry_view_of(tree_iter_next(it));
}

/* Unlink v and give back its quota; no event. */
static void
registry_view_unlink(struct registry *reg, struct view *v)
{
	hash_remove(&reg->view_names, &v->link);
	tree_remove(&reg->view_order, &v->order);
	LIST_REMOVE(v, seg_entry);
	v->seg->nviews--;
	registry_usage_remove_view(reg, v->uid);
}

void
registry_view_unpublish(struct registry *reg, struct view *v)
{
	(void)REGISTRY_PERSIST(reg, view_remove, v);
	registry_view_unlink(reg, v);
	registry_emit(reg, REGISTRY_VIEW_UNPUBLISHED, views_name(v), v->seg);
	views_free(v);
}

static int
registry_view_check(const struct registry *reg, const char *name,
    const struct view_desc *d, const struct segment *seg, struct errmsg *e)
{
	struct view_error	verr;
	int			r;

	r = util_check_name(name, reg->limits->max_name);
	if (r == -ENAMETOOLONG)
		return errmsg_set(e, r, "name longer than %llu bytes (max-name)",
		    (unsigned long long)reg->limits->max_name);
	if (r < 0)
		return errmsg_set(e, r, "invalid name: names are printable "
		    "ASCII without spaces, not starting with '/'");
	if (d->ndim < 0 || (uint64_t)d->ndim > reg->limits->max_ndim)
		return errmsg_set(e, -EINVAL, "ndim %d is over the limit of "
		    "%llu (max-ndim)", d->ndim,
		    (unsigned long long)reg->limits->max_ndim);
	if (d->segment_id != seg->id)
		return errmsg_set(e, -EINVAL, "descriptor names segment %llu, "
		    "not %llu", (unsigned long long)d->segment_id,
		    (unsigned long long)seg->id);
	memset(&verr, 0, sizeof(verr));
	r = view_validate(d, seg->size, (int)reg->limits->max_ndim, &verr);
	if (r < 0)
		return errmsg_set(e, -EINVAL, "invalid view: %s", verr.msg[0] ?
		    verr.msg : "out of bounds or malformed");
	return 0;
}

/* Quota for one more view of uid; replacing one's own view is free. */
static int
registry_view_quota(struct registry *reg, uid_t uid, const struct view *old,
    struct errmsg *e)
{
	struct usage	mine = registry_uid_usage(reg, uid);
	struct usage	total = reg->total;

	if (old != NULL && old->uid == uid)
		return 0;
	if (old != NULL)
		total.views--;
	return limits_check_view(reg->limits, &total, &mine, e);
}

/* Make v (replacing old, if any) and tell persistence before linking. */
static int
registry_view_insert(struct registry *reg, const char *name,
    const struct view_desc *d, struct segment *seg, uid_t uid,
    int64_t ctime_ns, bool persist, struct errmsg *e, struct view **ret_view)
{
	struct view		*old = registry_view_find(reg, name), *v;
	struct uid_usage	*u;
	int			 r;

	if ((u = registry_uid_make(reg, uid)) == NULL)
		return errmsg_set(e, -ENOMEM, "out of memory");
	if ((v = views_new(name, d, uid, ctime_ns)) == NULL) {
		registry_uid_put(reg, u);
		return errmsg_set(e, -ENOMEM, "out of memory");
	}
	v->seg = seg;
	if (persist && (r = REGISTRY_PERSIST(reg, view_add, v)) < 0) {
		views_free(v);
		registry_uid_put(reg, u);
		return errmsg_set(e, r, "cannot keep the view across restarts: "
		    "%s", strerror(-r));
	}
	registry_usage_add_view(reg, u);	/* first: unlinking old keeps u */
	if (old != NULL) {
		registry_view_unlink(reg, old);
		views_free(old);
	}
	hash_insert(&reg->view_names, &v->link, hash_string(name));
	tree_insert(&reg->view_order, &v->order);
	LIST_INSERT_HEAD(&seg->views, v, seg_entry);
	seg->nviews++;
	*ret_view = v;
	return 0;
}

int
registry_view_publish(struct registry *reg, const char *name,
    const struct view_desc *d, struct segment *seg, uid_t uid,
    struct errmsg *e, struct view **ret_view)
{
	struct view	*old = registry_view_find(reg, name), *v;
	int		 r;

	if ((r = registry_view_check(reg, name, d, seg, e)) < 0)
		return r;
	if ((r = registry_view_quota(reg, uid, old, e)) < 0)
		return r;
	r = registry_view_insert(reg, name, d, seg, uid, util_now_realtime_ns(),
	    true, e, &v);
	if (r < 0)
		return r;
	registry_emit(reg, REGISTRY_VIEW_PUBLISHED, views_name(v), seg);
	*ret_view = v;
	return 0;
}

int
registry_view_adopt(struct registry *reg, const char *name,
    const struct view_desc *d, struct segment *seg, uid_t uid,
    int64_t ctime_ns, struct errmsg *e)
{
	struct view_error	verr;
	struct view		*v;

	if (util_check_name(name, WIRE_NAME_MAX_HARD) < 0)
		return errmsg_set(e, -EINVAL, "invalid view name");
	if (registry_view_find(reg, name) != NULL)
		return errmsg_set(e, -EEXIST, "view '%s' exists", name);
	memset(&verr, 0, sizeof(verr));
	if (d->segment_id != seg->id ||
	    view_validate(d, seg->size, VIEW_MAX_NDIM, &verr) < 0)
		return errmsg_set(e, -EINVAL, "invalid view: %s", verr.msg[0] ?
		    verr.msg : "out of bounds or malformed");
	return registry_view_insert(reg, name, d, seg, uid, ctime_ns, false, e,
	    &v);
}
