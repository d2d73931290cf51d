/* SPDX-License-Identifier: MIT */
/* Helpers the view algebra's files share (not part of its interface). */
#ifndef MVIEW_COMMON_VIEW_INTERNAL_H
#define MVIEW_COMMON_VIEW_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "view.h"

/* Fill err (when not NULL) and return the errno of the class. */
int	view_err(struct view_error *err, enum view_errclass cls,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* CPython's adjust_fmt(): the single character of a "X" or "@X" format,
 * or NULL (and NotImplementedError "memoryview: unsupported format %s"). */
const char *view_format_single(const char *format, struct view_error *err);

/* b, B or c: a byte format for cast(). */
bool	view_format_is_byte(const char *format);

/* view_validate() without the bounds check. */
int	view_check_structure(const struct view_desc *d, int max_ndim,
	    struct view_error *err);

bool	view_zero_in_shape(const struct view_desc *d);

/* product(shape), -EOVERFLOW when it does not fit. */
int	view_nitems(const struct view_desc *d, int64_t *ret_nitems);

/* Python's "raw" PyBuffer_IsContiguous() (no 1-D quirk), for copies. */
bool	view_raw_contiguous(const struct view_desc *d, char order);

/* The lowest and one past the highest byte d can touch, relative to its
 * base; -EOVERFLOW when that does not fit. d must not be empty. */
int	view_extent(const struct view_desc *d, int64_t *ret_lo,
	    int64_t *ret_hi);

/* Copy every element of a layout into another of the same shape. */
void	view_copy_items(uint8_t *dp, const int64_t *dstrides,
	    const uint8_t *sp, const int64_t *sstrides, const int64_t *shape,
	    int ndim, size_t itemsize);

/* C-order copy of d's elements into out (nbytes long); d not empty. */
void	view_gather(const struct view_desc *d, const void *base, void *out);

/*
 * Pointer arithmetic as CPython and NumPy do it, wrapping: derived offsets
 * and strides only wrap on axes that address nothing (extent <= 1 or a
 * zero elsewhere in the shape), and the bounds check stays exact.
 */
static inline int64_t
view_wrap_mul(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a * (uint64_t)b);
}

static inline int64_t
view_wrap_add(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}

/* NumPy basic indexing (view-index.c). */
int	view_subscript_numpy(const struct view_desc *d,
	    const struct view_key *keys, size_t nkeys,
	    struct view_desc *ret_view, struct view_error *err);

/* A growing NUL-terminated string (malloc'd); failure is sticky. */
struct view_buf {
	char	*s;
	size_t	 len, cap;
	bool	 failed;
};

void	view_buf_add(struct view_buf *b, const char *s, size_t n);
void	view_buf_puts(struct view_buf *b, const char *s);

/* IEEE half floats as CPython's PyFloat_Pack2 / _Unpack2 do them. */
int	view_half_pack(double x, uint16_t *ret_bits);
double	view_half_unpack(uint16_t bits);

#endif /* MVIEW_COMMON_VIEW_INTERNAL_H */
