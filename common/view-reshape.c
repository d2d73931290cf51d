/* SPDX-License-Identifier: MIT */
/* NumPy's transpose and no-copy reshape over a descriptor. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "view-internal.h"

/* Checked first, then gathered straight into ret_view: no descriptor
 * copied through the stack unless ret_view is d. */
int
view_transpose(const struct view_desc *d, const int64_t *perm, int nperm,
    struct view_desc *ret_view, struct view_error *err)
{
	struct view_desc src;
	uint8_t		 axes[VIEW_MAX_NDIM];
	uint64_t	 seen = 0;	/* bit per axis: ndim <= 64 */
	int64_t		 axis;
	int		 i;

	if (perm != NULL && nperm != d->ndim)
		return view_err(err, VIEW_ERR_VALUE, "axes don't match array");
	for (i = 0; i < d->ndim && i < VIEW_MAX_NDIM; i++) {
		axis = perm != NULL ? perm[i] : d->ndim - 1 - i;
		if (axis < -d->ndim || axis >= d->ndim)
			return view_err(err, VIEW_ERR_AXIS, "axis %" PRId64
			    " is out of bounds for array of dimension %d", axis,
			    d->ndim);
		if (axis < 0)
			axis += d->ndim;
		if (seen & (UINT64_C(1) << axis))
			return view_err(err, VIEW_ERR_VALUE,
			    "repeated axis in transpose");
		seen |= UINT64_C(1) << axis;
		axes[i] = (uint8_t)axis;
	}
	if (ret_view == d) {
		view_desc_copy(&src, d);
		d = &src;
	}
	view_desc_copy_head(ret_view, d);
	for (i = 0; i < d->ndim && i < VIEW_MAX_NDIM; i++) {
		ret_view->shape[i] = d->shape[axes[i]];
		ret_view->strides[i] = d->strides[axes[i]];
	}
	return 0;
}

/* NumPy's convert_shape_to_string(): "(2,3)", "(5,)", "(5,newaxis)". */
static void
shape_string(const int64_t *shape, int n, char *buf, size_t len)
{
	size_t	off;
	int	i;

	for (i = 0; i < n && shape[i] < 0; i++)
		;
	if (i == n) {
		snprintf(buf, len, "()");
		return;
	}
	off = snprintf(buf, len, "(%" PRId64, shape[i++]);
	for (; i < n && off < len; i++)
		off += shape[i] < 0 ? snprintf(buf + off, len - off,
		    ",newaxis") : snprintf(buf + off, len - off, ",%" PRId64,
		    shape[i]);
	if (off < len)
		snprintf(buf + off, len - off, n == 1 ? ",)" : ")");
}

static int
size_mismatch(int64_t size, const int64_t *shape, int n,
    struct view_error *err)
{
	char	s[160];

	shape_string(shape, n, s, sizeof(s));
	return view_err(err, VIEW_ERR_VALUE,
	    "cannot reshape array of size %" PRId64 " into shape %s", size, s);
}

/* NumPy's _fix_unknown_dimension(): dims gets the inferred extent. */
static int
fix_unknown(int64_t size, const int64_t *shape, int n, int64_t *dims,
    struct view_error *err)
{
	int64_t	known = 1;
	int	i, unknown = -1;

	for (i = 0; i < n; i++) {
		dims[i] = shape[i];
		if (shape[i] < 0) {
			if (unknown >= 0)
				return view_err(err, VIEW_ERR_VALUE,
				    "can only specify one unknown dimension");
			unknown = i;
		} else if (__builtin_mul_overflow(known, shape[i], &known))
			return size_mismatch(size, shape, n, err);
	}
	if (unknown >= 0) {
		if (known == 0 || size % known != 0)
			return size_mismatch(size, shape, n, err);
		dims[unknown] = size / known;
	} else if (size != known)
		return size_mismatch(size, shape, n, err);
	return 0;
}

/* NumPy's C-contiguity flag: like memoryview's minus the 1-D quirk. */
static bool
np_c_contiguous(const struct view_desc *d)
{
	return d->ndim == 0 || view_raw_contiguous(d, 'C');
}

/* Strides of a fresh C-ordered array (NumPy's _array_fill_strides():
 * a zero extent does not multiply, and must not overflow either). */
static int
np_fill_strides(struct view_desc *v, struct view_error *err)
{
	int64_t	sd = v->itemsize;
	int	i;

	for (i = v->ndim - 1; i >= 0; i--) {
		v->strides[i] = sd;
		if (v->shape[i] != 0 &&
		    __builtin_mul_overflow(sd, v->shape[i], &sd))
			return view_err(err, VIEW_ERR_VALUE, "array is too "
			    "big; `arr.size * arr.dtype.itemsize` is larger "
			    "than the maximum possible size.");
	}
	return 0;
}

/* Merge old axes [oi, oj) into new axes [ni, nj) if they are C-ordered. */
static bool
nocopy_group(const int64_t *od, const int64_t *os, int oi, int oj,
    const int64_t *nd, int64_t *ns, int ni, int nj)
{
	int	k;

	for (k = oi; k < oj - 1; k++)
		if (os[k] != view_wrap_mul(od[k + 1], os[k + 1]))
			return false;
	ns[nj - 1] = os[oj - 1];
	for (k = nj - 1; k > ni; k--)
		ns[k - 1] = view_wrap_mul(ns[k], nd[k]);
	return true;
}

/* NumPy's _attempt_nocopy_reshape() in C order (d has no zero extent). */
static bool
nocopy_reshape(const struct view_desc *d, struct view_desc *v)
{
	int64_t	od[VIEW_MAX_NDIM], os[VIEW_MAX_NDIM], np, op, last;
	int	on = 0, oi = 0, oj = 1, ni = 0, nj = 1, i;

	for (i = 0; i < d->ndim; i++)
		if (d->shape[i] != 1) {
			od[on] = d->shape[i];
			os[on++] = d->strides[i];
		}
	while (ni < v->ndim && oi < on) {
		np = v->shape[ni];
		op = od[oi];
		while (np != op) {
			if (np < op)
				np *= v->shape[nj++];
			else
				op *= od[oj++];
		}
		if (!nocopy_group(od, os, oi, oj, v->shape, v->strides, ni, nj))
			return false;
		ni = nj++;
		oi = oj++;
	}
	last = ni >= 1 ? v->strides[ni - 1] : d->itemsize;
	for (i = ni; i < v->ndim; i++)
		v->strides[i] = last;
	return true;
}

int
view_reshape(const struct view_desc *d, int ndim, const int64_t *shape,
    struct view_desc *ret_view, struct view_error *err)
{
	struct view_desc v = *d;
	int64_t		 size;
	int		 r;

	if (ndim < 0 || ndim > VIEW_MAX_NDIM)
		return view_err(err, VIEW_ERR_VALUE, "maximum supported "
		    "dimension for a view is %d, found %d", VIEW_MAX_NDIM,
		    ndim);
	if (ndim == d->ndim && (ndim == 0 ||
	    memcmp(shape, d->shape, ndim * sizeof(*shape)) == 0)) {
		*ret_view = *d;
		return 0;
	}
	if (view_nitems(d, &size) < 0)
		return view_err(err, VIEW_ERR_OVERFLOW, "view: size overflows");
	v.ndim = ndim;
	if ((r = fix_unknown(size, shape, ndim, v.shape, err)) < 0)
		return r;
	if (np_c_contiguous(d)) {
		if ((r = np_fill_strides(&v, err)) < 0)
			return r;
	} else if (!nocopy_reshape(d, &v))
		return view_err(err, VIEW_ERR_TYPE,
		    "cannot reshape a non-contiguous view without copying");
	*ret_view = v;
	return 0;
}
