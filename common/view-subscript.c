/* SPDX-License-Identifier: MIT */
/* v[key] as memoryview answers it, falling back to NumPy where it gives up. */
#include <errno.h>

#include "view-internal.h"

static bool
all_kind(const struct view_key *keys, size_t n, enum view_key_kind kind)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (keys[i].kind != kind)
			return false;
	return true;
}

/* CPython's ptr_from_tuple(): a full (or too long) tuple of ints. */
static int
mv_lookup(const struct view_desc *d, const int64_t *index, size_t n,
    int64_t *ret_offset, struct view_error *err)
{
	int64_t	off = d->offset, idx;
	int	dim;

	if (n > (size_t)d->ndim)
		return view_err(err, VIEW_ERR_TYPE,
		    "cannot index %d-dimension view with %zu-element tuple",
		    d->ndim, n);
	for (dim = 0; dim < (int)n; dim++) {
		idx = index[dim];
		if (idx < 0)
			idx += d->shape[dim];
		if (idx < 0 || idx >= d->shape[dim])
			return view_err(err, VIEW_ERR_INDEX,
			    "index out of bounds on dimension %d", dim + 1);
		off = view_wrap_add(off, view_wrap_mul(d->strides[dim], idx));
	}
	*ret_offset = off;
	return 0;
}

/* The element at a tuple of n ints as a 0-dim view. keys are INDEX. */
static int
mv_item(const struct view_desc *d, const struct view_key *keys, size_t n,
    struct view_desc *ret_view, struct view_error *err)
{
	int64_t	index[VIEW_MAX_NDIM], off;
	size_t	i;
	int	r;

	for (i = 0; i < n && i < VIEW_MAX_NDIM; i++)
		index[i] = keys[i].index;
	if ((r = mv_lookup(d, index, n, &off, err)) < 0)
		return r;
	view_desc_copy_head(ret_view, d);
	ret_view->ndim = 0;
	ret_view->offset = off;
	return VIEW_SUB_ITEM;
}

/* CPython's init_slice() on axis 0. */
static int
mv_slice(const struct view_desc *d, const struct view_key *key,
    struct view_desc *ret_view, struct view_error *err)
{
	int64_t	start, step, len;
	int	r;

	if ((r = view_slice_adjust(key, d->shape[0], &start, &step, &len,
	    err)) < 0)
		return r;
	view_desc_copy(ret_view, d);
	ret_view->offset = view_wrap_add(d->offset,
	    view_wrap_mul(d->strides[0], start));
	ret_view->shape[0] = len;
	ret_view->strides[0] = view_wrap_mul(d->strides[0], step);
	return VIEW_SUB_VIEW;
}

static int
mv_invalid_key(bool *defer, struct view_error *err)
{
	*defer = true;
	return view_err(err, VIEW_ERR_TYPE, "memoryview: invalid slice key");
}

/* CPython's memory_subscript(). */
static int
mv_load(const struct view_desc *d, const struct view_key *k, size_t n,
    bool tuple, struct view_desc *ret_view, bool *defer,
    struct view_error *err)
{
	if (d->ndim == 0) {
		if (tuple && n == 0) {
			if (view_format_single(d->format, err) == NULL)
				return -ENOTSUP;
			*ret_view = *d;
			return VIEW_SUB_ITEM;
		}
		if (!tuple && k[0].kind == VIEW_KEY_ELLIPSIS) {
			*ret_view = *d;
			return VIEW_SUB_VIEW;
		}
		return view_err(err, VIEW_ERR_TYPE,
		    "invalid indexing of 0-dim memory");
	}
	if (!tuple && k[0].kind == VIEW_KEY_SLICE)
		return mv_slice(d, &k[0], ret_view, err);
	if (tuple ? !all_kind(k, n, VIEW_KEY_INDEX) :
	    k[0].kind != VIEW_KEY_INDEX) {
		if (tuple && n > 0 && all_kind(k, n, VIEW_KEY_SLICE))
			return view_err(err, VIEW_ERR_NOTIMPL,
			    "multi-dimensional slicing is not implemented");
		return mv_invalid_key(defer, err);
	}
	if (view_format_single(d->format, err) == NULL)
		return -ENOTSUP;
	if (!tuple && d->ndim > 1)
		return view_err(err, VIEW_ERR_NOTIMPL,
		    "multi-dimensional sub-views are not implemented");
	if (tuple && n < (size_t)d->ndim)
		return view_err(err, VIEW_ERR_NOTIMPL,
		    "sub-views are not implemented");
	return mv_item(d, k, n, ret_view, err);
}

/* CPython's memory_ass_sub(), up to where it needs the value. */
static int
mv_store(const struct view_desc *d, const struct view_key *k, size_t n,
    unsigned flags, struct view_desc *ret_view, bool *defer,
    struct view_error *err)
{
	bool	tuple = flags & VIEW_SUBSCRIPT_TUPLE;

	if (view_format_single(d->format, err) == NULL)
		return -ENOTSUP;
	if (d->readonly)
		return view_err(err, VIEW_ERR_TYPE,
		    "cannot modify read-only memory");
	if (flags & VIEW_SUBSCRIPT_DELETE)
		return view_err(err, VIEW_ERR_TYPE, "cannot delete memory");
	if (d->ndim == 0) {
		if ((tuple && n == 0) ||
		    (!tuple && k[0].kind == VIEW_KEY_ELLIPSIS)) {
			*ret_view = *d;
			return VIEW_SUB_ITEM;
		}
		return view_err(err, VIEW_ERR_TYPE,
		    "invalid indexing of 0-dim memory");
	}
	if (tuple ? all_kind(k, n, VIEW_KEY_INDEX) :
	    k[0].kind == VIEW_KEY_INDEX) {
		if (n < (size_t)d->ndim)
			return view_err(err, VIEW_ERR_NOTIMPL,
			    "sub-views are not implemented");
		return mv_item(d, k, n, ret_view, err);
	}
	if (!tuple && k[0].kind == VIEW_KEY_SLICE && d->ndim == 1) {
		if (flags & VIEW_SUBSCRIPT_SCALAR) {
			*ret_view = *d;
			return VIEW_SUB_VIEW;
		}
		return mv_slice(d, &k[0], ret_view, err);
	}
	if ((!tuple && k[0].kind == VIEW_KEY_SLICE) ||
	    (tuple && n > 0 && all_kind(k, n, VIEW_KEY_SLICE)))
		return view_err(err, VIEW_ERR_NOTIMPL, "memoryview slice "
		    "assignments are currently restricted to ndim = 1");
	return mv_invalid_key(defer, err);
}

/* NumPy's side of a store: the target is an element or a view to fill. */
static int
np_store(const struct view_desc *d, const struct view_key *keys,
    size_t nkeys, unsigned flags, struct view_desc *ret_view,
    struct view_error *err)
{
	int	r;

	if (d->readonly)
		return view_err(err, VIEW_ERR_TYPE,
		    "cannot modify read-only memory");
	if (flags & VIEW_SUBSCRIPT_DELETE)
		return view_err(err, VIEW_ERR_TYPE, "cannot delete memory");
	r = view_subscript_numpy(d, keys, nkeys, ret_view, err);
	return r == VIEW_SUB_VIEW ? VIEW_SUB_FILL : r;
}

int
view_subscript(const struct view_desc *d, const struct view_key *keys,
    size_t nkeys, unsigned flags, struct view_desc *ret_view,
    struct view_error *err)
{
	bool	defer = false, store = flags & VIEW_SUBSCRIPT_STORE;
	int	r;

	if (!(flags & VIEW_SUBSCRIPT_TUPLE) && nkeys != 1)
		return view_err(err, VIEW_ERR_VALUE,
		    "view: a key that is not a tuple has exactly one item");
	if (!(flags & VIEW_SUBSCRIPT_NUMPY)) {
		r = store ? mv_store(d, keys, nkeys, flags, ret_view, &defer,
		    err) : mv_load(d, keys, nkeys, flags & VIEW_SUBSCRIPT_TUPLE,
		    ret_view, &defer, err);
		if (r >= 0 || (flags & VIEW_SUBSCRIPT_MEMORYVIEW))
			return r;
		if (r != -ENOTSUP && !defer)
			return r;
	}
	if (store)
		return np_store(d, keys, nkeys, flags, ret_view, err);
	return view_subscript_numpy(d, keys, nkeys, ret_view, err);
}

int
view_item_offset(const struct view_desc *d, const int64_t *index,
    size_t nindex, int64_t *ret_offset, struct view_error *err)
{
	if (nindex < (size_t)d->ndim)
		return view_err(err, VIEW_ERR_NOTIMPL,
		    "sub-views are not implemented");
	return mv_lookup(d, index, nindex, ret_offset, err);
}
