/* SPDX-License-Identifier: MIT */
/* Published views, stored compactly: shape and strides sized to ndim, name inline. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "views.h"

/* C-contiguous strides for shape; -EINVAL when they overflow. */
static int
views_c_strides(struct view_desc *d, struct errmsg *e)
{
	int64_t	s = d->itemsize;

	for (int i = d->ndim - 1; i >= 0; i--) {
		d->strides[i] = s;
		if (d->shape[i] > 0 && __builtin_mul_overflow(s, d->shape[i], &s))
			return errmsg_set(e, -EINVAL, "shape overflows int64");
	}
	return 0;
}

int
views_desc_from_wire(const Mview__ViewDesc *w, struct view_desc *ret_desc,
    struct errmsg *e)
{
	struct view_desc	d;

	if (w->n_shape > VIEW_MAX_NDIM)
		return errmsg_set(e, -EINVAL, "ndim %zu is over %d", w->n_shape,
		    VIEW_MAX_NDIM);
	if (w->n_strides != w->n_shape && w->n_strides != 0)
		return errmsg_set(e, -EINVAL, "%zu strides for %zu dimensions",
		    w->n_strides, w->n_shape);
	if (w->format == NULL || strlen(w->format) >= VIEW_FORMAT_MAX)
		return errmsg_set(e, -EINVAL, "format longer than %d bytes",
		    VIEW_FORMAT_MAX - 1);
	memset(&d, 0, offsetof(struct view_desc, shape));
	d.segment_id = w->segment_id;
	d.offset = w->offset;
	d.itemsize = w->itemsize;
	d.ndim = (int)w->n_shape;
	d.readonly = w->has_readonly && w->readonly;
	strcpy(d.format, w->format);
	for (size_t i = 0; i < w->n_shape; i++) {
		d.shape[i] = w->shape[i];
		d.strides[i] = w->n_strides != 0 ? w->strides[i] : 0;
		if (w->n_strides == 0 && d.shape[i] < 0)
			return errmsg_set(e, -EINVAL, "negative shape");
	}
	if (w->n_strides == 0 && d.itemsize > 0 && views_c_strides(&d, e) < 0)
		return -EINVAL;
	memcpy(ret_desc, &d, offsetof(struct view_desc, shape));
	memcpy(ret_desc->shape, d.shape, sizeof(int64_t) * (size_t)d.ndim);
	memcpy(ret_desc->strides, d.strides, sizeof(int64_t) * (size_t)d.ndim);
	return 0;
}

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
	v->offset = d->offset;
	v->itemsize = d->itemsize;
	v->ctime_ns = ctime_ns;
	v->uid = uid;
	v->ndim = (uint8_t)nd;
	v->readonly = d->readonly;
	memcpy(v->format, d->format, sizeof(v->format));
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
	return (const char *)(v->dims + 2 * (size_t)v->ndim);
}

void
views_desc(const struct view *v, uint64_t segment_id, struct view_desc *ret)
{
	size_t	nd = v->ndim;

	memset(ret, 0, offsetof(struct view_desc, shape));
	ret->segment_id = segment_id;
	ret->offset = v->offset;
	ret->itemsize = v->itemsize;
	ret->ndim = (int)nd;
	ret->readonly = v->readonly;
	memcpy(ret->format, v->format, sizeof(ret->format));
	memcpy(ret->shape, v->dims, nd * sizeof(int64_t));
	memcpy(ret->strides, v->dims + nd, nd * sizeof(int64_t));
}

void
views_to_wire(const struct view *v, uint64_t segment_id, Mview__ViewDesc *w)
{
	w->segment_id = segment_id;
	w->offset = v->offset;
	w->format = (char *)v->format;
	w->itemsize = v->itemsize;
	w->n_shape = w->n_strides = v->ndim;
	w->shape = (int64_t *)v->dims;
	w->strides = (int64_t *)v->dims + v->ndim;
	w->has_readonly = true;
	w->readonly = v->readonly;
}

size_t
views_size(const struct view *v)
{
	return sizeof(*v) + 2 * (size_t)v->ndim * sizeof(int64_t) +
	    strlen(views_name(v)) + 1;
}
