/* SPDX-License-Identifier: MIT */
/* NumPy basic indexing: ints drop an axis, slices keep it, one Ellipsis. */
#include <errno.h>
#include <inttypes.h>

#include "view-internal.h"

/* NumPy's check_and_adjust_index(). */
static int
np_index(int64_t *index, int64_t len, int axis, struct view_error *err)
{
	if (*index < -len || *index >= len)
		return view_err(err, VIEW_ERR_INDEX, "index %" PRId64 " is out "
		    "of bounds for axis %d with size %" PRId64, *index, axis,
		    len);
	if (*index < 0)
		*index += len;
	return 0;
}

/* NumPy's prepare_index(): count what the key uses, refuse misuse. */
static int
np_prepare(const struct view_desc *d, const struct view_key *keys, size_t n,
    size_t *ret_used, bool *ret_ellipsis, bool *ret_ints,
    struct view_error *err)
{
	size_t	i, used = 0;
	bool	ellipsis = false, ints = true;

	for (i = 0; i < n; i++) {
		if (keys[i].kind == VIEW_KEY_ELLIPSIS) {
			if (ellipsis)
				return view_err(err, VIEW_ERR_INDEX, "an index "
				    "can only have a single ellipsis ('...')");
			ellipsis = true;
			continue;
		}
		used++;
		if (keys[i].kind != VIEW_KEY_INDEX)
			ints = false;
	}
	if (used > (size_t)d->ndim)
		return view_err(err, VIEW_ERR_INDEX, "too many indices for "
		    "array: array is %d-dimensional, but %zu were indexed",
		    d->ndim, used);
	*ret_used = used;
	*ret_ellipsis = ellipsis;
	*ret_ints = ints;
	return 0;
}

/* A full integer index: the element (NumPy's get_item_pointer()). */
static int
np_item(const struct view_desc *d, const struct view_key *keys,
    struct view_desc *ret_view, struct view_error *err)
{
	int64_t	off = d->offset, idx;
	int	i, r;

	for (i = 0; i < d->ndim; i++) {
		idx = keys[i].index;
		if ((r = np_index(&idx, d->shape[i], i, err)) < 0)
			return r;
		off = view_wrap_add(off, view_wrap_mul(d->strides[i], idx));
	}
	*ret_view = *d;
	ret_view->ndim = 0;
	ret_view->offset = off;
	return VIEW_SUB_ITEM;
}

/* One slice on axis a of d, appended to v (NumPy's get_view_from_index:
 * an empty slice keeps the stride and the offset). */
static int
np_slice(const struct view_desc *d, int a, const struct view_key *key,
    struct view_desc *v, struct view_error *err)
{
	int64_t	start, step, len;
	int	r;

	if ((r = view_slice_adjust(key, d->shape[a], &start, &step, &len,
	    err)) < 0)
		return r;
	if (len <= 0) {
		len = 0;
		step = 1;
		start = 0;
	}
	v->offset = view_wrap_add(v->offset, view_wrap_mul(d->strides[a],
	    start));
	v->shape[v->ndim] = len;
	v->strides[v->ndim++] = view_wrap_mul(d->strides[a], step);
	return 0;
}

/* Keep axes [a, a + n) of d as they are. */
static void
np_keep(const struct view_desc *d, int a, int n, struct view_desc *v)
{
	for (; n > 0; n--, a++) {
		v->shape[v->ndim] = d->shape[a];
		v->strides[v->ndim++] = d->strides[a];
	}
}

int
view_subscript_numpy(const struct view_desc *d, const struct view_key *keys,
    size_t n, struct view_desc *ret_view, struct view_error *err)
{
	struct view_desc v;
	size_t		 i, used = 0;
	bool		 ellipsis = false, ints = false;
	int64_t		 idx;
	int		 a = 0, r;

	if ((r = np_prepare(d, keys, n, &used, &ellipsis, &ints, err)) < 0)
		return r;
	if (!ellipsis && ints && used == (size_t)d->ndim)
		return np_item(d, keys, ret_view, err);
	v = *d;
	v.ndim = 0;
	for (i = 0; i < n; i++) {
		switch (keys[i].kind) {
		case VIEW_KEY_INDEX:
			idx = keys[i].index;
			if ((r = np_index(&idx, d->shape[a], a, err)) < 0)
				return r;
			v.offset = view_wrap_add(v.offset,
			    view_wrap_mul(d->strides[a++], idx));
			break;
		case VIEW_KEY_SLICE:
			if ((r = np_slice(d, a++, &keys[i], &v, err)) < 0)
				return r;
			break;
		case VIEW_KEY_ELLIPSIS:
			np_keep(d, a, d->ndim - (int)used, &v);
			a += d->ndim - (int)used;
			break;
		}
	}
	np_keep(d, a, d->ndim - a, &v);
	*ret_view = v;
	return VIEW_SUB_VIEW;
}
