/* SPDX-License-Identifier: MIT */
/* A stream's consumer: waiting for a frame, holding it while it is read, releasing it. */
#include <errno.h>
#include <string.h>

#include "stream-internal.h"

/* Attempts to take the head frame before giving up (each one lost the
 * race against two publishes in a row, or met a hostile producer). */
#define CONSUMER_TAKE_TRIES	1000

int
stream_consumer_attach(struct stream_consumer *c,
    const struct stream_geometry *g, const struct stream_control *control,
    const void *data, bool writable, struct stream_lease *lease,
    uint32_t pos)
{
	uint32_t	pol;
	int		r;

	if ((r = stream_control_check(control, stream_control_size(g), g)) < 0)
		return r;
	if (pos >= g->max_consumers)
		return -EINVAL;
	pol = atomic_load(&control->active[pos]);
	if (pol != STREAM_POLICY_LATEST && pol != STREAM_POLICY_LOSSLESS)
		return -ENOENT;
	memset(c, 0, sizeof(*c));
	c->geo = *g;
	c->first_seq = control->first_seq;
	c->control = control;
	c->data = data;
	c->lease = lease;
	c->index = stream_control_index(control);
	c->slots = stream_control_slots(control, g->nslots);
	c->position = pos;
	c->policy = pol;
	c->writable = writable;
	c->last_seq = atomic_load(&lease->cursor);
	if (c->last_seq < c->first_seq - 1)
		c->last_seq = c->first_seq - 1;
	return 0;
}

static int
hold_alloc(struct stream_consumer *c)
{
	uint32_t	used, free, all = (1u << c->geo.max_holds) - 1;
	int		h;

	used = atomic_load_explicit(&c->holds_used, memory_order_relaxed);
	do {
		if ((free = ~used & all) == 0)
			return -ENOBUFS;
		h = __builtin_ctz(free);
	} while (!atomic_compare_exchange_weak_explicit(&c->holds_used, &used,
	    used | (1u << h), memory_order_acquire, memory_order_relaxed));
	return h;
}

/* Clear hold h; wake the producer if it sleeps waiting for a slot. */
static void
hold_drop(struct stream_consumer *c, uint32_t h)
{
	struct stream_lease	*l = c->lease;

	atomic_store_explicit(&c->held_seq[h], 0, memory_order_relaxed);
	atomic_store_explicit(&l->hold_seq[h], 0, memory_order_relaxed);
	atomic_store_explicit(&l->hold[h], 0, memory_order_seq_cst);
	atomic_fetch_and_explicit(&c->holds_used, ~(1u << h),
	    memory_order_release);
	if (atomic_load_explicit(&c->control->producer_waiting,
	    memory_order_seq_cst) != 0) {
		atomic_fetch_add_explicit(&l->wake, 1, memory_order_seq_cst);
		stream_futex_wake(&l->wake, 1);
	}
}

void
stream_consumer_release(struct stream_consumer *c,
    const struct stream_frame *f)
{
	uint32_t	h = f->hold;

	if (h >= c->geo.max_holds ||
	    !(atomic_load(&c->holds_used) & (1u << h)) ||
	    atomic_load(&c->held_seq[h]) != f->seq)
		return;
	hold_drop(c, h);
}

void
stream_consumer_detach(struct stream_consumer *c)
{
	uint32_t	used, h;

	used = atomic_load(&c->holds_used);
	for (h = 0; h < c->geo.max_holds; h++)
		if (used & (1u << h))
			hold_drop(c, h);
}

/* The check of a descriptor the producer wrote, skipped when its layout
 * is the last one that passed. */
static int
consumer_check_desc(struct stream_consumer *c,
    const struct stream_frame_desc *d)
{
	if (c->vcache_ok && stream_layout_equal(d, &c->vcache))
		return 0;
	if (stream_frame_desc_check(d, c->geo.capacity, NULL) < 0)
		return -EBADMSG;
	c->vcache = *d;
	c->vcache_ok = true;
	return 0;
}

/*
 * Hold slot s if it still carries seq: hold, full fence (the seq_cst
 * store and load), check. -ESTALE when the slot moved on (or is being
 * written): nothing held then.
 */
static int
consumer_take(struct stream_consumer *c, uint64_t seq, uint32_t s,
    struct stream_frame *ret)
{
	struct stream_lease	*l = c->lease;
	int			 h;

	if (s >= c->geo.nslots)
		return -ESTALE;
	/* The slot's record, its descriptor and the frame's first line are
	 * fetched while the hold's store waits for its own line: the misses
	 * overlap instead of following one another. The state is read once,
	 * after the fence; a stale slot costs a hold and its drop. */
	__builtin_prefetch((const void *)&c->slots[s].state);
	__builtin_prefetch(c->slots[s].desc.shape);
	__builtin_prefetch(&c->slots[s].desc.strides[STREAM_MAX_NDIM / 2]);
	__builtin_prefetch(c->data + (size_t)s * c->geo.capacity);
	if ((h = hold_alloc(c)) < 0)
		return h;
	atomic_store_explicit(&c->held_seq[h], seq, memory_order_relaxed);
	atomic_store_explicit(&l->hold_seq[h], seq, memory_order_relaxed);
	atomic_store_explicit(&l->hold[h], s + 1, memory_order_seq_cst);
	if (atomic_load_explicit(&c->slots[s].state,
	    memory_order_seq_cst) != seq) {
		hold_drop(c, h);
		return -ESTALE;
	}
	memcpy(&ret->desc, &c->slots[s].desc, sizeof(ret->desc));
	if (consumer_check_desc(c, &ret->desc) < 0) {
		hold_drop(c, h);
		return -EBADMSG;
	}
	ret->seq = seq;
	ret->desc.seq = seq;
	ret->timestamp_ns = ret->desc.timestamp_ns;
	ret->slot = s;
	ret->hold = h;
	ret->data = (void *)(c->data + (size_t)s * c->geo.capacity);
	ret->capacity = c->geo.capacity;
	return 0;
}

/* Count what was skipped before f; the lease mirrors it for stat. */
static void
consumer_account(struct stream_consumer *c, struct stream_frame *f)
{
	struct stream_lease	*l = c->lease;
	uint64_t		 drop;

	f->dropped = 0;
	if (f->seq <= c->last_seq)
		return;
	drop = f->seq - c->last_seq - 1;
	f->dropped = drop;
	c->last_seq = f->seq;
	atomic_store_explicit(&l->seen, atomic_load_explicit(&l->seen,
	    memory_order_relaxed) + 1, memory_order_relaxed);
	if (drop)
		atomic_store_explicit(&l->dropped, atomic_load_explicit(
		    &l->dropped, memory_order_relaxed) + drop,
		    memory_order_relaxed);
	/* A release store: the producer reads the cursor only to keep
	 * frames a lossless consumer still needs, and an older value keeps
	 * more of them, never fewer. */
	atomic_store_explicit(&l->cursor, f->seq, memory_order_release);
}

/* The head frame: its slot from the hint next to the head, else from
 * the index. */
static int
consumer_take_head(struct stream_consumer *c, struct stream_frame *ret)
{
	uint64_t	head;
	uint32_t	s, s2;
	int		r, tries;

	for (tries = 0; tries < CONSUMER_TAKE_TRIES; tries++) {
		head = atomic_load_explicit(&c->control->head,
		    memory_order_acquire);
		if (head < c->first_seq)
			return -EAGAIN;
		if (head > STREAM_SEQ_MAX)
			return -EBADMSG;
		s = atomic_load_explicit(&c->control->head_slot,
		    memory_order_relaxed);
		if ((r = consumer_take(c, head, s, ret)) != -ESTALE)
			return r;
		s2 = __atomic_load_n(&c->index[head % c->geo.nslots],
		    __ATOMIC_ACQUIRE);
		if (s2 != s && (r = consumer_take(c, head, s2, ret)) != -ESTALE)
			return r;
	}
	return -EAGAIN;
}

/* The oldest frame in (after, head] still in the ring. */
static int
consumer_find_after(const struct stream_consumer *c, uint64_t after,
    uint64_t head, uint64_t *ret_seq, uint32_t *ret_slot)
{
	uint64_t	st, best = UINT64_MAX;
	uint32_t	s, bs = 0;

	for (s = 0; s < c->geo.nslots; s++) {
		st = atomic_load_explicit(&c->slots[s].state,
		    memory_order_acquire);
		if (st > after && st <= head && st < best) {
			best = st;
			bs = s;
		}
	}
	if (best == UINT64_MAX)
		return -EAGAIN;
	*ret_seq = best;
	*ret_slot = bs;
	return 0;
}

/* Frame want, or the oldest one after it if the ring lost it (only a
 * producer that broke the rules, or a stream not run lossless, can). */
static int
consumer_take_seq(struct stream_consumer *c, uint64_t want,
    struct stream_frame *ret)
{
	uint64_t	head, seq;
	uint32_t	s;
	int		r, tries;

	s = __atomic_load_n(&c->index[want % c->geo.nslots], __ATOMIC_ACQUIRE);
	if ((r = consumer_take(c, want, s, ret)) != -ESTALE)
		return r;
	for (tries = 0; tries < CONSUMER_TAKE_TRIES; tries++) {
		head = atomic_load_explicit(&c->control->head,
		    memory_order_acquire);
		if (consumer_find_after(c, want - 1, head, &seq, &s) < 0)
			return -EAGAIN;
		if ((r = consumer_take(c, seq, s, ret)) != -ESTALE)
			return r;
	}
	return -EAGAIN;
}

struct head_wait {
	const struct stream_control	*control;
	uint64_t			 need;
	const void			*guess_state;	/* NULL: no guess */
	const void			*guess_data;
};

static bool
head_ready(const void *arg)
{
	const struct head_wait *hw = arg;

	if (hw->guess_state != NULL) {
		__builtin_prefetch(hw->guess_state);
		__builtin_prefetch(hw->guess_data);
	}
	return atomic_load_explicit(&hw->control->head,
	    memory_order_seq_cst) >= hw->need;
}

/*
 * The slot frame need will most likely go to, from the producer's rule:
 * the oldest frame's (need - nslots, whose slot the index still has), or
 * for slots of STREAM_REUSE_BYTES the newest one before the head's. Its
 * record's first line and the frame's first line are fetched again while
 * waiting, so once the producer has written them they come in before the
 * head does, not after it: the take then misses on nothing. A wrong guess
 * costs two prefetches.
 */
static void
consumer_guess(const struct stream_consumer *c, struct head_wait *hw)
{
	uint64_t	seq = hw->need;
	uint32_t	s;

	if (c->geo.capacity >= STREAM_REUSE_BYTES)
		seq -= 2;
	s = __atomic_load_n(&c->index[seq % c->geo.nslots], __ATOMIC_RELAXED);
	if (s >= c->geo.nslots)
		return;
	hw->guess_state = (const void *)&c->slots[s].state;
	hw->guess_data = c->data + (size_t)s * c->geo.capacity;
}

/* Wait until the head is at least need (>= first_seq). */
static int
consumer_wait(struct stream_consumer *c, uint64_t need,
    const struct stream_wait *w)
{
	struct head_wait	hw = { c->control, need, NULL, NULL };

	if (need < c->first_seq)
		hw.need = c->first_seq;
	if (w != NULL && w->spin_ns > 0)
		consumer_guess(c, &hw);
	return stream_wait_until(head_ready, &hw, &c->control->futex, w,
	    &c->lease->waiting, 0);
}

int
stream_consumer_next(struct stream_consumer *c, uint64_t after_seq,
    const struct stream_wait *w, struct stream_frame *ret)
{
	struct stream_frame	f;
	uint64_t		want;
	int			r;

	if (c->policy == STREAM_POLICY_LOSSLESS && after_seq < c->last_seq)
		after_seq = c->last_seq;
	if (after_seq >= STREAM_SEQ_MAX)
		return -EINVAL;
	want = after_seq + 1;
	if ((atomic_load(&c->holds_used) | ~((1u << c->geo.max_holds) - 1)) ==
	    UINT32_MAX)
		return -ENOBUFS;
	if ((r = consumer_wait(c, want, w)) < 0)
		return r;
	if (c->policy == STREAM_POLICY_LOSSLESS)
		r = consumer_take_seq(c, want < c->first_seq ? c->first_seq :
		    want, &f);
	else
		r = consumer_take_head(c, &f);
	if (r < 0)
		return r;
	consumer_account(c, &f);
	*ret = f;
	return 0;
}

int
stream_consumer_latest(struct stream_consumer *c, struct stream_frame *ret)
{
	struct stream_frame	f;
	int			r;

	if ((r = consumer_take_head(c, &f)) < 0)
		return r;
	consumer_account(c, &f);
	*ret = f;
	return 0;
}

int
stream_consumer_wait_head(struct stream_consumer *c, uint64_t after_seq,
    const struct stream_wait *w, uint64_t *ret_head)
{
	int	r;

	if (after_seq >= STREAM_SEQ_MAX)
		return -EINVAL;
	if ((r = consumer_wait(c, after_seq + 1, w)) < 0)
		return r;
	*ret_head = atomic_load_explicit(&c->control->head,
	    memory_order_acquire);
	return 0;
}

uint64_t
stream_consumer_head(const struct stream_consumer *c)
{
	return atomic_load_explicit(&c->control->head, memory_order_acquire);
}
