/* SPDX-License-Identifier: MIT */
/* The memory mviewd can really use: its memory cgroup, the machine, the huge page pool. */
#ifndef MVIEWD_MEMLIMIT_H
#define MVIEWD_MEMLIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct errmsg;

/*
 * Bytes kept free for the daemon itself below every ceiling: a create
 * that would leave less headroom than this is refused.
 */
#define MEMLIMIT_MARGIN_MIN	(16ULL << 20)
#define MEMLIMIT_MARGIN_SHIFT	5	/* plus 1/32 of the ceiling */

/*
 * The smallest memory ceiling over the daemon's memory cgroup and its
 * ancestors (cgroup v2 memory.max and memory.high, v1
 * memory.limit_in_bytes) and physical memory. For defaults.
 */
uint64_t memlimit_ceiling(void);

/*
 * May size more bytes be reserved now without the kernel OOM-killing the
 * daemon? Looks, at each call, at every level of the memory cgroup (limit
 * minus current use), at the machine's MemAvailable, and for huge pages
 * at the pool's free, unreserved pages, keeping a margin for the daemon.
 * 0, or -ENOSPC (-ENOMEM for the huge page pool) with a message. What the
 * kernel does not say (no cgroup, unreadable files) is not a limit.
 */
int	memlimit_check(uint64_t size, bool hugetlb, struct errmsg *e);

/* The memory cgroup directory in use ("" when none was found), for logs. */
const char *memlimit_cgroup(void);

#endif /* MVIEWD_MEMLIMIT_H */
