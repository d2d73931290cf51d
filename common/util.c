/* SPDX-License-Identifier: MIT */
/* Small helpers shared by the daemon and the library: sizes, names, time,
 * growing arrays. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util.h"

static int
size_suffix_shift(const char *s, unsigned *ret_shift)
{
	static const char units[] = "KMGTPE";
	const char	*u;

	if (*s == '\0') {
		*ret_shift = 0;
		return 0;
	}
	if (strcasecmp(s, "B") == 0) {
		*ret_shift = 0;
		return 0;
	}
	if ((u = strchr(units, s[0] & ~0x20)) == NULL || s[0] == '\0')
		return -EINVAL;
	if (s[1] != '\0' && strcasecmp(s + 1, "B") != 0 &&
	    strcasecmp(s + 1, "iB") != 0)
		return -EINVAL;
	*ret_shift = 10 * (unsigned)(u - units + 1);
	return 0;
}

int
util_parse_size(const char *s, uint64_t *ret)
{
	uint64_t	v = 0;
	unsigned	shift;
	const char	*p = s;
	int		r;

	if (s == NULL || *s < '0' || *s > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v))
			return -ERANGE;
	}
	if ((r = size_suffix_shift(p, &shift)) < 0)
		return r;
	if (shift > 0 && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*ret = v << shift;
	return 0;
}

const char *
util_format_size(uint64_t n, char *buf, size_t len)
{
	static const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double	v = (double)n;
	int	u = 0;

	while (v >= 1024 && u < 6) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)n);
	else if (v == (double)(uint64_t)v)
		snprintf(buf, len, "%.0f %s", v, units[u]);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
	return buf;
}

int
util_check_name(const char *name, size_t max_len)
{
	size_t	n;

	if (name == NULL || name[0] == '\0' || name[0] == '/')
		return -EINVAL;
	for (n = 0; name[n] != '\0'; n++) {
		if (n >= max_len)
			return -ENAMETOOLONG;
		if ((unsigned char)name[n] < 0x21 || (unsigned char)name[n] > 0x7e)
			return -EINVAL;
	}
	return 0;
}

bool
util_name_has_prefix(const char *name, const char *prefix)
{
	return strncmp(name, prefix, strlen(prefix)) == 0;
}

void *
util_grow(void *arr, size_t *cap, size_t len, size_t more, size_t each)
{
	size_t	 max = each != 0 ? SIZE_MAX / each : 0;
	size_t	 need, ncap;

	if (len > max || more > max - len)
		return NULL;
	need = len + more;
	if (arr != NULL && need <= *cap)
		return arr;
	ncap = *cap <= max / 2 ? *cap * 2 : max;
	if (ncap < need)
		ncap = need;
	if (ncap < 8 && max >= 8)
		ncap = 8;
	if ((arr = realloc(arr, ncap * each)) == NULL)
		return NULL;
	*cap = ncap;
	return arr;
}

static int64_t
now_ns(clockid_t clk)
{
	struct timespec	ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t
util_now_realtime_ns(void)
{
	return now_ns(CLOCK_REALTIME);
}

int64_t
util_now_monotonic_ns(void)
{
	return now_ns(CLOCK_MONOTONIC);
}
