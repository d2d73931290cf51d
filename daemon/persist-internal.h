/* SPDX-License-Identifier: MIT */
/* What persist.c and persist-restore.c share, and nobody else uses. */
#ifndef MVIEWD_PERSIST_INTERNAL_H
#define MVIEWD_PERSIST_INTERNAL_H

#include "journal.h"
#include "persist.h"
#include "registry.h"

#define PERSIST_JOURNAL_PREFIX	"journal-"
#define PERSIST_SEGMENT_PREFIX	"seg-"

struct persist {
	struct registry		*reg;
	struct event_base	*base;
	struct registry_persist	 hooks;
	struct event		*ev_compact;	/* compaction, deferred or retried */
	struct event		*ev_grace;
	struct holder		 grace;		/* creator of restored SESSION segments */
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
};

/* Fill r from seg (SEGMENT) or from v (VIEW). */
void	persist_rec_segment(const struct segment *seg, struct journal_rec *r);
void	persist_rec_view(const struct view *v, struct journal_rec *r);

/* Remember a stored journal's name, to remove once a new one is stored. */
int	persist_add_old(struct persist *p, const char *name);

#endif /* MVIEWD_PERSIST_INTERNAL_H */
