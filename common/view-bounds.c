/* SPDX-License-Identifier: MIT */
/* Validation of descriptors and the overflow-safe bounds check. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "view-internal.h"

int
view_extent(const struct view_desc *d, int64_t *ret_lo, int64_t *ret_hi)
{
	int64_t	lo = d->offset, hi = d->offset, ext;
	int	i;

	for (i = 0; i < d->ndim; i++) {
		if (__builtin_mul_overflow(d->shape[i] - 1, d->strides[i],
		    &ext))
			return -EOVERFLOW;
		if (__builtin_add_overflow(ext < 0 ? lo : hi, ext,
		    ext < 0 ? &lo : &hi))
			return -EOVERFLOW;
	}
	if (__builtin_add_overflow(hi, d->itemsize, &hi))
		return -EOVERFLOW;
	*ret_lo = lo;
	*ret_hi = hi;
	return 0;
}

int
view_check_bounds(const struct view_desc *d, uint64_t segment_size,
    struct view_error *err)
{
	int64_t	lo, hi;

	if (d->ndim < 0 || d->ndim > VIEW_MAX_NDIM || d->itemsize < 1)
		return view_err(err, VIEW_ERR_VALUE,
		    "view: malformed descriptor");
	if (view_zero_in_shape(d))
		return 0;
	if (view_extent(d, &lo, &hi) < 0)
		return view_err(err, VIEW_ERR_VALUE,
		    "view: extent overflows");
	if (lo < 0 || (uint64_t)hi > segment_size)
		return view_err(err, VIEW_ERR_VALUE,
		    "view: bytes [%" PRId64 ", %" PRId64 ") are outside the "
		    "segment's %" PRIu64, lo, hi, segment_size);
	return 0;
}

static int
check_format(const struct view_desc *d, struct view_error *err)
{
	size_t	i, n;
	int	isz;

	n = strnlen(d->format, sizeof(d->format));
	if (n == 0 || n == sizeof(d->format))
		return view_err(err, VIEW_ERR_VALUE,
		    "view: format must be 1 to %zu characters",
		    sizeof(d->format) - 1);
	for (i = 0; i < n; i++)
		if (d->format[i] < 0x20 || d->format[i] > 0x7e)
			return view_err(err, VIEW_ERR_VALUE,
			    "view: format is not printable ASCII");
	isz = view_format_size(d->format);
	if (isz > 0 && isz != d->itemsize)
		return view_err(err, VIEW_ERR_VALUE,
		    "view: itemsize %" PRId64 " does not match format '%s'",
		    d->itemsize, d->format);
	return 0;
}

int
view_check_structure(const struct view_desc *d, int max_ndim,
    struct view_error *err)
{
	int64_t	nbytes;
	int	i, r;

	if (max_ndim > VIEW_MAX_NDIM)
		max_ndim = VIEW_MAX_NDIM;
	if (d->ndim < 0 || d->ndim > max_ndim)
		return view_err(err, VIEW_ERR_VALUE,
		    "view: ndim %d is not in [0, %d]", d->ndim, max_ndim);
	for (i = 0; i < d->ndim; i++)
		if (d->shape[i] < 0)
			return view_err(err, VIEW_ERR_VALUE,
			    "view: negative extent on dimension %d", i + 1);
	if (d->itemsize < 1)
		return view_err(err, VIEW_ERR_VALUE,
		    "view: itemsize must be at least 1");
	if ((r = check_format(d, err)) < 0)
		return r;
	if (view_nbytes(d, &nbytes) < 0)
		return view_err(err, VIEW_ERR_VALUE, "view: nbytes overflows");
	return 0;
}

int
view_validate(const struct view_desc *d, uint64_t segment_size, int max_ndim,
    struct view_error *err)
{
	int	r;

	if ((r = view_check_structure(d, max_ndim, err)) < 0)
		return r;
	return view_check_bounds(d, segment_size, err);
}
