/* SPDX-License-Identifier: MIT */
/* The registry: segments by id and name, holders and their attachments. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "errmsg.h"
#include "registry.h"
#include "registry-internal.h"
#include "util.h"
#include "wire.h"

struct attachment {
	struct hash_link	 link;
	struct segment		*seg;
	bool			 fd_read;	/* sent an fd of it: read-only */
	bool			 fd_write;	/* ... read-write */
	bool			 held;		/* charged to the holder's held pool */
	bool			 owner;		/* counted in seg->nowner_holds */
};

static const void *
registry_view_key(const struct tree_node *n)
{
	return views_name(container_of(n, struct view, order));
}

static const void *
registry_segment_key(const struct tree_node *n)
{
	return &container_of(n, struct segment, id_order)->id;
}

static void
registry_trees_init(struct registry *reg)
{
	tree_init(&reg->seg_order, registry_segment_key, tree_cmp_u64);
	tree_init(&reg->view_order, registry_view_key, tree_cmp_str);
	tree_init(&reg->stream_order, registry_stream_key, tree_cmp_str);
}

int
registry_init(struct registry *reg, const struct limits *l)
{
	memset(reg, 0, sizeof(*reg));
	reg->limits = l;
	reg->next_id = 1;
	TAILQ_INIT(&reg->segs);
	TAILQ_INIT(&reg->streams);
	registry_trees_init(reg);
	if (hash_init(&reg->seg_ids, 64) < 0 ||
	    hash_init(&reg->stream_ids, 16) < 0 ||
	    hash_init(&reg->seg_names, 64) < 0 ||
	    hash_init(&reg->view_names, 64) < 0 ||
	    hash_init(&reg->uids, 16) < 0) {
		registry_fini(reg);
		return -ENOMEM;
	}
	return 0;
}

void
registry_fini(struct registry *reg)
{
	struct hash_link	*l;
	struct segment		*seg;

	while ((l = hash_pop(&reg->view_names)) != NULL)
		views_free(container_of(l, struct view, link));
	while ((seg = TAILQ_FIRST(&reg->segs)) != NULL) {
		TAILQ_REMOVE(&reg->segs, seg, order);
		segment_free(seg);
	}
	registry_streams_fini(reg);
	while ((l = hash_pop(&reg->uids)) != NULL)
		free(container_of(l, struct uid_usage, link));
	hash_fini(&reg->seg_ids);
	hash_fini(&reg->stream_ids);
	hash_fini(&reg->seg_names);
	hash_fini(&reg->view_names);
	hash_fini(&reg->uids);
	registry_trees_init(reg);
}

/* ------------------------------------------------------------- segments */

static bool
registry_name_eq(const struct hash_link *l, const void *key)
{
	return strcmp(container_of(l, struct segment, by_name)->name, key) == 0;
}

struct segment *
registry_segment_find_name(const struct registry *reg, const char *name)
{
	struct hash_link *l = hash_find(&reg->seg_names, hash_string(name),
	    registry_name_eq, name);

	return l != NULL ? container_of(l, struct segment, by_name) : NULL;
}

static bool
registry_id_eq(const struct hash_link *l, const void *key)
{
	return container_of(l, struct segment, by_id)->id ==
	    *(const uint64_t *)key;
}

static struct segment *
registry_segment_find_any(const struct registry *reg, uint64_t id)
{
	struct hash_link *l = hash_find(&reg->seg_ids, hash_u64(id),
	    registry_id_eq, &id);

	return l != NULL ? container_of(l, struct segment, by_id) : NULL;
}

struct segment *
registry_segment_find_id(const struct registry *reg, uint64_t id)
{
	struct segment	*seg = registry_segment_find_any(reg, id);

	return (seg != NULL && !seg->deleted) ? seg : NULL;
}

struct segment *
registry_segment_after(const struct registry *reg, uint64_t after_id)
{
	struct tree_node	*n = tree_next(&reg->seg_order, &after_id, false);

	return n != NULL ? container_of(n, struct segment, id_order) : NULL;
}

/* Name, mode and lifetime checks before anything is allocated. */
static int
registry_check_params(const struct registry *reg,
    const struct segment_params *p, struct errmsg *e)
{
	int	r;

	if (p->name != NULL) {
		r = util_check_name(p->name, reg->limits->max_name);
		if (r == -ENAMETOOLONG)
			return errmsg_set(e, r, "name longer than %llu bytes "
			    "(max-name)", (unsigned long long)reg->limits->max_name);
		if (r < 0)
			return errmsg_set(e, r, "invalid name: names are "
			    "printable ASCII without spaces, not starting with '/'");
		if (registry_segment_find_name(reg, p->name) != NULL)
			return errmsg_set(e, -EEXIST, "segment '%s' exists",
			    p->name);
	}
	if (access_check_mode(p->mode) < 0)
		return errmsg_set(e, -EINVAL, "mode %#o: only the 0666 bits "
		    "are allowed", p->mode);
	if (p->lifetime != SEGMENT_PERSISTENT && p->lifetime != SEGMENT_SESSION)
		return errmsg_set(e, -EINVAL, "unknown lifetime %u", p->lifetime);
	return 0;
}

/* A zeroed segment without fds, with a copy of name (may be NULL). */
static struct segment *
registry_segment_alloc(const char *name)
{
	struct segment	*seg;

	if ((seg = calloc(1, sizeof(*seg))) == NULL)
		return NULL;
	seg->fd = seg->ro_fd = -1;
	seg->owner_charged = true;
	LIST_INIT(&seg->views);
	if (name != NULL && (seg->name = strdup(name)) == NULL) {
		free(seg);
		return NULL;
	}
	return seg;
}

/* Build the struct around a fresh memfd. */
static int
registry_segment_new(struct registry *reg, const struct segment_params *p,
    const struct cred *c, struct errmsg *e, struct segment **ret_seg)
{
	struct segment	*seg;
	int		 r;

	if ((seg = registry_segment_alloc(p->name)) == NULL)
		return errmsg_set(e, -ENOMEM, "out of memory");
	r = segment_memfd_create(p->name, p->size, p->hugetlb, e, &seg->fd);
	if (r < 0)
		goto fail;
	seg->size = p->size;
	seg->uid = c->uid;
	seg->gid = c->gid;
	seg->mode = p->mode;
	seg->lifetime = (uint8_t)p->lifetime;
	seg->hugetlb = p->hugetlb;
	seg->ctime_ns = util_now_realtime_ns();
	*ret_seg = seg;
	return 0;

fail:
	segment_free(seg);
	return r;
}

/* Insert seg keeping reg->segs in ascending id order (a new id: at the tail). */
static void
registry_segment_link(struct registry *reg, struct segment *seg)
{
	struct segment	*at;

	TAILQ_FOREACH_REVERSE(at, &reg->segs, segs_head, order)
		if (at->id < seg->id)
			break;
	if (at == NULL)
		TAILQ_INSERT_HEAD(&reg->segs, seg, order);
	else
		TAILQ_INSERT_AFTER(&reg->segs, at, seg, order);
	tree_insert(&reg->seg_order, &seg->id_order);
}

/* Index seg, count it against its owner u and, when SESSION, its creator. */
static void
registry_segment_insert(struct registry *reg, struct uid_usage *u,
    struct segment *seg, struct holder *creator)
{
	hash_insert(&reg->seg_ids, &seg->by_id, hash_u64(seg->id));
	if (seg->name != NULL)
		hash_insert(&reg->seg_names, &seg->by_name, hash_string(seg->name));
	registry_segment_link(reg, seg);
	registry_usage_add_segment(reg, u, seg);
	if (seg->lifetime == SEGMENT_SESSION) {
		seg->creator = creator;
		LIST_INSERT_HEAD(&creator->created, seg, created);
	}
}

int
registry_segment_create(struct registry *reg, const struct segment_params *p,
    const struct cred *c, struct holder *h, struct errmsg *e,
    struct segment **ret_seg)
{
	struct usage	 mine = registry_uid_usage(reg, c->uid);
	struct uid_usage *u;
	struct segment	*seg = NULL;
	int		 r;

	if ((r = registry_check_params(reg, p, e)) < 0)
		return r;
	if (registry_holder_count(h) >= reg->limits->max_attachments)
		return errmsg_set(e, -EMFILE, "this connection holds %zu "
		    "segments already (max-attachments)", registry_holder_count(h));
	r = limits_check_segment(reg->limits, &reg->total, &mine, p->size, e);
	if (r < 0)
		return r;
	if ((r = limits_check_fds(reg->limits, &mine, LIMITS_SEGMENT_FDS, e)) < 0)
		return r;
	if ((u = registry_uid_make(reg, c->uid)) == NULL)
		return errmsg_set(e, -ENOMEM, "out of memory");
	if ((r = registry_segment_new(reg, p, c, e, &seg)) < 0)
		goto fail;
	seg->id = reg->next_id;
	if (seg->id >= REGISTRY_ID_MAX) {
		r = errmsg_set(e, -ENOSPC, "segment ids are used up");
		segment_free(seg);
		goto fail;
	}
	if ((r = REGISTRY_PERSIST(reg, segment_add, seg)) < 0) {
		errmsg_set(e, r, "cannot keep the segment across restarts: %s",
		    strerror(-r));
		segment_free(seg);
		goto fail;
	}
	if ((r = registry_attach(reg, h, seg, e)) < 0) {
		(void)REGISTRY_PERSIST(reg, segment_remove, seg);
		(void)REGISTRY_PERSIST(reg, segment_free, seg);
		segment_free(seg);
		goto fail;
	}
	reg->next_id++;
	registry_segment_insert(reg, u, seg, h);
	if (seg->name != NULL)
		registry_emit(reg, REGISTRY_SEGMENT_CREATED, seg->name, seg);
	*ret_seg = seg;
	return 0;

fail:
	registry_uid_put(reg, u);
	return r;
}

/* Checks of a restored segment: what the daemon itself could have made. */
static int
registry_check_restore(const struct registry *reg,
    const struct segment_restore *p, struct errmsg *e)
{
	if (p->id == 0 || p->id >= REGISTRY_ID_MAX ||
	    registry_segment_find_any(reg, p->id) != NULL)
		return errmsg_set(e, p->id ? -EEXIST : -EINVAL, "segment id "
		    "%llu is invalid or taken", (unsigned long long)p->id);
	if (p->name != NULL && util_check_name(p->name, WIRE_NAME_MAX_HARD) < 0)
		return errmsg_set(e, -EINVAL, "invalid name");
	if (p->name != NULL && registry_segment_find_name(reg, p->name) != NULL)
		return errmsg_set(e, -EEXIST, "segment '%s' exists", p->name);
	if (access_check_mode(p->mode) < 0)
		return errmsg_set(e, -EINVAL, "invalid mode %#o", p->mode);
	if (p->lifetime != SEGMENT_PERSISTENT && p->lifetime != SEGMENT_SESSION)
		return errmsg_set(e, -EINVAL, "unknown lifetime %u", p->lifetime);
	return 0;
}

int
registry_segment_adopt(struct registry *reg, const struct segment_restore *p,
    int fd, struct holder *creator, struct errmsg *e, struct segment **ret_seg)
{
	struct uid_usage	*u;
	struct segment		*seg;
	int			 r;

	if ((r = registry_check_restore(reg, p, e)) < 0)
		return r;
	if (p->lifetime == SEGMENT_SESSION && creator == NULL)
		return errmsg_set(e, -EINVAL, "a session segment needs a creator");
	if ((seg = registry_segment_alloc(p->name)) == NULL ||
	    (u = registry_uid_make(reg, p->uid)) == NULL) {
		segment_free(seg);
		return errmsg_set(e, -ENOMEM, "out of memory");
	}
	seg->fd = fd;
	seg->id = p->id;
	seg->size = p->size;
	seg->ctime_ns = p->ctime_ns;
	seg->uid = p->uid;
	seg->gid = p->gid;
	seg->mode = p->mode;
	seg->lifetime = (uint8_t)p->lifetime;
	seg->frozen = p->frozen;
	seg->hugetlb = p->hugetlb;
	seg->recovered = p->recovered;
	if (seg->recovered)
		reg->nrecovered++;
	registry_segment_insert(reg, u, seg, creator);
	if (reg->next_id <= seg->id)
		reg->next_id = seg->id + 1;
	*ret_seg = seg;
	return 0;
}

void
registry_start_ids(struct registry *reg)
{
	uint64_t	base = (uint64_t)util_now_realtime_ns() / 1000;

	if (base < REGISTRY_ID_MAX && reg->next_id < base)
		reg->next_id = base;
	reg->first_id = reg->next_id;
}

/* Views of seg go first, then its name, with an event for each. */
void
registry_segment_delete(struct registry *reg, struct segment *seg)
{
	struct view	*v;

	if (seg->deleted)
		return;
	while ((v = LIST_FIRST(&seg->views)) != NULL)
		registry_view_unpublish(reg, v);
	seg->deleted = true;
	reg->total.deleted_bytes += seg->size;
	reg->total.deleted_segments++;
	if (seg->owner_charged)
		reg->total.deleted_owner_bytes += seg->size;
	(void)REGISTRY_PERSIST(reg, segment_remove, seg);
	if (seg->name != NULL) {
		hash_remove(&reg->seg_names, &seg->by_name);
		registry_emit(reg, REGISTRY_SEGMENT_DELETED, seg->name, seg);
	}
	registry_segment_owner_release(reg, seg);
	registry_segment_gc(reg, seg);
}

/*
 * The owner stops paying for seg once it no longer has it (deleted, or a
 * SESSION segment whose creator left) and no connection of its uid holds
 * it: the holders, charged since they attached, pay until the last goes.
 */
void
registry_segment_owner_release(struct registry *reg, struct segment *seg)
{
	if (!seg->owner_charged || seg->nowner_holds > 0 || seg->nattached == 0)
		return;
	if (!seg->deleted && !(seg->lifetime == SEGMENT_SESSION &&
	    seg->creator == NULL))
		return;
	registry_usage_release_owner(reg, seg);
	seg->owner_charged = false;
	if (seg->deleted)
		reg->total.deleted_owner_bytes -= seg->size;
}

/* Free seg when nobody holds it and nothing keeps it. */
void
registry_segment_gc(struct registry *reg, struct segment *seg)
{
	if (seg->nattached > 0)
		return;
	if (!seg->deleted && !(seg->lifetime == SEGMENT_SESSION &&
	    seg->creator == NULL))
		return;
	if (!seg->deleted) {
		registry_segment_delete(reg, seg);	/* recurses once into gc */
		return;
	}
	if (seg->creator != NULL) {
		LIST_REMOVE(seg, created);
		seg->creator = NULL;
	}
	hash_remove(&reg->seg_ids, &seg->by_id);
	TAILQ_REMOVE(&reg->segs, seg, order);
	tree_remove(&reg->seg_order, &seg->id_order);
	reg->total.deleted_bytes -= seg->size;
	reg->total.deleted_segments--;
	if (seg->owner_charged)
		reg->total.deleted_owner_bytes -= seg->size;
	registry_usage_remove_segment(reg, seg);
	if (seg->recovered)
		reg->nrecovered--;
	(void)REGISTRY_PERSIST(reg, segment_free, seg);
	segment_free(seg);
}

int
registry_segment_freeze(struct registry *reg, struct segment *seg,
    struct errmsg *e)
{
	int	r;

	if (seg->frozen)
		return 0;
	if ((r = segment_memfd_freeze(seg->fd, e)) < 0)
		return r;
	seg->frozen = true;
	(void)REGISTRY_PERSIST(reg, segment_change, seg);
	return 0;
}

int
registry_segment_refresh(struct registry *reg, struct segment *seg,
    bool *ret_sealed, uint64_t *ret_missing)
{
	*ret_sealed = false;
	if (!seg->frozen && segment_write_sealed(seg)) {
		seg->frozen = true;
		*ret_sealed = true;
		(void)REGISTRY_PERSIST(reg, segment_change, seg);
	}
	return segment_refill(seg, ret_missing);
}

/* -------------------------------------------------------------- holders */

int
registry_holder_init(struct holder *h)
{
	LIST_INIT(&h->created);
	LIST_INIT(&h->stream_users);
	LIST_INIT(&h->created_streams);
	h->nstream_users = 0;
	return hash_init(&h->attached, 16);
}

size_t
registry_holder_count(const struct holder *h)
{
	return hash_count(&h->attached);
}

void
registry_holder_each(const struct holder *h,
    void (*fn)(struct segment *, void *), void *arg)
{
	const struct hash_link	*l;

	if (h->attached.buckets == NULL)
		return;
	for (size_t i = 0; i <= h->attached.mask; i++)
		for (l = h->attached.buckets[i]; l != NULL; l = l->next)
			fn(container_of(l, struct attachment, link)->seg, arg);
}

static bool
registry_attachment_eq(const struct hash_link *l, const void *key)
{
	return container_of(l, struct attachment, link)->seg->id ==
	    *(const uint64_t *)key;
}

static struct attachment *
registry_attachment_find(const struct holder *h, uint64_t id)
{
	struct hash_link *l = hash_find(&h->attached, hash_u64(id),
	    registry_attachment_eq, &id);

	return l != NULL ? container_of(l, struct attachment, link) : NULL;
}

struct segment *
registry_holder_find(const struct holder *h, uint64_t id)
{
	struct attachment	*a = registry_attachment_find(h, id);

	return a != NULL ? a->seg : NULL;
}

void
registry_holder_fd_sent(struct holder *h, uint64_t id, bool write)
{
	struct attachment	*a = registry_attachment_find(h, id);

	if (a != NULL && write)
		a->fd_write = true;
	else if (a != NULL)
		a->fd_read = true;
}

bool
registry_holder_has_fd(const struct holder *h, uint64_t id, bool write)
{
	struct attachment	*a = registry_attachment_find(h, id);

	return a != NULL && (a->fd_write || (!write && a->fd_read));
}

/* Who pays for h holding seg: the owner, already, or h's held pool. */
static int
registry_attach_charge(struct registry *reg, const struct holder *h,
    struct segment *seg, struct attachment *a, struct errmsg *e)
{
	const struct limits	*l = reg->limits;
	struct usage		 mine;
	struct uid_usage	*u;
	int			 r;

	if (!h->charged)
		return 0;
	if (h->uid == seg->uid && seg->owner_charged) {
		a->owner = true;
		seg->nowner_holds++;
		return 0;
	}
	mine = registry_uid_usage(reg, h->uid);
	if ((r = limits_check_hold(l, &mine, seg->size, e)) < 0 ||
	    (r = limits_check_fds(l, &mine, LIMITS_SEGMENT_FDS, e)) < 0)
		return r;
	if ((u = registry_uid_make(reg, h->uid)) == NULL)
		return errmsg_set(e, -ENOMEM, "out of memory");
	registry_usage_add_held(u, seg);
	seg->nheld++;
	a->held = true;
	return 0;
}

/* Undo registry_attach_charge(); a is going away. */
static void
registry_attach_uncharge(struct registry *reg, const struct holder *h,
    struct attachment *a)
{
	struct segment	*seg = a->seg;

	if (a->owner) {
		seg->nowner_holds--;
		registry_segment_owner_release(reg, seg);
	} else if (a->held) {
		seg->nheld--;
		registry_usage_remove_held(reg, h->uid, seg);
	}
}

int
registry_attach(struct registry *reg, struct holder *h, struct segment *seg,
    struct errmsg *e)
{
	struct attachment	*a;
	int			 r;

	if (registry_attachment_find(h, seg->id) != NULL)
		return 0;
	if (registry_holder_count(h) >= reg->limits->max_attachments)
		return errmsg_set(e, -EMFILE, "this connection holds %zu "
		    "segments already (max-attachments)", registry_holder_count(h));
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return errmsg_set(e, -ENOMEM, "out of memory");
	if ((r = registry_attach_charge(reg, h, seg, a, e)) < 0) {
		free(a);
		return r;
	}
	a->seg = seg;
	hash_insert(&h->attached, &a->link, hash_u64(seg->id));
	seg->nattached++;
	return 0;
}

int
registry_detach(struct registry *reg, struct holder *h, struct segment *seg)
{
	struct attachment	*a = registry_attachment_find(h, seg->id);

	if (a == NULL)
		return -ENOENT;
	hash_remove(&h->attached, &a->link);
	seg->nattached--;
	registry_attach_uncharge(reg, h, a);
	free(a);
	registry_segment_gc(reg, seg);
	return 0;
}

/* Orphan the SESSION segments h made, then drop what h holds. */
void
registry_holder_release(struct registry *reg, struct holder *h)
{
	struct hash_link	*l;
	struct segment		*seg;

	registry_stream_holder_release(reg, h);
	while ((seg = LIST_FIRST(&h->created)) != NULL) {
		LIST_REMOVE(seg, created);
		seg->creator = NULL;
		registry_segment_owner_release(reg, seg);
		registry_segment_gc(reg, seg);	/* only if nobody holds it */
	}
	while (h->attached.buckets != NULL &&
	    (l = hash_pop(&h->attached)) != NULL) {
		struct attachment *a = container_of(l, struct attachment, link);

		seg = a->seg;
		seg->nattached--;
		registry_attach_uncharge(reg, h, a);
		free(a);
		registry_segment_gc(reg, seg);
	}
	hash_fini(&h->attached);
}

struct tree_node *
registry_walk_start(struct tree_iter *it, const struct tree *t,
    const char *prefix, const char *after)
{
	if (after != NULL && strcmp(after, prefix) >= 0)
		return tree_iter_start(it, t, after, false);
	return tree_iter_start(it, t, prefix, true);
}
