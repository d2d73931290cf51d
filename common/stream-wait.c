/* SPDX-License-Identifier: MIT */
/* Waiting on a stream: spinning, then sleeping on a shared futex. */
#include <sys/syscall.h>
#include <linux/futex.h>

#include <errno.h>
#include <limits.h>
#include <time.h>
#include <unistd.h>

#include "stream-internal.h"

int64_t
stream_now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Shared futexes only: the word is in a memfd other processes map. */
int
stream_futex_wait(const _Atomic uint32_t *addr, uint32_t val,
    int64_t timeout_ns)
{
	struct timespec	 ts, *tsp = NULL;

	if (timeout_ns >= 0) {
		ts.tv_sec = timeout_ns / 1000000000;
		ts.tv_nsec = timeout_ns % 1000000000;
		tsp = &ts;
	}
	if (syscall(SYS_futex, addr, FUTEX_WAIT, val, tsp, NULL, 0) == 0)
		return 0;
	return -errno;
}

void
stream_futex_wake(const _Atomic uint32_t *addr, int n)
{
	syscall(SYS_futex, addr, FUTEX_WAKE, n, NULL, NULL, 0);
}

/* Spin until ready or spin_ns passed; -ETIMEDOUT past the deadline. */
static int
wait_spin(bool (*ready)(const void *), const void *arg, int64_t start,
    int64_t deadline, uint32_t spin_ns)
{
	int64_t		now;
	unsigned	i;

	for (;;) {
		for (i = 0; i < 32; i++) {
			if (ready(arg))
				return 0;
			stream_cpu_relax();
		}
		now = stream_now_ns();
		if (deadline >= 0 && now >= deadline)
			return -ETIMEDOUT;
		if (now - start >= (int64_t)spin_ns)
			return -EAGAIN;
	}
}

/* Sleep on word until ready or the deadline, with the waiter flag up. */
static int
wait_sleep(bool (*ready)(const void *), const void *arg,
    const _Atomic uint32_t *word, int64_t deadline,
    _Atomic uint32_t *waiter_flag, int64_t cap)
{
	int64_t		now, left;
	uint32_t	v;
	int		r;

	atomic_fetch_add_explicit(waiter_flag, 1, memory_order_seq_cst);
	for (;;) {
		v = atomic_load_explicit(word, memory_order_seq_cst);
		if (ready(arg)) {
			r = 0;
			break;
		}
		left = -1;
		if (deadline >= 0) {
			if ((now = stream_now_ns()) >= deadline) {
				r = -ETIMEDOUT;
				break;
			}
			left = deadline - now;
		}
		if (cap > 0 && (left < 0 || left > cap))
			left = cap;
		stream_futex_wait(word, v, left);
	}
	atomic_fetch_sub_explicit(waiter_flag, 1, memory_order_seq_cst);
	return r;
}

int
stream_wait_until(bool (*ready)(const void *), const void *arg,
    const _Atomic uint32_t *word, const struct stream_wait *w,
    _Atomic uint32_t *waiter_flag, int64_t sleep_cap_ns)
{
	int64_t	start, deadline;
	int	r;

	if (ready(arg))
		return 0;
	if (w == NULL || w->timeout_ns == 0)
		return -EAGAIN;
	start = stream_now_ns();
	deadline = w->timeout_ns < 0 || w->timeout_ns > INT64_MAX - start ?
	    -1 : start + w->timeout_ns;
	if (w->spin_ns > 0 &&
	    (r = wait_spin(ready, arg, start, deadline, w->spin_ns)) != -EAGAIN)
		return r;
	return wait_sleep(ready, arg, word, deadline, waiter_flag,
	    sleep_cap_ns);
}
