/* SPDX-License-Identifier: MIT */
/* Moving elements: tobytes gathers, slice assignment, fills. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "view-internal.h"

void
view_copy_items(uint8_t *dp, const int64_t *dstrides, const uint8_t *sp,
    const int64_t *sstrides, const int64_t *shape, int ndim, size_t itemsize)
{
	int64_t	i;

	if (ndim == 0) {
		memcpy(dp, sp, itemsize);
		return;
	}
	if (ndim == 1 && dstrides[0] == (int64_t)itemsize &&
	    sstrides[0] == (int64_t)itemsize) {
		memcpy(dp, sp, (size_t)shape[0] * itemsize);
		return;
	}
	for (i = 0; i < shape[0]; i++)
		view_copy_items(dp + (ptrdiff_t)i * dstrides[0], dstrides + 1,
		    sp + (ptrdiff_t)i * sstrides[0], sstrides + 1, shape + 1,
		    ndim - 1, itemsize);
}

/* C-order strides of d's shape with d's itemsize. */
static void
packed_strides(const struct view_desc *d, int64_t *strides)
{
	int64_t	sd = d->itemsize;
	int	i;

	for (i = d->ndim - 1; i >= 0; i--) {
		strides[i] = sd;
		sd *= d->shape[i];
	}
}

void
view_gather(const struct view_desc *d, const void *base, void *out)
{
	int64_t	strides[VIEW_MAX_NDIM];

	packed_strides(d, strides);
	view_copy_items(out, strides, (const uint8_t *)base + d->offset,
	    d->strides, d->shape, d->ndim, d->itemsize);
}

/* d with its axes reversed: its C order is d's Fortran order. */
static void
reversed(const struct view_desc *d, struct view_desc *r)
{
	int	i;

	*r = *d;
	for (i = 0; i < d->ndim; i++) {
		r->shape[i] = d->shape[d->ndim - 1 - i];
		r->strides[i] = d->strides[d->ndim - 1 - i];
	}
}

int
view_tobytes(const struct view_desc *d, const void *base, char order,
    void *out, size_t outlen, struct view_error *err)
{
	struct view_desc r;
	int64_t		 nbytes;

	if (order != 'C' && order != 'F' && order != 'A')
		return view_err(err, VIEW_ERR_VALUE,
		    "order must be 'C', 'F' or 'A'");
	if (view_nbytes(d, &nbytes) < 0 || (uint64_t)nbytes > outlen)
		return view_err(err, VIEW_ERR_VALUE,
		    "view: output buffer too small");
	if (nbytes == 0)
		return 0;
	if (view_raw_contiguous(d, order)) {
		memcpy(out, (const uint8_t *)base + d->offset, nbytes);
		return 0;
	}
	if (order == 'F') {
		reversed(d, &r);
		view_gather(&r, base, out);
	} else
		view_gather(d, base, out);
	return 0;
}

/* CPython's equiv_structure(): format (ignoring '@'), itemsize, shape. */
static bool
same_structure(const struct view_desc *a, const struct view_desc *b)
{
	const char *fa = a->format[0] == '@' ? a->format + 1 : a->format;
	const char *fb = b->format[0] == '@' ? b->format + 1 : b->format;
	int	    i;

	if (strcmp(fa, fb) != 0 || a->itemsize != b->itemsize ||
	    a->ndim != b->ndim)
		return false;
	for (i = 0; i < a->ndim; i++) {
		if (a->shape[i] != b->shape[i])
			return false;
		if (a->shape[i] == 0)
			break;
	}
	return true;
}

/* Whether the bytes the two views touch intersect. */
static bool
overlap(const struct view_desc *a, const void *abase,
    const struct view_desc *b, const void *bbase)
{
	int64_t	  alo, ahi, blo, bhi;
	uintptr_t pa = (uintptr_t)abase, pb = (uintptr_t)bbase;

	if (view_extent(a, &alo, &ahi) < 0 || view_extent(b, &blo, &bhi) < 0)
		return true;
	return pa + (uintptr_t)alo < pb + (uintptr_t)bhi &&
	    pb + (uintptr_t)blo < pa + (uintptr_t)ahi;
}

int
view_assign(const struct view_desc *dst, void *dbase,
    const struct view_desc *src, const void *sbase, struct view_error *err)
{
	int64_t	 strides[VIEW_MAX_NDIM], nbytes;
	uint8_t	*tmp;

	if (dst->readonly)
		return view_err(err, VIEW_ERR_TYPE,
		    "cannot modify read-only memory");
	if (!same_structure(dst, src))
		return view_err(err, VIEW_ERR_VALUE, "memoryview assignment: "
		    "lvalue and rvalue have different structures");
	if (view_nbytes(dst, &nbytes) < 0 || nbytes == 0)
		return 0;
	if (!overlap(dst, dbase, src, sbase)) {
		view_copy_items((uint8_t *)dbase + dst->offset, dst->strides,
		    (const uint8_t *)sbase + src->offset, src->strides,
		    dst->shape, dst->ndim, dst->itemsize);
		return 0;
	}
	if ((tmp = malloc(nbytes)) == NULL)
		return view_err(err, VIEW_ERR_MEMORY, "out of memory");
	view_gather(src, sbase, tmp);
	packed_strides(dst, strides);
	view_copy_items((uint8_t *)dbase + dst->offset, dst->strides, tmp,
	    strides, dst->shape, dst->ndim, dst->itemsize);
	free(tmp);
	return 0;
}

int
view_fill(const struct view_desc *d, void *base,
    const struct view_value *value, struct view_error *err)
{
	int64_t	zero[VIEW_MAX_NDIM] = { 0 }, nbytes;
	uint8_t	item[VIEW_FORMAT_MAX];
	int	r;

	if (d->readonly)
		return view_err(err, VIEW_ERR_TYPE,
		    "cannot modify read-only memory");
	if ((r = view_pack(d->format, item, value, err)) < 0)
		return r;
	if (view_format_itemsize(d->format) != d->itemsize)
		return view_err(err, VIEW_ERR_VALUE,
		    "view: itemsize does not match format '%s'", d->format);
	if (view_nbytes(d, &nbytes) < 0 || nbytes == 0)
		return 0;
	view_copy_items((uint8_t *)base + d->offset, d->strides, item, zero,
	    d->shape, d->ndim, d->itemsize);
	return 0;
}
