/* SPDX-License-Identifier: MIT */
/* Descriptor properties: construction, contiguity, sizes, toreadonly. */
#include <errno.h>
#include <string.h>

#include "view-internal.h"

bool
view_zero_in_shape(const struct view_desc *d)
{
	int	i;

	for (i = 0; i < d->ndim; i++)
		if (d->shape[i] == 0)
			return true;
	return false;
}

int
view_nitems(const struct view_desc *d, int64_t *ret_nitems)
{
	int64_t	n = 1;
	int	i;

	if (view_zero_in_shape(d)) {
		*ret_nitems = 0;
		return 0;
	}
	for (i = 0; i < d->ndim; i++)
		if (__builtin_mul_overflow(n, d->shape[i], &n))
			return -EOVERFLOW;
	*ret_nitems = n;
	return 0;
}

int
view_nbytes(const struct view_desc *d, int64_t *ret_nbytes)
{
	int64_t	n;

	if (view_nitems(d, &n) < 0 ||
	    __builtin_mul_overflow(n, d->itemsize, &n))
		return -EOVERFLOW;
	*ret_nbytes = n;
	return 0;
}

/* CPython's _IsCContiguous / _IsFortranContiguous for ndim >= 1. */
static bool
contiguous_nd(const struct view_desc *d, bool fortran)
{
	int64_t	sd = d->itemsize;
	int	i, k;

	if (view_zero_in_shape(d))
		return true;
	for (k = 0; k < d->ndim; k++) {
		i = fortran ? k : d->ndim - 1 - k;
		if (d->shape[i] > 1 && d->strides[i] != sd)
			return false;
		if (__builtin_mul_overflow(sd, d->shape[i], &sd))
			return false;
	}
	return true;
}

bool
view_raw_contiguous(const struct view_desc *d, char order)
{
	if (d->ndim == 0)
		return true;
	if (order == 'C')
		return contiguous_nd(d, false);
	if (order == 'F')
		return contiguous_nd(d, true);
	return contiguous_nd(d, false) || contiguous_nd(d, true);
}

/* memoryview's init_flags(): an empty 1-D view is contiguous only when
 * its stride is the itemsize. */
static bool
mv_contiguous(const struct view_desc *d, bool fortran)
{
	if (d->ndim == 0)
		return true;
	if (d->ndim == 1)
		return d->shape[0] == 1 || d->strides[0] == d->itemsize;
	return contiguous_nd(d, fortran);
}

bool
view_is_c_contiguous(const struct view_desc *d)
{
	return mv_contiguous(d, false);
}

bool
view_is_f_contiguous(const struct view_desc *d)
{
	return mv_contiguous(d, true);
}

bool
view_is_contiguous(const struct view_desc *d, char order)
{
	switch (order) {
	case 'C':
		return mv_contiguous(d, false);
	case 'F':
		return mv_contiguous(d, true);
	case 'A':
		return mv_contiguous(d, false) || mv_contiguous(d, true);
	default:
		return false;
	}
}

void
view_toreadonly(const struct view_desc *d, struct view_desc *ret_view)
{
	*ret_view = *d;
	ret_view->readonly = true;
}

/* CPython's init_strides_from_shape(), overflow-checked. */
static int
c_strides(struct view_desc *v, struct view_error *err)
{
	int64_t	sd = v->itemsize;
	int	i;

	for (i = v->ndim - 1; i >= 0; i--) {
		v->strides[i] = sd;
		if (__builtin_mul_overflow(sd, v->shape[i], &sd))
			return view_err(err, VIEW_ERR_VALUE,
			    "view: strides overflow");
	}
	return 0;
}

int
view_init(struct view_desc *ret_desc, uint64_t segment_id, int64_t offset,
    const char *format, int64_t itemsize, int ndim, const int64_t *shape,
    const int64_t *strides, bool readonly, struct view_error *err)
{
	struct view_desc v;
	int		 r;

	memset(&v, 0, sizeof(v));
	if (format == NULL || strlen(format) >= sizeof(v.format))
		return view_err(err, VIEW_ERR_VALUE, "view: format too long");
	strcpy(v.format, format);
	if (itemsize == 0) {
		if (view_format_size(format) < 0 && view_format_from_typestr(
		    format, v.format, sizeof(v.format)) < 0)
			return view_err(err, VIEW_ERR_VALUE, "view: '%s' is "
			    "neither a struct format nor a NumPy typestr",
			    format);
		itemsize = view_format_size(v.format);
	}
	if (ndim < 0 || ndim > VIEW_MAX_NDIM)
		return view_err(err, VIEW_ERR_VALUE,
		    "memoryview: number of dimensions must not exceed %d",
		    VIEW_MAX_NDIM);
	if (ndim > 0 && shape == NULL)
		return view_err(err, VIEW_ERR_VALUE, "view: %d dimensions "
		    "need a shape", ndim);
	v.segment_id = segment_id;
	v.offset = offset;
	v.itemsize = itemsize;
	v.ndim = ndim;
	v.readonly = readonly;
	if (ndim > 0)
		memcpy(v.shape, shape, ndim * sizeof(*shape));
	if (strides != NULL && ndim > 0)
		memcpy(v.strides, strides, ndim * sizeof(*strides));
	if ((r = view_check_structure(&v, VIEW_MAX_NDIM, err)) < 0)
		return r;
	if (strides == NULL && (r = c_strides(&v, err)) < 0)
		return r;
	*ret_desc = v;
	return 0;
}
