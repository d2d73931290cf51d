/* SPDX-License-Identifier: MIT */
/* Watches: prefixes a session follows, and the events fanned out to it. */
#ifndef MVIEWD_WATCH_H
#define MVIEWD_WATCH_H

#include "registry.h"

struct errmsg;
struct server;
struct session;

struct watch {
	LIST_ENTRY(watch)	 entry;
	char			 prefix[];
};

/* Follow names starting with prefix ("" for all). 0, -EINVAL,
 * -ENAMETOOLONG, -EMFILE (max-watches) or -ENOMEM. */
int	watch_add(struct session *s, const char *prefix, struct errmsg *e);
/* Stop watching exactly prefix: 0, or -ENOENT when s does not watch it.
 * Events already queued to s stay queued. */
int	watch_remove(struct session *s, const char *prefix, struct errmsg *e);
void	watch_clear(struct session *s);

/* The registry hook: arg is the server. */
void	watch_event_cb(void *arg, enum registry_event type, const char *name,
	    const struct segment *seg);

/* The OVERFLOW event, packed into a fresh buffer. 0 or -ENOMEM. */
int	watch_pack_overflow(void **ret_buf, size_t *ret_len);

#endif /* MVIEWD_WATCH_H */
