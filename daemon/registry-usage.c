/* SPDX-License-Identifier: MIT */
/* The registry's accounting: what each uid uses, connections per uid, events out. */
#include <errno.h>
#include <stdlib.h>

#include "errmsg.h"
#include "registry.h"
#include "registry-internal.h"

void
registry_emit(struct registry *reg, enum registry_event type,
    const char *name, const struct segment *seg)
{
	if (reg->hooks.event != NULL)
		reg->hooks.event(reg->hooks.arg, type, name, seg);
}

static bool
registry_uid_eq(const struct hash_link *l, const void *key)
{
	return container_of(l, struct uid_usage, link)->uid ==
	    *(const uid_t *)key;
}

struct uid_usage *
registry_uid_get(const struct registry *reg, uid_t uid)
{
	struct hash_link *l = hash_find(&reg->uids, hash_u64(uid),
	    registry_uid_eq, &uid);

	return l != NULL ? container_of(l, struct uid_usage, link) : NULL;
}

/* The entry for uid, made on first use. NULL when out of memory. */
struct uid_usage *
registry_uid_make(struct registry *reg, uid_t uid)
{
	struct uid_usage	*u;

	if ((u = registry_uid_get(reg, uid)) != NULL)
		return u;
	if ((u = calloc(1, sizeof(*u))) == NULL)
		return NULL;
	u->uid = uid;
	hash_insert(&reg->uids, &u->link, hash_u64(uid));
	return u;
}

/* Forget uid once it uses nothing. */
void
registry_uid_put(struct registry *reg, struct uid_usage *u)
{
	if (u->use.bytes || u->use.segments || u->use.views || u->use.conns ||
	    u->use.streams || u->use.held_segments || u->use.fds)
		return;
	hash_remove(&reg->uids, &u->link);
	free(u);
}

struct usage
registry_uid_usage(const struct registry *reg, uid_t uid)
{
	struct uid_usage	*u = registry_uid_get(reg, uid);
	struct usage		 zero = { 0 };

	return u != NULL ? u->use : zero;
}

int
registry_conn_add(struct registry *reg, uid_t uid, struct errmsg *e)
{
	const struct limits	*l = reg->limits;
	struct uid_usage	*u;
	int			 r;

	if (reg->total.conns >= l->max_sessions)
		return errmsg_set(e, -EUSERS, "mviewd serves %llu connections "
		    "already (max-sessions)", (unsigned long long)reg->total.conns);
	u = registry_uid_get(reg, uid);
	if (u != NULL && u->use.conns >= l->max_conns_per_uid)
		return errmsg_set(e, -EUSERS, "uid %u has %llu connections "
		    "already (max-conns-per-uid)", (unsigned)uid,
		    (unsigned long long)u->use.conns);
	if (u != NULL && (r = limits_check_fds(l, &u->use, 1, e)) < 0)
		return r;
	if ((u = registry_uid_make(reg, uid)) == NULL)
		return errmsg_set(e, -ENOMEM, "out of memory");
	u->use.conns++;
	u->use.fds++;
	reg->total.conns++;
	return 0;
}

void
registry_conn_del(struct registry *reg, uid_t uid)
{
	struct uid_usage	*u = registry_uid_get(reg, uid);

	if (u == NULL || u->use.conns == 0)
		return;
	u->use.conns--;
	u->use.fds--;
	reg->total.conns--;
	registry_uid_put(reg, u);
}

void
registry_fds_charge(struct registry *reg, uid_t uid, int64_t delta)
{
	struct uid_usage	*u;

	if (delta > 0 && (u = registry_uid_make(reg, uid)) != NULL)
		u->use.fds += (uint64_t)delta;
	else if (delta < 0 && (u = registry_uid_get(reg, uid)) != NULL) {
		u->use.fds -= (uint64_t)-delta;
		registry_uid_put(reg, u);
	}
}

void
registry_usage_add_segment(struct registry *reg, struct uid_usage *u,
    const struct segment *seg)
{
	u->use.bytes += seg->size;
	u->use.segments++;
	u->use.fds += LIMITS_SEGMENT_FDS;
	reg->total.bytes += seg->size;
	reg->total.segments++;
}

void
registry_usage_release_owner(struct registry *reg, const struct segment *seg)
{
	struct uid_usage	*u;

	if ((u = registry_uid_get(reg, seg->uid)) != NULL) {
		u->use.bytes -= seg->size;
		u->use.segments--;
		u->use.fds -= LIMITS_SEGMENT_FDS;
		registry_uid_put(reg, u);
	}
}

void
registry_usage_remove_segment(struct registry *reg, const struct segment *seg)
{
	if (seg->owner_charged)
		registry_usage_release_owner(reg, seg);
	reg->total.bytes -= seg->size;
	reg->total.segments--;
}

void
registry_usage_add_held(struct uid_usage *u, const struct segment *seg)
{
	u->use.held_bytes += seg->size;
	u->use.held_segments++;
	u->use.fds += LIMITS_SEGMENT_FDS;
}

void
registry_usage_remove_held(struct registry *reg, uid_t uid,
    const struct segment *seg)
{
	struct uid_usage	*u;

	if ((u = registry_uid_get(reg, uid)) == NULL)
		return;
	u->use.held_bytes -= seg->size;
	u->use.held_segments--;
	u->use.fds -= LIMITS_SEGMENT_FDS;
	registry_uid_put(reg, u);
}

void
registry_usage_add_view(struct registry *reg, struct uid_usage *u)
{
	u->use.views++;
	reg->total.views++;
}

void
registry_usage_remove_view(struct registry *reg, uid_t uid)
{
	struct uid_usage	*u;

	if ((u = registry_uid_get(reg, uid)) != NULL) {
		u->use.views--;
		registry_uid_put(reg, u);
	}
	reg->total.views--;
}
