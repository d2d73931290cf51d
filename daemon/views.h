/* SPDX-License-Identifier: MIT */
/* Published views, stored compactly: shape and strides sized to ndim, name inline. */
#ifndef MVIEWD_VIEWS_H
#define MVIEWD_VIEWS_H

#include <sys/queue.h>
#include <sys/types.h>

#include <stdbool.h>
#include <stdint.h>

#include "hash.h"
#include "tree.h"
#include "view.h"

struct segment;

/* One allocation: this header, 2 * ndim int64s, then the NUL-terminated name. */
struct view {
	struct hash_link	 link;		/* registry: by name */
	struct tree_node	 order;		/* registry: sorted names */
	LIST_ENTRY(view)	 seg_entry;	/* seg->views */
	struct segment		*seg;
	int64_t			 ctime_ns;
	uid_t			 uid;		/* the publisher */
	struct view_head	 head;		/* head.segment_id is seg->id */
	int64_t			 dims[];	/* shape[ndim], strides[ndim] */
};

/* A new unlinked view (seg not set). NULL when out of memory. */
struct view *views_new(const char *name, const struct view_desc *d, uid_t uid,
	    int64_t ctime_ns);
void	views_free(struct view *v);

const char *views_name(const struct view *v);

/* v's descriptor on segment_id into ret (shape and strides up to ndim). */
void	views_desc(const struct view *v, uint64_t segment_id,
	    struct view_desc *ret);

/* Bytes v occupies (for the compactness budget and status). */
size_t	views_size(const struct view *v);

#endif /* MVIEWD_VIEWS_H */
