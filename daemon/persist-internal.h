/* SPDX-License-Identifier: MIT */
/* What persist.c and persist-restore.c share, and nobody else uses. */
#ifndef MVIEWD_PERSIST_INTERNAL_H
#define MVIEWD_PERSIST_INTERNAL_H

#include "journal.h"
#include "persist.h"
#include "registry.h"

#define PERSIST_JOURNAL_PREFIX	"journal-"
#define PERSIST_SEGMENT_PREFIX	"seg-"
#define PERSIST_STREAM_PREFIX	"strm-"

struct persist {
	struct registry		*reg;
	struct event_base	*base;
	struct registry_persist	 hooks;
	struct event		*ev_compact;	/* compaction, deferred or retried */
	struct event		*ev_grace;
	struct holder		 grace;		/* creator of restored SESSION segments
						 * and streams, holder of restored roles */
	bool			 grace_armed;
	unsigned		 grace_sec;
	bool			 enabled;	/* journaling into the fd store */
	bool			 broken;	/* an append failed: compact */
	int			 jfd;		/* the current journal, -1: none */
	uint64_t		 gen;		/* its generation */
	uint64_t		 seq;		/* its last record */
	uint64_t		 off;		/* where the next record goes */
	uint64_t		 nrecords;
	struct journal_buf	 buf;
	struct journal_rec	*rec;		/* scratch for encoding, ~2 KiB */
	char			**old_names;	/* journals to drop once a new one is stored */
	size_t			 nold;
	struct persist_stats	 stats;
	uint64_t		 restarts;	/* this registry's restores, this one too */
	int64_t			 created_ns;	/* CLOCK_REALTIME */
};

/* Fill r from seg (SEGMENT) or from v (VIEW). */
void	persist_rec_segment(const struct segment *seg, struct journal_rec *r);
void	persist_rec_view(const struct view *v, struct journal_rec *r);

/* Remember a stored journal's name, to remove once a new one is stored. */
int	persist_add_old(struct persist *p, const char *name);

/* One record at the end of the journal (a failure schedules compaction). */
int	persist_append(struct persist *p, const struct journal_rec *r);

/* persist-stream.c: the stream hooks, records, and restoring streams:
 * stage the journal's STREAM records by id (struct hash of them), then
 * adopt each with its strm-* fds from fds, roles kept by the grace. */
void	persist_rec_stream(const struct stream *st, struct journal_rec *r);
int	persist_stream_add_cb(void *arg, const struct stream *st);
void	persist_stream_change_cb(void *arg, const struct stream *st);
void	persist_stream_remove_cb(void *arg, const struct stream *st);
void	persist_stream_free_cb(void *arg, const struct stream *st);
int	persist_stream_stage(struct hash *staged, const struct journal_rec *r);
void	persist_streams_adopt(struct persist *p, struct hash *staged,
	    struct notify_fds *fds);

#endif /* MVIEWD_PERSIST_INTERNAL_H */
