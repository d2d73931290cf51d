/* SPDX-License-Identifier: MIT */
/* Throughput: n client processes, one start signal, per-op latencies in shared memory. */
#include <sys/mman.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

struct tput_slot {
	int64_t		start, end;
	long		done;
	int		err;
	bool		ready;
	float		lat[];		/* ns, one per op */
};

static size_t
tput_slot_size(long per)
{
	size_t	sz = sizeof(struct tput_slot) + (size_t)per * sizeof(float);

	return (sz + 63) & ~(size_t)63;
}

/* Say ready (even when failing) and block until the parent closes the go pipe. */
void
tput_go(struct tput_ctx *t)
{
	char	c = 'r';

	if (!t->slot->ready) {
		t->slot->ready = true;
		if (write(t->ready_fd, &c, 1) < 0)
			_exit(1);
	}
	while (read(t->go_fd, &c, 1) < 0 && errno == EINTR)
		;
	t->slot->start = now_ns();
}

void
tput_record(struct tput_ctx *t, int64_t t0, int64_t t1)
{
	struct tput_slot	*s = t->slot;

	if (s->done < t->nops)
		s->lat[s->done] = (float)(t1 - t0);
	s->done++;
}

void
tput_done(struct tput_ctx *t)
{
	t->slot->end = now_ns();
}

static void
tput_child(struct bench *b, tput_child_fn *fn, void *arg, struct tput_ctx *t)
{
	int	r = fn(b, arg, t);

	t->slot->err = r;
	if (!t->slot->ready) {
		char	c = '!';

		t->slot->ready = true;
		if (write(t->ready_fd, &c, 1) < 0)
			_exit(1);
	}
	_exit(r < 0 ? 1 : 0);
}

static void
tput_collect(char *region, size_t slotsz, int n, long per,
    struct tput_result *ret)
{
	struct samples	 lat;
	int64_t		 start = INT64_MAX, end = 0;
	long		 ops = 0;

	samples_init(&lat);
	for (int i = 0; i < n; i++) {
		struct tput_slot *s = (struct tput_slot *)(void *)(region +
		    (size_t)i * slotsz);

		if (s->err < 0 || s->end == 0) {
			ret->failed++;
			continue;
		}
		if (s->start < start)
			start = s->start;
		if (s->end > end)
			end = s->end;
		ops += s->done;
		for (long j = 0; j < s->done && j < per; j++)
			samples_add(&lat, s->lat[j]);
	}
	ret->ops = ops;
	ret->rate = end > start ? (double)ops * 1e9 / (double)(end - start) :
	    NAN;
	ret->lat_p50 = samples_quantile(&lat, 0.5);
	ret->lat_p99 = samples_quantile(&lat, 0.99);
	samples_free(&lat);
}

/* Fork n children that each get total/n ops; start them at once; reap. */
int
tput_run(struct bench *b, int n, long total, tput_child_fn *fn, void *arg,
    struct tput_result *ret)
{
	long	 per = total / n > 0 ? total / n : 1;
	size_t	 slotsz = tput_slot_size(per);
	char	*region, buf[256];
	int	 ready[2], go[2], got = 0;
	pid_t	*pids;

	memset(ret, 0, sizeof(*ret));
	region = mmap(NULL, slotsz * (size_t)n, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED)
		return -errno;
	if ((pids = calloc((size_t)n, sizeof(*pids))) == NULL ||
	    pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0) {
		free(pids);
		munmap(region, slotsz * (size_t)n);
		return -ENOMEM;
	}
	fflush(NULL);
	for (int i = 0; i < n; i++) {
		struct tput_ctx t = {
			.slot = (struct tput_slot *)(void *)(region +
			    (size_t)i * slotsz),
			.idx = i, .nclients = n, .nops = per,
			.ready_fd = ready[1], .go_fd = go[0],
		};

		if ((pids[i] = fork()) == 0) {
			proc_pin(0, PIN_NONE);	/* many clients: let them spread */
			close(ready[0]);
			close(go[1]);
			tput_child(b, fn, arg, &t);
		}
		if (pids[i] < 0) {
			ret->failed++;
			t.slot->err = -EAGAIN;
			t.slot->ready = true;
			got++;		/* nobody will say ready for it */
		}
	}
	close(ready[1]);
	close(go[0]);
	while (got < n) {
		ssize_t	r = read(ready[0], buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (int)r;
	}
	close(go[1]);		/* everyone starts now */
	close(ready[0]);
	for (int i = 0; i < n; i++) {
		if (pids[i] > 0)
			proc_wait(pids[i], "throughput client");
	}
	tput_collect(region, slotsz, n, per, ret);
	free(pids);
	munmap(region, slotsz * (size_t)n);
	return 0;
}
