/* SPDX-License-Identifier: MIT */
/* Hostile and unlucky conditions against a real mviewd: a memory cgroup, holes, seals by writers. */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "integration.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE	0x0010
#endif

#define MIB		(1ULL << 20)

/* ------------------------------------------------------- memory cgroup */

/* A memory cgroup made for the test, and the one the test came from. */
struct memcg {
	char	dir[1300];		/* the new child */
	char	home[1200];		/* where this process was */
	bool	v2;
};

static int
file_write(const char *dir, const char *name, const char *text)
{
	char	path[1500];
	int	fd, r = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		r = -errno;
	close(fd);
	return r;
}

static int
file_read_u64(const char *dir, const char *name, uint64_t *ret)
{
	char			 path[1500], buf[64];
	unsigned long long	 v;
	FILE			*f;
	int			 ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "re")) == NULL)
		return -errno;
	ok = fgets(buf, sizeof(buf), f) != NULL && sscanf(buf, "%llu", &v) == 1;
	fclose(f);
	if (!ok)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* This process's cgroup path in the v2 hierarchy ("0::") or v1's memory one. */
static bool
own_cgroup(bool v2, char *out, size_t len)
{
	char	 line[PATH_MAX + 64];
	FILE	*f = fopen("/proc/self/cgroup", "re");
	bool	 found = false;

	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		if (c2 == NULL)
			continue;
		c2[strcspn(c2, "\n")] = '\0';
		if (v2 ? strncmp(line, "0::", 3) == 0 :
		    strstr(c1, "memory") != NULL && c1 + 1 < c2) {
			snprintf(out, len, "%s", c2 + 1);
			found = true;
		}
	}
	fclose(f);
	return found;
}

/* Make a child memory cgroup of ours; why not in reason when impossible. */
static bool
memcg_make(struct memcg *cg, char *reason, size_t rlen)
{
	static const char *const v2_mounts[] = { "/sys/fs/cgroup",
	    "/sys/fs/cgroup/unified" };
	char	path[1024], probe[1400];

	if (own_cgroup(true, path, sizeof(path)))
		for (size_t i = 0; i < 2; i++) {
			snprintf(cg->home, sizeof(cg->home), "%s%s", v2_mounts[i],
			    strcmp(path, "/") == 0 ? "" : path);
			snprintf(probe, sizeof(probe), "%s/cgroup.subtree_control",
			    cg->home);
			if (access(probe, W_OK) < 0)
				continue;
			/* Fails (EBUSY) when our cgroup may not delegate memory. */
			(void)file_write(cg->home, "cgroup.subtree_control",
			    "+memory");
			snprintf(cg->dir, sizeof(cg->dir), "%s/mview-adverse-%ld",
			    cg->home, (long)getpid());
			snprintf(probe, sizeof(probe), "%s/memory.max", cg->dir);
			if (mkdir(cg->dir, 0755) == 0 && access(probe, W_OK) == 0) {
				cg->v2 = true;
				return true;
			}
			rmdir(cg->dir);
		}
	if (own_cgroup(false, path, sizeof(path))) {
		snprintf(cg->home, sizeof(cg->home), "/sys/fs/cgroup/memory%s",
		    strcmp(path, "/") == 0 ? "" : path);
		snprintf(cg->dir, sizeof(cg->dir), "%s/mview-adverse-%ld",
		    cg->home, (long)getpid());
		snprintf(probe, sizeof(probe), "%s/memory.limit_in_bytes",
		    cg->dir);
		if (mkdir(cg->dir, 0755) == 0 && access(probe, W_OK) == 0) {
			cg->v2 = false;
			return true;
		}
		rmdir(cg->dir);
	}
	snprintf(reason, rlen, "no memory cgroup can be made here (v2 with "
	    "memory delegated, or v1's memory controller): %s",
	    strerror(errno));
	return false;
}

static int
memcg_enter(const char *dir)
{
	char	pid[32];

	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	return file_write(dir, "cgroup.procs", pid);
}

static uint64_t
memcg_current(const struct memcg *cg)
{
	uint64_t	v = 0;

	assert_int_equal(file_read_u64(cg->dir, cg->v2 ? "memory.current" :
	    "memory.usage_in_bytes", &v), 0);
	return v;
}

static void
memcg_limit(const struct memcg *cg, uint64_t bytes)
{
	char	text[32];

	snprintf(text, sizeof(text), "%llu\n", (unsigned long long)bytes);
	assert_int_equal(file_write(cg->dir, cg->v2 ? "memory.max" :
	    "memory.limit_in_bytes", text), 0);
}

/*
 * mviewd in a memory cgroup with 64 MiB of headroom: a 128 MiB segment,
 * well under --max-total-bytes, is refused with ENOSPC instead of getting
 * the daemon OOM-killed, and filling the cgroup with small segments stops
 * at ENOSPC too, the daemon serving on.
 */
static void
test_memory_cgroup(void **state)
{
	struct harness_daemon	 d = { .pid = -1, .pidfd = -1 };
	struct mview_client	*c;
	struct mview_segment	*seg, *small[64];
	struct mview_status	 st;
	struct memcg		 cg;
	char			 reason[256];
	uint64_t		 base;
	size_t			 n = 0;
	int			 r;

	(void)state;
	if (!memcg_make(&cg, reason, sizeof(reason))) {
		print_message("# SKIP %s\n", reason);
		skip();
	}
	print_message("# memory cgroup %s (%s)\n", cg.dir, cg.v2 ? "v2" : "v1");
	assert_int_equal(memcg_enter(cg.dir), 0);
	r = harness_daemon_start(&d, NULL);
	assert_int_equal(memcg_enter(cg.home), 0);
	assert_int_equal(r, 0);
	base = memcg_current(&cg);
	memcg_limit(&cg, base + 64 * MIB);
	print_message("# mviewd uses %llu KiB; limit %llu KiB\n",
	    (unsigned long long)(base >> 10),
	    (unsigned long long)((base + 64 * MIB) >> 10));

	c = integration_connect(&d);
	assert_int_equal(mview_client_status(c, &st), 0);
	assert_true(st.max_total_bytes >= 128 * MIB);
	r = mview_segment_create(c, "big", 128 * MIB, 0600,
	    MVIEW_LIFETIME_PERSISTENT, 0, &seg);
	assert_int_equal(r, -ENOSPC);
	print_message("# %s\n", mview_client_last_error(c));
	assert_true(harness_daemon_alive(&d));
	do {
		assert_true(n < 64);
		r = mview_segment_create(c, NULL, 4 * MIB, 0600,
		    MVIEW_LIFETIME_SESSION, 0, &small[n]);
		if (r == 0)
			memset(mview_segment_data(small[n++]), 0x5a, 4 * MIB);
	} while (r == 0);
	assert_int_equal(r, -ENOSPC);
	print_message("# %zu segments of 4 MiB fitted: %s\n", n,
	    mview_client_last_error(c));
	assert_true(n >= 4);
	assert_true(harness_daemon_alive(&d));
	assert_int_equal(mview_client_status(c, &st), 0);
	assert_int_equal(st.segments, n);
	while (n > 0)
		mview_segment_close(small[--n]);
	mview_client_close(c);
	assert_int_equal(harness_daemon_stop(&d), 0);
	assert_int_equal(rmdir(cg.dir), 0);
}

/* ------------------------------------------------------ writers' holes */

/* An fd of the file behind the mapping at p (root: /proc/self/map_files). */
static int
mapping_fd(const void *p, size_t len, int flags)
{
	char	path[128];
	int	fd;

	snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx",
	    (unsigned long)(uintptr_t)p, (unsigned long)((uintptr_t)p + len));
	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		fail_msg("open %s: %s", path, strerror(errno));
	return fd;
}

static uint64_t
blocks_bytes(int fd)
{
	struct stat	st;

	assert_int_equal(fstat(fd, &st), 0);
	return (uint64_t)st.st_blocks * 512;
}

/*
 * A writer frees pages under everyone (MADV_REMOVE on its mapping,
 * FALLOC_FL_PUNCH_HOLE on its fd): the next request about the segment
 * finds the hole and reserves the pages again, so the segment is fully
 * backed and counted truthfully; readers see zeros there, never SIGBUS.
 * A frozen segment cannot be punched at all.
 */
static void
test_writer_holes(void **state)
{
	struct harness_daemon		 d = { .pid = -1, .pidfd = -1 };
	struct mview_client		*owner, *writer, *reader;
	struct mview_segment		*seg, *w, *r;
	struct mview_segment_info	*info;
	const size_t			 size = 1 << 20;
	uint8_t				*p;
	int				 fd;

	(void)state;
	assert_int_equal(harness_daemon_start(&d, NULL), 0);
	owner = integration_connect(&d);
	writer = integration_connect(&d);
	reader = integration_connect(&d);
	assert_int_equal(mview_segment_create(owner, "h/a", size, 0666,
	    MVIEW_LIFETIME_PERSISTENT, 0, &seg), 0);
	memset(mview_segment_data(seg), 0x77, size);
	assert_int_equal(mview_segment_open(writer, "h/a", MVIEW_OPEN_WRITE,
	    &w), 0);
	p = mview_segment_data(w);
	fd = mapping_fd(p, size, O_RDONLY);
	assert_int_equal(blocks_bytes(fd), size);

	/* madvise(MADV_REMOVE): the first half is gone... */
	assert_int_equal(madvise(p, size / 2, MADV_REMOVE), 0);
	assert_true(blocks_bytes(fd) <= size / 2);
	/* ...until the daemon is next asked about the segment. */
	assert_int_equal(mview_segment_stat(reader, "h/a", &info), 0);
	free(info);
	assert_int_equal(blocks_bytes(fd), size);
	assert_int_equal(mview_segment_open(reader, "h/a", 0, &r), 0);
	assert_int_equal(((uint8_t *)mview_segment_data(r))[0], 0);
	assert_int_equal(((uint8_t *)mview_segment_data(r))[size - 1], 0x77);
	mview_segment_close(r);

	/* fallocate(PUNCH_HOLE) through an O_RDWR fd, then an open. */
	{
		int wfd = mapping_fd(p, size, O_RDWR);

		assert_int_equal(fallocate(wfd, FALLOC_FL_PUNCH_HOLE |
		    FALLOC_FL_KEEP_SIZE, size / 4, size / 4), 0);
		assert_true(blocks_bytes(fd) < size);
		assert_int_equal(mview_segment_open(reader, "h/a", 0, &r), 0);
		assert_int_equal(blocks_bytes(fd), size);
		mview_segment_close(r);

		/* Frozen: the kernel refuses both, even through old fds. */
		assert_int_equal(mview_segment_freeze(owner, "h/a"), 0);
		assert_int_equal(fallocate(wfd, FALLOC_FL_PUNCH_HOLE |
		    FALLOC_FL_KEEP_SIZE, 0, 4096), -1);
		assert_int_equal(errno, EPERM);
		assert_int_equal(madvise(p, 4096, MADV_REMOVE), -1);
		assert_int_equal(blocks_bytes(fd), size);
		close(wfd);
	}
	close(fd);
	mview_segment_close(w);
	mview_segment_close(seg);
	mview_client_close(reader);
	mview_client_close(writer);
	mview_client_close(owner);
	assert_int_equal(harness_daemon_stop(&d), 0);
}

/* ------------------------------------------------------ writers' seals */

/*
 * A writer seals the segment against writing (F_SEAL_FUTURE_WRITE through
 * its O_RDWR fd): stat reports it frozen and shows the seals, and nobody
 * is handed an O_RDWR fd of it any more. A writer's F_SEAL_SEAL shows in
 * the seals, and the owner's freeze says why it fails.
 */
static void
test_writer_seals(void **state)
{
	struct harness_daemon		 d = { .pid = -1, .pidfd = -1 };
	struct mview_client		*owner, *writer;
	struct mview_segment		*seg, *w, *x;
	struct mview_segment_info	*info;
	const size_t			 size = 1 << 16;
	int				 fd;

	(void)state;
	assert_int_equal(harness_daemon_start(&d, NULL), 0);
	owner = integration_connect(&d);
	writer = integration_connect(&d);
	assert_int_equal(mview_segment_create(owner, "s/a", size, 0666,
	    MVIEW_LIFETIME_PERSISTENT, 0, &seg), 0);
	assert_int_equal(mview_segment_create(owner, "s/b", size, 0666,
	    MVIEW_LIFETIME_PERSISTENT, 0, &x), 0);
	assert_int_equal(mview_segment_open(writer, "s/a", MVIEW_OPEN_WRITE,
	    &w), 0);
	fd = mapping_fd(mview_segment_data(w), size, O_RDWR);
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE), 0);
	close(fd);
	mview_segment_close(w);

	assert_int_equal(mview_segment_stat(owner, "s/a", &info), 0);
	assert_true(info->frozen);
	assert_true(info->seals & F_SEAL_FUTURE_WRITE);
	free(info);
	assert_int_equal(mview_segment_open(owner, "s/a", MVIEW_OPEN_WRITE,
	    &w), -EPERM);
	print_message("# %s\n", mview_client_last_error(owner));
	assert_non_null(strstr(mview_client_last_error(owner), "frozen"));

	assert_int_equal(mview_segment_open(writer, "s/b", MVIEW_OPEN_WRITE,
	    &w), 0);
	fd = mapping_fd(mview_segment_data(w), size, O_RDWR);
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL), 0);
	close(fd);
	mview_segment_close(w);
	assert_int_equal(mview_segment_stat(owner, "s/b", &info), 0);
	assert_false(info->frozen);
	assert_true(info->seals & F_SEAL_SEAL);
	free(info);
	assert_int_equal(mview_segment_freeze(owner, "s/b"), -EPERM);
	print_message("# %s\n", mview_client_last_error(owner));
	assert_non_null(strstr(mview_client_last_error(owner), "F_SEAL_SEAL"));

	mview_segment_close(x);
	mview_segment_close(seg);
	mview_client_close(writer);
	mview_client_close(owner);
	assert_int_equal(harness_daemon_stop(&d), 0);
}

/* ------------------------------------------------------ strangers */

#define NOBODY	65534

static const char	*stranger_socket;

/* As nobody: refused, and told nothing of the owner or the mode. */
static int
stranger_open(void *arg)
{
	struct mview_client	*c;
	struct mview_segment	*seg;
	const char		*msg;

	(void)arg;
	CHILD_OK(mview_client_connect(stranger_socket, &c));
	CHILD_CHECK(mview_segment_open(c, "p/secret", 0, &seg) == -EACCES);
	msg = mview_client_last_error(c);
	fprintf(stderr, "# to a stranger: %s\n", msg);
	CHILD_CHECK(msg[0] != '\0');
	CHILD_CHECK(strstr(msg, "0600") == NULL);
	CHILD_CHECK(strstr(msg, "uid 0 ") == NULL && strstr(msg, "gid") == NULL);
	/* A huge page segment it may write by mode: read-only for it. */
	if (mview_segment_open(c, "p/huge", MVIEW_OPEN_WRITE, &seg) != -ENOENT) {
		CHILD_CHECK(mview_segment_open(c, "p/huge", MVIEW_OPEN_WRITE,
		    &seg) == -EACCES);
		CHILD_CHECK(strstr(mview_client_last_error(c), "huge") != NULL);
		CHILD_OK(mview_segment_open(c, "p/huge", 0, &seg));
		mview_segment_close(seg);
	}
	mview_client_close(c);
	return 0;
}

/*
 * The EACCES text tells a stranger nothing about a 0600 segment's owner
 * or mode; huge page segments are written by their owner only, whatever
 * their mode (a hole punched in one makes readers SIGBUS).
 */
static void
test_strangers(void **state)
{
	struct harness_daemon	 d = { .pid = -1, .pidfd = -1 };
	struct mview_client	*owner;
	struct mview_segment	*seg, *huge = NULL;
	int			 r;

	(void)state;
	assert_int_equal(harness_daemon_start(&d, NULL), 0);
	owner = integration_connect(&d);
	assert_int_equal(mview_segment_create(owner, "p/secret", 4096, 0600,
	    MVIEW_LIFETIME_PERSISTENT, 0, &seg), 0);
	r = mview_segment_create(owner, "p/huge", 2 << 20, 0666,
	    MVIEW_LIFETIME_PERSISTENT, MVIEW_CREATE_HUGETLB, &huge);
	if (r < 0)
		print_message("# no huge page segment (%s): its part is "
		    "skipped\n", mview_client_last_error(owner));
	stranger_socket = d.socket;
	assert_int_equal(harness_run_as(NOBODY, NOBODY, stranger_open, NULL),
	    0);
	if (huge != NULL)
		mview_segment_close(huge);
	mview_segment_close(seg);
	mview_client_close(owner);
	assert_int_equal(harness_daemon_stop(&d), 0);
}

/* ------------------------------------------------------ huge pages */

#define HUGE_POOL_EXTRA	8	/* pages the test adds to the pool */

static const char	*hp_dir = "/sys/kernel/mm/hugepages";
static uint64_t		 hp_size;	/* bytes of a default huge page */
static uint64_t		 hp_saved = UINT64_MAX;	/* nr_hugepages before */

static int
hp_read(const char *name, uint64_t *ret)
{
	char	dir[128];

	snprintf(dir, sizeof(dir), "%s/hugepages-%llukB", hp_dir,
	    (unsigned long long)(hp_size >> 10));
	return file_read_u64(dir, name, ret);
}

static int
hp_write_total(uint64_t pages)
{
	char	text[32];

	snprintf(text, sizeof(text), "%llu\n", (unsigned long long)pages);
	return file_write("/proc/sys/vm", "nr_hugepages", text);
}

/* Grow the default huge page pool by a few pages for this run (root). */
static void
hp_pool_grow(void)
{
	uint64_t	total, now = 0;
	FILE		*f = fopen("/proc/meminfo", "re");
	char		 line[128];
	unsigned long long kb;

	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "Hugepagesize: %llu kB", &kb) == 1)
			hp_size = (uint64_t)kb << 10;
	fclose(f);
	if (hp_size == 0 || file_read_u64("/proc/sys/vm", "nr_hugepages",
	    &total) < 0 || hp_write_total(total + HUGE_POOL_EXTRA) < 0)
		return;
	hp_saved = total;
	if (hp_read("nr_hugepages", &now) < 0 || now < total + HUGE_POOL_EXTRA)
		printf("# the huge page pool grew to %llu pages only\n",
		    (unsigned long long)now);
}

static void
hp_pool_restore(void)
{
	if (hp_saved != UINT64_MAX)
		(void)hp_write_total(hp_saved);
}

static bool
hp_pool_ready(void)
{
	uint64_t	nfree;

	if (hp_saved == UINT64_MAX || hp_read("free_hugepages", &nfree) < 0 ||
	    nfree < 4) {
		print_message("# SKIP no huge page pool could be made here\n");
		return false;
	}
	return true;
}

/*
 * The pool's free pages bound a huge page segment the way the memory
 * cgroup bounds the others: a segment larger than the whole pool is
 * refused before anything is reserved (ENOMEM: fall back to ordinary
 * pages), and the daemon serves on; one that fits is made.
 */
static void
test_hugetlb_pool(void **state)
{
	struct harness_daemon	 d = { .pid = -1, .pidfd = -1 };
	struct mview_client	*c;
	struct mview_segment	*seg;
	uint64_t		 total;
	int			 fd;

	(void)state;
	if (!hp_pool_ready())
		skip();
	assert_int_equal(harness_daemon_start(&d, NULL), 0);
	c = integration_connect(&d);
	assert_int_equal(hp_read("nr_hugepages", &total), 0);
	assert_int_equal(mview_segment_create(c, "hp/big", (total + 1) *
	    hp_size, 0600, MVIEW_LIFETIME_PERSISTENT, MVIEW_CREATE_HUGETLB,
	    &seg), -ENOMEM);
	print_message("# %s\n", mview_client_last_error(c));
	assert_non_null(strstr(mview_client_last_error(c), "huge page pool"));
	assert_true(harness_daemon_alive(&d));

	assert_int_equal(mview_segment_create(c, "hp/fits", 2 * hp_size, 0600,
	    MVIEW_LIFETIME_PERSISTENT, MVIEW_CREATE_HUGETLB, &seg), 0);
	assert_true(mview_segment_info(seg)->hugetlb);
	fd = mapping_fd(mview_segment_data(seg), 2 * hp_size, O_RDONLY);
	assert_int_equal(blocks_bytes(fd), 2 * hp_size);	/* at create */
	close(fd);
	memset(mview_segment_data(seg), 0x42, 2 * hp_size);
	mview_segment_close(seg);
	assert_int_equal(mview_segment_delete(c, "hp/fits"), 0);
	mview_client_close(c);
	assert_int_equal(harness_daemon_stop(&d), 0);
}

/*
 * The owner punches a hole in a huge page segment a reader maps: the next
 * request about the segment takes a page from the pool again, so the
 * reader then reads zeros there, never SIGBUS, and the page after the
 * hole keeps its bytes.
 */
static void
test_hugetlb_hole(void **state)
{
	struct harness_daemon		 d = { .pid = -1, .pidfd = -1 };
	struct mview_client		*owner, *reader;
	struct mview_segment		*seg, *r;
	struct mview_segment_info	*info;
	const uint8_t			*q;
	int				 fd;

	(void)state;
	if (!hp_pool_ready())
		skip();
	assert_int_equal(harness_daemon_start(&d, NULL), 0);
	owner = integration_connect(&d);
	reader = integration_connect(&d);
	assert_int_equal(mview_segment_create(owner, "hp/hole", 2 * hp_size,
	    0644, MVIEW_LIFETIME_PERSISTENT, MVIEW_CREATE_HUGETLB, &seg), 0);
	memset(mview_segment_data(seg), 0x5c, 2 * hp_size);
	assert_int_equal(mview_segment_open(reader, "hp/hole", 0, &r), 0);
	q = mview_segment_data(r);
	fd = mapping_fd(mview_segment_data(seg), 2 * hp_size, O_RDWR);
	assert_int_equal(blocks_bytes(fd), 2 * hp_size);

	assert_int_equal(fallocate(fd, FALLOC_FL_PUNCH_HOLE |
	    FALLOC_FL_KEEP_SIZE, 0, (off_t)hp_size), 0);
	assert_int_equal(blocks_bytes(fd), hp_size);
	assert_int_equal(mview_segment_stat(reader, "hp/hole", &info), 0);
	free(info);
	assert_int_equal(blocks_bytes(fd), 2 * hp_size);	/* refilled */
	assert_int_equal(q[0], 0);
	assert_int_equal(q[hp_size - 1], 0);
	assert_int_equal(q[hp_size], 0x5c);
	assert_int_equal(q[2 * hp_size - 1], 0x5c);
	close(fd);

	/* A private copy: its writes take pages of its own from the pool and
	 * never reach the segment. */
	{
		struct mview_segment	*priv;
		uint8_t			*w;

		assert_int_equal(mview_segment_open(reader, "hp/hole",
		    MVIEW_OPEN_PRIVATE, &priv), 0);
		assert_true(mview_segment_info(priv)->writable);
		w = mview_segment_data(priv);
		assert_int_equal(w[hp_size], 0x5c);
		memset(w, 0x11, 2 * hp_size);
		assert_int_equal(q[0], 0);
		assert_int_equal(q[hp_size], 0x5c);
		assert_int_equal(((uint8_t *)mview_segment_data(seg))[hp_size],
		    0x5c);
		mview_segment_close(priv);
	}
	mview_segment_close(r);
	mview_segment_close(seg);
	mview_client_close(reader);
	mview_client_close(owner);
	assert_int_equal(harness_daemon_stop(&d), 0);
}

/* ------------------------------------------------------ reserved names */

/* As nobody: "frames/" is reserved for root, the rest is free. */
static int
squatter_run(void *arg)
{
	struct mview_client	*c;
	struct mview_segment	*seg;
	struct mview_view	*v;
	int64_t			 shape[] = { 16 };

	(void)arg;
	CHILD_OK(mview_client_connect(stranger_socket, &c));
	CHILD_CHECK(mview_segment_create(c, "frames/cam0", 4096, 0644,
	    MVIEW_LIFETIME_SESSION, 0, &seg) == -EPERM);
	fprintf(stderr, "# %s\n", mview_client_last_error(c));
	CHILD_CHECK(strstr(mview_client_last_error(c), "frames/") != NULL);
	CHILD_OK(mview_segment_create(c, "free/cam0", 4096, 0644,
	    MVIEW_LIFETIME_SESSION, 0, &seg));
	CHILD_OK(mview_view_new(seg, "B", 1, shape, NULL, 0, &v, NULL));
	CHILD_CHECK(mview_view_publish(c, "frames/latest", v, 0) == -EPERM);
	CHILD_OK(mview_view_publish(c, "free/latest", v, 0));
	mview_view_release(v);
	mview_segment_close(seg);
	mview_client_close(c);
	return 0;
}

/*
 * Name squatting: with "reserve = frames/ uid:0" in the config, nobody
 * else may create a segment or publish a view under frames/; the rest
 * stays open to all, and root creates under frames/.
 */
static void
test_reserved_prefix(void **state)
{
	struct harness_daemon	 d = { .pid = -1, .pidfd = -1 };
	struct mview_client	*c;
	struct mview_segment	*seg;
	char			 conf[] = "/tmp/mview-reserve-XXXXXX", opt[64];
	const char		*argv[] = { opt, NULL };
	int			 fd;

	(void)state;
	assert_true((fd = mkstemp(conf)) >= 0);
	assert_true(write(fd, "reserve = frames/ uid:0\n", 24) == 24);
	close(fd);
	assert_int_equal(chmod(conf, 0644), 0);
	snprintf(opt, sizeof(opt), "--config=%s", conf);
	assert_int_equal(harness_daemon_start(&d, argv), 0);
	stranger_socket = d.socket;
	assert_int_equal(harness_run_as(NOBODY, NOBODY, squatter_run, NULL),
	    0);
	c = integration_connect(&d);
	assert_int_equal(mview_segment_create(c, "frames/cam0", 4096, 0644,
	    MVIEW_LIFETIME_SESSION, 0, &seg), 0);
	mview_segment_close(seg);
	mview_client_close(c);
	assert_int_equal(harness_daemon_stop(&d), 0);
	unlink(conf);
}

/* ------------------------------------------------------ max-name lowered */

static void
write_conf(const char *path, const char *text)
{
	FILE	*f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

/*
 * SIGHUP lowers max-name below a name that exists: a new client can
 * still stat, open and delete it; only new names obey the new limit.
 */
static void
test_max_name_lowered(void **state)
{
	struct harness_daemon		 d = { .pid = -1, .pidfd = -1 };
	struct mview_client		*c;
	struct mview_segment		*seg;
	struct mview_segment_info	*info;
	struct mview_status		 st;
	char				 conf[] = "/tmp/mview-maxname-XXXXXX";
	char				 opt[64], name[61];
	const char			*argv[] = { opt, NULL };
	long long			 deadline;
	int				 fd;

	(void)state;
	assert_true((fd = mkstemp(conf)) >= 0);
	close(fd);
	write_conf(conf, "max-name = 64\n");
	snprintf(opt, sizeof(opt), "--config=%s", conf);
	assert_int_equal(harness_daemon_start(&d, argv), 0);
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	c = integration_connect(&d);
	assert_int_equal(mview_segment_create(c, name, 4096, 0600,
	    MVIEW_LIFETIME_PERSISTENT, 0, &seg), 0);
	mview_segment_close(seg);
	mview_client_close(c);

	write_conf(conf, "max-name = 16\n");
	assert_int_equal(kill(d.pid, SIGHUP), 0);
	c = integration_connect(&d);
	deadline = harness_now_ms() + harness_timeout_ms();
	do
		assert_int_equal(mview_client_status(c, &st), 0);
	while (st.max_name != 16 && harness_now_ms() < deadline);
	assert_int_equal(st.max_name, 16);
	mview_client_close(c);

	c = integration_connect(&d);	/* its hello says 16 */
	assert_int_equal(mview_segment_stat(c, name, &info), 0);
	free(info);
	assert_int_equal(mview_segment_open(c, name, 0, &seg), 0);
	mview_segment_close(seg);
	assert_int_equal(mview_segment_create(c, "a-name-over-sixteen", 4096,
	    0600, MVIEW_LIFETIME_SESSION, 0, &seg), -ENAMETOOLONG);
	assert_int_equal(mview_segment_delete(c, name), 0);
	mview_client_close(c);
	assert_int_equal(harness_daemon_stop(&d), 0);
	unlink(conf);
}

/* ------------------------------------------------------ ids */

/*
 * Without persistence, a restart starts afresh, yet never hands out an
 * id again: a handle from the earlier daemon names nothing and is told
 * so, instead of naming someone else's new segment.
 */
static void
test_ids_never_repeat(void **state)
{
	struct harness_daemon	 d = { .pid = -1, .pidfd = -1 };
	struct mview_client	*c;
	struct mview_segment	*seg;
	uint64_t		 old_id;

	(void)state;
	assert_int_equal(harness_daemon_start(&d, NULL), 0);
	c = integration_connect(&d);
	assert_int_equal(mview_segment_create(c, "id/a", 4096, 0600,
	    MVIEW_LIFETIME_PERSISTENT, 0, &seg), 0);
	old_id = mview_segment_info(seg)->id;
	mview_segment_close(seg);
	mview_client_close(c);
	assert_int_equal(harness_daemon_stop(&d), 0);

	assert_int_equal(harness_daemon_start(&d, NULL), 0);
	c = integration_connect(&d);
	assert_int_equal(mview_segment_create(c, "id/b", 4096, 0600,
	    MVIEW_LIFETIME_PERSISTENT, 0, &seg), 0);
	print_message("# ids: %" PRIu64 " before the restart, %" PRIu64
	    " after\n", old_id, mview_segment_info(seg)->id);
	assert_true(mview_segment_info(seg)->id > old_id);
	mview_segment_close(seg);
	assert_int_equal(mview_segment_open_id(c, old_id, 0, &seg), -ENOENT);
	print_message("# %s\n", mview_client_last_error(c));
	assert_non_null(strstr(mview_client_last_error(c), "earlier mviewd"));
	mview_client_close(c);
	assert_int_equal(harness_daemon_stop(&d), 0);
}

/* ------------------------------------------------------ deleted, held */

#define HELD_CYCLES	4

/* The owner's end of the pipes: it tells the reader what to open. */
struct held_pipes {
	int	to_reader[2];
	int	to_owner[2];
};

/* The parent keeps its ends only: a child that dies is then seen (EOF). */
static void
held_pipes_parent(struct held_pipes *hp)
{
	close(hp->to_reader[1]);
	close(hp->to_owner[0]);
}

static int
pipe_put(int fd, char c)
{
	return write(fd, &c, 1) == 1 ? 0 : -EIO;
}

static int
pipe_get(int fd, char *ret)
{
	return read(fd, ret, 1) == 1 ? 0 : -EIO;
}

/*
 * As nobody, with a 4 MiB quota: 4 times create a 1 MiB segment, let the
 * reader open it, delete and close it. The reader holds all 4; the owner
 * owns nothing and may use its whole quota again.
 */
static int
held_owner_run(void *arg)
{
	struct held_pipes	*hp = arg;
	struct mview_client	*c;
	struct mview_segment	*seg;
	struct mview_status	 st;
	char			 name[32], ack;

	CHILD_OK(mview_client_connect(stranger_socket, &c));
	for (int i = 0; i < HELD_CYCLES; i++) {
		snprintf(name, sizeof(name), "held/%d", i);
		CHILD_OK(mview_segment_create(c, name, MIB, 0644,
		    MVIEW_LIFETIME_PERSISTENT, 0, &seg));
		CHILD_OK(pipe_put(hp->to_reader[1], 'c'));
		CHILD_OK(pipe_get(hp->to_owner[0], &ack));
		CHILD_OK(mview_segment_delete(c, name));
		mview_segment_close(seg);
	}
	CHILD_OK(mview_client_status(c, &st));
	fprintf(stderr, "# owner after %d cycles: %" PRIu64 " bytes charged, "
	    "%" PRIu64 " deleted segments held (%" PRIu64 " bytes), owners "
	    "pay %" PRIu64 "\n", HELD_CYCLES, st.uid_bytes,
	    st.deleted_held_segments, st.deleted_held_bytes,
	    st.deleted_owner_bytes);
	CHILD_CHECK(st.uid_bytes == 0 && st.uid_segments == 0);
	CHILD_CHECK(st.deleted_held_segments == HELD_CYCLES);
	CHILD_CHECK(st.deleted_held_bytes == HELD_CYCLES * MIB);
	CHILD_CHECK(st.deleted_owner_bytes == 0);
	/* The whole quota is the owner's again. */
	CHILD_OK(mview_segment_create(c, "held/big", 4 * MIB, 0644,
	    MVIEW_LIFETIME_PERSISTENT, 0, &seg));
	CHILD_OK(pipe_put(hp->to_reader[1], 'b'));
	CHILD_OK(pipe_get(hp->to_owner[0], &ack));
	CHILD_OK(mview_client_status(c, &st));
	CHILD_CHECK(st.uid_bytes == 4 * MIB);
	mview_segment_close(seg);
	mview_client_close(c);
	return 0;
}

/*
 * A reader that keeps deleted segments open pays for them itself: the
 * owner is not at EDQUOT after 4 create/delete cycles (it was, owning
 * nothing, for as long as the reader stayed), the reader's held pool
 * (max-held-bytes-per-uid) is charged and caps what it may keep, and
 * status and stat say who pays.
 */
static void
test_deleted_held(void **state)
{
	const char			*argv[] = { "--max-bytes-per-uid=4M",
	    "--max-held-bytes-per-uid=4M", NULL };
	struct harness_daemon		 d = { .pid = -1, .pidfd = -1 };
	struct held_pipes		 hp;
	struct mview_client		*reader;
	struct mview_segment		*held[HELD_CYCLES], *big;
	struct mview_segment_info	*info;
	struct mview_status		 st;
	uint64_t			 id0;
	char				 name[32], what;
	pid_t				 owner;

	(void)state;
	assert_int_equal(pipe2(hp.to_reader, O_CLOEXEC), 0);
	assert_int_equal(pipe2(hp.to_owner, O_CLOEXEC), 0);
	assert_int_equal(harness_daemon_start(&d, argv), 0);
	stranger_socket = d.socket;
	reader = integration_connect(&d);
	owner = harness_child_start(NOBODY, NOBODY, held_owner_run, &hp);
	assert_true(owner > 0);
	held_pipes_parent(&hp);
	for (int i = 0; i < HELD_CYCLES; i++) {
		assert_int_equal(pipe_get(hp.to_reader[0], &what), 0);
		assert_int_equal(what, 'c');
		snprintf(name, sizeof(name), "held/%d", i);
		assert_int_equal(mview_segment_open(reader, name, 0, &held[i]),
		    0);
		assert_int_equal(pipe_put(hp.to_owner[1], 'o'), 0);
	}
	assert_int_equal(pipe_get(hp.to_reader[0], &what), 0);
	assert_int_equal(what, 'b');

	/* The reader pays, up to its own cap: it cannot hold the new one. */
	assert_int_equal(mview_client_status(reader, &st), 0);
	print_message("# reader: held %" PRIu64 " of %" PRIu64 " bytes, owns "
	    "%" PRIu64 "\n", st.uid_held_bytes, st.max_held_bytes_per_uid,
	    st.uid_bytes);
	assert_int_equal(st.uid_held_bytes, HELD_CYCLES * MIB);
	assert_int_equal(st.max_held_bytes_per_uid, 4 * MIB);
	assert_int_equal(st.uid_bytes, 0);
	assert_int_equal(mview_segment_open(reader, "held/big", 0, &big),
	    -EDQUOT);
	print_message("# %s\n", mview_client_last_error(reader));
	assert_non_null(strstr(mview_client_last_error(reader),
	    "max-held-bytes-per-uid"));

	/* stat of a deleted, held segment: who pays. */
	id0 = mview_segment_info(held[0])->id;
	assert_int_equal(mview_segment_stat_id(reader, id0, &info), 0);
	assert_true(info->deleted);
	assert_true(info->holders_pay);
	assert_int_equal(info->nattached, 1);
	assert_int_equal(info->nheld_charged, 1);
	free(info);
	assert_int_equal(pipe_put(hp.to_owner[1], 'o'), 0);
	assert_int_equal(harness_child_wait(owner), 0);

	/* The last holder's release frees it, and the charge. */
	mview_segment_close(held[0]);
	assert_int_equal(mview_client_status(reader, &st), 0);
	assert_int_equal(st.uid_held_bytes, (HELD_CYCLES - 1) * MIB);
	assert_int_equal(st.deleted_held_segments, HELD_CYCLES - 1);
	assert_int_equal(st.deleted_held_bytes, (HELD_CYCLES - 1) * MIB);
	for (int i = 1; i < HELD_CYCLES; i++)
		mview_segment_close(held[i]);
	assert_int_equal(mview_client_status(reader, &st), 0);
	assert_int_equal(st.uid_held_bytes, 0);
	assert_int_equal(st.deleted_held_segments, 0);
	mview_client_close(reader);
	assert_int_equal(harness_daemon_stop(&d), 0);
	close(hp.to_reader[0]);
	close(hp.to_owner[1]);
}

/* ------------------------------------------------------ fds per uid */

#define FDS_BUDGET	16

/*
 * As nobody with a budget of 16 fds: a connection costs 1, a segment 2;
 * the 8th segment and then a third connection are refused with EMFILE.
 */
static int
fds_greedy_run(void *arg)
{
	struct held_pipes	*hp = arg;
	struct mview_client	*c, *c2, *c3;
	struct mview_segment	*seg[8];
	struct mview_status	 st;
	int			 n = 0, r;
	char			 ack;

	CHILD_OK(mview_client_connect(stranger_socket, &c));
	while ((r = mview_segment_create(c, NULL, 4096, 0600,
	    MVIEW_LIFETIME_SESSION, 0, &seg[n])) == 0)
		CHILD_CHECK(++n < 8);
	fprintf(stderr, "# segment %d: %s\n", n + 1,
	    mview_client_last_error(c));
	CHILD_CHECK(r == -EMFILE);
	CHILD_CHECK(n == (FDS_BUDGET - 1) / 2);
	CHILD_CHECK(strstr(mview_client_last_error(c), "max-fds-per-uid"));
	CHILD_OK(mview_client_status(c, &st));
	CHILD_CHECK(st.uid_fds == 1 + 2 * (uint64_t)n);
	CHILD_CHECK(st.max_fds_per_uid == FDS_BUDGET);
	CHILD_OK(mview_client_connect(stranger_socket, &c2));	/* the 16th */
	r = mview_client_connect(stranger_socket, &c3);
	fprintf(stderr, "# connection 3: %s\n", mview_strerror(r));
	CHILD_CHECK(r == -EMFILE);
	CHILD_OK(pipe_put(hp->to_reader[1], 'f'));	/* full: still holding */
	CHILD_OK(pipe_get(hp->to_owner[0], &ack));
	mview_client_close(c2);
	for (int i = 0; i < n; i++)
		mview_segment_close(seg[i]);
	mview_client_close(c);
	return 0;
}

/*
 * One uid cannot take all of mviewd's fds: with max-fds-per-uid it is
 * refused its 17th fd with EMFILE, while another uid is still served.
 */
static void
test_fds_per_uid(void **state)
{
	char			 opt[48];
	const char		*argv[] = { opt, NULL };
	struct harness_daemon	 d = { .pid = -1, .pidfd = -1 };
	struct held_pipes	 hp;
	struct mview_client	*c;
	struct mview_segment	*seg;
	struct mview_status	 st;
	pid_t			 greedy;
	char			 what;

	(void)state;
	assert_int_equal(pipe2(hp.to_reader, O_CLOEXEC), 0);
	assert_int_equal(pipe2(hp.to_owner, O_CLOEXEC), 0);
	snprintf(opt, sizeof(opt), "--max-fds-per-uid=%d", FDS_BUDGET);
	assert_int_equal(harness_daemon_start(&d, argv), 0);
	stranger_socket = d.socket;
	greedy = harness_child_start(NOBODY, NOBODY, fds_greedy_run, &hp);
	assert_true(greedy > 0);
	held_pipes_parent(&hp);
	/* The greedy uid keeps all its fds while the other one asks. */
	if (pipe_get(hp.to_reader[0], &what) < 0) {
		assert_int_equal(harness_child_wait(greedy), 0);
		fail_msg("the greedy child ended early");
	}
	c = integration_connect(&d);
	for (int i = 0; i < FDS_BUDGET / 2 - 1; i++) {
		assert_int_equal(mview_segment_create(c, NULL, 4096, 0600,
		    MVIEW_LIFETIME_SESSION, 0, &seg), 0);
		mview_segment_close(seg);
	}
	assert_int_equal(mview_client_status(c, &st), 0);
	assert_int_equal(st.uid_fds, 1 + 2 * (FDS_BUDGET / 2 - 1));
	mview_client_close(c);
	assert_int_equal(pipe_put(hp.to_owner[1], 'q'), 0);
	assert_int_equal(harness_child_wait(greedy), 0);
	assert_int_equal(harness_daemon_stop(&d), 0);
	close(hp.to_reader[0]);
	close(hp.to_owner[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory_cgroup),
		cmocka_unit_test(test_writer_holes),
		cmocka_unit_test(test_writer_seals),
		cmocka_unit_test(test_strangers),
		cmocka_unit_test(test_ids_never_repeat),
		cmocka_unit_test(test_reserved_prefix),
		cmocka_unit_test(test_max_name_lowered),
		cmocka_unit_test(test_hugetlb_pool),
		cmocka_unit_test(test_hugetlb_hole),
		cmocka_unit_test(test_deleted_held),
		cmocka_unit_test(test_fds_per_uid),
	};
	int	r;

	harness_watchdog(0);
	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root (memory cgroups, other uids)\n");
		return 77;
	}
	/* With a pool, the huge page parts run (test_strangers' too). */
	hp_pool_grow();
	r = cmocka_run_group_tests_name("adverse", tests, NULL, NULL);
	hp_pool_restore();
	return r;
}
