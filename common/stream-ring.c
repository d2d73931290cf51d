/* SPDX-License-Identifier: MIT */
/* A stream's layout: geometry, frame descriptors, the control memfd and its consumer positions. */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <string.h>

#include "stream-internal.h"

int
stream_geometry_check(const struct stream_geometry *g)
{
	if (g->nslots < 2 || g->nslots > STREAM_MAX_SLOTS ||
	    g->max_consumers < 1 || g->max_consumers > STREAM_MAX_CONSUMERS ||
	    g->max_holds < 1 || g->max_holds > STREAM_MAX_HOLDS ||
	    g->capacity == 0 || g->capacity % STREAM_SLOT_ALIGN != 0)
		return -EINVAL;
	if (g->capacity > (uint64_t)INT64_MAX / g->nslots ||
	    g->capacity * g->nslots > SIZE_MAX)
		return -EOVERFLOW;
	return 0;
}

int
stream_geometry_init(struct stream_geometry *ret, uint32_t nslots,
    uint64_t capacity, uint32_t max_consumers, uint32_t max_holds)
{
	struct stream_geometry	g;
	int			r;

	if (capacity > UINT64_MAX - STREAM_SLOT_ALIGN)
		return -EOVERFLOW;
	g.nslots = nslots;
	g.capacity = (capacity + STREAM_SLOT_ALIGN - 1) &
	    ~(uint64_t)(STREAM_SLOT_ALIGN - 1);
	g.max_consumers = max_consumers ? max_consumers :
	    STREAM_DEFAULT_CONSUMERS;
	g.max_holds = max_holds ? max_holds : STREAM_DEFAULT_HOLDS;
	if ((r = stream_geometry_check(&g)) < 0)
		return r;
	*ret = g;
	return 0;
}

size_t
stream_control_size(const struct stream_geometry *g)
{
	return stream_slots_offset(g->nslots) +
	    (size_t)g->nslots * sizeof(struct stream_slot);
}

uint64_t
stream_data_size(const struct stream_geometry *g)
{
	return g->capacity * g->nslots;
}

/* A frame descriptor already checked (ndim in range) as a view descriptor
 * (segment 0, slot offsets). */
static void
desc_fill_view(const struct stream_frame_desc *d, struct view_desc *v)
{
	int	i;

	v->segment_id = 0;
	v->offset = d->offset;
	v->itemsize = d->itemsize;
	v->ndim = d->ndim;
	v->readonly = false;
	memcpy(v->format, d->format, sizeof(v->format));
	for (i = 0; i < d->ndim && i < STREAM_MAX_NDIM; i++) {
		v->shape[i] = d->shape[i];
		v->strides[i] = d->strides[i];
	}
}

/* The same, for any descriptor: -EINVAL when it cannot be one. */
static int
desc_to_view(const struct stream_frame_desc *d, struct view_desc *v)
{
	if (d->ndim < 0 || d->ndim > STREAM_MAX_NDIM || d->flags != 0 ||
	    memchr(d->format, '\0', sizeof(d->format)) == NULL)
		return -EINVAL;
	desc_fill_view(d, v);
	return 0;
}

int
stream_frame_desc_check(const struct stream_frame_desc *d,
    uint64_t capacity, struct view_error *err)
{
	struct view_desc	v;

	if (desc_to_view(d, &v) < 0)
		return -EINVAL;
	return view_validate(&v, capacity, STREAM_MAX_NDIM, err);
}

int
stream_frame_desc_from_view(struct stream_frame_desc *ret,
    const struct view_desc *v)
{
	int	i;

	if (v->ndim < 0 || v->ndim > STREAM_MAX_NDIM ||
	    memchr(v->format, '\0', sizeof(v->format)) == NULL)
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	ret->offset = v->offset;
	ret->itemsize = v->itemsize;
	ret->ndim = v->ndim;
	memcpy(ret->format, v->format, sizeof(ret->format));
	for (i = 0; i < v->ndim; i++) {
		ret->shape[i] = v->shape[i];
		ret->strides[i] = v->strides[i];
	}
	return 0;
}

void
stream_frame_view(const struct stream_frame *f,
    const struct stream_geometry *g, uint64_t segment_id, bool readonly,
    struct view_desc *ret)
{
	desc_fill_view(&f->desc, ret);
	ret->segment_id = segment_id;
	ret->offset = (int64_t)(f->slot * g->capacity) + f->desc.offset;
	ret->readonly = readonly;
}

int
stream_control_init(struct stream_control *c,
    const struct stream_geometry *g, const struct stream_frame_desc *layout,
    uint64_t first_seq)
{
	int	r;

	if ((r = stream_geometry_check(g)) < 0)
		return r;
	if (first_seq < 1 || first_seq > STREAM_SEQ_MAX ||
	    stream_frame_desc_check(layout, g->capacity, NULL) < 0)
		return -EINVAL;
	memset(c, 0, stream_control_size(g));
	c->version = STREAM_VERSION;
	c->nslots = g->nslots;
	c->max_consumers = g->max_consumers;
	c->max_holds = g->max_holds;
	c->capacity = g->capacity;
	c->first_seq = first_seq;
	c->layout = *layout;
	c->layout.seq = 0;
	c->layout.timestamp_ns = 0;
	atomic_store(&c->head, first_seq - 1);
	atomic_store(&c->futex, (uint32_t)(first_seq - 1));
	atomic_store_explicit(&c->head_slot, UINT32_MAX, memory_order_release);
	c->magic = STREAM_MAGIC;
	return 0;
}

int
stream_control_check(const struct stream_control *c, size_t size,
    const struct stream_geometry *g)
{
	int	r;

	if ((r = stream_geometry_check(g)) < 0)
		return r;
	if (size < stream_control_size(g) || c->magic != STREAM_MAGIC ||
	    c->version != STREAM_VERSION || c->nslots != g->nslots ||
	    c->max_consumers != g->max_consumers ||
	    c->max_holds != g->max_holds || c->capacity != g->capacity ||
	    c->first_seq < 1 || c->first_seq > STREAM_SEQ_MAX)
		return -EPROTO;
	return 0;
}

void
stream_lease_reset(struct stream_lease *l)
{
	unsigned	i;

	for (i = 0; i < STREAM_MAX_HOLDS; i++) {
		atomic_store_explicit(&l->hold[i], 0, memory_order_release);
		atomic_store_explicit(&l->hold_seq[i], 0, memory_order_relaxed);
	}
	atomic_store(&l->cursor, 0);
	atomic_store(&l->waiting, 0);
	atomic_store(&l->seen, 0);
	atomic_store(&l->dropped, 0);
	atomic_store(&l->policy, STREAM_POLICY_NONE);
	/* Moved, not cleared: a producer asleep on it must see a change. */
	atomic_fetch_add(&l->wake, 1);
}

/*
 * The cursor is set before the position turns active (so the producer
 * never sees a lossless consumer at cursor 0), then moved to the head
 * read after a full fence: every frame after that head is published by a
 * loan that saw this position active.
 */
int
stream_consumer_activate(struct stream_control *c,
    const struct stream_geometry *g, struct stream_lease *lease,
    uint32_t pos, enum stream_policy policy)
{
	if (pos >= g->max_consumers || (policy != STREAM_POLICY_LATEST &&
	    policy != STREAM_POLICY_LOSSLESS))
		return -EINVAL;
	if (atomic_load(&c->active[pos]) != STREAM_POLICY_NONE)
		return -EBUSY;
	stream_lease_reset(lease);
	atomic_store(&lease->policy, policy);
	atomic_store(&lease->cursor, atomic_load(&c->head));
	atomic_store(&c->active[pos], policy);
	atomic_thread_fence(memory_order_seq_cst);
	atomic_store(&lease->cursor, atomic_load(&c->head));
	return 0;
}

void
stream_consumer_deactivate(struct stream_control *c,
    const struct stream_geometry *g, struct stream_lease *lease,
    uint32_t pos)
{
	if (pos >= g->max_consumers)
		return;
	atomic_store(&c->active[pos], STREAM_POLICY_NONE);
	stream_lease_reset(lease);
	if (atomic_load(&c->producer_waiting))
		stream_futex_wake(&lease->wake, 1);
}

unsigned
stream_control_reclaim(struct stream_control *c,
    const struct stream_geometry *g)
{
	struct stream_slot	*slots = stream_control_slots(c, g->nslots);
	uint64_t		 head = atomic_load(&c->head), st;
	unsigned		 i, n = 0;

	for (i = 0; i < g->nslots; i++) {
		st = atomic_load(&slots[i].state);
		if (st != STREAM_SLOT_EMPTY && (st == STREAM_SLOT_WRITING ||
		    st > head)) {
			atomic_store(&slots[i].state, STREAM_SLOT_EMPTY);
			n++;
		}
	}
	return n;
}

/* The holds of one lease that name a real slot (bounds-checked). */
static uint32_t
lease_count_holds(const struct stream_lease *l,
    const struct stream_geometry *g)
{
	uint32_t	i, v, n = 0;

	for (i = 0; i < g->max_holds; i++) {
		v = atomic_load_explicit(&l->hold[i], memory_order_relaxed);
		if (v != 0 && v <= g->nslots)
			n++;
	}
	return n;
}

void
stream_control_stat(const struct stream_control *c,
    const struct stream_geometry *g,
    const struct stream_lease *const *leases, struct stream_stat *ret)
{
	const struct stream_slot *slots = stream_control_slots(c, g->nslots);
	struct stream_stat	  st;
	uint32_t		  i;

	memset(&st, 0, sizeof(st));
	st.head = atomic_load(&c->head);
	st.published = st.head - (c->first_seq - 1);
	for (i = 0; i < g->max_consumers; i++) {
		if (atomic_load(&c->active[i]) == STREAM_POLICY_NONE)
			continue;
		st.consumers++;
		if (leases == NULL || leases[i] == NULL)
			continue;
		st.holds += lease_count_holds(leases[i], g);
		st.dropped += atomic_load(&leases[i]->dropped);
	}
	for (i = 0; i < g->nslots; i++)
		if (atomic_load(&slots[i].state) == STREAM_SLOT_WRITING)
			st.loaned = true;
	*ret = st;
}

int
stream_map(int fd, size_t size, bool writable, void **ret_addr)
{
	struct stat	 sb;
	void		*p;

	if (fstat(fd, &sb) < 0)
		return -errno;
	if (sb.st_size < 0 || (uint64_t)sb.st_size < size || size == 0)
		return -EINVAL;
	p = mmap(NULL, size, PROT_READ | (writable ? PROT_WRITE : 0),
	    MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	*ret_addr = p;
	return 0;
}

void
stream_unmap(void *addr, size_t size)
{
	if (addr != NULL)
		munmap(addr, size);
}
