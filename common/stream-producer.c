/* SPDX-License-Identifier: MIT */
/* A stream's producer: choosing a free slot, loaning it, publishing the frame. */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "stream-internal.h"

/* The longest a loan sleeps on one consumer's wake word before it looks
 * at all of them again (the slot it waits for may come from another). */
#define PRODUCER_SLEEP_CAP_NS	1000000

int
stream_producer_attach(struct stream_producer *p,
    const struct stream_geometry *g, struct stream_control *control,
    void *data, const struct stream_lease *const *leases)
{
	uint32_t	i;
	int		r;

	if ((r = stream_control_check(control, stream_control_size(g), g)) < 0)
		return r;
	/* Loans hand the default layout out unchecked. */
	if (stream_frame_desc_check(&control->layout, g->capacity, NULL) < 0)
		return -EPROTO;
	memset(p, 0, offsetof(struct stream_producer, busy));
	p->geo = *g;
	p->first_seq = control->first_seq;
	p->control = control;
	p->data = data;
	for (i = 0; i < g->max_consumers; i++)
		p->leases[i] = leases != NULL ? leases[i] : NULL;
	p->index = stream_control_index(control);
	p->slots = stream_control_slots(control, g->nslots);
	p->loan_slot = UINT32_MAX;
	p->next_slot = UINT32_MAX;
	p->vcache_ok = false;
	stream_clock_init(&p->clock, true);
	stream_control_reclaim(control, g);
	atomic_fetch_add(&control->producer_epoch, 1);
	return 0;
}

/* Give the slot claimed for the next loan back as it was. */
static void
producer_unclaim(struct stream_producer *p)
{
	if (p->next_slot == UINT32_MAX)
		return;
	atomic_store_explicit(&p->slots[p->next_slot].state, p->next_prev,
	    memory_order_release);
	p->next_slot = UINT32_MAX;
}

void
stream_producer_detach(struct stream_producer *p)
{
	stream_producer_cancel(p);
	producer_unclaim(p);
}

/* Bit s of a slot bitmap (busy, desc_ok). */
static inline void
slot_bit_set(uint64_t *bits, uint32_t s)
{
	bits[s / 64] |= 1ULL << (s % 64);
}

static inline bool
slot_bit_test(const uint64_t *bits, uint32_t s)
{
	return bits[s / 64] & (1ULL << (s % 64));
}

/*
 * Mark every slot some active lease holds (words out of range are
 * ignored: a hostile consumer pins at most max_holds slots) and return
 * the lowest lossless cursor (UINT64_MAX: none), clamped to head.
 */
static uint64_t
producer_scan(struct stream_producer *p, uint64_t head)
{
	const struct stream_lease *l;
	uint64_t	min_cursor = UINT64_MAX, cur;
	uint32_t	i, h, v, pol, n, most = 0, nslots = p->geo.nslots;

	if (nslots <= 64)
		p->busy[0] = 0;		/* the usual ring: no call to memset */
	else
		memset(p->busy, 0, (nslots + 63) / 64 * 8);
	for (i = 0; i < p->geo.max_consumers; i++) {
		pol = atomic_load_explicit(&p->control->active[i],
		    memory_order_relaxed);
		if (pol == STREAM_POLICY_NONE || (l = p->leases[i]) == NULL)
			continue;
		for (h = n = 0; h < p->geo.max_holds; h++) {
			v = atomic_load_explicit(&l->hold[h],
			    memory_order_relaxed);
			if (v != 0 && v <= nslots) {
				slot_bit_set(p->busy, v - 1);
				n++;
			}
		}
		if (n > most && min_cursor == UINT64_MAX) {
			most = n;
			p->blocker = i;
		}
		if (pol != STREAM_POLICY_LOSSLESS)
			continue;
		cur = atomic_load_explicit(&l->cursor, memory_order_relaxed);
		if (cur > head)
			cur = head;
		if (cur < min_cursor) {
			min_cursor = cur;
			p->blocker = i;
		}
	}
	return min_cursor;
}

/*
 * A slot free to write (never the head frame's), or UINT32_MAX. Small
 * slots: the oldest frame's, which leaves a late consumer the most time
 * to take a newer one. Slots of STREAM_REUSE_BYTES or more: the newest
 * free frame's (an empty slot only when there is none), so the producer
 * keeps writing the same few slots, still in its cache, instead of
 * walking the whole ring through memory; writing such a frame takes
 * microseconds, time enough for any consumer to take the head.
 */
static uint32_t
producer_choose(struct stream_producer *p, uint64_t head, uint64_t min_cursor)
{
	uint64_t	st, best_st = 0;
	uint32_t	s, best = UINT32_MAX;
	bool		newest = p->geo.capacity >= STREAM_REUSE_BYTES;

	for (s = 0; s < p->geo.nslots; s++) {
		if (slot_bit_test(p->busy, s))
			continue;
		st = atomic_load_explicit(&p->slots[s].state,
		    memory_order_relaxed);
		if (st == STREAM_SLOT_WRITING)
			st = STREAM_SLOT_EMPTY;
		if (st != STREAM_SLOT_EMPTY && (st == head || st > min_cursor))
			continue;
		if (best == UINT32_MAX || (newest ? st > best_st :
		    st < best_st)) {
			best = s;
			best_st = st;
			if (st == STREAM_SLOT_EMPTY && !newest)
				break;
		}
	}
	return best;
}

/* Is slot s named by an active lease? (after the slot went WRITING) */
static bool
producer_slot_held(const struct stream_producer *p, uint32_t s)
{
	const struct stream_lease *l;
	uint32_t	i, h;

	for (i = 0; i < p->geo.max_consumers; i++) {
		if (atomic_load_explicit(&p->control->active[i],
		    memory_order_relaxed) == STREAM_POLICY_NONE ||
		    (l = p->leases[i]) == NULL)
			continue;
		for (h = 0; h < p->geo.max_holds; h++)
			if (atomic_load_explicit(&l->hold[h],
			    memory_order_relaxed) == s + 1) {
				((struct stream_producer *)p)->blocker = i;
				return true;
			}
	}
	return false;
}

/*
 * Take a free slot for writing: WRITING, full fence, then the holds once
 * more. A consumer that stored its hold before our fence is seen here; one
 * that stores it after sees WRITING on its own re-check and backs off.
 */
static int
producer_try_loan(struct stream_producer *p, uint64_t head,
    uint32_t *ret_slot)
{
	uint64_t	min_cursor, prev;
	uint32_t	s;

	min_cursor = producer_scan(p, head);
	while ((s = producer_choose(p, head, min_cursor)) != UINT32_MAX) {
		prev = atomic_load_explicit(&p->slots[s].state,
		    memory_order_relaxed);
		atomic_store_explicit(&p->slots[s].state, STREAM_SLOT_WRITING,
		    memory_order_relaxed);
		atomic_thread_fence(memory_order_seq_cst);
		if (!producer_slot_held(p, s)) {
			p->loan_prev = prev;
			*ret_slot = s;
			return 0;
		}
		atomic_store_explicit(&p->slots[s].state, prev,
		    memory_order_release);
		slot_bit_set(p->busy, s);
	}
	return -EBUSY;
}

struct loan_wait {
	struct stream_producer	*p;
	uint64_t		 head;
	uint32_t		 slot;
};

static bool
loan_ready(const void *arg)
{
	struct loan_wait	*lw = (struct loan_wait *)arg;

	return producer_try_loan(lw->p, lw->head, &lw->slot) == 0;
}

/* Sleep on the wake word of the consumer last seen in the way. */
static int
producer_wait_loan(struct stream_producer *p, uint64_t head,
    const struct stream_wait *w, uint32_t *ret_slot)
{
	struct loan_wait	 lw = { p, head, UINT32_MAX };
	const struct stream_lease *l = p->leases[p->blocker];
	int			 r;

	r = stream_wait_until(loan_ready, &lw,
	    l != NULL ? &l->wake : &p->control->futex, w,
	    &p->control->producer_waiting, PRODUCER_SLEEP_CAP_NS);
	if (r == 0)
		*ret_slot = lw.slot;
	return r == -EAGAIN ? -EBUSY : r;
}

int
stream_producer_loan(struct stream_producer *p, const struct stream_wait *w,
    struct stream_frame *ret)
{
	uint64_t	head;
	uint32_t	s;
	int		r;

	if (p->loan_slot != UINT32_MAX)
		return -EALREADY;
	head = atomic_load_explicit(&p->control->head, memory_order_relaxed);
	if (head >= STREAM_SEQ_MAX)
		return -EOVERFLOW;
	if (p->next_slot != UINT32_MAX) {
		/* Claimed, fenced and checked by the last publish. */
		s = p->next_slot;
		p->loan_prev = p->next_prev;
		p->next_slot = UINT32_MAX;
	} else if ((r = producer_try_loan(p, head, &s)) < 0) {
		if (w == NULL || w->timeout_ns == 0)
			return r;
		if ((r = producer_wait_loan(p, head, w, &s)) < 0)
			return r;
	}
	p->loan_slot = s;
	ret->seq = head + 1;
	ret->timestamp_ns = 0;
	ret->slot = s;
	ret->hold = 0;
	ret->dropped = 0;
	ret->data = p->data + (size_t)s * p->geo.capacity;
	ret->capacity = p->geo.capacity;
	ret->desc = p->control->layout;
	ret->desc.seq = ret->seq;
	return 0;
}

/* The descriptor's check, skipped when its layout is the last one that
 * passed (a stream's frames mostly share one layout). A new layout makes
 * every slot's record out of date. */
static int
producer_check_desc(struct stream_producer *p,
    const struct stream_frame_desc *d)
{
	uint32_t	i;

	if (p->vcache_ok && stream_layout_equal(d, &p->vcache))
		return 0;
	if (stream_frame_desc_check(d, p->geo.capacity, NULL) < 0)
		return -EINVAL;
	p->vcache = *d;
	p->vcache_ok = true;
	for (i = 0; i < (p->geo.nslots + 63) / 64; i++)
		p->desc_ok[i] = 0;
	return 0;
}

/* Mark the slot the next loan would take WRITING (head: the frame just
 * published); the caller's fence follows. */
static void
producer_claim_next(struct stream_producer *p, uint64_t head)
{
	uint32_t	s;

	s = producer_choose(p, head, producer_scan(p, head));
	if (s == UINT32_MAX)
		return;
	p->next_prev = atomic_load_explicit(&p->slots[s].state,
	    memory_order_relaxed);
	atomic_store_explicit(&p->slots[s].state, STREAM_SLOT_WRITING,
	    memory_order_relaxed);
	p->next_slot = s;
}

/* After the fence: a consumer that held the claimed slot before it is
 * seen here (one holding it after sees WRITING and backs off). */
static void
producer_check_next(struct stream_producer *p)
{
	if (p->next_slot != UINT32_MAX && producer_slot_held(p, p->next_slot))
		producer_unclaim(p);
}

/* Any consumer asleep or poll-armed? (after the head's store and a fence) */
static bool
producer_anyone_waiting(const struct stream_producer *p)
{
	uint32_t	i;

	for (i = 0; i < p->geo.max_consumers; i++)
		if (p->leases[i] != NULL && atomic_load_explicit(
		    &p->leases[i]->waiting, memory_order_relaxed) != 0 &&
		    atomic_load_explicit(&p->control->active[i],
		    memory_order_relaxed) != STREAM_POLICY_NONE)
			return true;
	return false;
}

int
stream_producer_publish(struct stream_producer *p, struct stream_frame *f)
{
	struct stream_control	*c = p->control;
	const size_t		 skip = offsetof(struct stream_frame_desc, offset);
	struct stream_slot	*slot;
	uint32_t		 s = p->loan_slot;
	uint64_t		 seq;

	if (s == UINT32_MAX || f->slot != s)
		return -EINVAL;
	seq = atomic_load_explicit(&c->head, memory_order_relaxed) + 1;
	if (f->seq != seq || producer_check_desc(p, &f->desc) < 0)
		return -EINVAL;
	slot = &p->slots[s];
	/* Rewrite the layout only when the slot's is not the checked one
	 * already: unchanged lines stay valid in the consumers' caches, and
	 * the producer never reads them back. */
	if (!slot_bit_test(p->desc_ok, s)) {
		memcpy((char *)&slot->desc + skip, (const char *)&f->desc + skip,
		    sizeof(slot->desc) - skip);
		slot_bit_set(p->desc_ok, s);
	}
	slot->desc.seq = seq;
	slot->desc.timestamp_ns = f->timestamp_ns ? f->timestamp_ns :
	    (uint64_t)stream_clock_now(&p->clock);
	__atomic_store_n(&p->index[seq % p->geo.nslots], s, __ATOMIC_RELAXED);
	atomic_store_explicit(&c->head_slot, s, memory_order_relaxed);
	atomic_store_explicit(&slot->state, seq, memory_order_release);
	atomic_store_explicit(&c->head, seq, memory_order_release);
	atomic_store_explicit(&c->futex, (uint32_t)seq, memory_order_release);
	p->loan_slot = UINT32_MAX;
	producer_claim_next(p, seq);
	atomic_thread_fence(memory_order_seq_cst);
	producer_check_next(p);
	if (producer_anyone_waiting(p))
		stream_futex_wake(&c->futex, INT_MAX);
	return 0;
}

void
stream_producer_cancel(struct stream_producer *p)
{
	if (p->loan_slot == UINT32_MAX)
		return;
	atomic_store_explicit(&p->slots[p->loan_slot].state,
	    STREAM_SLOT_EMPTY, memory_order_release);
	p->loan_slot = UINT32_MAX;
}
