/* SPDX-License-Identifier: MIT */
/* Property test of the stream ring: random operations from a producer and simulated consumers (some hostile), invariants checked after every step. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stream-internal.h"
#include "stream-test.h"

#define CAP		64
#define MAX_ACTORS	6
#define ROUNDS		300
#define STEPS		2000

enum role { HONEST_LATEST, HONEST_LOSSLESS, HOSTILE };

struct actor {
	enum role		role;
	enum stream_policy	policy;		/* hostile: either */
	struct stream_consumer	c;
	struct stream_frame	held[STREAM_MAX_HOLDS];
	unsigned		nheld;
	uint64_t		start;		/* cursor at activation */
	uint64_t		last;		/* last frame taken */
	uint64_t		jumped;		/* skipped by asking for the latest */
};

struct world {
	uint64_t		rng;
	struct stream_test	t;
	struct stream_producer	p;
	bool			loaned;
	struct stream_frame	loan;
	uint64_t		published;
	unsigned		nactors;
	struct actor		a[MAX_ACTORS];
	uint64_t		step, seed;
	uint64_t		n_publish, n_take, n_busy, n_takeover;
};

static uint64_t
rnd(struct world *w)
{
	uint64_t	z = (w->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned
below(struct world *w, unsigned n)
{
	return (unsigned)(rnd(w) % n);
}

#define CHECK(w, cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "FAIL seed %" PRIu64 " step %" PRIu64	\
		    ": %s (line %d)\n", (w)->seed, (w)->step, #cond,	\
		    __LINE__);						\
		exit(1);						\
	}								\
} while (0)

static struct stream_slot *
slots(struct world *w)
{
	return stream_control_slots(w->t.control, w->t.geo.nslots);
}

static uint64_t
head(struct world *w)
{
	return atomic_load(&w->t.control->head);
}

static void
actor_activate(struct world *w, unsigned i)
{
	struct actor	*a = &w->a[i];

	CHECK(w, stream_test_consumer(&w->t, &a->c, i, a->policy) == 0);
	a->nheld = 0;
	a->jumped = 0;
	a->start = a->last = atomic_load(&w->t.leases[i]->cursor);
	CHECK(w, a->start == head(w));
}

/* The daemon takes the position back (the consumer died) and gives it
 * out again. */
static void
actor_restart(struct world *w, unsigned i)
{
	stream_consumer_deactivate(w->t.control, &w->t.geo, w->t.leases[i], i);
	actor_activate(w, i);
}

/* Would the producer's rules let it write slot s now? (the loan's own
 * slot excepted) */
static bool
slot_writable(struct world *w, uint32_t s)
{
	const struct stream_lease *l;
	uint64_t	st = atomic_load(&slots(w)[s].state), cur, h = head(w);
	uint32_t	i, k, v;

	if (st == h && st != 0)
		return false;
	for (i = 0; i < w->nactors; i++) {
		l = w->t.leases[i];
		for (k = 0; k < w->t.geo.max_holds; k++) {
			v = atomic_load(&l->hold[k]);
			if (v == s + 1)
				return false;
		}
		if (atomic_load(&w->t.control->active[i]) !=
		    STREAM_POLICY_LOSSLESS)
			continue;
		cur = atomic_load(&l->cursor);
		if (cur > h)
			cur = h;
		if (st != 0 && st != STREAM_SLOT_WRITING && st > cur)
			return false;
	}
	return true;
}

static void
op_loan(struct world *w)
{
	uint32_t	s;
	bool		lossless = false;
	int		r;

	r = stream_producer_loan(&w->p, NULL, &w->loan);
	if (r == -EALREADY) {
		CHECK(w, w->loaned);
		return;
	}
	CHECK(w, !w->loaned);
	if (r == -EBUSY) {
		w->n_busy++;
		/* Refused only when no slot is writable... */
		for (s = 0; s < w->t.geo.nslots; s++)
			CHECK(w, !slot_writable(w, s));
		/* ...which N >= holds + 2 rules out without lossless. */
		for (s = 0; s < w->nactors; s++)
			lossless |= atomic_load(&w->t.control->active[s]) ==
			    STREAM_POLICY_LOSSLESS;
		CHECK(w, lossless || w->t.geo.nslots <
		    w->nactors * w->t.geo.max_holds + 2);
		return;
	}
	CHECK(w, r == 0);
	CHECK(w, w->loan.seq == head(w) + 1);
	w->loaned = true;
	stream_test_fill(w->loan.data, CAP, w->loan.seq);
}

static void
op_publish(struct world *w)
{
	if (!w->loaned)
		return;
	CHECK(w, stream_producer_publish(&w->p, &w->loan) == 0);
	w->n_publish++;
	w->loaned = false;
	w->published++;
}

static void
op_cancel(struct world *w)
{
	stream_producer_cancel(&w->p);
	w->loaned = false;
}

/* The producer vanishes (mid-frame or not); a new one takes over. */
static void
op_takeover(struct world *w)
{
	CHECK(w, stream_test_producer(&w->t, &w->p) == 0);
	w->loaned = false;
	w->n_takeover++;
}

static void
took(struct world *w, struct actor *a, const struct stream_frame *f,
    bool latest)
{
	CHECK(w, f->seq >= a->last);
	CHECK(w, f->seq <= head(w));
	if (f->seq > a->last)
		CHECK(w, f->dropped == f->seq - a->last - 1);
	if (a->policy == STREAM_POLICY_LOSSLESS && a->role != HOSTILE &&
	    !latest)
		CHECK(w, f->seq == a->last + 1 && f->dropped == 0);
	CHECK(w, stream_test_check(f->data, CAP, f->seq) == 0);
	if (latest && f->seq > a->last)
		a->jumped += f->dropped;
	a->last = f->seq > a->last ? f->seq : a->last;
	a->held[a->nheld++] = *f;
	w->n_take++;
}

static void
op_next(struct world *w, unsigned i, bool latest)
{
	struct actor		*a = &w->a[i];
	struct stream_frame	 f;
	uint64_t		 after = a->last, h = head(w);
	int			 r;

	if (!latest && a->last >= 2 && below(w, 4) == 0)
		after = a->last - 1 - below(w, 2);
	if (latest)
		r = stream_consumer_latest(&a->c, &f);
	else
		r = stream_consumer_next(&a->c, after, NULL, &f);
	if (a->nheld == w->t.geo.max_holds && !latest) {
		CHECK(w, r == -ENOBUFS);
		return;
	}
	if (r == 0) {
		took(w, a, &f, latest);
		return;
	}
	if (r != -EAGAIN && r != -ENOBUFS)
		fprintf(stderr, "next/latest: %d\n", r);
	CHECK(w, r == -EAGAIN || (r == -ENOBUFS &&
	    a->nheld == w->t.geo.max_holds));
	if (r == -ENOBUFS)
		return;
	/* Nothing to take only when there is nothing new. */
	if (latest || h < w->t.control->first_seq)
		CHECK(w, h < w->t.control->first_seq);
	else if (a->policy == STREAM_POLICY_LOSSLESS)
		CHECK(w, h <= a->last);
	else
		CHECK(w, h <= after);
}

static void
op_release(struct world *w, unsigned i)
{
	struct actor	*a = &w->a[i];
	unsigned	 k;

	if (a->nheld == 0)
		return;
	k = below(w, a->nheld);
	stream_consumer_release(&a->c, &a->held[k]);
	a->held[k] = a->held[--a->nheld];
}

/* A hostile consumer writes whatever it likes into its own lease. */
static void
op_garble(struct world *w, unsigned i)
{
	struct stream_lease	*l = w->t.leases[i];
	static const uint64_t	 big[] = { 0, 1, UINT32_MAX, UINT64_MAX,
				    UINT64_MAX / 2, 3, 1000000 };
	uint32_t		 v;

	switch (below(w, 4)) {
	case 0:
		v = below(w, 3) == 0 ? (uint32_t)rnd(w) :
		    below(w, w->t.geo.nslots + 3);
		atomic_store(&l->hold[below(w, STREAM_MAX_HOLDS)], v);
		break;
	case 1:
		atomic_store(&l->cursor, below(w, 2) ? big[below(w, 7)] :
		    head(w) - below(w, 3));
		break;
	case 2:
		atomic_store(&l->waiting, (uint32_t)rnd(w) & 1);
		break;
	default:
		atomic_store(&l->hold_seq[below(w, STREAM_MAX_HOLDS)], rnd(w));
		atomic_store(&l->seen, rnd(w));
		break;
	}
}

/* After every step: what was promised still holds. */
static void
check_world(struct world *w)
{
	struct actor	*a;
	uint64_t	 seen, dropped;
	unsigned	 i, k;

	CHECK(w, head(w) == w->t.control->first_seq - 1 + w->published);
	for (i = 0; i < w->nactors; i++) {
		a = &w->a[i];
		if (a->role == HOSTILE)
			continue;
		for (k = 0; k < a->nheld; k++) {
			/* Never torn: a held frame is neither rewritten nor
			 * on loan. */
			CHECK(w, atomic_load(&slots(w)[a->held[k].slot].state)
			    == a->held[k].seq);
			CHECK(w, stream_test_check(a->held[k].data, CAP,
			    a->held[k].seq) == 0);
			CHECK(w, !w->loaned || w->loan.slot != a->held[k].slot);
		}
		seen = atomic_load(&w->t.leases[i]->seen);
		dropped = atomic_load(&w->t.leases[i]->dropped);
		CHECK(w, seen + dropped == a->last - a->start);
		/* Lossless: nothing lost but what latest() skipped. */
		if (a->policy == STREAM_POLICY_LOSSLESS)
			CHECK(w, dropped == a->jumped);
	}
}

static void
step(struct world *w)
{
	unsigned	op = below(w, 100), i = below(w, w->nactors);

	if (op < 25)
		op_loan(w);
	else if (op < 50)
		op_publish(w);
	else if (op < 52)
		op_cancel(w);
	else if (op < 53)
		op_takeover(w);
	else if (op < 54)
		actor_restart(w, i);
	else if (w->a[i].role == HOSTILE && op < 70)
		op_garble(w, i);
	else if (op < 75)
		op_next(w, i, true);
	else if (op < 88)
		op_next(w, i, false);
	else
		op_release(w, i);
}

static void
round_run(struct world *w)
{
	uint32_t	nslots = 2 + below(w, 7), holds = 1 + below(w, 3);
	uint64_t	first = below(w, 4) == 0 ? STREAM_SEQ_MAX - STEPS * 2 :
			    1 + below(w, 1000);
	unsigned	i;

	w->nactors = 1 + below(w, MAX_ACTORS);
	CHECK(w, stream_test_create(&w->t, nslots, CAP, w->nactors, holds,
	    first) == 0);
	CHECK(w, stream_test_producer(&w->t, &w->p) == 0);
	w->loaned = false;
	w->published = 0;
	for (i = 0; i < w->nactors; i++) {
		memset(&w->a[i], 0, sizeof(w->a[i]));
		w->a[i].role = below(w, 3);
		w->a[i].policy = w->a[i].role == HONEST_LOSSLESS ||
		    (w->a[i].role == HOSTILE && below(w, 2)) ?
		    STREAM_POLICY_LOSSLESS : STREAM_POLICY_LATEST;
		actor_activate(w, i);
	}
	for (i = 0; i < STEPS; i++, w->step++) {
		step(w);
		check_world(w);
	}
	stream_test_destroy(&w->t);
}

int
main(int argc, char **argv)
{
	static struct world	w;
	const char		*env = getenv("STREAM_PROP_SEED");
	unsigned		 r;

	w.seed = argc > 1 ? strtoull(argv[1], NULL, 0) :
	    env != NULL ? strtoull(env, NULL, 0) :
	    (uint64_t)time(NULL) ^ ((uint64_t)stream_now_ns() << 16);
	w.rng = w.seed;
	printf("# seed %" PRIu64 " (rerun: %s %" PRIu64 ")\n", w.seed, argv[0],
	    w.seed);
	fflush(stdout);
	for (r = 0; r < ROUNDS; r++)
		round_run(&w);
	printf("# %u rounds, %" PRIu64 " steps: %" PRIu64 " published, %"
	    PRIu64 " taken, %" PRIu64 " loans refused, %" PRIu64
	    " takeovers; invariants held\n", ROUNDS, w.step, w.n_publish,
	    w.n_take, w.n_busy, w.n_takeover);
	return 0;
}
