/* SPDX-License-Identifier: MIT */
/* What registry.c, registry-view.c and registry-usage.c share, and nobody else uses. */
#ifndef MVIEWD_REGISTRY_INTERNAL_H
#define MVIEWD_REGISTRY_INTERNAL_H

#include "registry.h"

/* Where a listing's walk over tree t (names) starts: just after `after`
 * when it sorts at or past prefix (a page resumed), else at prefix. */
struct tree_node *registry_walk_start(struct tree_iter *it,
	    const struct tree *t, const char *prefix, const char *after);
void	registry_emit(struct registry *reg, enum registry_event type,
	    const char *name, const struct segment *seg);
struct uid_usage *registry_uid_get(const struct registry *reg, uid_t uid);
struct uid_usage *registry_uid_make(struct registry *reg, uid_t uid);
void	registry_uid_put(struct registry *reg, struct uid_usage *u);
void	registry_segment_gc(struct registry *reg, struct segment *seg);
void	registry_segment_owner_release(struct registry *reg,
	    struct segment *seg);

/* Count seg against its owner u and the totals; give it back. */
void	registry_usage_add_segment(struct registry *reg, struct uid_usage *u,
	    const struct segment *seg);
void	registry_usage_remove_segment(struct registry *reg,
	    const struct segment *seg);
/* The owner of seg stops paying for it (the totals keep it). */
void	registry_usage_release_owner(struct registry *reg,
	    const struct segment *seg);
/* seg is held by a connection of u's uid, which pays (held pool, fds). */
void	registry_usage_add_held(struct uid_usage *u, const struct segment *seg);
void	registry_usage_remove_held(struct registry *reg, uid_t uid,
	    const struct segment *seg);
/* One view more for u; one fewer for uid (forgotten once it uses nothing). */
void	registry_usage_add_view(struct registry *reg, struct uid_usage *u);
void	registry_usage_remove_view(struct registry *reg, uid_t uid);

/* registry-stream.c */
const void *registry_stream_key(const struct tree_node *n);
void	registry_streams_fini(struct registry *reg);
void	registry_stream_holder_release(struct registry *reg, struct holder *h);

/* The persist hooks, when there are any. */
#define REGISTRY_PERSIST(reg, hook, obj) \
	((reg)->persist != NULL && (reg)->persist->hook != NULL ? \
	    (reg)->persist->hook((reg)->persist->arg, (obj)) : 0)

#endif /* MVIEWD_REGISTRY_INTERNAL_H */
