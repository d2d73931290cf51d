/* SPDX-License-Identifier: MIT */
/* What the ring's files share: where things are in the control memfd, futexes, spinning. */
#ifndef MVIEW_COMMON_STREAM_INTERNAL_H
#define MVIEW_COMMON_STREAM_INTERNAL_H

#include "stream-ring.h"

#define STREAM_ROUNDUP64(n)	(((n) + 63) & ~(size_t)63)

/* The index follows the head, the slot records follow the index. */
static inline size_t
stream_index_offset(void)
{
	return STREAM_ROUNDUP64(sizeof(struct stream_control));
}

static inline size_t
stream_slots_offset(uint32_t nslots)
{
	return stream_index_offset() + STREAM_ROUNDUP64((size_t)nslots * 4);
}

static inline uint32_t *
stream_control_index(const struct stream_control *c)
{
	return (uint32_t *)((uintptr_t)c + stream_index_offset());
}

static inline struct stream_slot *
stream_control_slots(const struct stream_control *c, uint32_t nslots)
{
	return (struct stream_slot *)((uintptr_t)c + stream_slots_offset(nslots));
}

/* The same layout (all but seq and timestamp; shape and strides up to
 * ndim)? false when ndim is out of range. */
static inline bool
stream_layout_equal(const struct stream_frame_desc *a,
    const struct stream_frame_desc *b)
{
	int32_t	i;

	if (a->ndim != b->ndim || (uint32_t)a->ndim > STREAM_MAX_NDIM ||
	    a->offset != b->offset || a->itemsize != b->itemsize ||
	    a->flags != b->flags ||
	    __builtin_memcmp(a->format, b->format, sizeof(a->format)) != 0)
		return false;
	for (i = 0; i < a->ndim; i++)
		if (a->shape[i] != b->shape[i] ||
		    a->strides[i] != b->strides[i])
			return false;
	return true;
}

/* One CPU hint inside a busy-wait loop. */
static inline void
stream_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

/* CLOCK_MONOTONIC in ns (vDSO: no system call). */
int64_t	stream_now_ns(void);

/* FUTEX_WAIT (shared) on *addr while it holds val, at most timeout_ns
 * (< 0: forever): 0 when woken, -EAGAIN (value changed), -ETIMEDOUT,
 * -EINTR. */
int	stream_futex_wait(const _Atomic uint32_t *addr, uint32_t val,
	    int64_t timeout_ns);

/* FUTEX_WAKE (shared) up to n waiters on addr. */
void	stream_futex_wake(const _Atomic uint32_t *addr, int n);

/*
 * Wait until ready(arg) holds: spin spin_ns (checking the clock every few
 * dozen rounds), then sleep on word (re-reading it before each sleep so
 * a change in between is never slept through), until w's timeout;
 * before sleeping it adds one to *waiter_flag (removed on return), so
 * whoever changes word and then reads the flag wakes it. Each sleep
 * lasts at most sleep_cap_ns (> 0) when what it waits on may move to
 * another word. 0 when ready, -ETIMEDOUT, -EAGAIN for a zero timeout.
 */
int	stream_wait_until(bool (*ready)(const void *), const void *arg,
	    const _Atomic uint32_t *word, const struct stream_wait *w,
	    _Atomic uint32_t *waiter_flag, int64_t sleep_cap_ns);

#endif /* MVIEW_COMMON_STREAM_INTERNAL_H */
