/* SPDX-License-Identifier: MIT */
/* One page of a listing: what a reply holds, how far the daemon looks for it, where the caller resumes. */
#ifndef MVIEWD_LISTING_H
#define MVIEWD_LISTING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

struct errmsg;

/*
 * One request looks at LISTING_SCAN_MAX entries at most, readable to the
 * caller or not: what a listing costs the daemon is bounded by the page,
 * never by what the registry holds. A caller that reads little gets short
 * or empty pages and a token to resume where the daemon stopped looking.
 */
#define LISTING_SCAN_MAX	1024
#define LISTING_CURSORS		4	/* resumable listings per session */

enum listing_kind {
	LISTING_SEGMENTS,	/* positions are ids */
	LISTING_VIEWS,		/* positions are names */
	LISTING_STREAMS,	/* positions are names */
};

/*
 * Where one of a session's listings stopped looking. It stays in the
 * daemon: a position may be an entry the caller may not read, whose name
 * it must not learn; the caller holds only the token.
 */
struct listing_cursor {
	uint64_t		 token;		/* 0: the slot is free */
	uint64_t		 id;
	char			*name;
	enum listing_kind	 kind;
};

struct listing_cursors {
	struct listing_cursor	 slot[LISTING_CURSORS];
	uint64_t		 last_token;
	bool			 resume;	/* the client follows tokens */
};

/* One request's page, on the stack of its handler. */
struct listing {
	struct listing_cursors	*c;		/* the session's */
	enum listing_kind	 kind;
	size_t			 budget;	/* reply bytes left */
	size_t			 n, max;	/* entries taken, room for */
	size_t			 looked;
	struct listing_cursor	*from;		/* the cursor resumed, or NULL */
	bool			 moved;		/* passed over or took one */
	uint64_t		 last_id;	/* the last one passed or taken */
	const char		*last_name;
};

/*
 * Start a page of at most max entries and budget bytes for the session
 * whose cursors are c; resume is the request's token (0: none; a token
 * that names no cursor in c of this kind is ignored, so the page starts
 * after the caller's own last entry).
 */
void	listing_begin(struct listing *l, struct listing_cursors *c,
	    enum listing_kind kind, size_t max, size_t budget,
	    uint64_t resume);

/* Where to start: after the later of the caller's after and the cursor. */
uint64_t listing_after_id(const struct listing *l, uint64_t after_id);
const char *listing_after_name(const struct listing *l, const char *after);

/* May the handler look at one more entry? false once the bound is
 * reached or the page is full: entry l->n is then free to fill. */
bool	listing_look(struct listing *l);

/* The entry looked at is not for the caller (unreadable, not matching). */
void	listing_pass(struct listing *l, uint64_t id, const char *name);

/* Add entry (packed as one repeated element) to the page: false, and nothing
 * changed, when it does not fit in the reply or the page is full. */
bool	listing_take(struct listing *l, const ProtobufCMessage *entry,
	    uint64_t id, const char *name);

/*
 * End the page; more: the handler stopped before the last entry. Sets
 * the reply's more and resume (a new token: where this page stopped
 * looking). 0, or -ENOMEM, or -E2BIG for a client that follows no
 * tokens when the page is empty but the listing is not over.
 */
int	listing_end(struct listing *l, bool more, protobuf_c_boolean *ret_more,
	    protobuf_c_boolean *ret_has_resume, uint64_t *ret_resume,
	    struct errmsg *e);

/* Forget every cursor (the session ends). */
void	listing_cursors_clear(struct listing_cursors *c);

#endif /* MVIEWD_LISTING_H */
