/* SPDX-License-Identifier: MIT */
/* Frame timestamps: CLOCK_MONOTONIC, extrapolated on the TSC between readings of the clock. */
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <x86intrin.h>
#define HAVE_TSC 1
#endif

#include "stream-clock.h"
#include "stream-internal.h"

/* Read the clock at least this often; measure the rate over no less
 * than MIN, nor over more than MAX (32.32 stays in range). */
#define CLOCK_PERIOD_NS		1000000
#define CLOCK_MIN_INTERVAL_NS	500000
#define CLOCK_MAX_INTERVAL_NS	1000000000

#ifdef HAVE_TSC
bool
stream_clock_tsc_usable(void)
{
	unsigned	a, b, c, d;

	/* CPUID 0x80000007 EDX bit 8: the TSC ticks at a constant rate in
	 * every P-, C- and T-state. */
	if (__get_cpuid_max(0x80000000, NULL) < 0x80000007 ||
	    !__get_cpuid(0x80000007, &a, &b, &c, &d))
		return false;
	return (d & (1u << 8)) != 0;
}

static inline uint64_t
clock_tsc(void)
{
	return __rdtsc();
}
#else
bool
stream_clock_tsc_usable(void)
{
	return false;
}

static inline uint64_t
clock_tsc(void)
{
	return 0;
}
#endif

/*
 * Read the clock between two TSC reads: *ret_tsc gets their midpoint,
 * *ret_ns the clock; returns the window (ticks) the reading may be off by.
 */
static uint64_t
clock_read(uint64_t *ret_tsc, int64_t *ret_ns)
{
	uint64_t	t0, t1;

	t0 = clock_tsc();
	*ret_ns = stream_now_ns();
	t1 = clock_tsc();
	if (t1 < t0)
		return UINT64_MAX;
	*ret_tsc = t0 + (t1 - t0) / 2;
	return t1 - t0;
}

void
stream_clock_init(struct stream_clock *c, bool use_tsc)
{
	uint64_t	window, best = UINT64_MAX, t;
	int64_t		ns;
	int		i;

	memset(c, 0, sizeof(*c));
	c->tsc = use_tsc && stream_clock_tsc_usable();
	if (!c->tsc)
		return;
	/* The first anchor is the tightest of a few readings (the very
	 * first one may take the vDSO's page faults). */
	(void)stream_now_ns();
	for (i = 0; i < 4; i++) {
		window = clock_read(&t, &ns);
		if (window < best) {
			best = window;
			c->anchor_tsc = t;
			c->anchor_ns = ns;
			c->anchor_window = window;
		}
	}
	if (best == UINT64_MAX)
		c->tsc = false;
}

/* Start measuring again from reading (t, ns): no rate until the next. */
static void
clock_restart(struct stream_clock *c, uint64_t t, int64_t ns, uint64_t window)
{
	c->anchor_tsc = t;
	c->anchor_ns = ns;
	c->anchor_window = window;
	c->ns_per_tick = 0;
	c->period_tsc = 0;
}

/* A rate a TSC can have (0.1 to 10 ns a tick), and, after a first one,
 * within 1/1024 of it (NTP slews the clock by 500 ppm at most): a
 * suspend that stops the clock but not the TSC, a paused or migrated VM,
 * or a rewritten TSC give rates far off. */
static bool
clock_rate_plausible(const struct stream_clock *c, uint64_t rate)
{
	const uint64_t	lo = (1ULL << 32) / 10, hi = 10ULL << 32;
	uint64_t	prev = c->ns_per_tick;

	if (rate < lo || rate > hi)
		return false;
	return prev == 0 || (rate > prev ? rate - prev : prev - rate) <=
	    prev / 1024;
}

/*
 * Read the clock and measure the rate over the interval since the last
 * reading. Readings stretched by preemption (the two windows over 1/8192
 * of the interval, about 120 ns a millisecond: the rate would be off by
 * over 61 ppm) move neither the anchor nor the rate; a TSC or a clock
 * that went back, or a rate that cannot be, starts the measuring again.
 */
static int64_t
clock_reanchor(struct stream_clock *c)
{
	uint64_t	t = 0, dt, window, rate;
	int64_t		ns, dns;

	if ((window = clock_read(&t, &ns)) == UINT64_MAX)
		return ns;
	if (t < c->anchor_tsc || ns < c->anchor_ns) {
		clock_restart(c, t, ns, window);
		return ns;
	}
	dt = t - c->anchor_tsc;
	dns = ns - c->anchor_ns;
	if (dns <= 0 || window + c->anchor_window > dt >> 13)
		return ns;
	if (dns < CLOCK_MIN_INTERVAL_NS)
		return ns;	/* too short to measure: keep the anchor */
	if (dns <= CLOCK_MAX_INTERVAL_NS) {
		rate = ((uint64_t)dns << 32) / dt;
		if (!clock_rate_plausible(c, rate)) {
			clock_restart(c, t, ns, window);
			return ns;
		}
		c->ns_per_tick = rate;
		c->period_tsc = ((uint64_t)CLOCK_PERIOD_NS << 32) / rate;
	}
	c->anchor_tsc = t;
	c->anchor_ns = ns;
	c->anchor_window = window;
	return ns;
}

int64_t
stream_clock_now(struct stream_clock *c)
{
	uint64_t	d;
	int64_t		ns;

	if (!c->tsc)
		return stream_now_ns();
	d = clock_tsc() - c->anchor_tsc;
	if (c->ns_per_tick != 0 && d < c->period_tsc)
		ns = c->anchor_ns + (int64_t)((d * c->ns_per_tick) >> 32);
	else
		ns = clock_reanchor(c);
	if (ns < c->last_ns)
		ns = c->last_ns;
	c->last_ns = ns;
	return ns;
}
