/* SPDX-License-Identifier: MIT */
/* Surviving restarts: segment memfds and the registry journal in the service manager's fd store. */
#ifndef MVIEWD_PERSIST_H
#define MVIEWD_PERSIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct notify_fds;
struct registry;

/*
 * Under systemd (or tests/sdemu) every segment's memfd is kept in the fd
 * store as "seg-<id>", and a journal memfd of the registry as
 * "journal-<generation>" (see journal.h). On start the daemon re-adopts
 * what the manager passes back before it says READY=1. The journal also
 * counts the restores of the registry (a restore: a start that found a
 * journal or segments in the store) and when it was first made.
 */
struct persist;

/* What a restart found. */
struct persist_stats {
	uint64_t	generation;	/* of the journal read, 0: none */
	uint64_t	records;	/* journal records replayed */
	bool		torn;		/* the journal had unreadable records */
	uint64_t	unreadable;	/* records lost to damage (or a torn end) */
	bool		bad_header;	/* read without a valid header */
	uint64_t	recovered_segments;	/* kept without a journal record */
	uint64_t	segments;	/* re-adopted */
	uint64_t	bytes;
	uint64_t	views;
	uint64_t	session_segments;	/* in their grace period */
	uint64_t	dropped_segments;	/* inconsistent or unknown */
	uint64_t	dropped_views;
	uint64_t	streams;	/* re-adopted */
	uint64_t	stream_roles;	/* producers and consumers kept in grace */
	uint64_t	dropped_streams;
	uint64_t	next_id;
	uint64_t	restarts;	/* the journal's count (JOURNAL_DAEMON) */
	int64_t		created_ns;	/* the journal's, CLOCK_REALTIME; 0: unknown */
};

/* What the metrics report about persistence. */
struct persist_info {
	bool		enabled;	/* journaling into the fd store */
	uint64_t	restarts;	/* restores of this registry so far */
	int64_t		created_ns;	/* when its first daemon started, CLOCK_REALTIME */
	uint64_t	generation;	/* of the current journal, 0: none */
	uint64_t	journal_bytes;
	uint64_t	journal_records;
	struct persist_stats last;	/* what this start's restore found */
};

/* grace_sec: how long restored SESSION segments wait to be re-attached. */
int	persist_new(struct registry *reg, struct event_base *base,
	    unsigned grace_sec, struct persist **ret);

/*
 * Re-adopt the journal-* and seg-* fds of fds (taking them: their fd
 * becomes -1) into the registry, which must be empty. Whatever is
 * inconsistent is logged and dropped; this never fails for bad input.
 * 0 or -ENOMEM.
 */
int	persist_restore(struct persist *p, struct notify_fds *fds,
	    struct persist_stats *ret_stats);

/*
 * Start journaling when the fd store is reachable: write a fresh journal
 * of the registry, store it, drop the old ones, hook into the registry,
 * arm the session grace timer. 0, or -errno when persistence is off
 * (logged; the daemon works on without it).
 */
int	persist_start(struct persist *p);

bool	persist_enabled(const struct persist *p);
/* The counters above (all 0 for p NULL). */
void	persist_get_info(const struct persist *p, struct persist_info *ret);
/* Who holds what a restart kept for its clients until they come back
 * (the stream roles they re-attach to), or NULL. */
struct holder *persist_grace_holder(struct persist *p);

/* Unhook and free, leaving the fd store as it is (for the next start). */
void	persist_free(struct persist *p);

/* The name a segment's memfd has in the fd store, "seg-<id>". */
void	persist_segment_fdname(uint64_t id, char *buf, size_t len);

#endif /* MVIEWD_PERSIST_H */
