/* SPDX-License-Identifier: MIT */
/* Frame timestamps: CLOCK_MONOTONIC, extrapolated on the TSC between readings of the clock. */
#ifndef MVIEW_COMMON_STREAM_CLOCK_H
#define MVIEW_COMMON_STREAM_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Reading CLOCK_MONOTONIC costs a publish more than the rest of its work
 * (the vDSO orders the TSC read and walks a seqlock). Where the CPU has an
 * invariant TSC, the clock is read once a millisecond at most and the
 * time in between is the last reading plus TSC ticks times the rate
 * measured over the last interval: within a few ns of the clock, never
 * going back. Without an invariant TSC (or off x86) every call reads the
 * clock. One thread at a time per struct (it lives in the producer).
 */
struct stream_clock {
	uint64_t anchor_tsc;	/* TSC at the last reading of the clock */
	int64_t	 anchor_ns;	/* the clock then */
	uint64_t anchor_window;	/* ticks that reading may be off by */
	uint64_t ns_per_tick;	/* 32.32 fixed point; 0: not measured yet */
	uint64_t period_tsc;	/* ticks between readings (about 1 ms) */
	int64_t	 last_ns;	/* the last time returned */
	bool	 tsc;		/* extrapolate on the TSC */
};

/* Start a clock; use_tsc false forces a clock reading per call. */
void	stream_clock_init(struct stream_clock *c, bool use_tsc);

/* Does this CPU have an invariant TSC? */
bool	stream_clock_tsc_usable(void);

/* CLOCK_MONOTONIC in ns, never less than the last value returned. */
int64_t	stream_clock_now(struct stream_clock *c);

#endif /* MVIEW_COMMON_STREAM_CLOCK_H */
