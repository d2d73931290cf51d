/* SPDX-License-Identifier: MIT */
/* A segment: one sealed memfd and what the registry knows about it. */
#ifndef MVIEWD_SEGMENT_H
#define MVIEWD_SEGMENT_H

#include <sys/queue.h>
#include <sys/types.h>

#include <stdbool.h>
#include <stdint.h>

#include "hash.h"
#include "tree.h"

struct errmsg;
struct holder;
struct view;

enum segment_lifetime {
	SEGMENT_PERSISTENT = 0,	/* until deleted */
	SEGMENT_SESSION = 1,	/* until its creator is gone and nobody holds it */
};

struct segment {
	struct hash_link	 by_id;		/* registry: every segment */
	struct hash_link	 by_name;	/* registry: named, not deleted */
	TAILQ_ENTRY(segment)	 order;		/* registry: by id */
	struct tree_node	 id_order;	/* registry: the same, indexed */
	LIST_ENTRY(segment)	 created;	/* creator's session segments */
	LIST_HEAD(, view)	 views;
	struct holder		*creator;	/* SESSION lifetime, while connected */
	char			*name;		/* NULL: anonymous */
	uint64_t		 id;
	uint64_t		 size;
	int64_t			 ctime_ns;
	int			 fd;		/* the memfd, O_RDWR */
	int			 ro_fd;		/* it reopened O_RDONLY, or -1 */
	uid_t			 uid;
	gid_t			 gid;
	uint32_t		 mode;
	uint32_t		 nattached;	/* sessions holding it */
	uint32_t		 nviews;
	uint8_t			 lifetime;	/* enum segment_lifetime */
	bool			 frozen;
	bool			 hugetlb;
	bool			 deleted;	/* name and views gone */
	bool			 recovered;	/* kept without its journal record */
	uint32_t		 nrefills;	/* holes a writer punched, refilled */
	uint32_t		 nowner_holds;	/* attachments by the owner's uid */
	uint32_t		 nheld;		/* attachments charged as held */
	bool			 owner_charged;	/* counted in its owner's quota */
};

/*
 * A memfd of size bytes, sealed against shrinking and growing, pages
 * reserved (so a full machine fails here, never with SIGBUS later),
 * mode 0600. label names it in /proc/PID/maps (may be NULL). Returns 0
 * and the fd, or -ENOSPC (no memory), -ENOMEM (no huge pages), -ENFILE
 * (the daemon is out of fds), -EINVAL/-EFBIG (size), with a message.
 */
int	segment_memfd_create(const char *label, uint64_t size, bool hugetlb,
	    struct errmsg *e, int *ret_fd);

/* Seal against writable mappings from now on (F_SEAL_FUTURE_WRITE) and
 * against further seals. 0 or -errno with a message. */
int	segment_memfd_freeze(int fd, struct errmsg *e);

/*
 * An fd of seg for a client: a dup of the memfd (O_RDWR) when write, else
 * a dup of seg->ro_fd, the memfd reopened O_RDONLY through /proc/self/fd
 * on the first read-only open and kept (a path walk costs more than the
 * rest of a lookup), so the kernel refuses a writable mapping. CLOEXEC.
 * 0 or -errno (-ENFILE when out of fds).
 */
int	segment_open_fd(struct segment *seg, bool write, int *ret_fd);

/* The memfd's seals as the kernel reports them (0 when it cannot tell). */
uint32_t segment_seals(const struct segment *seg);
/* Sealed against writing (F_SEAL_WRITE or F_SEAL_FUTURE_WRITE), by a
 * freeze or by a writer holding an O_RDWR fd. */
bool	segment_write_sealed(const struct segment *seg);

/*
 * A writer with an O_RDWR fd can free pages under everyone
 * (fallocate(FALLOC_FL_PUNCH_HOLE), madvise(MADV_REMOVE)): if the memfd
 * has fewer blocks than its size, reserve them again. *ret_missing: the
 * bytes that were missing (0: none). 0, or -errno when they cannot be
 * reserved again (the machine is out of memory or huge pages).
 */
int	segment_refill(struct segment *seg, uint64_t *ret_missing);

/* The default huge page size in bytes (from /proc/meminfo), 0 if none. */
uint64_t segment_hugepage_size(void);

/* Close the memfds and free the name and the struct. NULL-safe. */
void	segment_free(struct segment *seg);

#endif /* MVIEWD_SEGMENT_H */
