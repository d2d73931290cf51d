/* SPDX-License-Identifier: MIT */
/* The wire's view descriptor to and from struct view_desc, for daemon and library alike. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "desc-wire.h"

static int
desc_wire_error(struct view_error *err, const char *msg)
{
	if (err != NULL) {
		err->cls = VIEW_ERR_VALUE;
		snprintf(err->msg, sizeof(err->msg), "%s", msg);
	}
	return -EINVAL;
}

/* C-contiguous strides for d's shape (itemsize checked later: 0 stays 0). */
static int
desc_c_strides(struct view_desc *d, struct view_error *err)
{
	int64_t	s = d->itemsize > 0 ? d->itemsize : 0;

	for (int i = d->ndim - 1; i >= 0; i--) {
		if (d->shape[i] < 0)
			return desc_wire_error(err, "negative shape");
		d->strides[i] = s;
		if (d->shape[i] > 0 && __builtin_mul_overflow(s, d->shape[i], &s))
			return desc_wire_error(err, "shape overflows int64");
	}
	return 0;
}

int
desc_from_wire(const Mview__ViewDesc *w, struct view_desc *ret_desc,
    struct view_error *err)
{
	struct view_desc	d;

	if (w == NULL)
		return desc_wire_error(err, "no view descriptor");
	if (w->n_shape > VIEW_MAX_NDIM)
		return desc_wire_error(err, "more dimensions than 64");
	if (w->n_strides != w->n_shape && w->n_strides != 0)
		return desc_wire_error(err, "strides must be given for every "
		    "dimension or for none");
	if (w->format == NULL || strlen(w->format) >= VIEW_FORMAT_MAX)
		return desc_wire_error(err, "format missing or longer than "
		    "15 bytes");
	memset(&d, 0, sizeof(d));	/* extents and strides past ndim too */
	d.segment_id = w->segment_id;
	d.offset = w->offset;
	d.itemsize = w->itemsize;
	d.ndim = (int)w->n_shape;
	d.readonly = w->has_readonly && w->readonly;
	strcpy(d.format, w->format);
	for (size_t i = 0; i < w->n_shape; i++) {
		d.shape[i] = w->shape[i];
		d.strides[i] = w->n_strides != 0 ? w->strides[i] : 0;
	}
	if (w->n_strides == 0 && desc_c_strides(&d, err) < 0)
		return -EINVAL;
	*ret_desc = d;
	return 0;
}

void
desc_to_wire(const struct view_head *head, const int64_t *axes,
    Mview__ViewDesc *w)
{
	w->segment_id = head->segment_id;
	w->offset = head->offset;
	w->format = (char *)head->format;
	w->itemsize = head->itemsize;
	w->n_shape = w->n_strides = (size_t)head->ndim;
	w->shape = (int64_t *)axes;
	w->strides = (int64_t *)axes + head->ndim;
	w->has_readonly = true;
	w->readonly = head->readonly;
}
