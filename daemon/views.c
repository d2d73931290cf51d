/* SPDX-License-Identifier: MIT */
/* Published views, stored compactly: shape and strides sized to ndim, name inline. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "views.h"

struct view *
views_new(const char *name, const struct view_desc *d, uid_t uid,
    int64_t ctime_ns)
{
	size_t		 nd = (size_t)d->ndim, len = strlen(name) + 1;
	struct view	*v;

	v = malloc(sizeof(*v) + 2 * nd * sizeof(int64_t) + len);
	if (v == NULL)
		return NULL;
	memset(v, 0, sizeof(*v));
	memcpy(&v->head, d, sizeof(v->head));
	v->ctime_ns = ctime_ns;
	v->uid = uid;
	memcpy(v->dims, d->shape, nd * sizeof(int64_t));
	memcpy(v->dims + nd, d->strides, nd * sizeof(int64_t));
	memcpy((char *)(v->dims + 2 * nd), name, len);
	return v;
}

void
views_free(struct view *v)
{
	free(v);
}

const char *
views_name(const struct view *v)
{
	return (const char *)(v->dims + 2 * (size_t)v->head.ndim);
}

void
views_desc(const struct view *v, uint64_t segment_id, struct view_desc *ret)
{
	size_t	nd = (size_t)v->head.ndim;

	memset(ret, 0, offsetof(struct view_desc, shape));
	memcpy(ret, &v->head, sizeof(v->head));
	ret->segment_id = segment_id;
	memcpy(ret->shape, v->dims, nd * sizeof(int64_t));
	memcpy(ret->strides, v->dims + nd, nd * sizeof(int64_t));
}

size_t
views_size(const struct view *v)
{
	return sizeof(*v) + 2 * (size_t)v->head.ndim * sizeof(int64_t) +
	    strlen(views_name(v)) + 1;
}
