/* SPDX-License-Identifier: MIT */
/* The wire's view descriptor to and from struct view_desc, for daemon and library alike. */
#ifndef MVIEW_COMMON_DESC_WIRE_H
#define MVIEW_COMMON_DESC_WIRE_H

#include "mview.pb-c.h"
#include "view.h"

/*
 * Copy w into ret_desc, checking what the copy needs and nothing more:
 * at most VIEW_MAX_NDIM dimensions, strides for every dimension or for
 * none (then C-contiguous, from non-negative extents that do not
 * overflow), a format that fits VIEW_FORMAT_MAX. Bounds and the rest are
 * view_validate()'s. Every byte of ret_desc is set (zero past ndim).
 * 0 or -EINVAL with the reason in err (may be NULL); ret_desc is
 * untouched on failure.
 */
int	desc_from_wire(const Mview__ViewDesc *w, struct view_desc *ret_desc,
	    struct view_error *err);

/*
 * Point w at a compact descriptor: the fixed fields in head, then axes,
 * ndim extents followed by ndim strides (as the daemon's views and the
 * library's keep them). w borrows head and axes, which must outlive it.
 */
void	desc_to_wire(const struct view_head *head, const int64_t *axes,
	    Mview__ViewDesc *w);

#endif /* MVIEW_COMMON_DESC_WIRE_H */
