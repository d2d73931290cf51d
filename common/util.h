/* SPDX-License-Identifier: MIT */
/* Small helpers shared by the daemon and the library: sizes, names, time,
 * growing arrays. */
#ifndef MVIEW_COMMON_UTIL_H
#define MVIEW_COMMON_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parse "4096", "64K", "1M", "2G", "1T" (binary units, optional "iB"/"B").
 * Returns 0, -EINVAL on junk, -ERANGE on overflow. */
int	util_parse_size(const char *s, uint64_t *ret);

/* Render a byte count as "64 MiB" / "1.5 GiB" into buf. */
const char *util_format_size(uint64_t n, char *buf, size_t len);

/*
 * A name is 1..max_len bytes of printable ASCII other than space
 * (0x21..0x7e), not starting with '/'. Returns 0, -EINVAL or
 * -ENAMETOOLONG.
 */
int	util_check_name(const char *name, size_t max_len);

/* True when name starts with prefix (the empty prefix matches all). */
bool	util_name_has_prefix(const char *name, const char *prefix);

/*
 * Room for more elements after the len an array holds: returns arr, or the
 * array moved to a larger capacity (at least doubled, so appending is
 * amortized O(1)) with *cap updated. Returns NULL when memory is short or
 * the size overflows, arr and *cap left as they were (arr still to free).
 */
void	*util_grow(void *arr, size_t *cap, size_t len, size_t more,
	    size_t each);

/* CLOCK_REALTIME / CLOCK_MONOTONIC in nanoseconds. */
int64_t	util_now_realtime_ns(void);
int64_t	util_now_monotonic_ns(void);

#endif /* MVIEW_COMMON_UTIL_H */
