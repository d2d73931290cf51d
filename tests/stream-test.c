/* SPDX-License-Identifier: MIT */
/* A stream over raw memfds for the ring's tests and benchmarks (the daemon's part, done by hand). */
#include <sys/mman.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "stream-test.h"

static int
test_memfd(const char *name, uint64_t size, int *ret_fd)
{
	int	fd, r;

	if ((fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING)) < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

int
stream_test_create(struct stream_test *t, uint32_t nslots, uint64_t capacity,
    uint32_t max_consumers, uint32_t max_holds, uint64_t first_seq)
{
	struct stream_frame_desc	layout;
	void				*p;
	uint32_t			 i;
	int				 r;

	memset(t, 0, sizeof(*t));
	t->control_fd = t->data_fd = -1;
	for (i = 0; i < STREAM_MAX_CONSUMERS; i++)
		t->lease_fd[i] = -1;
	if ((r = stream_geometry_init(&t->geo, nslots, capacity,
	    max_consumers, max_holds)) < 0)
		return r;
	t->control_size = stream_control_size(&t->geo);
	t->data_size = stream_data_size(&t->geo);
	if ((r = test_memfd("stream-control", t->control_size,
	    &t->control_fd)) < 0 ||
	    (r = test_memfd("stream-data", t->data_size, &t->data_fd)) < 0 ||
	    (r = stream_map(t->control_fd, t->control_size, true, &p)) < 0)
		goto fail;
	t->control = p;
	if ((r = stream_map(t->data_fd, t->data_size, true, &p)) < 0)
		goto fail;
	t->data = p;
	for (i = 0; i < t->geo.max_consumers; i++) {
		if ((r = test_memfd("stream-lease", STREAM_LEASE_SIZE,
		    &t->lease_fd[i])) < 0 ||
		    (r = stream_map(t->lease_fd[i], STREAM_LEASE_SIZE, true,
		    &p)) < 0)
			goto fail;
		t->leases[i] = p;
	}
	memset(&layout, 0, sizeof(layout));
	layout.itemsize = 1;
	layout.ndim = 1;
	layout.format[0] = 'B';
	layout.shape[0] = (int64_t)capacity;
	layout.strides[0] = 1;
	if ((r = stream_control_init(t->control, &t->geo, &layout,
	    first_seq)) < 0)
		goto fail;
	return 0;
fail:
	stream_test_destroy(t);
	return r;
}

void
stream_test_destroy(struct stream_test *t)
{
	uint32_t	i;

	for (i = 0; i < STREAM_MAX_CONSUMERS; i++) {
		stream_unmap(t->leases[i], STREAM_LEASE_SIZE);
		t->leases[i] = NULL;
		if (t->lease_fd[i] >= 0)
			close(t->lease_fd[i]);
		t->lease_fd[i] = -1;
	}
	stream_unmap(t->control, t->control_size);
	stream_unmap(t->data, t->data_size);
	t->control = NULL;
	t->data = NULL;
	if (t->control_fd >= 0)
		close(t->control_fd);
	if (t->data_fd >= 0)
		close(t->data_fd);
	t->control_fd = t->data_fd = -1;
}

int
stream_test_producer(struct stream_test *t, struct stream_producer *p)
{
	return stream_producer_attach(p, &t->geo, t->control, t->data,
	    (const struct stream_lease *const *)t->leases);
}

int
stream_test_consumer(struct stream_test *t, struct stream_consumer *c,
    uint32_t pos, enum stream_policy policy)
{
	int	r;

	if ((r = stream_consumer_activate(t->control, &t->geo, t->leases[pos],
	    pos, policy)) < 0)
		return r;
	return stream_consumer_attach(c, &t->geo, t->control, t->data, false,
	    t->leases[pos], pos);
}

uint64_t
stream_test_pattern(uint64_t seq)
{
	uint64_t	z = seq + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void
stream_test_fill(void *p, uint64_t nbytes, uint64_t seq)
{
	uint64_t	*w = p, v = stream_test_pattern(seq), i;

	for (i = 0; i < nbytes / 8; i++)
		w[i] = v;
}

uint64_t
stream_test_check(const void *p, uint64_t nbytes, uint64_t seq)
{
	const uint64_t	*w = p;
	uint64_t	v = stream_test_pattern(seq), i, bad = 0;

	for (i = 0; i < nbytes / 8; i++)
		if (w[i] != v)
			bad += 8;
	return bad;
}

int
stream_test_publish(struct stream_producer *p, uint64_t nbytes,
    uint64_t *ret_seq)
{
	struct stream_frame	f;
	int			r;

	if ((r = stream_producer_loan(p, NULL, &f)) < 0)
		return r;
	stream_test_fill(f.data, nbytes, f.seq);
	if ((r = stream_producer_publish(p, &f)) < 0) {
		stream_producer_cancel(p);
		return r;
	}
	if (ret_seq != NULL)
		*ret_seq = f.seq;
	return 0;
}
