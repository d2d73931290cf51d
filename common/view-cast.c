/* SPDX-License-Identifier: MIT */
/* memoryview.cast(format, shape), with CPython's checks in its order. */
#include <errno.h>
#include <string.h>

#include "view-internal.h"

/* cast's checks before the format is looked at, in CPython's order:
 * contiguity, zeros in the shape, the shape argument, 1D <-> ND. */
static int
cast_precheck(const struct view_desc *d, const struct view_cast_shape *s,
    struct view_error *err)
{
	bool	given = s != NULL && s->ndim >= 0;

	if (!view_is_c_contiguous(d))
		return view_err(err, VIEW_ERR_TYPE,
		    "memoryview: casts are restricted to C-contiguous views");
	if ((given || (s != NULL && s->not_sequence) || d->ndim != 1) &&
	    view_zero_in_shape(d))
		return view_err(err, VIEW_ERR_TYPE, "memoryview: cannot cast "
		    "view with zeros in shape or strides");
	if (s == NULL || (!given && !s->not_sequence))
		return 0;
	if (s->not_sequence)
		return view_err(err, VIEW_ERR_TYPE,
		    "shape must be a list or a tuple");
	if (s->ndim > VIEW_MAX_NDIM)
		return view_err(err, VIEW_ERR_VALUE, "memoryview: number of "
		    "dimensions must not exceed %d", VIEW_MAX_NDIM);
	if (d->ndim != 1 && s->ndim != 1)
		return view_err(err, VIEW_ERR_TYPE,
		    "memoryview: cast must be 1D -> ND or ND -> 1D");
	return 0;
}

/* CPython's cast_to_1D(): v becomes 1-D of the new format. */
static int
cast_to_1d(struct view_desc *v, const char *format, int64_t nbytes,
    struct view_error *err)
{
	int	isz;

	if ((isz = view_format_itemsize(format)) < 0)
		return view_err(err, VIEW_ERR_VALUE, "memoryview: destination "
		    "format must be a native single character format prefixed "
		    "with an optional '@'");
	if (!view_format_is_byte(v->format) && !view_format_is_byte(format))
		return view_err(err, VIEW_ERR_TYPE,
		    "memoryview: cannot cast between two non-byte formats");
	if (nbytes % isz != 0)
		return view_err(err, VIEW_ERR_TYPE,
		    "memoryview: length is not a multiple of itemsize");
	strcpy(v->format, format);
	v->itemsize = isz;
	v->ndim = 1;
	v->shape[0] = nbytes / isz;
	v->strides[0] = isz;
	return 0;
}

/* CPython's copy_shape(): the extents, checked one by one. */
static int
copy_shape(struct view_desc *v, const struct view_cast_shape *s,
    int64_t *ret_len, struct view_error *err)
{
	int64_t	len = v->itemsize, x;
	int	i;

	for (i = 0; i < s->ndim; i++) {
		if (s->dims != NULL && s->dims[i] == VIEW_DIM_NOT_INT)
			return view_err(err, VIEW_ERR_TYPE, "memoryview.cast()"
			    ": elements of shape must be integers");
		if (s->dims != NULL && s->dims[i] == VIEW_DIM_TOO_BIG)
			return view_err(err, VIEW_ERR_OVERFLOW, "Python int "
			    "too large to convert to C ssize_t");
		if ((x = s->shape[i]) <= 0)
			return view_err(err, VIEW_ERR_VALUE, "memoryview.cast()"
			    ": elements of shape must be integers > 0");
		if (x > INT64_MAX / len)
			return view_err(err, VIEW_ERR_VALUE, "memoryview.cast()"
			    ": product(shape) > SSIZE_MAX");
		len *= x;
		v->shape[i] = x;
	}
	*ret_len = len;
	return 0;
}

/* CPython's cast_to_ND(): reshape the 1-D v, C order. */
static int
cast_to_nd(struct view_desc *v, const struct view_cast_shape *s,
    int64_t nbytes, struct view_error *err)
{
	int64_t	len = v->itemsize;
	int	i, r;

	v->ndim = s->ndim;
	if (s->ndim > 0 && (r = copy_shape(v, s, &len, err)) < 0)
		return r;
	if (s->ndim > 0) {
		v->strides[s->ndim - 1] = v->itemsize;
		for (i = s->ndim - 2; i >= 0; i--)
			v->strides[i] = v->strides[i + 1] * v->shape[i + 1];
	}
	if (len != nbytes)
		return view_err(err, VIEW_ERR_TYPE,
		    "memoryview: product(shape) * itemsize != buffer size");
	return 0;
}

int
view_cast_ex(const struct view_desc *d, const char *format,
    const struct view_cast_shape *shape, struct view_desc *ret_view,
    struct view_error *err)
{
	struct view_desc v;
	int64_t		 nbytes;
	int		 r;

	if ((r = cast_precheck(d, shape, err)) < 0)
		return r;
	view_desc_copy_head(&v, d);	/* the casts write every axis */
	if (view_nbytes(d, &nbytes) < 0)
		return view_err(err, VIEW_ERR_OVERFLOW,
		    "view: nbytes overflows");
	if ((r = cast_to_1d(&v, format, nbytes, err)) < 0)
		return r;
	if (shape != NULL && shape->ndim >= 0 &&
	    (r = cast_to_nd(&v, shape, nbytes, err)) < 0)
		return r;
	view_desc_copy(ret_view, &v);
	return 0;
}

int
view_cast(const struct view_desc *d, const char *format, int ndim,
    const int64_t *shape, struct view_desc *ret_view, struct view_error *err)
{
	struct view_cast_shape s = { .ndim = ndim, .shape = shape };

	return view_cast_ex(d, format, &s, ret_view, err);
}
