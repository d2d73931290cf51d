/* SPDX-License-Identifier: MIT */
/* A segment's memory: memfd creation, sealing, freezing and the fds handed to clients. */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errmsg.h"
#include "memlimit.h"
#include "segment.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL	0x0008U
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE	0x0010
#endif

#define SEGMENT_LABEL_MAX	200	/* memfd names stop at 249 bytes */

static int
segment_memfd_open(const char *label, bool hugetlb, struct errmsg *e)
{
	unsigned	flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
	char		name[SEGMENT_LABEL_MAX + 16];
	int		fd;

	snprintf(name, sizeof(name), "mview:%.*s", SEGMENT_LABEL_MAX,
	    label != NULL ? label : "anonymous");
	if (hugetlb)
		flags |= MFD_HUGETLB;
	fd = memfd_create(name, flags | MFD_NOEXEC_SEAL);
	if (fd < 0 && errno == EINVAL)	/* before Linux 6.3 */
		fd = memfd_create(name, flags);
	if (fd >= 0)
		return fd;
	if (errno == EMFILE || errno == ENFILE)
		return errmsg_set(e, -ENFILE, "mviewd is out of file "
		    "descriptors");
	if (hugetlb && errno == EINVAL)
		return errmsg_set(e, -EOPNOTSUPP, "huge page segments are not "
		    "supported by this kernel");
	return errmsg_set(e, -errno, "memfd_create: %s", strerror(errno));
}

/* Reserve every page now; a signal may interrupt a large reservation. */
static int
segment_memfd_reserve(int fd, uint64_t size, bool hugetlb, struct errmsg *e)
{
	int	r, tries = 0;

	if (size == 0)
		return 0;
	do
		r = fallocate(fd, 0, 0, (off_t)size);
	while (r < 0 && errno == EINTR && ++tries < 100);
	if (r == 0)
		return 0;
	if (hugetlb && (errno == ENOSPC || errno == ENOMEM))
		return errmsg_set(e, -ENOMEM, "no huge pages available for "
		    "%llu bytes (see vm.nr_hugepages)", (unsigned long long)size);
	if (errno == ENOSPC || errno == ENOMEM)
		return errmsg_set(e, -ENOSPC, "the machine is out of memory "
		    "for %llu bytes", (unsigned long long)size);
	return errmsg_set(e, -errno, "fallocate: %s", strerror(errno));
}

int
segment_memfd_create(const char *label, uint64_t size, bool hugetlb,
    struct errmsg *e, int *ret_fd)
{
	uint64_t	hp = hugetlb ? segment_hugepage_size() : 0;
	int		fd, r;

	if (hugetlb && hp == 0)
		return errmsg_set(e, -ENOMEM, "no huge pages on this machine");
	if (hugetlb && size % hp != 0)
		return errmsg_set(e, -EINVAL, "a huge page segment's size must "
		    "be a multiple of %llu bytes", (unsigned long long)hp);
	if (size > (uint64_t)INT64_MAX)
		return errmsg_set(e, -EFBIG, "segment size too large");
	/* Before reserving: over its cgroup's limit the kernel would kill us. */
	if ((r = memlimit_check(size, hugetlb, e)) < 0)
		return r;
	if ((fd = segment_memfd_open(label, hugetlb, e)) < 0)
		return fd;
	if (ftruncate(fd, (off_t)size) < 0) {
		r = errmsg_set(e, -errno, "ftruncate: %s", strerror(errno));
		goto fail;
	}
	if ((r = segment_memfd_reserve(fd, size, hugetlb, e)) < 0)
		goto fail;
	if (fchmod(fd, 0600) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0) {
		r = errmsg_set(e, -errno, "sealing: %s", strerror(errno));
		goto fail;
	}
	*ret_fd = fd;
	return 0;

fail:
	close(fd);
	return r;
}

int
segment_memfd_freeze(int fd, struct errmsg *e)
{
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE | F_SEAL_SEAL) == 0)
		return 0;
	if (errno == EPERM)
		return errmsg_set(e, -EPERM, "the segment's seals were locked "
		    "by a writer (F_SEAL_SEAL)");
	if (errno == EINVAL)
		return errmsg_set(e, -EOPNOTSUPP, "this kernel cannot freeze "
		    "(F_SEAL_FUTURE_WRITE needs Linux 5.1)");
	return errmsg_set(e, -errno, "freeze: %s", strerror(errno));
}

int
segment_open_fd(struct segment *seg, bool write, int *ret_fd)
{
	char	path[64];
	int	fd;

	if (!write && seg->ro_fd < 0) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", seg->fd);
		seg->ro_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (seg->ro_fd < 0)
			return (errno == EMFILE || errno == ENFILE) ?
			    -ENFILE : -errno;
	}
	fd = fcntl(write ? seg->fd : seg->ro_fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return (errno == EMFILE || errno == ENFILE) ? -ENFILE : -errno;
	*ret_fd = fd;
	return 0;
}

uint32_t
segment_seals(const struct segment *seg)
{
	int	seals = fcntl(seg->fd, F_GET_SEALS);

	return seals < 0 ? 0 : (uint32_t)seals;
}

bool
segment_write_sealed(const struct segment *seg)
{
	return (segment_seals(seg) & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) != 0;
}

int
segment_refill(struct segment *seg, uint64_t *ret_missing)
{
	struct stat	st;
	uint64_t	have;
	int		r;

	*ret_missing = 0;
	if (seg->size == 0 || fstat(seg->fd, &st) < 0)
		return 0;
	have = (uint64_t)st.st_blocks * 512;
	if (have >= seg->size)
		return 0;
	*ret_missing = seg->size - have;
	/* Write seals forbid punching, and filling too: nothing to do. */
	if (segment_write_sealed(seg))
		return 0;
	do
		r = fallocate(seg->fd, 0, 0, (off_t)seg->size);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	seg->nrefills++;
	return 0;
}

uint64_t
segment_hugepage_size(void)
{
	static uint64_t	 cached = UINT64_MAX;
	char		 line[128];
	unsigned long long kb;
	FILE		*f;

	if (cached != UINT64_MAX)
		return cached;
	cached = 0;
	if ((f = fopen("/proc/meminfo", "re")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "Hugepagesize: %llu kB", &kb) == 1) {
			cached = (uint64_t)kb << 10;
			break;
		}
	}
	fclose(f);
	return cached;
}

void
segment_free(struct segment *seg)
{
	if (seg == NULL)
		return;
	if (seg->fd >= 0)
		close(seg->fd);
	if (seg->ro_fd >= 0)
		close(seg->ro_fd);
	free(seg->name);
	free(seg);
}
