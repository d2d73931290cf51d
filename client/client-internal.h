/* SPDX-License-Identifier: MIT */
/* libmviewclient internals shared by its files (never installed). */
#ifndef MVIEW_CLIENT_INTERNAL_H
#define MVIEW_CLIENT_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "conn.h"
#include "mview.h"
#include "view.h"

#define MVIEW_EXPORT __attribute__((visibility("default")))

/* A caller's broken precondition (NULL where an object or a result is
 * needed, a count without its array): return r at once, as systemd's
 * assert_return() does. The library never logs. */
#define assert_return(expr, r) do {					\
	if (__builtin_expect(!(expr), 0))				\
		return (r);						\
} while (0)

/* The public descriptor is the internal one, then its reserved words. */
_Static_assert(offsetof(struct mview_desc, reserved) ==
    sizeof(struct view_desc), "mview_desc and view_desc differ");
_Static_assert(MVIEW_MAX_NDIM == VIEW_MAX_NDIM, "ndim limits differ");
_Static_assert(MVIEW_FORMAT_MAX == VIEW_FORMAT_MAX, "format limits differ");

#define CLIENT_EVENTS_MAX	4096	/* queued events before OVERFLOW */

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
	/* MAP_PRIVATE, read-write: its writes stay in this process. Never
	 * found for reuse; in the cache only so that the daemon is told
	 * when the last user of the segment goes. */
	bool			 private_copy;
	unsigned		 refs;
	unsigned		 gen;		/* connection that attached it */
	uint64_t		 dev, ino;	/* the file: ids may repeat after a daemon restart */
	struct mview_client	*cache;		/* the client whose cache holds it */
	struct mview_mapping	*next;		/* in that cache */
	/* A stream frame's: called at the last unref instead of unmapping
	 * (the memory is the stream's). NULL for segments. */
	void			(*release)(struct mview_mapping *m);
	/* A stream frame's mapping makes its views of spare_ndim axes (or
	 * more) and keeps the last one released for the next frame: no
	 * malloc or free per frame. 0 for segments: views sized exactly. */
	int			 spare_ndim;
	struct mview_view *_Atomic spare;
};

/*
 * A view holds its descriptor compact: the head, then ndim extents and ndim
 * strides, so that a derived view is ~100 bytes (a full view_desc is ~1 KiB,
 * past malloc's per-thread cache). client_view_expand() makes the algebra's
 * form; pub is mview_view_desc()'s full copy, made on first use.
 */
struct mview_view {
	struct mview_mapping	*map;
	struct mview_desc	*pub;		/* NULL until asked for */
	struct view_head	 desc;
	int64_t			 axes[];	/* ndim extents, ndim strides */
};

static inline const int64_t *
client_view_shape(const struct mview_view *v)
{
	return v->axes;
}

static inline const int64_t *
client_view_strides(const struct mview_view *v)
{
	return v->axes + v->desc.ndim;
}

/* Bytes of a view with ndim axes. */
static inline size_t
client_view_size(int ndim)
{
	return sizeof(struct mview_view) + 2 * (size_t)ndim * sizeof(int64_t);
}

/* Memory for a view of m with ndim axes (client_view_size(), or m's
 * spare size, maybe the spare itself); mview_view_release() gives it
 * back. */
struct mview_view *client_view_alloc(struct mview_mapping *m, int ndim);

/* Free the spare view a stream frame's mapping keeps (it is going). */
void	client_mapping_free_spare(struct mview_mapping *m);

/* v's descriptor as the algebra takes it, in *d: the head and ndim axes
 * only (the algebra never reads past ndim). Returns d. */
static inline const struct view_desc *
client_view_expand(const struct mview_view *v, struct view_desc *d)
{
	const int64_t	*shape = client_view_shape(v);
	const int64_t	*strides = client_view_strides(v);
	int		 i;

	memcpy(d, &v->desc, sizeof(v->desc));
	for (i = 0; i < v->desc.ndim && i < VIEW_MAX_NDIM; i++) {
		d->shape[i] = shape[i];
		d->strides[i] = strides[i];
	}
	return d;
}

/* A prefix being watched, re-sent after a reconnect. */
struct client_watch {
	struct client_watch	*next;
	char			 prefix[];
};

/* An event received while waiting for a reply, or read ahead. */
struct client_event {
	struct client_event	*next;
	enum mview_event_type	 type;
	uint64_t		 segment_id;
	char			 name[];
};

/* The client: its connection (errmsg, the last failure's text, is the
 * connection's) and what a reconnect replays on the next one. */
struct mview_client {
	struct client_conn	 conn;
	unsigned		 flags;		/* MVIEW_CONNECT_* */
	unsigned		 gen;		/* bumped on every (re)connect */
	char			*path;
	struct client_watch	*watches;
	struct client_event	*ev_head;
	struct client_event	**ev_tail;
	size_t			 nevents;
	bool			 ev_overflow;	/* report OVERFLOW next */
	struct mview_mapping	*maps;		/* the mapping cache */
	struct mview_stream	*streams;	/* open stream handles */
};

struct mview_segment {
	struct mview_mapping		*map;
	struct mview_segment_info	 info;
	char				 name[];	/* info.name points here */
};

/* mapping.c: the per-client cache of mappings. */
struct mview_mapping *mapping_find(struct mview_client *c, uint64_t id,
	    bool writable);
struct mview_mapping *mapping_find_current(struct mview_client *c,
	    uint64_t id, bool writable);
/* How mapping_get() maps a segment. */
enum mapping_kind {
	MAPPING_READ,		/* shared, read-only */
	MAPPING_WRITE,		/* shared, read-write */
	MAPPING_PRIVATE,	/* a private copy-on-write one of its own */
};
int	mapping_get(struct mview_client *c, uint64_t id, uint64_t size,
	    enum mapping_kind kind, int fd, struct mview_mapping **ret_map);
void	mapping_cache_add(struct mview_client *c, struct mview_mapping *m);
void	mapping_abandon(struct mview_client *c, uint64_t id);
void	mapping_cache_detach(struct mview_client *c);
void	mapping_unlink(struct mview_mapping *m);
void	mapping_send_close(struct mview_client *c, uint64_t id);

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
