/* SPDX-License-Identifier: MIT */
/* Published views, stored compactly: shape and strides sized to ndim, name inline. */
#ifndef MVIEWD_VIEWS_H
#define MVIEWD_VIEWS_H

#include <sys/queue.h>
#include <sys/types.h>

#include <stdbool.h>
#include <stdint.h>

#include "hash.h"
#include "mview.pb-c.h"
#include "tree.h"
#include "view.h"

struct errmsg;
struct segment;

/* One allocation: this header, 2 * ndim int64s, then the NUL-terminated name. */
struct view {
	struct hash_link	 link;		/* registry: by name */
	struct tree_node	 order;		/* registry: sorted names */
	LIST_ENTRY(view)	 seg_entry;	/* seg->views */
	struct segment		*seg;
	int64_t			 offset;
	int64_t			 itemsize;
	int64_t			 ctime_ns;
	uid_t			 uid;		/* the publisher */
	uint8_t			 ndim;
	bool			 readonly;
	char			 format[VIEW_FORMAT_MAX];
	int64_t			 dims[];	/* shape[ndim], strides[ndim] */
};

/*
 * Copy a descriptor off the wire, checking only what the copy needs:
 * matching shape/strides counts (no strides: C-contiguous), at most
 * VIEW_MAX_NDIM dimensions, a format that fits. view_validate() does
 * the rest. 0 or -EINVAL with a message.
 */
int	views_desc_from_wire(const Mview__ViewDesc *w, struct view_desc *ret_desc,
	    struct errmsg *e);

/* A new unlinked view (seg not set). NULL when out of memory. */
struct view *views_new(const char *name, const struct view_desc *d, uid_t uid,
	    int64_t ctime_ns);
void	views_free(struct view *v);

const char *views_name(const struct view *v);

/* v's descriptor on segment_id into ret (shape and strides up to ndim). */
void	views_desc(const struct view *v, uint64_t segment_id,
	    struct view_desc *ret);

/* Point w into v (which must outlive w). */
void	views_to_wire(const struct view *v, uint64_t segment_id,
	    Mview__ViewDesc *w);

/* Bytes v occupies (for the compactness budget and status). */
size_t	views_size(const struct view *v);

#endif /* MVIEWD_VIEWS_H */
