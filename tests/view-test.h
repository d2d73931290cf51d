/* SPDX-License-Identifier: MIT */
/* Helpers the view algebra's unit tests share. */
#ifndef MVIEW_VIEW_TEST_H
#define MVIEW_VIEW_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "view.h"

/* A descriptor: fmt, offset, ndim, then ndim extents and ndim strides
 * (strides all 0 means C order). */
static inline struct view_desc
mkview(const char *fmt, int64_t offset, int ndim, ...)
{
	struct view_desc d;
	va_list		 ap;
	int64_t		 sd;
	int		 i;
	bool		 any = false;

	memset(&d, 0, sizeof(d));
	strcpy(d.format, fmt);
	d.itemsize = view_format_itemsize(fmt) > 0 ?
	    view_format_itemsize(fmt) : 1;
	d.offset = offset;
	d.ndim = ndim;
	va_start(ap, ndim);
	for (i = 0; i < ndim; i++)
		d.shape[i] = va_arg(ap, int64_t);
	for (i = 0; i < ndim; i++) {
		d.strides[i] = va_arg(ap, int64_t);
		any |= d.strides[i] != 0;
	}
	va_end(ap);
	if (!any)
		for (i = ndim - 1, sd = d.itemsize; i >= 0; i--) {
			d.strides[i] = sd;
			sd *= d.shape[i];
		}
	return d;
}

#define I(x)	((int64_t)(x))

/* Expect an error of class cls with exactly message msg. */
#define assert_view_error(call, errp, cls_, msg_) do {			\
	memset((errp), 0, sizeof(*(errp)));				\
	assert_true((call) < 0);					\
	assert_int_equal((errp)->cls, (cls_));				\
	assert_string_equal((errp)->msg, (msg_));			\
} while (0)

static inline struct view_key
key_index(int64_t i)
{
	struct view_key k = { .kind = VIEW_KEY_INDEX, .index = i };

	return k;
}

/* A slice; INT64_MIN in a bound means None there. */
#define NONE	INT64_MIN
static inline struct view_key
key_slice(int64_t start, int64_t stop, int64_t step)
{
	struct view_key k = { .kind = VIEW_KEY_SLICE };

	k.has_start = start != NONE;
	k.start = k.has_start ? start : 0;
	k.has_stop = stop != NONE;
	k.stop = k.has_stop ? stop : 0;
	k.has_step = step != NONE;
	k.step = k.has_step ? step : 0;
	return k;
}

static inline struct view_key
key_ellipsis(void)
{
	struct view_key k = { .kind = VIEW_KEY_ELLIPSIS };

	return k;
}

#endif /* MVIEW_VIEW_TEST_H */
