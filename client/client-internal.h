/* SPDX-License-Identifier: MIT */
/* libmviewclient internals shared by its files (never installed). */
#ifndef MVIEW_CLIENT_INTERNAL_H
#define MVIEW_CLIENT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "mview.h"
#include "view.h"

#define MVIEW_EXPORT __attribute__((visibility("default")))

/* The public and the internal descriptor are the same bytes. */
_Static_assert(sizeof(struct mview_desc) == sizeof(struct view_desc),
    "mview_desc and view_desc differ");
_Static_assert(MVIEW_MAX_NDIM == VIEW_MAX_NDIM, "ndim limits differ");
_Static_assert(MVIEW_FORMAT_MAX == VIEW_FORMAT_MAX, "format limits differ");

/*
 * One mapping of one segment, shared by every handle and view of it made
 * through one client. Reference-counted; outlives the client (cache is
 * then NULL) and is unmapped at the last unref.
 */
struct mview_mapping {
	uint64_t		 segment_id;
	void			*base;		/* NULL when size is 0 */
	uint64_t		 size;
	bool			 writable;
	unsigned		 refs;
	struct mview_client	*cache;		/* the client whose cache holds it */
	struct mview_mapping	*next;		/* in that cache */
};

struct mview_view {
	struct mview_mapping	*map;
	struct view_desc	 desc;
};

/* Take / drop a reference on a mapping (unmaps at zero). */
void	mapping_ref(struct mview_mapping *m);
void	mapping_unref(struct mview_mapping *m);

/* A new view over m with descriptor d (copied; takes a reference on m).
 * d->readonly is forced on when m is read-only. No bounds check here. */
int	client_view_wrap(struct mview_mapping *m, const struct view_desc *d,
	    struct mview_view **ret_view);

/* Copy an internal error into the public one (either may be NULL). */
void	client_error_export(const struct view_error *in, struct mview_error *out);

#endif /* MVIEW_CLIENT_INTERNAL_H */
