/* SPDX-License-Identifier: MIT */
/* Unit tests of the stream ring (common/stream-*.c) over raw memfds, no daemon. */
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "stream-internal.h"
#include "stream-test.h"

#define CAP	256

static const struct stream_wait nowait = { 0, 0 };

/* Publish a frame of CAP pattern bytes: its sequence (small ones here),
 * or -errno. */
static int64_t
publish(struct stream_producer *p)
{
	uint64_t	seq;
	int		r;

	if ((r = stream_test_publish(p, CAP, &seq)) < 0)
		return r;
	return (int64_t)seq;
}

static struct stream_slot *
slots_of(struct stream_test *t)
{
	return stream_control_slots(t->control, t->geo.nslots);
}

static void
test_geometry(void **state)
{
	struct stream_geometry	g;

	(void)state;
	assert_int_equal(stream_geometry_init(&g, 4, 100, 0, 0), 0);
	assert_int_equal(g.capacity, 128);
	assert_int_equal(g.max_consumers, STREAM_DEFAULT_CONSUMERS);
	assert_int_equal(g.max_holds, STREAM_DEFAULT_HOLDS);
	assert_int_equal(stream_geometry_init(&g, 1, 64, 0, 0), -EINVAL);
	assert_int_equal(stream_geometry_init(&g, STREAM_MAX_SLOTS + 1, 64, 0,
	    0), -EINVAL);
	assert_int_equal(stream_geometry_init(&g, 2, 0, 0, 0), -EINVAL);
	assert_int_equal(stream_geometry_init(&g, 2, 64, 65, 0), -EINVAL);
	assert_int_equal(stream_geometry_init(&g, 2, 64, 0, 17), -EINVAL);
	assert_int_equal(stream_geometry_init(&g, 2, UINT64_MAX, 0, 0),
	    -EOVERFLOW);
	assert_int_equal(stream_geometry_init(&g, 4096, UINT64_MAX / 1024, 0,
	    0), -EOVERFLOW);
	g.capacity = 100;
	assert_int_equal(stream_geometry_check(&g), -EINVAL);
}

static void
test_control_init(void **state)
{
	struct stream_test		t;
	struct stream_geometry		g;
	struct stream_frame_desc	bad;

	(void)state;
	assert_int_equal(stream_test_create(&t, 4, CAP, 2, 2, 1), 0);
	assert_int_equal(stream_control_check(t.control, t.control_size,
	    &t.geo), 0);
	assert_int_equal(stream_control_check(t.control, t.control_size - 1,
	    &t.geo), -EPROTO);
	g = t.geo;
	g.nslots = 5;
	assert_int_equal(stream_control_check(t.control, 1 << 20, &g),
	    -EPROTO);
	assert_int_equal(atomic_load(&t.control->head), 0);
	/* The layout must fit a slot, first_seq must be >= 1. */
	bad = t.control->layout;
	assert_int_equal(stream_control_init(t.control, &t.geo, &bad, 0),
	    -EINVAL);
	bad.shape[0] = CAP + 1;
	assert_int_equal(stream_control_init(t.control, &t.geo, &bad, 1),
	    -EINVAL);
	bad.shape[0] = CAP;
	bad.offset = 1;
	assert_int_equal(stream_control_init(t.control, &t.geo, &bad, 1),
	    -EINVAL);
	bad.offset = 0;
	bad.ndim = STREAM_MAX_NDIM + 1;
	assert_int_equal(stream_control_init(t.control, &t.geo, &bad, 1),
	    -EINVAL);
	stream_test_destroy(&t);
}

static void
test_publish_take(void **state)
{
	struct stream_test	t;
	struct stream_producer	p;
	struct stream_consumer	c;
	struct stream_frame	f, g;
	struct view_desc	v;

	(void)state;
	assert_int_equal(stream_test_create(&t, 4, CAP, 2, 2, 1), 0);
	assert_int_equal(stream_test_producer(&t, &p), 0);
	assert_int_equal(stream_test_consumer(&t, &c, 1, STREAM_POLICY_LATEST),
	    0);
	assert_int_equal(stream_consumer_next(&c, 0, &nowait, &g), -EAGAIN);
	assert_int_equal(stream_consumer_latest(&c, &g), -EAGAIN);
	assert_int_equal(stream_producer_loan(&p, NULL, &f), 0);
	assert_int_equal(f.seq, 1);
	assert_int_equal(stream_producer_loan(&p, NULL, &g), -EALREADY);
	assert_int_equal(f.desc.shape[0], CAP);
	/* A frame being written is never readable. */
	assert_int_equal(stream_consumer_next(&c, 0, &nowait, &g), -EAGAIN);
	stream_test_fill(f.data, CAP, f.seq);
	/* A 2-D layout of its own for this frame. */
	f.desc.ndim = 2;
	f.desc.shape[0] = 4;
	f.desc.shape[1] = 16;
	f.desc.strides[0] = 16;
	f.desc.strides[1] = 1;
	f.desc.offset = 64;
	f.timestamp_ns = 12345;
	assert_int_equal(stream_producer_publish(&p, &f), 0);
	assert_int_equal(stream_consumer_head(&c), 1);
	assert_int_equal(stream_consumer_next(&c, 0, &nowait, &g), 0);
	assert_int_equal(g.seq, 1);
	assert_int_equal(g.dropped, 0);
	assert_int_equal(g.timestamp_ns, 12345);
	assert_int_equal(g.desc.ndim, 2);
	assert_int_equal(g.desc.shape[1], 16);
	assert_int_equal(stream_test_check(g.data, CAP, 1), 0);
	stream_frame_view(&g, &t.geo, 7, true, &v);
	assert_int_equal(v.offset, (int64_t)(g.slot * CAP + 64));
	assert_int_equal(v.segment_id, 7);
	assert_int_equal(view_check_bounds(&v, t.data_size, NULL), 0);
	assert_int_equal(atomic_load(&t.leases[1]->hold[g.hold]), g.slot + 1);
	stream_consumer_release(&c, &g);
	assert_int_equal(atomic_load(&t.leases[1]->hold[g.hold]), 0);
	/* Releasing twice is harmless. */
	stream_consumer_release(&c, &g);
	/* Nothing newer: -EAGAIN, a timeout runs out. */
	assert_int_equal(stream_consumer_next(&c, 1, &nowait, &g), -EAGAIN);
	assert_int_equal(stream_consumer_next(&c, 1,
	    &(struct stream_wait){ 2000000, 1000 }, &g), -ETIMEDOUT);
	/* Publish checks the descriptor against the slot; cancel empties it. */
	assert_int_equal(stream_producer_loan(&p, NULL, &f), 0);
	f.desc.offset = CAP;
	assert_int_equal(stream_producer_publish(&p, &f), -EINVAL);
	f.desc.offset = 0;
	f.desc.format[0] = '\0';
	assert_int_equal(stream_producer_publish(&p, &f), -EINVAL);
	stream_producer_cancel(&p);
	assert_int_equal(atomic_load(&slots_of(&t)[f.slot].state), 0);
	assert_int_equal(publish(&p), 2);
	stream_consumer_detach(&c);
	stream_producer_detach(&p);
	stream_test_destroy(&t);
}

/* Give frame f layout k: 0 the default (CAP bytes of 'B'), 1 a 2-D one
 * at offset 64, 2 32-bit words, 3 the default with junk past ndim. */
static void
layout_set(struct stream_frame *f, int k)
{
	f->desc.offset = 0;
	f->desc.itemsize = 1;
	f->desc.ndim = 1;
	strcpy(f->desc.format, "B");
	f->desc.shape[0] = CAP;
	f->desc.strides[0] = 1;
	if (k == 1) {
		f->desc.ndim = 2;
		f->desc.shape[0] = 4;
		f->desc.shape[1] = 16;
		f->desc.strides[0] = 16;
		f->desc.strides[1] = 1;
		f->desc.offset = 64;
	} else if (k == 2) {
		strcpy(f->desc.format, "<I");
		f->desc.itemsize = 4;
		f->desc.shape[0] = CAP / 4;
		f->desc.strides[0] = 4;
	} else if (k == 3) {
		/* Layout 0 with junk past ndim: the same layout. */
		f->desc.shape[1] = 12345;
		f->desc.strides[1] = -7;
		f->desc.shape[STREAM_MAX_NDIM - 1] = 99;
	}
}

static void
layout_expect(const struct stream_frame *g, int k)
{
	struct stream_frame	want;

	want.desc = g->desc;
	layout_set(&want, k);
	assert_true(stream_layout_equal(&g->desc, &want.desc));
}

/* Frames change layout in every pattern (runs of one, alternation, a
 * layout back after another): each slot's record is rewritten whenever
 * its layout is not the frame's, and every frame reads with its own. */
static void
test_layout_changes(void **state)
{
	static const int	pattern[] = { 0, 0, 0, 0, 0, 1, 0, 1, 1, 2, 0,
				    2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 0, 0, 0, 0,
				    3, 0, 3, 3, 1, 3, 2, 3 };
	struct stream_test	t;
	struct stream_producer	p;
	struct stream_consumer	c;
	struct stream_frame	f, g;
	size_t			i, n = sizeof(pattern) / sizeof(pattern[0]);
	int			round;

	(void)state;
	assert_int_equal(stream_test_create(&t, 3, CAP, 1, 2, 1), 0);
	assert_int_equal(stream_test_producer(&t, &p), 0);
	assert_int_equal(stream_test_consumer(&t, &c, 0, STREAM_POLICY_LATEST),
	    0);
	for (round = 0; round < 3; round++) {
		for (i = 0; i < n; i++) {
			assert_int_equal(stream_producer_loan(&p, NULL, &f), 0);
			layout_set(&f, pattern[(i + (size_t)round) % n]);
			stream_test_fill(f.data, CAP, f.seq);
			assert_int_equal(stream_producer_publish(&p, &f), 0);
			assert_int_equal(stream_consumer_latest(&c, &g), 0);
			assert_int_equal(g.seq, f.seq);
			layout_expect(&g, pattern[(i + (size_t)round) % n]);
			stream_consumer_release(&c, &g);
		}
		/* A producer taking over starts with no record it trusts. */
		stream_producer_detach(&p);
		assert_int_equal(stream_test_producer(&t, &p), 0);
	}
	stream_consumer_detach(&c);
	stream_producer_detach(&p);
	stream_test_destroy(&t);
}

/* Oldest free slot first, never the head frame's, never a held one. */
static void
test_slot_choice(void **state)
{
	struct stream_test	t;
	struct stream_producer	p;
	struct stream_consumer	c;
	struct stream_frame	f, held[2];
	uint64_t		seq;
	uint32_t		i;

	(void)state;
	assert_int_equal(stream_test_create(&t, 4, CAP, 1, 2, 1), 0);
	assert_int_equal(stream_test_producer(&t, &p), 0);
	assert_int_equal(stream_test_consumer(&t, &c, 0, STREAM_POLICY_LATEST),
	    0);
	for (i = 0; i < 4; i++)
		assert_int_equal(publish(&p), i + 1);
	/* All four slots used once: the next goes to seq 1's slot. */
	assert_int_equal(stream_producer_loan(&p, NULL, &f), 0);
	assert_int_equal(f.slot, stream_control_index(t.control)[1 % 4]);
	stream_producer_cancel(&p);
	/* Hold the head (4) and then 5: with 4 slots and 2 holds, two of the
	 * others stay free, and neither held slot is ever chosen. */
	assert_int_equal(stream_consumer_latest(&c, &held[0]), 0);
	assert_int_equal(held[0].seq, 4);
	assert_int_equal(publish(&p), 5);
	assert_int_equal(stream_consumer_latest(&c, &held[1]), 0);
	assert_int_equal(held[1].seq, 5);
	assert_int_equal(held[1].dropped, 0);
	for (seq = 6; seq < 200; seq++) {
		assert_int_equal(stream_producer_loan(&p, NULL, &f), 0);
		assert_int_not_equal(f.slot, held[0].slot);
		assert_int_not_equal(f.slot, held[1].slot);
		assert_int_not_equal(f.slot,
		    atomic_load(&t.control->head_slot));
		stream_test_fill(f.data, CAP, f.seq);
		assert_int_equal(stream_producer_publish(&p, &f), 0);
	}
	assert_int_equal(stream_test_check(held[0].data, CAP, 4), 0);
	assert_int_equal(stream_test_check(held[1].data, CAP, 5), 0);
	/* Holding max_holds: -ENOBUFS until one is released. */
	assert_int_equal(stream_consumer_next(&c, 5, &nowait, &f), -ENOBUFS);
	stream_consumer_release(&c, &held[0]);
	assert_int_equal(stream_consumer_next(&c, 5, &nowait, &f), 0);
	assert_int_equal(f.seq, 199);
	assert_int_equal(f.dropped, 199 - 5 - 1);
	assert_int_equal(atomic_load(&t.leases[0]->seen) +
	    atomic_load(&t.leases[0]->dropped), 199);
	stream_consumer_detach(&c);
	stream_test_destroy(&t);
}

struct releaser {
	struct stream_consumer	*c;
	struct stream_frame	 f;
	struct stream_lease	*lease;
	const struct stream_control *control;
};

/* Release f once the producer is seen asleep (waiting for a slot). */
static void *
releaser_main(void *arg)
{
	struct releaser	*r = arg;

	while (atomic_load(&r->control->producer_waiting) == 0)
		usleep(100);
	stream_consumer_release(r->c, &r->f);
	return NULL;
}

/* A misconfigured stream (N < holds + 2): loan fails at once, or waits
 * and is woken by a release. */
static void
test_loan_busy(void **state)
{
	struct stream_test	t;
	struct stream_producer	p;
	struct stream_consumer	c[2];
	struct stream_frame	f, h[2];
	struct releaser		r;
	pthread_t		th;

	(void)state;
	assert_int_equal(stream_test_create(&t, 2, CAP, 2, 1, 1), 0);
	assert_int_equal(stream_test_producer(&t, &p), 0);
	assert_int_equal(stream_test_consumer(&t, &c[0], 0,
	    STREAM_POLICY_LATEST), 0);
	assert_int_equal(stream_test_consumer(&t, &c[1], 1,
	    STREAM_POLICY_LATEST), 0);
	assert_int_equal(publish(&p), 1);
	assert_int_equal(stream_consumer_latest(&c[0], &h[0]), 0);
	assert_int_equal(publish(&p), 2);
	assert_int_equal(stream_consumer_latest(&c[1], &h[1]), 0);
	assert_int_equal(stream_producer_loan(&p, NULL, &f), -EBUSY);
	assert_int_equal(stream_producer_loan(&p, &nowait, &f), -EBUSY);
	assert_int_equal(stream_producer_loan(&p,
	    &(struct stream_wait){ 3000000, 0 }, &f), -ETIMEDOUT);
	assert_int_equal(atomic_load(&t.control->producer_waiting), 0);
	/* Frame 1's holder lets go while the producer sleeps. */
	r.c = &c[0];
	r.f = h[0];
	r.control = t.control;
	assert_int_equal(pthread_create(&th, NULL, releaser_main, &r), 0);
	assert_int_equal(stream_producer_loan(&p,
	    &(struct stream_wait){ -1, 0 }, &f), 0);
	pthread_join(th, NULL);
	assert_int_equal(f.slot, h[0].slot);
	assert_int_equal(f.seq, 3);
	stream_producer_cancel(&p);
	stream_consumer_detach(&c[0]);
	stream_consumer_detach(&c[1]);
	stream_test_destroy(&t);
}

/* Lossless: every frame in order, the producer held back a ring behind;
 * a latest consumer beside it is unaffected. */
static void
test_lossless(void **state)
{
	struct stream_test	t;
	struct stream_producer	p;
	struct stream_consumer	ll, la;
	struct stream_frame	f;
	uint64_t		seq, next = 1;
	int			published = 0;

	(void)state;
	assert_int_equal(stream_test_create(&t, 5, CAP, 2, 2, 1), 0);
	assert_int_equal(stream_test_producer(&t, &p), 0);
	assert_int_equal(stream_test_consumer(&t, &ll, 0,
	    STREAM_POLICY_LOSSLESS), 0);
	assert_int_equal(stream_test_consumer(&t, &la, 1,
	    STREAM_POLICY_LATEST), 0);
	/* The ring fills: 5 slots, the consumer has read nothing. */
	for (seq = 1; seq <= 5; seq++)
		assert_int_equal(publish(&p), seq);
	assert_int_equal(stream_producer_loan(&p, NULL, &f), -EBUSY);
	/* The latest consumer still gets the newest frame. */
	assert_int_equal(stream_consumer_latest(&la, &f), 0);
	assert_int_equal(f.seq, 5);
	stream_consumer_release(&la, &f);
	/* Read two: two slots come free. */
	for (; next <= 2; next++) {
		assert_int_equal(stream_consumer_next(&ll, 0, &nowait, &f), 0);
		assert_int_equal(f.seq, next);
		assert_int_equal(f.dropped, 0);
		assert_int_equal(stream_test_check(f.data, CAP, next), 0);
		stream_consumer_release(&ll, &f);
	}
	assert_int_equal(publish(&p), 6);
	assert_int_equal(publish(&p), 7);
	assert_int_equal(stream_producer_loan(&p, NULL, &f), -EBUSY);
	/* Interleave for a while: never a gap. */
	for (seq = 8; seq < 300; seq++) {
		while (stream_test_publish(&p, CAP, NULL) == -EBUSY) {
			assert_int_equal(stream_consumer_next(&ll, 0, &nowait,
			    &f), 0);
			assert_int_equal(f.seq, next);
			assert_int_equal(f.dropped, 0);
			assert_int_equal(stream_test_check(f.data, CAP, next),
			    0);
			stream_consumer_release(&ll, &f);
			next++;
		}
		published++;
	}
	while (stream_consumer_next(&ll, 0, &nowait, &f) == 0) {
		assert_int_equal(f.seq, next);
		stream_consumer_release(&ll, &f);
		next++;
	}
	assert_int_equal(next, 300);
	assert_int_equal(atomic_load(&t.leases[0]->dropped), 0);
	assert_int_equal(atomic_load(&t.leases[0]->seen), 299);
	/* A lossless consumer's after_seq below its position is ignored. */
	assert_int_equal(stream_consumer_next(&ll, 3, &nowait, &f), -EAGAIN);
	(void)published;
	stream_test_destroy(&t);
}

/* Sequences near the 64-bit end: order, index arithmetic (seq % 5
 * crossing 2^64 - k), and the refusal past STREAM_SEQ_MAX. */
static void
test_large_sequences(void **state)
{
	struct stream_test	t;
	struct stream_producer	p;
	struct stream_consumer	ll, la;
	struct stream_frame	f;
	uint64_t		first = STREAM_SEQ_MAX - 40, last = 0, n = 0, seq;
	int			r;

	(void)state;
	assert_int_equal(stream_test_create(&t, 5, CAP, 2, 2, first), 0);
	assert_int_equal(stream_test_producer(&t, &p), 0);
	assert_int_equal(stream_test_consumer(&t, &ll, 0,
	    STREAM_POLICY_LOSSLESS), 0);
	assert_int_equal(stream_test_consumer(&t, &la, 1,
	    STREAM_POLICY_LATEST), 0);
	assert_int_equal(stream_consumer_next(&la, 0, &nowait, &f), -EAGAIN);
	for (;;) {
		r = stream_test_publish(&p, CAP, &seq);
		if (r == -EOVERFLOW)
			break;
		if (r == -EBUSY) {
			assert_int_equal(stream_consumer_next(&ll, 0, &nowait,
			    &f), 0);
			assert_true(f.seq == (last ? last + 1 : first));
			assert_int_equal(stream_test_check(f.data, CAP, f.seq),
			    0);
			last = f.seq;
			stream_consumer_release(&ll, &f);
			continue;
		}
		assert_int_equal(r, 0);
		assert_true(seq == first + n);
		n++;
		if (n % 3 == 0) {
			assert_int_equal(stream_consumer_latest(&la, &f), 0);
			assert_true(f.seq == seq);
			stream_consumer_release(&la, &f);
		}
	}
	assert_true(stream_consumer_head(&ll) == STREAM_SEQ_MAX);
	assert_int_equal(n, 41);
	while (stream_consumer_next(&ll, 0, &nowait, &f) == 0) {
		assert_true(f.seq == last + 1);
		last = f.seq;
		stream_consumer_release(&ll, &f);
	}
	assert_true(last == STREAM_SEQ_MAX);
	assert_int_equal(atomic_load(&t.leases[0]->dropped), 0);
	assert_int_equal(stream_consumer_next(&ll, STREAM_SEQ_MAX, &nowait,
	    &f), -EINVAL);
	stream_test_destroy(&t);
}

/* A consumer that writes garbage into its lease pins at most max_holds
 * slots and stalls nobody; the others go on. */
static void
test_hostile_lease(void **state)
{
	struct stream_test	t;
	struct stream_producer	p;
	struct stream_consumer	good, ll;
	struct stream_lease	*evil;
	struct stream_frame	f, h;
	uint64_t		seq;
	uint32_t		i;

	(void)state;
	assert_int_equal(stream_test_create(&t, 4, CAP, 3, 2, 1), 0);
	assert_int_equal(stream_test_producer(&t, &p), 0);
	assert_int_equal(stream_test_consumer(&t, &good, 0,
	    STREAM_POLICY_LATEST), 0);
	assert_int_equal(stream_consumer_activate(t.control, &t.geo,
	    t.leases[1], 1, STREAM_POLICY_LATEST), 0);
	evil = t.leases[1];
	for (i = 0; i < STREAM_MAX_HOLDS; i++)
		atomic_store(&evil->hold[i], i == 0 ? 1 : i == 1 ? 2 :
		    i % 2 ? UINT32_MAX : 4 + i);
	atomic_store(&evil->cursor, 0);
	atomic_store(&evil->waiting, 0xdeadbeef);
	for (seq = 1; seq < 100; seq++) {
		assert_int_equal(stream_producer_loan(&p, NULL, &f), 0);
		/* The two in-range holds (slots 0 and 1) are respected. */
		assert_true(f.slot == 2 || f.slot == 3);
		stream_test_fill(f.data, CAP, f.seq);
		assert_int_equal(stream_producer_publish(&p, &f), 0);
		assert_int_equal(stream_consumer_next(&good, seq - 1, &nowait,
		    &h), 0);
		assert_int_equal(h.seq, seq);
		assert_int_equal(stream_test_check(h.data, CAP, seq), 0);
		stream_consumer_release(&good, &h);
	}
	/* Holds naming every slot: only the first max_holds (slots 0 and
	 * 1) count, the producer goes on with the other two. */
	for (i = 0; i < STREAM_MAX_HOLDS; i++)
		atomic_store(&evil->hold[i], i + 1);
	for (i = 0; i < 20; i++) {
		assert_int_equal(stream_producer_loan(&p, NULL, &f), 0);
		assert_true(f.slot == 2 || f.slot == 3);
		stream_test_fill(f.data, CAP, f.seq);
		assert_int_equal(stream_producer_publish(&p, &f), 0);
	}
	assert_int_equal(publish(&p), 120);
	/* A hostile lossless consumer: a cursor past the head counts as the
	 * head; at 0 it holds the producer back (by design) only as long as
	 * the producer's timeout. */
	stream_consumer_deactivate(t.control, &t.geo, evil, 1);
	assert_int_equal(stream_consumer_activate(t.control, &t.geo, evil, 1,
	    STREAM_POLICY_LOSSLESS), 0);
	atomic_store(&evil->cursor, UINT64_MAX);
	for (i = 0; i < 20; i++)
		assert_true(publish(&p) > 0);
	atomic_store(&evil->cursor, 0);
	/* The slot the last publish claimed for the next frame, while the
	 * cursor was still ahead, is given once (a real consumer's cursor
	 * never moves back); after it the producer is held. */
	assert_true(publish(&p) > 0);
	assert_int_equal(stream_producer_loan(&p, NULL, &f), -EBUSY);
	assert_int_equal(stream_producer_loan(&p,
	    &(struct stream_wait){ 1000000, 0 }, &f), -ETIMEDOUT);
	stream_consumer_deactivate(t.control, &t.geo, evil, 1);
	assert_true(publish(&p) > 0);
	/* A lossless neighbour of a hostile latest consumer is unaffected. */
	assert_int_equal(stream_test_consumer(&t, &ll, 2,
	    STREAM_POLICY_LOSSLESS), 0);
	assert_int_equal(stream_consumer_activate(t.control, &t.geo, evil, 1,
	    STREAM_POLICY_LATEST), 0);
	atomic_store(&evil->hold[0], 3);
	seq = stream_consumer_head(&ll);
	for (i = 0; i < 50; i++) {
		assert_true(publish(&p) > 0);
		assert_int_equal(stream_consumer_next(&ll, 0, &nowait, &h), 0);
		assert_true(h.seq == ++seq);
		assert_int_equal(stream_test_check(h.data, CAP, h.seq), 0);
		stream_consumer_release(&ll, &h);
	}
	stream_test_destroy(&t);
}

/* A producer that writes garbage into the control memfd crashes no
 * consumer: bad descriptors are refused, bad slot numbers ignored. */
static void
test_hostile_producer(void **state)
{
	struct stream_test	t;
	struct stream_producer	p;
	struct stream_consumer	c;
	struct stream_frame	f;
	struct stream_slot	*slots;
	uint32_t		s;

	(void)state;
	assert_int_equal(stream_test_create(&t, 4, CAP, 1, 2, 1), 0);
	slots = slots_of(&t);
	assert_int_equal(stream_test_producer(&t, &p), 0);
	assert_int_equal(stream_test_consumer(&t, &c, 0, STREAM_POLICY_LATEST),
	    0);
	assert_int_equal(publish(&p), 1);
	s = atomic_load(&t.control->head_slot);
	slots[s].desc.shape[0] = INT64_MAX;
	assert_int_equal(stream_consumer_latest(&c, &f), -EBADMSG);
	slots[s].desc.shape[0] = CAP;
	slots[s].desc.offset = -1;
	assert_int_equal(stream_consumer_latest(&c, &f), -EBADMSG);
	slots[s].desc.offset = 0;
	slots[s].desc.ndim = 1000;
	assert_int_equal(stream_consumer_latest(&c, &f), -EBADMSG);
	slots[s].desc.ndim = 1;
	memset(slots[s].desc.format, 'B', sizeof(slots[s].desc.format));
	assert_int_equal(stream_consumer_latest(&c, &f), -EBADMSG);
	slots[s].desc.format[1] = '\0';
	slots[s].desc.strides[0] = INT64_MIN;
	assert_int_equal(stream_consumer_latest(&c, &f), -EBADMSG);
	slots[s].desc.strides[0] = 1;
	assert_int_equal(stream_consumer_latest(&c, &f), 0);
	stream_consumer_release(&c, &f);
	/* Slot numbers out of range, a head past the end. */
	atomic_store(&t.control->head_slot, 1000000);
	stream_control_index(t.control)[1 % 4] = 77;
	assert_int_equal(stream_consumer_latest(&c, &f), -EAGAIN);
	atomic_store(&t.control->head, UINT64_MAX);
	assert_int_equal(stream_consumer_latest(&c, &f), -EBADMSG);
	assert_int_equal(atomic_load(&t.leases[0]->hold[0]), 0);
	assert_int_equal(atomic_load(&t.leases[0]->hold[1]), 0);
	stream_test_destroy(&t);
}

/* A producer dies mid-frame (and one between the slot and the head):
 * no consumer sees those frames; the next producer continues. */
static void
test_producer_takeover(void **state)
{
	struct stream_test	t;
	struct stream_producer	p, q;
	struct stream_consumer	c;
	struct stream_frame	f, g;
	struct stream_slot	*slots;
	uint64_t		epoch;

	(void)state;
	assert_int_equal(stream_test_create(&t, 4, CAP, 1, 2, 1), 0);
	slots = slots_of(&t);
	assert_int_equal(stream_test_producer(&t, &p), 0);
	assert_int_equal(stream_test_consumer(&t, &c, 0,
	    STREAM_POLICY_LOSSLESS), 0);
	assert_int_equal(publish(&p), 1);
	assert_int_equal(publish(&p), 2);
	assert_int_equal(stream_producer_loan(&p, NULL, &f), 0);
	stream_test_fill(f.data, CAP, 999);
	/* p is gone without a word; a second slot looks published but the
	 * head never moved. */
	atomic_store(&slots[(f.slot + 1) % 4].state, 3);
	epoch = atomic_load(&t.control->producer_epoch);
	assert_int_equal(stream_test_producer(&t, &q), 0);
	assert_int_equal(atomic_load(&t.control->producer_epoch), epoch + 1);
	assert_int_equal(atomic_load(&slots[f.slot].state), 0);
	assert_int_equal(atomic_load(&slots[(f.slot + 1) % 4].state), 0);
	assert_int_equal(stream_consumer_next(&c, 0, &nowait, &g), 0);
	assert_int_equal(g.seq, 1);
	stream_consumer_release(&c, &g);
	assert_int_equal(stream_consumer_next(&c, 0, &nowait, &g), 0);
	assert_int_equal(g.seq, 2);
	stream_consumer_release(&c, &g);
	assert_int_equal(stream_consumer_next(&c, 0, &nowait, &g), -EAGAIN);
	assert_int_equal(publish(&q), 3);
	assert_int_equal(stream_consumer_next(&c, 0, &nowait, &g), 0);
	assert_int_equal(g.seq, 3);
	assert_int_equal(g.dropped, 0);
	assert_int_equal(stream_test_check(g.data, CAP, 3), 0);
	stream_consumer_release(&c, &g);
	stream_test_destroy(&t);
}

/* A consumer dies holding frames: the daemon's deactivate (a lease reset)
 * frees them; the position can be reused. */
static void
test_lease_reset(void **state)
{
	struct stream_test	t;
	struct stream_producer	p;
	struct stream_consumer	c, d;
	struct stream_frame	f, h[2];
	struct stream_stat	st;

	(void)state;
	assert_int_equal(stream_test_create(&t, 3, CAP, 2, 2, 1), 0);
	assert_int_equal(stream_test_producer(&t, &p), 0);
	assert_int_equal(stream_test_consumer(&t, &c, 0,
	    STREAM_POLICY_LOSSLESS), 0);
	assert_int_equal(stream_consumer_activate(t.control, &t.geo,
	    t.leases[0], 0, STREAM_POLICY_LATEST), -EBUSY);
	assert_int_equal(publish(&p), 1);
	assert_int_equal(stream_consumer_next(&c, 0, &nowait, &h[0]), 0);
	assert_int_equal(publish(&p), 2);
	assert_int_equal(stream_consumer_next(&c, 0, &nowait, &h[1]), 0);
	assert_int_equal(publish(&p), 3);
	stream_control_stat(t.control, &t.geo,
	    (const struct stream_lease *const *)t.leases, &st);
	assert_int_equal(st.head, 3);
	assert_int_equal(st.published, 3);
	assert_int_equal(st.consumers, 1);
	assert_int_equal(st.holds, 2);
	assert_false(st.loaned);
	assert_int_equal(stream_producer_loan(&p, NULL, &f), -EBUSY);
	/* The consumer is gone (no release): the daemon steps in. */
	stream_consumer_deactivate(t.control, &t.geo, t.leases[0], 0);
	assert_int_equal(atomic_load(&t.leases[0]->hold[0]), 0);
	assert_int_equal(atomic_load(&t.leases[0]->cursor), 0);
	assert_int_equal(stream_producer_loan(&p, NULL, &f), 0);
	stream_producer_cancel(&p);
	stream_control_stat(t.control, &t.geo,
	    (const struct stream_lease *const *)t.leases, &st);
	assert_int_equal(st.consumers, 0);
	assert_int_equal(st.holds, 0);
	/* Position 0 again, lossless: it starts after the current head. */
	assert_int_equal(stream_test_consumer(&t, &d, 0,
	    STREAM_POLICY_LOSSLESS), 0);
	assert_int_equal(stream_consumer_next(&d, 0, &nowait, &f), -EAGAIN);
	assert_int_equal(publish(&p), 4);
	assert_int_equal(stream_consumer_next(&d, 0, &nowait, &f), 0);
	assert_int_equal(f.seq, 4);
	assert_int_equal(f.dropped, 0);
	stream_consumer_release(&d, &f);
	/* Attaching to a position nobody activated fails. */
	assert_int_equal(stream_consumer_attach(&c, &t.geo, t.control, t.data,
	    false, t.leases[1], 1), -ENOENT);
	assert_int_equal(stream_consumer_attach(&c, &t.geo, t.control, t.data,
	    false, t.leases[1], 9), -EINVAL);
	stream_test_destroy(&t);
}

struct sleeper {
	struct stream_consumer	*c;
	uint64_t		 after;
	int			 r;
	struct stream_frame	 f;
	bool			 head_only;
	uint64_t		 head;
};

static void *
sleeper_main(void *arg)
{
	struct sleeper		*s = arg;
	struct stream_wait	 w = { -1, 0 };

	if (s->head_only)
		s->r = stream_consumer_wait_head(s->c, s->after, &w, &s->head);
	else
		s->r = stream_consumer_next(s->c, s->after, &w, &s->f);
	return NULL;
}

/* A consumer asleep on the futex (spin 0) is woken by the publish; so is
 * a wait_head sleeper (the pollable fd's primitive). */
static void
test_wake(void **state)
{
	struct stream_test	t;
	struct stream_producer	p;
	struct stream_consumer	c, d;
	struct sleeper		s = { 0 }, s2 = { 0 };
	pthread_t		th, th2;

	(void)state;
	assert_int_equal(stream_test_create(&t, 4, CAP, 2, 2, 1), 0);
	assert_int_equal(stream_test_producer(&t, &p), 0);
	assert_int_equal(stream_test_consumer(&t, &c, 0, STREAM_POLICY_LATEST),
	    0);
	assert_int_equal(stream_test_consumer(&t, &d, 1, STREAM_POLICY_LATEST),
	    0);
	s.c = &c;
	s2.c = &d;
	s2.head_only = true;
	assert_int_equal(pthread_create(&th, NULL, sleeper_main, &s), 0);
	assert_int_equal(pthread_create(&th2, NULL, sleeper_main, &s2), 0);
	while (atomic_load(&t.leases[0]->waiting) == 0 ||
	    atomic_load(&t.leases[1]->waiting) == 0)
		usleep(100);
	assert_int_equal(publish(&p), 1);
	pthread_join(th, NULL);
	pthread_join(th2, NULL);
	assert_int_equal(s.r, 0);
	assert_int_equal(s.f.seq, 1);
	assert_int_equal(s2.r, 0);
	assert_int_equal(s2.head, 1);
	assert_int_equal(atomic_load(&t.leases[0]->waiting), 0);
	assert_int_equal(stream_test_check(s.f.data, CAP, 1), 0);
	stream_consumer_release(&c, &s.f);
	stream_test_destroy(&t);
}

#define PROOF_FRAMES	20000

/*
 * No system call but write and exit from here on. Strict mode is the
 * classic proof, but it also turns off RDTSC (the vDSO's clock faults),
 * so the variant whose timestamps come from the clock uses a filter that
 * kills the process on any other call instead.
 */
static int
forbid_syscalls(bool clock)
{
	struct sock_filter	filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_write, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog	prog = { sizeof(filter) / sizeof(filter[0]),
				    filter };

	if (!clock)
		return prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/* In a child with system calls forbidden: loan + publish (and a
 * consumer's next + release) with nobody asleep. */
static void
proof_child(struct stream_test *t, int fd, bool clock)
{
	struct stream_producer	p;
	struct stream_consumer	c;
	struct stream_frame	f, g;
	long			bad = 0;
	int			i;

	if (stream_test_producer(t, &p) < 0 ||
	    stream_test_consumer(t, &c, 0, STREAM_POLICY_LATEST) < 0)
		_exit(3);
	(void)stream_now_ns();
	if (forbid_syscalls(clock) < 0)
		_exit(3);
	for (i = 0; i < PROOF_FRAMES; i++) {
		if (stream_producer_loan(&p, NULL, &f) < 0) {
			bad++;
			continue;
		}
		f.timestamp_ns = clock ? 0 : (uint64_t)i + 1;
		bad += stream_producer_publish(&p, &f) < 0;
		if (i % 2 == 0 && stream_consumer_next(&c, f.seq - 1, NULL,
		    &g) == 0)
			stream_consumer_release(&c, &g);
		else if (i % 2 == 0)
			bad++;
	}
	if (write(fd, &bad, sizeof(bad)) != sizeof(bad))
		syscall(SYS_exit, 2);
	syscall(SYS_exit, 0);
}

static void
run_proof(bool clock)
{
	struct stream_test	t;
	long			bad = -1;
	int			pfd[2], status;
	pid_t			pid;

	assert_int_equal(stream_test_create(&t, 4, CAP, 1, 2, 1), 0);
	assert_int_equal(pipe(pfd), 0);
	if ((pid = fork()) == 0) {
		close(pfd[0]);
		proof_child(&t, pfd[1], clock);
	}
	assert_true(pid > 0);
	close(pfd[1]);
	if (read(pfd[0], &bad, sizeof(bad)) != sizeof(bad))
		bad = -1;
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		print_message("# proof child killed by signal %d\n",
		    WTERMSIG(status));
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(bad, 0);
	assert_int_equal(atomic_load(&t.control->head), PROOF_FRAMES);
	stream_test_destroy(&t);
}

/* Publishing with nobody asleep makes no system call: under seccomp
 * strict with the producer's own timestamps, under a filter with the
 * clock's. */
static void
test_no_syscalls(void **state)
{
	(void)state;
	run_proof(false);
	run_proof(true);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_geometry),
		cmocka_unit_test(test_control_init),
		cmocka_unit_test(test_publish_take),
		cmocka_unit_test(test_layout_changes),
		cmocka_unit_test(test_slot_choice),
		cmocka_unit_test(test_loan_busy),
		cmocka_unit_test(test_lossless),
		cmocka_unit_test(test_large_sequences),
		cmocka_unit_test(test_hostile_lease),
		cmocka_unit_test(test_hostile_producer),
		cmocka_unit_test(test_producer_takeover),
		cmocka_unit_test(test_lease_reset),
		cmocka_unit_test(test_wake),
		cmocka_unit_test(test_no_syscalls),
	};

	return cmocka_run_group_tests_name("stream-ring", tests, NULL, NULL);
}
