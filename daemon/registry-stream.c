/* SPDX-License-Identifier: MIT */
/* Streams in the registry: by name and id, accounting, lifetime, the producer role and consumer positions. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "access.h"
#include "registry-internal.h"
#include "registry-stream.h"
#include "util.h"
#include "wire.h"

static void	registry_stream_gc(struct registry *reg, struct stream *st);

const void *
registry_stream_key(const struct tree_node *n)
{
	return container_of(n, struct stream, by_name)->name;
}

void
registry_streams_fini(struct registry *reg)
{
	struct stream	*st;

	while ((st = TAILQ_FIRST(&reg->streams)) != NULL) {
		TAILQ_REMOVE(&reg->streams, st, order);
		stream_free(st);
	}
}

struct stream *
registry_stream_find_name(const struct registry *reg, const char *name)
{
	struct tree_node	*n = tree_find(&reg->stream_order, name);

	return n != NULL ? container_of(n, struct stream, by_name) : NULL;
}

static bool
registry_stream_id_eq(const struct hash_link *l, const void *key)
{
	return container_of(l, struct stream, by_id)->id ==
	    *(const uint64_t *)key;
}

static struct stream *
registry_stream_find_any(const struct registry *reg, uint64_t id)
{
	struct hash_link *l = hash_find(&reg->stream_ids, hash_u64(id),
	    registry_stream_id_eq, &id);

	return l != NULL ? container_of(l, struct stream, by_id) : NULL;
}

struct stream *
registry_stream_find_id(const struct registry *reg, uint64_t id,
    const struct holder *h)
{
	struct stream		*st = registry_stream_find_any(reg, id);
	struct stream_user	*u;

	if (st == NULL || !st->deleted)
		return st;
	if (h != NULL)
		LIST_FOREACH(u, &h->stream_users, entry)
			if (u->st == st)
				return st;
	return NULL;
}

static struct stream *
registry_stream_of(struct tree_node *n)
{
	return n != NULL ? container_of(n, struct stream, by_name) : NULL;
}

struct stream *
registry_stream_walk(const struct registry *reg, struct tree_iter *it,
    const char *prefix, const char *after)
{
	return registry_stream_of(registry_walk_start(it, &reg->stream_order,
	    prefix, after));
}

struct stream *
registry_stream_step(struct tree_iter *it)
{
	return registry_stream_of(tree_iter_next(it));
}

/* Name, mode and lifetime checks before anything is allocated. */
static int
registry_stream_check(const struct registry *reg,
    const struct stream_params *p, struct errmsg *e)
{
	int	r;

	if (p->name == NULL)
		return errmsg_set(e, -EINVAL, "a stream needs a name");
	r = util_check_name(p->name, reg->limits->max_name);
	if (r == -ENAMETOOLONG)
		return errmsg_set(e, r, "name longer than %llu bytes "
		    "(max-name)", (unsigned long long)reg->limits->max_name);
	if (r < 0)
		return errmsg_set(e, r, "invalid name: names are printable "
		    "ASCII without spaces, not starting with '/'");
	if (registry_stream_find_name(reg, p->name) != NULL)
		return errmsg_set(e, -EEXIST, "stream '%s' exists", p->name);
	if (access_check_mode(p->mode) < 0)
		return errmsg_set(e, -EINVAL, "mode %#o: only the 0666 bits "
		    "are allowed", p->mode);
	if (p->lifetime != SEGMENT_PERSISTENT && p->lifetime != SEGMENT_SESSION)
		return errmsg_set(e, -EINVAL, "unknown lifetime %u", p->lifetime);
	if (p->geo.max_consumers > reg->limits->max_stream_consumers)
		return errmsg_set(e, -EINVAL, "%u consumer positions are over "
		    "the limit of %llu (max-stream-consumers)", p->geo.max_consumers,
		    (unsigned long long)reg->limits->max_stream_consumers);
	if (p->geo.max_holds > reg->limits->max_stream_holds)
		return errmsg_set(e, -EINVAL, "%u holds per consumer are over "
		    "the limit of %llu (max-stream-holds)", p->geo.max_holds,
		    (unsigned long long)reg->limits->max_stream_holds);
	return stream_check_params(p, e);
}

/* A zeroed stream without memory, with a copy of p and its name. */
static struct stream *
registry_stream_alloc(const struct stream_params *p)
{
	struct stream	*st;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return NULL;
	st->p = *p;
	st->p.name = NULL;
	st->mem.data_fd = st->mem.data_ro_fd = -1;
	st->mem.ctl_fd = st->mem.ctl_ro_fd = -1;
	st->name = strdup(p->name);
	st->consumers = calloc(p->geo.max_consumers ? p->geo.max_consumers : 1,
	    sizeof(*st->consumers));
	if (st->name == NULL || st->consumers == NULL) {
		stream_free(st);
		return NULL;
	}
	return st;
}

/* The fds a stream keeps: data and control, a lease per position, each
 * with its O_RDONLY reopen. */
static uint64_t
registry_stream_fds(const struct stream_params *p)
{
	return 2 * (2 + (uint64_t)p->geo.max_consumers);
}

/* Index st, count it against its owner u and, when SESSION, its creator. */
static void
registry_stream_insert(struct registry *reg, struct uid_usage *u,
    struct stream *st, struct holder *creator)
{
	uint64_t	bytes = stream_data_bytes(&st->p);

	hash_insert(&reg->stream_ids, &st->by_id, hash_u64(st->id));
	tree_insert(&reg->stream_order, &st->by_name);
	TAILQ_INSERT_TAIL(&reg->streams, st, order);
	u->use.streams++;
	u->use.stream_slots += st->p.geo.nslots;
	u->use.bytes += bytes;
	u->use.fds += registry_stream_fds(&st->p);
	reg->total.streams++;
	reg->total.stream_slots += st->p.geo.nslots;
	reg->total.bytes += bytes;
	if (st->p.lifetime == SEGMENT_SESSION && creator != NULL) {
		st->creator = creator;
		LIST_INSERT_HEAD(&creator->created_streams, st, created);
	}
}

int
registry_stream_create(struct registry *reg, const struct stream_params *p,
    const struct cred *c, struct holder *h, struct errmsg *e,
    struct stream **ret_stream)
{
	struct usage		 mine = registry_uid_usage(reg, c->uid);
	struct uid_usage	*u;
	struct stream		*st;
	int			 r;

	if ((r = registry_stream_check(reg, p, e)) < 0)
		return r;
	r = limits_check_stream(reg->limits, &reg->total, &mine, p->geo.nslots,
	    stream_data_bytes(p), e);
	if (r < 0)
		return r;
	r = limits_check_fds(reg->limits, &mine, registry_stream_fds(p), e);
	if (r < 0)
		return r;
	if ((u = registry_uid_make(reg, c->uid)) == NULL)
		return errmsg_set(e, -ENOMEM, "out of memory");
	if ((st = registry_stream_alloc(p)) == NULL) {
		r = errmsg_set(e, -ENOMEM, "out of memory");
		goto fail;
	}
	if ((r = stream_mem_create(&st->mem, p, p->name, e)) < 0)
		goto fail;
	st->id = reg->next_id;
	if (st->id >= REGISTRY_ID_MAX) {
		r = errmsg_set(e, -ENOSPC, "stream ids are used up");
		goto fail;
	}
	st->uid = c->uid;
	st->gid = c->gid;
	st->ctime_ns = util_now_realtime_ns();
	if ((r = REGISTRY_PERSIST(reg, stream_add, st)) < 0) {
		errmsg_set(e, r, "cannot keep the stream across restarts: %s",
		    strerror(-r));
		goto fail;
	}
	reg->next_id++;
	registry_stream_insert(reg, u, st, h);
	*ret_stream = st;
	return 0;

fail:
	stream_free(st);
	registry_uid_put(reg, u);
	return r;
}

int
registry_stream_adopt(struct registry *reg, const struct stream_restore *rs,
    int *fds, struct holder *creator, struct errmsg *e,
    struct stream **ret_stream)
{
	struct stream_params	 p = rs->p;
	struct uid_usage	*u;
	struct stream		*st;
	int			 r;

	if (rs->id == 0 || rs->id >= REGISTRY_ID_MAX ||
	    registry_stream_find_any(reg, rs->id) != NULL)
		return errmsg_set(e, rs->id ? -EEXIST : -EINVAL, "stream id "
		    "%llu is invalid or taken", (unsigned long long)rs->id);
	if (p.name == NULL || util_check_name(p.name, WIRE_NAME_MAX_HARD) < 0)
		return errmsg_set(e, -EINVAL, "invalid stream name");
	if (registry_stream_find_name(reg, p.name) != NULL)
		return errmsg_set(e, -EEXIST, "stream '%s' exists", p.name);
	if (access_check_mode(p.mode) < 0 || (p.lifetime != SEGMENT_PERSISTENT &&
	    p.lifetime != SEGMENT_SESSION) ||
	    p.geo.max_consumers > WIRE_STREAM_CONSUMERS_HARD)
		return errmsg_set(e, -EINVAL, "invalid stream parameters");
	if ((r = stream_check_params(&p, e)) < 0)
		return r;
	if ((st = registry_stream_alloc(&p)) == NULL ||
	    (u = registry_uid_make(reg, rs->uid)) == NULL) {
		stream_free(st);
		return errmsg_set(e, -ENOMEM, "out of memory");
	}
	if ((r = stream_mem_adopt(&st->mem, &p, fds, e)) < 0) {
		stream_free(st);
		registry_uid_put(reg, u);
		return r;
	}
	st->id = rs->id;
	st->uid = rs->uid;
	st->gid = rs->gid;
	st->ctime_ns = rs->ctime_ns;
	registry_stream_insert(reg, u, st, creator);
	if (reg->next_id <= st->id)
		reg->next_id = st->id + 1;
	*ret_stream = st;
	return 0;
}

void
registry_stream_delete(struct registry *reg, struct stream *st)
{
	if (st->deleted)
		return;
	st->deleted = true;
	tree_remove(&reg->stream_order, &st->by_name);
	(void)REGISTRY_PERSIST(reg, stream_remove, st);
	registry_stream_gc(reg, st);
}

/* Free st when nobody plays a role on it and nothing keeps it. */
static void
registry_stream_gc(struct registry *reg, struct stream *st)
{
	struct uid_usage	*u;
	uint64_t		 bytes = stream_data_bytes(&st->p);

	if (st->nusers > 0)
		return;
	if (!st->deleted && !(st->p.lifetime == SEGMENT_SESSION &&
	    st->creator == NULL))
		return;
	if (!st->deleted) {
		registry_stream_delete(reg, st);	/* recurses once into gc */
		return;
	}
	if (st->creator != NULL) {
		LIST_REMOVE(st, created);
		st->creator = NULL;
	}
	hash_remove(&reg->stream_ids, &st->by_id);
	TAILQ_REMOVE(&reg->streams, st, order);
	if ((u = registry_uid_get(reg, st->uid)) != NULL) {
		u->use.streams--;
		u->use.stream_slots -= st->p.geo.nslots;
		u->use.bytes -= bytes;
		u->use.fds -= registry_stream_fds(&st->p);
		registry_uid_put(reg, u);
	}
	reg->total.streams--;
	reg->total.stream_slots -= st->p.geo.nslots;
	reg->total.bytes -= bytes;
	(void)REGISTRY_PERSIST(reg, stream_free, st);
	stream_free(st);
}

/* A free consumer position: want when >= 0, else the first. -1: none. */
static int64_t
registry_stream_free_pos(const struct stream *st, int64_t want)
{
	if (want >= 0)
		return want < st->p.geo.max_consumers && st->consumers[want] == NULL ?
		    want : -1;
	for (uint32_t i = 0; i < st->p.geo.max_consumers; i++)
		if (st->consumers[i] == NULL)
			return i;
	return -1;
}

/* Link a new role of h on st; pos for consumers. NULL: out of memory. */
static struct stream_user *
registry_stream_user_new(struct holder *h, struct stream *st,
    enum stream_role role, unsigned policy, bool write, uint32_t pos)
{
	struct stream_user	*u;

	if ((u = calloc(1, sizeof(*u))) == NULL)
		return NULL;
	u->st = st;
	u->h = h;
	u->role = (uint8_t)role;
	u->policy = (uint8_t)policy;
	u->write = write;
	u->pos = pos;
	LIST_INSERT_HEAD(&h->stream_users, u, entry);
	h->nstream_users++;
	st->nusers++;
	if (role == STREAM_ROLE_PRODUCER)
		st->producer = u;
	else {
		st->consumers[pos] = u;
		st->nconsumers++;
	}
	return u;
}

int
registry_stream_adopt_role(struct holder *h, struct stream *st,
    enum stream_role role, unsigned policy, uint32_t pos)
{
	if (role == STREAM_ROLE_PRODUCER ? st->producer != NULL :
	    pos >= st->p.geo.max_consumers || st->consumers[pos] != NULL)
		return -EBUSY;
	return registry_stream_user_new(h, st, role, policy, false, pos) ?
	    0 : -ENOMEM;
}

int
registry_stream_join(struct registry *reg, struct holder *h,
    struct stream *st, enum stream_role role, unsigned policy, bool write,
    int64_t want_pos, struct errmsg *e, struct stream_user **ret_user)
{
	struct stream_user	*u;
	int64_t			 pos = 0;

	if (h->nstream_users >= reg->limits->max_attachments)
		return errmsg_set(e, -EMFILE, "this connection holds %zu "
		    "stream roles already (max-attachments)", h->nstream_users);
	if (role == STREAM_ROLE_PRODUCER && st->producer != NULL)
		return errmsg_set(e, -EBUSY, "stream '%s' has a producer",
		    st->name);
	if (role == STREAM_ROLE_CONSUMER &&
	    (pos = registry_stream_free_pos(st, want_pos)) < 0 && want_pos >= 0)
		return errmsg_set(e, -EBUSY, "consumer position %lld of stream "
		    "'%s' is taken or out of range", (long long)want_pos,
		    st->name);
	if (pos < 0)
		return errmsg_set(e, -EBUSY, "stream '%s' has no free consumer "
		    "position (%u taken)", st->name, st->nconsumers);
	u = registry_stream_user_new(h, st, role, policy, write, (uint32_t)pos);
	if (u == NULL)
		return errmsg_set(e, -ENOMEM, "out of memory");
	if (role == STREAM_ROLE_PRODUCER)
		(void)REGISTRY_PERSIST(reg, stream_change, st);
	else
		stream_position_set(st, u->pos, policy);
	*ret_user = u;
	return 0;
}

struct stream_user *
registry_stream_user_find(const struct holder *h, uint64_t id,
    enum stream_role role, uint32_t pos)
{
	struct stream_user	*u;

	LIST_FOREACH(u, &h->stream_users, entry)
		if (u->st->id == id && u->role == role &&
		    (role == STREAM_ROLE_PRODUCER || u->pos == pos))
			return u;
	return NULL;
}

void
registry_stream_leave(struct registry *reg, struct stream_user *u)
{
	struct stream	*st = u->st;

	LIST_REMOVE(u, entry);
	u->h->nstream_users--;
	if (u->role == STREAM_ROLE_PRODUCER) {
		st->producer = NULL;
		if (!reg->keep_stream_memory) {
			stream_producer_gone(st);
			(void)REGISTRY_PERSIST(reg, stream_change, st);
		}
	} else {
		st->consumers[u->pos] = NULL;
		st->nconsumers--;
		if (!reg->keep_stream_memory)
			stream_position_set(st, u->pos, STREAM_POLICY_NONE);
	}
	free(u);
	st->nusers--;
	registry_stream_gc(reg, st);
}

/* Orphan the SESSION streams h made, then give back every role it plays. */
void
registry_stream_holder_release(struct registry *reg, struct holder *h)
{
	struct stream_user	*u;
	struct stream		*st;

	while ((st = LIST_FIRST(&h->created_streams)) != NULL) {
		LIST_REMOVE(st, created);
		st->creator = NULL;
		registry_stream_gc(reg, st);	/* only if nobody uses it */
	}
	while ((u = LIST_FIRST(&h->stream_users)) != NULL)
		registry_stream_leave(reg, u);
}

void
registry_stream_holder_forget(struct holder *h)
{
	struct stream_user	*u;
	struct stream		*st;

	while ((st = LIST_FIRST(&h->created_streams)) != NULL) {
		LIST_REMOVE(st, created);
		st->creator = NULL;
	}
	while ((u = LIST_FIRST(&h->stream_users)) != NULL) {
		LIST_REMOVE(u, entry);
		h->nstream_users--;
		if (u->role == STREAM_ROLE_PRODUCER)
			u->st->producer = NULL;
		else {
			u->st->consumers[u->pos] = NULL;
			u->st->nconsumers--;
		}
		u->st->nusers--;
		free(u);
	}
}
