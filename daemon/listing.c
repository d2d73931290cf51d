/* SPDX-License-Identifier: MIT */
/* Paged listings: one page per request, a bounded look at the registry, resume tokens kept per session. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "listing.h"
#include "wire.h"

void
listing_begin(struct listing *l, struct listing_cursors *c,
    enum listing_kind kind, size_t max, size_t budget, uint64_t resume)
{
	*l = (struct listing){
		.c = c,
		.kind = kind,
		.budget = budget,
		.max = max,
	};
	for (size_t i = 0; resume != 0 && i < LISTING_CURSORS; i++)
		if (c->slot[i].token == resume && c->slot[i].kind == kind)
			l->from = &c->slot[i];
}

uint64_t
listing_after_id(const struct listing *l, uint64_t after_id)
{
	if (l->from != NULL && l->from->id > after_id)
		return l->from->id;
	return after_id;
}

const char *
listing_after_name(const struct listing *l, const char *after)
{
	if (l->from == NULL || l->from->name == NULL)
		return after;
	if (after == NULL || strcmp(l->from->name, after) > 0)
		return l->from->name;
	return after;
}

bool
listing_look(struct listing *l)
{
	if (l->looked == LISTING_SCAN_MAX || l->n == l->max)
		return false;
	l->looked++;
	return true;
}

void
listing_pass(struct listing *l, uint64_t id, const char *name)
{
	l->moved = true;
	l->last_id = id;
	l->last_name = name;
}

bool
listing_take(struct listing *l, const ProtobufCMessage *entry, uint64_t id,
    const char *name)
{
	size_t	sz;

	if (l->n == l->max)
		return false;
	if ((sz = wire_repeated_entry_size(entry)) > l->budget)
		return false;
	l->budget -= sz;
	l->n++;
	listing_pass(l, id, name);
	return true;
}

/* The slot for a new cursor: the one resumed, a free one, else the oldest. */
static struct listing_cursor *
listing_slot(struct listing *l)
{
	struct listing_cursors	*c = l->c;
	struct listing_cursor	*best = &c->slot[0];

	if (l->from != NULL)
		return l->from;
	for (size_t i = 0; i < LISTING_CURSORS; i++) {
		if (c->slot[i].token == 0)
			return &c->slot[i];
		if (c->slot[i].token < best->token)
			best = &c->slot[i];
	}
	return best;
}

/* Keep where this page stopped looking; its token, or 0 without memory. */
static uint64_t
listing_save(struct listing *l)
{
	struct listing_cursors	*c = l->c;
	struct listing_cursor	*slot = listing_slot(l);
	char			*name = NULL;

	if (l->last_name != NULL && (name = strdup(l->last_name)) == NULL)
		return 0;
	free(slot->name);
	*slot = (struct listing_cursor){
		.token = ++c->last_token,
		.id = l->last_id,
		.name = name,
		.kind = l->kind,
	};
	return slot->token;
}

int
listing_end(struct listing *l, bool more, protobuf_c_boolean *ret_more,
    protobuf_c_boolean *ret_has_resume, uint64_t *ret_resume,
    struct errmsg *e)
{
	uint64_t	token;

	*ret_more = more;
	*ret_has_resume = false;
	if (!more)
		return 0;
	if (!l->moved)
		return errmsg_set(e, -EMSGSIZE, "list: the next entry does not "
		    "fit in one reply (max-packet)");
	if (!l->c->resume) {
		if (l->n > 0)
			return 0;
		return errmsg_set(e, -E2BIG, "list: %d entries looked at, none "
		    "for you; this client cannot resume past them (it "
		    "predates resume tokens): list a narrower prefix or use a "
		    "newer libmviewclient", LISTING_SCAN_MAX);
	}
	if ((token = listing_save(l)) == 0) {
		if (l->n > 0)
			return 0;	/* the caller resumes after its last entry */
		return errmsg_set(e, -ENOMEM, "list: out of memory");
	}
	*ret_has_resume = true;
	*ret_resume = token;
	return 0;
}

void
listing_cursors_clear(struct listing_cursors *c)
{
	for (size_t i = 0; i < LISTING_CURSORS; i++) {
		free(c->slot[i].name);
		c->slot[i] = (struct listing_cursor){ .token = 0 };
	}
}
