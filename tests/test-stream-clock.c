/* SPDX-License-Identifier: MIT */
/* Unit tests of the frames' clock (common/stream-clock.c): CLOCK_MONOTONIC, extrapolated on the TSC. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "stream-clock.h"
#include "stream-internal.h"

/* How far a timestamp may stray from the clock read around it: the rate
 * is measured to 61 ppm or better over a millisecond, so tens of ns; a
 * rate measured from a bad first reading was off by 2% (20 us). */
#define SLACK_NS	5000
#define RUN_NS		20000000	/* 20 ms: many readings of the clock */

/* Every value between two readings of the clock around it (within the
 * slack) and never less than the one before, for RUN_NS; returns the
 * number of calls. */
static long
clock_run(struct stream_clock *c)
{
	int64_t	start, before, ts, after, last = 0;
	long	n = 0;

	start = stream_now_ns();
	do {
		before = stream_now_ns();
		ts = stream_clock_now(c);
		after = stream_now_ns();
		if (ts < before - SLACK_NS || ts > after + SLACK_NS)
			fail_msg("timestamp %lld outside [%lld, %lld] after "
			    "%ld calls", (long long)ts, (long long)before,
			    (long long)after, n);
		assert_true(ts >= last);
		last = ts;
		n++;
		/* Calls with no clock reading around them, as a busy
		 * producer's are. */
		for (int k = 0; k < 50; k++) {
			ts = stream_clock_now(c);
			assert_true(ts >= last);
			last = ts;
		}
	} while (after - start < RUN_NS);
	return n;
}

static void
test_tsc_clock(void **state)
{
	struct stream_clock	c;

	(void)state;
	stream_clock_init(&c, true);
	if (!c.tsc) {
		print_message("# no invariant TSC here: every call reads the "
		    "clock\n");
		skip();
	}
	assert_true(clock_run(&c) > 0);
	/* The rate was measured, unless reading the clock takes too long
	 * here to read it tightly (a clock that is a system call). */
	if (c.ns_per_tick == 0)
		print_message("# the clock is too slow to read tightly here: "
		    "every call read it\n");
	else
		assert_true(c.period_tsc != 0);
}

/* The TSC ran on while the clock stood still (a suspend that stops
 * CLOCK_MONOTONIC, a paused VM), then went back (a rewritten TSC): the
 * rate is measured again and timestamps stay on the clock. */
static void
test_tsc_jumps(void **state)
{
	struct stream_clock	c;
	uint64_t		ticks_60s, jumped;

	(void)state;
	stream_clock_init(&c, true);
	if (!c.tsc)
		skip();
	assert_true(clock_run(&c) > 0);
	if (c.ns_per_tick == 0)
		skip();
	ticks_60s = (60000000000ULL << 32) / c.ns_per_tick;
	c.anchor_tsc -= ticks_60s;		/* 60 s of ticks, no time */
	assert_true(clock_run(&c) > 0);
	c.anchor_tsc += 2 * ticks_60s;		/* the TSC went back */
	jumped = c.anchor_tsc;
	assert_true(clock_run(&c) > 0);
	/* Anchored on the TSC as it is, and extrapolating again. */
	assert_true(c.anchor_tsc < jumped);
	assert_true(c.ns_per_tick != 0);
}

static void
test_plain_clock(void **state)
{
	struct stream_clock	c;
	int64_t			before, ts, after;

	(void)state;
	stream_clock_init(&c, false);
	assert_false(c.tsc);
	before = stream_now_ns();
	ts = stream_clock_now(&c);
	after = stream_now_ns();
	assert_true(before <= ts && ts <= after);
	assert_true(clock_run(&c) > 0);
}

/* A producer that sleeps between frames (a camera at 60 Hz) reads the
 * clock at each: exact, however long the gap. */
static void
test_slow_producer(void **state)
{
	struct stream_clock	c;
	struct timespec		gap = { 0, 3000000 };
	int64_t			before, ts, after;
	int			i;

	(void)state;
	stream_clock_init(&c, true);
	for (i = 0; i < 5; i++) {
		nanosleep(&gap, NULL);
		before = stream_now_ns();
		ts = stream_clock_now(&c);
		after = stream_now_ns();
		assert_true(before <= ts && ts <= after);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tsc_clock),
		cmocka_unit_test(test_tsc_jumps),
		cmocka_unit_test(test_plain_clock),
		cmocka_unit_test(test_slow_producer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
