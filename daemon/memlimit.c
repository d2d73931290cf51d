/* SPDX-License-Identifier: MIT */
/* The memory mviewd can really use: its memory cgroup, the machine, the huge page pool. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errmsg.h"
#include "memlimit.h"

#define MEMLIMIT_UNLIMITED	UINT64_MAX
#define MEMLIMIT_HUGE_VALUE	(1ULL << 62)	/* v1 says "no limit" so */

/* Where the cgroup hierarchies are mounted, found once. */
struct memlimit_mounts {
	bool	found;
	char	v2[PATH_MAX];		/* "" when none */
	char	v2_root[PATH_MAX];	/* the mount's root inside the hierarchy */
	char	v1[PATH_MAX];		/* the v1 memory controller's */
	char	v1_root[PATH_MAX];
};

static struct memlimit_mounts	memlimit_mnt;
static char			memlimit_dir[PATH_MAX];

/* Undo the octal escapes of /proc/self/mountinfo fields. */
static void
memlimit_unescape(char *s)
{
	char	*w = s;

	for (; *s != '\0'; s++, w++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*w = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
			    (s[3] - '0'));
			s += 3;
		} else
			*w = *s;
	}
	*w = '\0';
}

/* True when the comma-separated list opts holds word. */
static bool
memlimit_has_opt(const char *opts, const char *word)
{
	size_t	n = strlen(word);

	for (const char *p = opts; p != NULL; p = strchr(p, ',')) {
		if (*p == ',')
			p++;
		if (strncmp(p, word, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
	}
	return false;
}

/*
 * A small file of /proc or /sys into buf, NUL-terminated: read(2) on the
 * stack, since a create calls this several times (no stdio buffers).
 */
static int
memlimit_slurp(const char *path, char *buf, size_t size)
{
	ssize_t	n;
	size_t	got = 0;
	int	fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	while (got < size - 1 &&
	    (n = read(fd, buf + got, size - 1 - got)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			saved = errno;
			close(fd);
			return -saved;
		}
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	return 0;
}

static void
memlimit_find_mounts(void)
{
	char	 line[4096], root[PATH_MAX], mnt[PATH_MAX], type[64];
	char	 super[1024];
	FILE	*f;

	memlimit_mnt.found = true;
	if ((f = fopen("/proc/self/mountinfo", "re")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *dash = strstr(line, " - ");

		if (dash == NULL || sscanf(line, "%*s %*s %*s %4095s %4095s",
		    root, mnt) != 2 || sscanf(dash + 3, "%63s %*s %1023s",
		    type, super) != 2)
			continue;
		memlimit_unescape(root);
		memlimit_unescape(mnt);
		if (strcmp(type, "cgroup2") == 0 && memlimit_mnt.v2[0] == '\0') {
			snprintf(memlimit_mnt.v2, PATH_MAX, "%s", mnt);
			snprintf(memlimit_mnt.v2_root, PATH_MAX, "%s", root);
		} else if (strcmp(type, "cgroup") == 0 &&
		    memlimit_has_opt(super, "memory") &&
		    memlimit_mnt.v1[0] == '\0') {
			snprintf(memlimit_mnt.v1, PATH_MAX, "%s", mnt);
			snprintf(memlimit_mnt.v1_root, PATH_MAX, "%s", root);
		}
	}
	fclose(f);
}

/* mount + path, path made relative to the mount's root. */
static int
memlimit_join(char *out, const char *mount, const char *root,
    const char *path)
{
	size_t	rl = strlen(root);
	int	n;

	if (strcmp(root, "/") != 0 && strncmp(path, root, rl) == 0 &&
	    (path[rl] == '/' || path[rl] == '\0'))
		path += rl;
	n = snprintf(out, PATH_MAX, "%s%s%s", mount, *path == '/' ? "" : "/",
	    path);
	return n > 0 && n < PATH_MAX ? 0 : -ENAMETOOLONG;
}

/* One number from dir/name: "max" and v1's huge values are unlimited. */
static int
memlimit_read(const char *dir, const char *name, uint64_t *ret)
{
	char			 path[PATH_MAX + 64], buf[64];
	unsigned long long	 v;
	int			 r;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((r = memlimit_slurp(path, buf, sizeof(buf))) < 0)
		return r;
	if (buf[0] == '\0')
		return -EIO;
	if (strncmp(buf, "max", 3) == 0) {
		*ret = MEMLIMIT_UNLIMITED;
		return 0;
	}
	if (sscanf(buf, "%llu", &v) != 1)
		return -EINVAL;
	*ret = v >= MEMLIMIT_HUGE_VALUE ? MEMLIMIT_UNLIMITED : v;
	return 0;
}

/*
 * The memory cgroup directory of this process: v2 when its controllers
 * include memory, else v1's memory hierarchy. 0, or -ENOENT.
 */
static int
memlimit_find_dir(char *out, bool *ret_v2)
{
	char	 text[4 * PATH_MAX], v2[PATH_MAX] = "", v1[PATH_MAX] = "";
	char	 probe[PATH_MAX + 32], *line, *next;

	if (!memlimit_mnt.found)
		memlimit_find_mounts();
	if (memlimit_slurp("/proc/self/cgroup", text, sizeof(text)) < 0)
		return -ENOENT;
	for (line = text; line != NULL && *line != '\0'; line = next) {
		char	*c1, *c2;

		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		c1 = strchr(line, ':');
		if (c1 == NULL || (c2 = strchr(c1 + 1, ':')) == NULL)
			continue;
		*c2++ = '\0';
		if (strncmp(line, "0:", 2) == 0 && c1[1] == '\0')
			snprintf(v2, sizeof(v2), "%s", c2);
		else if (memlimit_has_opt(c1 + 1, "memory"))
			snprintf(v1, sizeof(v1), "%s", c2);
	}
	if (memlimit_mnt.v2[0] != '\0' && v2[0] != '\0' &&
	    memlimit_join(out, memlimit_mnt.v2, memlimit_mnt.v2_root, v2) == 0) {
		snprintf(probe, sizeof(probe), "%s/memory.current", out);
		if (access(probe, R_OK) == 0) {
			*ret_v2 = true;
			return 0;
		}
	}
	if (memlimit_mnt.v1[0] != '\0' && v1[0] != '\0' &&
	    memlimit_join(out, memlimit_mnt.v1, memlimit_mnt.v1_root, v1) == 0) {
		*ret_v2 = false;
		return 0;
	}
	out[0] = '\0';
	return -ENOENT;
}

/* The limit and use of one cgroup level; false when it says nothing. */
static bool
memlimit_level(const char *dir, bool v2, uint64_t *ret_limit,
    uint64_t *ret_use)
{
	uint64_t	max = MEMLIMIT_UNLIMITED, high = MEMLIMIT_UNLIMITED, use;

	if (v2) {
		if (memlimit_read(dir, "memory.current", &use) < 0)
			return false;
		(void)memlimit_read(dir, "memory.max", &max);
		(void)memlimit_read(dir, "memory.high", &high);
	} else {
		if (memlimit_read(dir, "memory.usage_in_bytes", &use) < 0)
			return false;
		(void)memlimit_read(dir, "memory.limit_in_bytes", &max);
	}
	*ret_limit = max < high ? max : high;
	*ret_use = use;
	return true;
}

/* The smallest headroom (limit - use) and its limit over every level up to the mount. */
static void
memlimit_cgroup_headroom(uint64_t *ret_room, uint64_t *ret_limit)
{
	const char	*top;
	char		 dir[PATH_MAX], *slash;
	uint64_t	 limit, use, room;
	bool		 v2;

	*ret_room = *ret_limit = MEMLIMIT_UNLIMITED;
	if (memlimit_find_dir(dir, &v2) < 0)
		return;
	snprintf(memlimit_dir, sizeof(memlimit_dir), "%s", dir);
	top = v2 ? memlimit_mnt.v2 : memlimit_mnt.v1;
	for (;;) {
		if (memlimit_level(dir, v2, &limit, &use) &&
		    limit != MEMLIMIT_UNLIMITED) {
			room = use >= limit ? 0 : limit - use;
			if (room < *ret_room) {
				*ret_room = room;
				*ret_limit = limit;
			}
		}
		if (strcmp(dir, top) == 0 || (slash = strrchr(dir, '/')) == NULL ||
		    slash == dir)
			break;
		*slash = '\0';
	}
}

/* A "Key: N kB" line of /proc/meminfo in bytes, or UINT64_MAX. */
static uint64_t
memlimit_meminfo(const char *key)
{
	char			 text[8192], *p;
	unsigned long long	 kb;
	size_t			 kl = strlen(key);

	if (memlimit_slurp("/proc/meminfo", text, sizeof(text)) < 0)
		return MEMLIMIT_UNLIMITED;
	for (p = text; p != NULL; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, key, kl) == 0 && p[kl] == ':' &&
		    sscanf(p + kl + 1, "%llu", &kb) == 1)
			return (uint64_t)kb << 10;
	}
	return MEMLIMIT_UNLIMITED;
}

static uint64_t
memlimit_ram(void)
{
	long	pages = sysconf(_SC_PHYS_PAGES);
	long	psize = sysconf(_SC_PAGESIZE);

	if (pages <= 0 || psize <= 0)
		return MEMLIMIT_UNLIMITED;
	return (uint64_t)pages * (uint64_t)psize;
}

static uint64_t
memlimit_margin(uint64_t ceiling)
{
	uint64_t	m = ceiling == MEMLIMIT_UNLIMITED ? 0 :
	    ceiling >> MEMLIMIT_MARGIN_SHIFT;

	return MEMLIMIT_MARGIN_MIN + m;
}

uint64_t
memlimit_ceiling(void)
{
	uint64_t	room, limit, ram = memlimit_ram();

	memlimit_cgroup_headroom(&room, &limit);
	return limit < ram ? limit : ram;
}

const char *
memlimit_cgroup(void)
{
	return memlimit_dir;
}

/* Free huge pages of the default size nobody has reserved. */
static int
memlimit_check_hugetlb(uint64_t size, struct errmsg *e)
{
	uint64_t	hp = memlimit_meminfo("Hugepagesize"), nfree, resv, pages;
	char		dir[128];

	if (hp == 0 || hp == MEMLIMIT_UNLIMITED)
		return 0;
	snprintf(dir, sizeof(dir), "/sys/kernel/mm/hugepages/hugepages-%llukB",
	    (unsigned long long)(hp >> 10));
	if (memlimit_read(dir, "free_hugepages", &nfree) < 0 ||
	    memlimit_read(dir, "resv_hugepages", &resv) < 0)
		return 0;
	pages = nfree > resv ? nfree - resv : 0;
	if (size / hp > pages)
		return errmsg_set(e, -ENOMEM, "the huge page pool has %llu free "
		    "pages of %llu bytes, %llu needed (see vm.nr_hugepages)",
		    (unsigned long long)pages, (unsigned long long)hp,
		    (unsigned long long)(size / hp));
	return 0;
}

int
memlimit_check(uint64_t size, bool hugetlb, struct errmsg *e)
{
	uint64_t	room, limit, avail, margin;

	if (hugetlb)	/* the pool, not the page cache, holds them */
		return memlimit_check_hugetlb(size, e);
	memlimit_cgroup_headroom(&room, &limit);
	margin = memlimit_margin(limit);
	if (room != MEMLIMIT_UNLIMITED && (room < margin || size > room - margin))
		return errmsg_set(e, -ENOSPC, "mviewd's memory cgroup has %llu "
		    "bytes left of %llu, %llu of them kept for mviewd itself: "
		    "no room for %llu bytes", (unsigned long long)room,
		    (unsigned long long)limit, (unsigned long long)margin,
		    (unsigned long long)size);
	avail = memlimit_meminfo("MemAvailable");
	margin = memlimit_margin(memlimit_ram());
	if (avail != MEMLIMIT_UNLIMITED && (avail < margin ||
	    size > avail - margin))
		return errmsg_set(e, -ENOSPC, "the machine has %llu bytes of "
		    "memory available, %llu of them kept in reserve: no room "
		    "for %llu bytes", (unsigned long long)avail,
		    (unsigned long long)margin, (unsigned long long)size);
	return 0;
}
