/* SPDX-License-Identifier: MIT */
/* The registry: segments by id and name, views by name, holders, per-uid use. */
#ifndef MVIEWD_REGISTRY_H
#define MVIEWD_REGISTRY_H

#include <sys/queue.h>
#include <sys/types.h>

#include <stdbool.h>
#include <stdint.h>

#include "hash.h"
#include "limits.h"
#include "segment.h"
#include "stream.h"
#include "tree.h"
#include "views.h"

struct cred;
struct errmsg;
struct view_desc;

/*
 * Every change to the registry goes through a registry_* function below,
 * so that the journal can record each one in a single place.
 * Nothing here needs an event loop: the module is unit-tested alone.
 */

/* Same values as Mview__Event__Type. */
enum registry_event {
	REGISTRY_SEGMENT_CREATED = 0,
	REGISTRY_SEGMENT_DELETED = 1,
	REGISTRY_VIEW_PUBLISHED = 2,
	REGISTRY_VIEW_UNPUBLISHED = 3,
};

/* Called for named segments and for views, with the name still valid. */
struct registry_hooks {
	void	(*event)(void *arg, enum registry_event type, const char *name,
		    const struct segment *seg);
	void	*arg;
};

/*
 * Persistence (the journal and the fd store): told of every change a
 * restart must see. The add hooks may refuse (-errno), and the change is
 * then not made; the others cannot fail (they record the failure).
 */
struct registry_persist {
	int	(*segment_add)(void *arg, const struct segment *seg);
	void	(*segment_change)(void *arg, const struct segment *seg);
	void	(*segment_remove)(void *arg, const struct segment *seg);
	void	(*segment_free)(void *arg, const struct segment *seg);
	int	(*view_add)(void *arg, const struct view *v);
	void	(*view_remove)(void *arg, const struct view *v);
	int	(*stream_add)(void *arg, const struct stream *st);
	void	(*stream_change)(void *arg, const struct stream *st);
	void	(*stream_remove)(void *arg, const struct stream *st);
	void	(*stream_free)(void *arg, const struct stream *st);
	void	*arg;
};

struct uid_usage {
	struct hash_link	link;
	uid_t			uid;
	struct usage		use;
};

/*
 * Segment ids start, at each start of the daemon, at the microseconds of
 * the wall clock (or past the journal's, whichever is higher), so a
 * restart never hands out an id again, persistence or not. Ids at or
 * above REGISTRY_ID_MAX are never made: none can wrap around.
 */
#define REGISTRY_ID_MAX		((uint64_t)1 << 62)

struct registry {
	const struct limits	*limits;
	struct registry_hooks	 hooks;
	const struct registry_persist *persist;	/* NULL: none */
	struct hash		 seg_ids;	/* every segment, deleted too */
	struct hash		 seg_names;	/* named, not deleted */
	struct hash		 view_names;
	struct hash		 uids;		/* struct uid_usage */
	struct tree		 view_order;
	TAILQ_HEAD(segs_head, segment) segs;	/* ascending id */
	struct tree		 seg_order;	/* the same, indexed by id */
	struct hash		 stream_ids;	/* every stream, deleted too */
	struct tree		 stream_order;	/* live streams by name */
	TAILQ_HEAD(streams_head, stream) streams;	/* ascending id */
	struct usage		 total;
	uint64_t		 next_id;	/* never goes back */
	uint64_t		 first_id;	/* this instance's first new id */
	uint64_t		 nrecovered;	/* live segments with recovered set */
	/* Stopping with the fd store: roles are given back in the books
	 * only, the streams' memory is left for the next start. */
	bool			 keep_stream_memory;
};

/*
 * What a session holds: a set of segments, and the SESSION ones it made;
 * the roles it plays on streams, and the SESSION streams it made.
 *
 * Who pays for a segment: its owner's quota (bytes, segments, fds) while
 * it lives, and for as long as a connection of the owner's uid holds it
 * after its deletion (or after its creator left, for a SESSION one).
 * Holding a segment one does not pay for as owner (another uid's, or one
 * its owner was released of) costs the holder's uid its size in its held
 * pool (max-held-bytes-per-uid) and its fds (max-fds-per-uid), from the
 * attach on: so the memory a reader keeps after a delete is charged to
 * the reader, within a cap known in advance, never to the owner.
 */
struct holder {
	uid_t			 uid;		/* charged when charged is set */
	bool			 charged;	/* a client's; not the daemon's own */
	struct hash		 attached;	/* struct attachment by id */
	LIST_HEAD(, segment)	 created;
	LIST_HEAD(, stream_user) stream_users;
	LIST_HEAD(, stream)	 created_streams;
	size_t			 nstream_users;
};

struct segment_params {
	const char		*name;		/* NULL: anonymous */
	uint64_t		 size;
	uint32_t		 mode;
	uint32_t		 lifetime;	/* enum segment_lifetime */
	bool			 hugetlb;
};

/* A segment as a restart found it (the journal and the fd store). */
struct segment_restore {
	const char		*name;		/* NULL: anonymous */
	uint64_t		 id;
	uint64_t		 size;
	int64_t			 ctime_ns;
	uid_t			 uid;
	gid_t			 gid;
	uint32_t		 mode;
	uint32_t		 lifetime;
	bool			 frozen;
	bool			 hugetlb;
	bool			 recovered;	/* its journal record was lost */
};

int	registry_init(struct registry *reg, const struct limits *l);
/* Free everything without events (shutdown). */
void	registry_fini(struct registry *reg);

/* An empty holder, charged to nobody (a client's session then sets uid
 * and charged). */
int	registry_holder_init(struct holder *h);
/* Drop every attachment, free what nobody holds any more. */
void	registry_holder_release(struct registry *reg, struct holder *h);

/*
 * Create, account and attach to h a segment owned by c. Errors: -EINVAL,
 * -ENAMETOOLONG, -EEXIST, -EMFILE (h's attachments), the quota errors of
 * limits_check_segment(), and those of segment_memfd_create().
 */
int	registry_segment_create(struct registry *reg,
	    const struct segment_params *p, const struct cred *c,
	    struct holder *h, struct errmsg *e, struct segment **ret_seg);

/*
 * Re-adopt a segment after a restart: fd (taken over on success) is its
 * memfd, already checked against p. No quota applies: what existed stays.
 * A SESSION segment gets creator as its creator (it may be NULL only for
 * PERSISTENT ones). next_id moves past p->id. No events, no persist
 * hooks. Errors: -EINVAL (id 0, mode, lifetime, name), -EEXIST (id or
 * name taken), -ENOMEM.
 */
int	registry_segment_adopt(struct registry *reg,
	    const struct segment_restore *p, int fd, struct holder *creator,
	    struct errmsg *e, struct segment **ret_seg);

/* Live (not deleted) segments; NULL when there is none. */
struct segment *registry_segment_find_name(const struct registry *reg,
	    const char *name);
struct segment *registry_segment_find_id(const struct registry *reg,
	    uint64_t id);

/* The first segment (deleted ones included) with an id above after_id. */
struct segment *registry_segment_after(const struct registry *reg,
	    uint64_t after_id);

/* Attach h to seg (a set: twice is once). 0 or -EMFILE (max-attachments,
 * max-fds-per-uid), -EDQUOT (max-held-bytes-per-uid), -ENOMEM. */
int	registry_attach(struct registry *reg, struct holder *h,
	    struct segment *seg, struct errmsg *e);
/* Detach; seg may be freed. 0 or -ENOENT when h did not hold it. */
int	registry_detach(struct registry *reg, struct holder *h,
	    struct segment *seg);
/* The segment h holds with this id (deleted ones too), or NULL. */
struct segment *registry_holder_find(const struct holder *h, uint64_t id);
size_t	registry_holder_count(const struct holder *h);
/* fn(seg, arg) for every segment h holds, in no particular order. */
void	registry_holder_each(const struct holder *h,
	    void (*fn)(struct segment *, void *), void *arg);
/* Record that h was sent an fd of segment id (O_RDWR when write); whether
 * it was sent one with at least that access (its client maps it, as long
 * as it holds it: a client lets go of the mapping and the hold together). */
void	registry_holder_fd_sent(struct holder *h, uint64_t id, bool write);
bool	registry_holder_has_fd(const struct holder *h, uint64_t id, bool write);

/*
 * Make seg's record true again after what writers may do with an O_RDWR
 * fd: seals against writing they added make it frozen (*ret_sealed, and
 * persisted), pages they punched out are reserved again (*ret_missing:
 * the bytes that were missing). 0 or -errno from segment_refill().
 */
int	registry_segment_refresh(struct registry *reg, struct segment *seg,
	    bool *ret_sealed, uint64_t *ret_missing);

/* Remove the name and the views now; the memory goes with the last holder. */
void	registry_segment_delete(struct registry *reg, struct segment *seg);
int	registry_segment_freeze(struct registry *reg, struct segment *seg,
	    struct errmsg *e);

/*
 * Publish d (validated against seg) under name for uid, replacing any
 * view of that name (permission to replace is the caller's business).
 * Errors: -EINVAL, -ENAMETOOLONG, -EDQUOT, -ENOSPC, -ENOMEM.
 */
int	registry_view_publish(struct registry *reg, const char *name,
	    const struct view_desc *d, struct segment *seg, uid_t uid,
	    struct errmsg *e, struct view **ret_view);
/* Re-adopt a view after a restart: validated, no quota, no events or
 * hooks. Errors as registry_view_publish(), and -EEXIST. */
int	registry_view_adopt(struct registry *reg, const char *name,
	    const struct view_desc *d, struct segment *seg, uid_t uid,
	    int64_t ctime_ns, struct errmsg *e);
void	registry_view_unpublish(struct registry *reg, struct view *v);
struct view *registry_view_find(const struct registry *reg, const char *name);
/* The first view whose name sorts after key (or at it when inclusive). */
struct view *registry_view_next(const struct registry *reg, const char *key,
	    bool inclusive);
/* A listing's walk: the first view just after `after` when it sorts at
 * or past prefix (a page resumed), else the first at prefix; the next come
 * from registry_view_step(it), while the registry is unchanged. */
struct view *registry_view_walk(const struct registry *reg,
	    struct tree_iter *it, const char *prefix, const char *after);
struct view *registry_view_step(struct tree_iter *it);

/* After restoring: move next_id up to the wall clock's microseconds. */
void	registry_start_ids(struct registry *reg);

/* Count a connection (and its fd) of uid. 0 or -EUSERS (per uid or in
 * all), -EMFILE (max-fds-per-uid). */
int	registry_conn_add(struct registry *reg, uid_t uid, struct errmsg *e);
void	registry_conn_del(struct registry *reg, uid_t uid);

/* delta of mviewd's fds more (or fewer) charged to uid: those queued with
 * replies to its connections. Never refused: what is queued is bounded
 * by max-unread-fds per connection; new fd-costing requests are. */
void	registry_fds_charge(struct registry *reg, uid_t uid, int64_t delta);

/* What uid uses (all zero when nothing). */
struct usage registry_uid_usage(const struct registry *reg, uid_t uid);

#endif /* MVIEWD_REGISTRY_H */
