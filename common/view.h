/* SPDX-License-Identifier: MIT */
/* The view descriptor and the algebra over it (see ../shared/VIEW-SPEC.md). */
#ifndef MVIEW_COMMON_VIEW_H
#define MVIEW_COMMON_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VIEW_MAX_NDIM	64
#define VIEW_FORMAT_MAX	16	/* bytes of a format string, NUL included */

/* Exactly what a Py_buffer carries, pointing into a segment. */
struct view_desc {
	uint64_t segment_id;
	int64_t	 offset;	/* bytes from segment start to element [0,...,0] */
	int64_t	 itemsize;
	int	 ndim;
	bool	 readonly;
	char	 format[VIEW_FORMAT_MAX];	/* as written, NUL-terminated */
	int64_t	 shape[VIEW_MAX_NDIM];
	int64_t	 strides[VIEW_MAX_NDIM];	/* bytes, any sign */
};

/* The Python exception class an error maps to. */
enum view_errclass {
	VIEW_ERR_NONE = 0,
	VIEW_ERR_TYPE,		/* TypeError */
	VIEW_ERR_VALUE,		/* ValueError */
	VIEW_ERR_INDEX,		/* IndexError */
	VIEW_ERR_BUFFER,	/* BufferError */
	VIEW_ERR_NOTIMPL,	/* NotImplementedError */
	VIEW_ERR_OVERFLOW,	/* OverflowError */
};

struct view_error {
	enum view_errclass cls;
	char		   msg[192];	/* CPython's exact text where it has one */
};

/*
 * Every function returns 0 on success or a negative errno (-EINVAL for
 * Type/Value errors, -ERANGE for Index errors, -ENOTSUP for
 * NotImplemented, -EBUSY for Buffer errors) and fills *err when err is
 * not NULL. Outputs are left untouched on failure.
 */

/* Overflow-safe bounds check: every byte the view can touch lies in
 * [0, segment_size). A view with a zero in its shape touches nothing. */
int	view_check_bounds(const struct view_desc *d, uint64_t segment_size,
	    struct view_error *err);

/* Structural validation of a descriptor received from outside (the wire):
 * ndim in [0, max_ndim], shape >= 0, itemsize >= 1, format printable and
 * non-empty, itemsize matching the format when the format is native,
 * nbytes computable without overflow, then the bounds check. */
int	view_validate(const struct view_desc *d, uint64_t segment_size,
	    int max_ndim, struct view_error *err);

/* The itemsize of a native single-character format ("h", "@h"), or
 * -EINVAL when the format is not one. */
int	view_format_itemsize(const char *format);

#endif /* MVIEW_COMMON_VIEW_H */
