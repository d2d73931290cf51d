/* SPDX-License-Identifier: MIT */
/* Streams in the registry: by name and id, accounting, lifetime, the producer role and consumer positions. */
#ifndef MVIEWD_REGISTRY_STREAM_H
#define MVIEWD_REGISTRY_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "registry.h"
#include "stream.h"

struct cred;
struct errmsg;

/* A stream as a restart found it (the journal and the fd store). */
struct stream_restore {
	struct stream_params	 p;		/* p.name: NULL never */
	uint64_t		 id;
	int64_t			 ctime_ns;
	uid_t			 uid;
	gid_t			 gid;
};

/*
 * Create and account a stream owned by c; a SESSION one belongs to h.
 * Streams have their own namespace. Errors: -EINVAL, -ENAMETOOLONG,
 * -EEXIST, the quota errors of limits_check_stream(), and those of
 * stream_mem_create().
 */
int	registry_stream_create(struct registry *reg,
	    const struct stream_params *p, const struct cred *c,
	    struct holder *h, struct errmsg *e, struct stream **ret_stream);

/*
 * Re-adopt a stream after a restart: fds (data, control, then one lease
 * per position; taken over on success) already match p. A SESSION stream
 * gets creator as its creator. No quota, no hooks. Errors: -EINVAL,
 * -EEXIST, -ENOMEM.
 */
int	registry_stream_adopt(struct registry *reg,
	    const struct stream_restore *r, int *fds, struct holder *creator,
	    struct errmsg *e, struct stream **ret_stream);

/* Live streams; NULL when there is none. */
struct stream *registry_stream_find_name(const struct registry *reg,
	    const char *name);
/* By id: live ones, and deleted ones h plays a role on (h may be NULL). */
struct stream *registry_stream_find_id(const struct registry *reg,
	    uint64_t id, const struct holder *h);
/* The same walk as registry_view_walk() over live streams. */
struct stream *registry_stream_walk(const struct registry *reg,
	    struct tree_iter *it, const char *prefix, const char *after);
struct stream *registry_stream_step(struct tree_iter *it);

/* Remove the name now; the memory goes when nobody plays a role any more. */
void	registry_stream_delete(struct registry *reg, struct stream *st);

/*
 * Give h a role on st: the producer (-EBUSY when taken), or a consumer
 * position (the first free one, or want_pos when >= 0 and free; -EBUSY
 * when none is). Errors also -EMFILE (h's attachments), -ENOMEM.
 */
int	registry_stream_join(struct registry *reg, struct holder *h,
	    struct stream *st, enum stream_role role, unsigned policy,
	    bool write, int64_t want_pos, struct errmsg *e,
	    struct stream_user **ret_user);

/* The role h plays on stream id (position pos for consumers), or NULL. */
struct stream_user *registry_stream_user_find(const struct holder *h,
	    uint64_t id, enum stream_role role, uint32_t pos);

/* Drop every role of h and orphan its SESSION streams in the books only:
 * nothing is freed, no memory touched (a stopping daemon's grace). */
void	registry_stream_holder_forget(struct holder *h);

/* Give the role back: a consumer's holds are dropped, a producer's
 * unfinished frame is never published; st may be freed. */
void	registry_stream_leave(struct registry *reg, struct stream_user *u);

/*
 * A role a restart found (the journal's producer flag, the control
 * block's active positions), given to h (the restart's grace) without
 * touching the stream's memory. 0, -EBUSY (taken), -ENOMEM.
 */
int	registry_stream_adopt_role(struct holder *h, struct stream *st,
	    enum stream_role role, unsigned policy, uint32_t pos);

#endif /* MVIEWD_REGISTRY_STREAM_H */
