/* SPDX-License-Identifier: MIT */
/* A stream's memory: its memfds made and sealed like segments, the daemon's writes to the control block and leases. */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errmsg.h"
#include "segment.h"
#include "stream.h"
#include "wire.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE	0x0010
#endif

_Static_assert(WIRE_STREAM_CONSUMERS_HARD == STREAM_MAX_CONSUMERS,
    "the wire's and the ring's consumer limits differ");

#define STREAM_LABEL_MAX	180	/* memfd names stop at 249 bytes */

/* The default layout: the whole slot as unsigned bytes. */
static void
stream_default_layout(uint64_t capacity, struct view_desc *ret)
{
	memset(ret, 0, sizeof(*ret));
	strcpy(ret->format, "B");
	ret->itemsize = 1;
	ret->ndim = 1;
	ret->shape[0] = (int64_t)capacity;
	ret->strides[0] = 1;
}

/* Bytes from the slot start to one past the layout's last byte. */
static int
stream_layout_extent(const struct view_desc *d, uint64_t *ret)
{
	int64_t	end = d->offset + d->itemsize;

	if (d->offset < 0 || d->itemsize <= 0)
		return -EINVAL;
	for (int i = 0; i < d->ndim; i++) {
		if (d->shape[i] == 0) {
			*ret = (uint64_t)d->offset;
			return 0;
		}
		if (d->shape[i] < 0 || d->strides[i] < 0)
			return -EINVAL;
		int64_t step;
		if (__builtin_mul_overflow(d->shape[i] - 1, d->strides[i],
		    &step) || __builtin_add_overflow(end, step, &end))
			return -EOVERFLOW;
	}
	*ret = (uint64_t)end;
	return 0;
}

int
stream_check_params(const struct stream_params *p, struct errmsg *e)
{
	struct stream_frame_desc	fd;
	struct view_error		verr = { 0 };

	if (stream_geometry_check(&p->geo) < 0)
		return errmsg_set(e, -EINVAL, "stream geometry out of range: "
		    "2..%u slots, 1..%u consumers, 1..%u holds each",
		    STREAM_MAX_SLOTS, STREAM_MAX_CONSUMERS, STREAM_MAX_HOLDS);
	if (!p->has_layout)
		return 0;
	if (p->layout.ndim > STREAM_MAX_NDIM)
		return errmsg_set(e, -EINVAL, "a frame layout has at most %d "
		    "dimensions", STREAM_MAX_NDIM);
	if (stream_frame_desc_from_view(&fd, &p->layout) < 0 ||
	    stream_frame_desc_check(&fd, p->geo.capacity, &verr) < 0)
		return errmsg_set(e, -EINVAL, "the frame layout does not fit a "
		    "slot of %llu bytes%s%s",
		    (unsigned long long)p->geo.capacity, verr.msg[0] ? ": " : "",
		    verr.msg);
	return 0;
}

int
stream_params_init(struct stream_params *p, uint32_t slots, uint64_t capacity,
    uint32_t max_consumers, uint32_t max_holds, struct errmsg *e)
{
	int	r;

	if (capacity == 0 && p->has_layout &&
	    stream_layout_extent(&p->layout, &capacity) < 0)
		return errmsg_set(e, -EINVAL, "the frame layout's extent cannot "
		    "be computed: give a capacity");
	if (capacity == 0)
		return errmsg_set(e, -EINVAL, "a stream needs a slot capacity "
		    "or a layout");
	r = stream_geometry_init(&p->geo, slots, capacity, max_consumers,
	    max_holds);
	if (r == -EOVERFLOW)
		return errmsg_set(e, -EFBIG, "%u slots of %llu bytes overflow",
		    slots, (unsigned long long)capacity);
	if (r < 0)
		return errmsg_set(e, -EINVAL, "stream geometry out of range: "
		    "2..%u slots, 1..%u consumers, 1..%u holds each",
		    STREAM_MAX_SLOTS, STREAM_MAX_CONSUMERS, STREAM_MAX_HOLDS);
	return stream_check_params(p, e);
}

uint64_t
stream_data_bytes(const struct stream_params *p)
{
	return stream_data_size(&p->geo);
}

/* A sealed memfd of size bytes; the segments' code makes and reserves it. */
static int
stream_memfd(const char *label, const char *what, uint64_t size,
    struct errmsg *e, int *ret_fd)
{
	char	name[STREAM_LABEL_MAX + 64];

	snprintf(name, sizeof(name), "stream:%.*s:%s", STREAM_LABEL_MAX,
	    label, what);
	return segment_memfd_create(name, size, false, e, ret_fd);
}

/* The fd reopened O_RDONLY through /proc (so no writable mapping exists). */
static int
stream_reopen_ro(int fd, int *ret_fd)
{
	char	path[64];
	int	ro;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if ((ro = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return (errno == EMFILE || errno == ENFILE) ? -ENFILE : -errno;
	*ret_fd = ro;
	return 0;
}

static int
stream_mem_alloc(struct stream_mem *m, uint32_t n)
{
	m->lease_fd = malloc(n * sizeof(*m->lease_fd));
	m->lease_ro_fd = malloc(n * sizeof(*m->lease_ro_fd));
	m->lease = calloc(n, sizeof(*m->lease));
	if (m->lease_fd == NULL || m->lease_ro_fd == NULL || m->lease == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		m->lease_fd[i] = m->lease_ro_fd[i] = -1;
	return 0;
}

/* Map control and leases read-write for the daemon's own writes. */
static int
stream_mem_map(struct stream_mem *m, uint32_t n, struct errmsg *e)
{
	int	r;

	if ((r = stream_map(m->ctl_fd, m->ctl_size, true,
	    (void **)&m->ctl)) < 0)
		return errmsg_set(e, r, "cannot map a stream's control block: "
		    "%s", strerror(-r));
	for (uint32_t i = 0; i < n; i++) {
		if ((r = stream_map(m->lease_fd[i], m->lease_size, true,
		    (void **)&m->lease[i])) < 0)
			return errmsg_set(e, r, "cannot map a stream's lease: "
			    "%s", strerror(-r));
	}
	return 0;
}

static void
stream_mem_sizes(struct stream_mem *m, const struct stream_params *p)
{
	m->data_size = stream_data_size(&p->geo);
	m->ctl_size = stream_control_size(&p->geo);
	m->lease_size = STREAM_LEASE_SIZE;
}

int
stream_mem_create(struct stream_mem *m, const struct stream_params *p,
    const char *label, struct errmsg *e)
{
	struct stream_frame_desc	 layout;
	struct view_desc		 d;
	uint32_t			 n = p->geo.max_consumers;
	char				 what[32];
	int				 r;

	stream_mem_sizes(m, p);
	if (stream_mem_alloc(m, n) < 0)
		return errmsg_set(e, -ENOMEM, "out of memory");
	if ((r = stream_memfd(label, "data", m->data_size, e, &m->data_fd)) < 0 ||
	    (r = stream_memfd(label, "control", m->ctl_size, e,
	    &m->ctl_fd)) < 0)
		return r;
	for (uint32_t i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "lease%u", i);
		if ((r = stream_memfd(label, what, m->lease_size, e,
		    &m->lease_fd[i])) < 0)
			return r;
	}
	if ((r = stream_mem_map(m, n, e)) < 0)
		return r;
	if (p->has_layout)
		d = p->layout;
	else
		stream_default_layout(p->geo.capacity, &d);
	if ((r = stream_frame_desc_from_view(&layout, &d)) < 0 ||
	    (r = stream_control_init(m->ctl, &p->geo, &layout, 1)) < 0)
		return errmsg_set(e, r, "cannot lay out the stream: %s",
		    strerror(-r));
	return 0;
}

/* fd is a memfd of exactly size bytes, sealed against shrinking and growing. */
static int
stream_check_memfd(int fd, uint64_t size)
{
	struct stat	st;
	int		seals = fcntl(fd, F_GET_SEALS);

	if (fstat(fd, &st) < 0 || (uint64_t)st.st_size != size || seals < 0)
		return -EINVAL;
	if ((seals & (F_SEAL_SHRINK | F_SEAL_GROW)) !=
	    (F_SEAL_SHRINK | F_SEAL_GROW))
		return -EINVAL;
	return 0;
}

int
stream_mem_adopt(struct stream_mem *m, const struct stream_params *p, int *fds,
    struct errmsg *e)
{
	uint32_t	n = p->geo.max_consumers;
	int		r;

	stream_mem_sizes(m, p);
	if (stream_check_memfd(fds[0], m->data_size) < 0 ||
	    stream_check_memfd(fds[1], m->ctl_size) < 0)
		return errmsg_set(e, -EINVAL, "stored memfds do not match");
	for (uint32_t i = 0; i < n; i++)
		if (stream_check_memfd(fds[2 + i], m->lease_size) < 0)
			return errmsg_set(e, -EINVAL, "a stored lease does not "
			    "match");
	if (stream_mem_alloc(m, n) < 0)
		return errmsg_set(e, -ENOMEM, "out of memory");
	m->data_fd = fds[0];
	m->ctl_fd = fds[1];
	for (uint32_t i = 0; i < n; i++)
		m->lease_fd[i] = fds[2 + i];
	if ((r = stream_mem_map(m, n, e)) < 0 ||
	    (r = stream_control_check(m->ctl, m->ctl_size, &p->geo)) < 0) {
		/* The fds stay the caller's. */
		m->data_fd = m->ctl_fd = -1;
		for (uint32_t i = 0; i < n; i++)
			m->lease_fd[i] = -1;
		stream_mem_free(m, n);
		return r < 0 && e->text[0] ? r : errmsg_set(e, -EINVAL,
		    "the stored control block does not match");
	}
	for (uint32_t i = 0; i < n + 2; i++)
		fds[i] = -1;
	return 0;
}

static void
stream_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void
stream_mem_free(struct stream_mem *m, uint32_t n)
{
	stream_unmap(m->ctl, m->ctl_size);
	m->ctl = NULL;
	for (uint32_t i = 0; m->lease != NULL && i < n; i++)
		stream_unmap(m->lease[i], m->lease_size);
	for (uint32_t i = 0; m->lease_fd != NULL && i < n; i++) {
		stream_close(&m->lease_fd[i]);
		stream_close(&m->lease_ro_fd[i]);
	}
	stream_close(&m->data_fd);
	stream_close(&m->data_ro_fd);
	stream_close(&m->ctl_fd);
	stream_close(&m->ctl_ro_fd);
	free(m->lease);
	free(m->lease_fd);
	free(m->lease_ro_fd);
	m->lease = NULL;
	m->lease_fd = m->lease_ro_fd = NULL;
}

/* A dup of fd (write) or of its O_RDONLY reopening, made once in *ro. */
static int
stream_open_fd(int fd, int *ro, bool write, int *ret_fd)
{
	int	r, dup;

	if (!write && *ro < 0 && (r = stream_reopen_ro(fd, ro)) < 0)
		return r;
	dup = fcntl(write ? fd : *ro, F_DUPFD_CLOEXEC, 3);
	if (dup < 0)
		return (errno == EMFILE || errno == ENFILE) ? -ENFILE : -errno;
	*ret_fd = dup;
	return 0;
}

int
stream_open_data(struct stream *st, bool write, int *ret_fd)
{
	return stream_open_fd(st->mem.data_fd, &st->mem.data_ro_fd, write,
	    ret_fd);
}

int
stream_open_control(struct stream *st, bool write, int *ret_fd)
{
	return stream_open_fd(st->mem.ctl_fd, &st->mem.ctl_ro_fd, write,
	    ret_fd);
}

int
stream_open_lease(struct stream *st, uint32_t pos, bool write, int *ret_fd)
{
	if (pos >= st->p.geo.max_consumers)
		return -EINVAL;
	return stream_open_fd(st->mem.lease_fd[pos], &st->mem.lease_ro_fd[pos],
	    write, ret_fd);
}

void
stream_position_set(struct stream *st, uint32_t pos, unsigned policy)
{
	struct stream_mem	*m = &st->mem;

	if (pos >= st->p.geo.max_consumers)
		return;
	if (policy == STREAM_POLICY_NONE) {
		/* The consumer's own count (it may lie: saturate). */
		uint64_t d = atomic_load(&m->lease[pos]->dropped);

		if (atomic_load(&m->ctl->active[pos]) != STREAM_POLICY_NONE)
			st->dropped_gone = d > UINT64_MAX - st->dropped_gone ?
			    UINT64_MAX : st->dropped_gone + d;
		stream_consumer_deactivate(m->ctl, &st->p.geo, m->lease[pos],
		    pos);
	} else
		(void)stream_consumer_activate(m->ctl, &st->p.geo,
		    m->lease[pos], pos, (enum stream_policy)policy);
}

void
stream_producer_gone(struct stream *st)
{
	(void)stream_control_reclaim(st->mem.ctl, &st->p.geo);
}

void
stream_stat(const struct stream *st, struct stream_stat *ret)
{
	stream_control_stat(st->mem.ctl, &st->p.geo,
	    (const struct stream_lease *const *)st->mem.lease, ret);
}

uint32_t
stream_position_holds(const struct stream *st, uint32_t pos)
{
	const struct stream_lease	*l;
	uint32_t			 n = 0, v;

	if (pos >= st->p.geo.max_consumers ||
	    (l = st->mem.lease[pos]) == NULL)
		return 0;
	for (uint32_t i = 0; i < st->p.geo.max_holds; i++) {
		v = atomic_load_explicit(&l->hold[i], memory_order_relaxed);
		if (v != 0 && v <= st->p.geo.nslots)
			n++;
	}
	return n;
}

void
stream_free(struct stream *st)
{
	if (st == NULL)
		return;
	stream_mem_free(&st->mem, st->p.geo.max_consumers);
	free(st->consumers);
	free(st->name);
	free(st);
}
