/* SPDX-License-Identifier: MIT */
/* Registry scale: lookup latency and the daemon's RSS per view at 1k .. 1M views. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "mview.h"

#define SCALE_BUDGET	512.0		/* bytes per view, the target */

struct scale_ctx {
	struct bench		*b;
	struct mview_client	*c;
	struct mview_segment	*seg;
	struct mview_view	*view;
	struct floor_pair	 rt;		/* the round trip, sampled alongside */
	double			 base;		/* lookup / rt at 1k views */
	pid_t			 pid;		/* the daemon's */
	long			 rss0_kb;
	long			 published;
	uint64_t		 rng;
};

static void
scale_name(long i, char *buf, size_t len)
{
	snprintf(buf, len, "bench.scale.%07ld", i);
}

/* xorshift64*: random names, so the hash table is probed all over. */
static uint64_t
scale_rand(struct scale_ctx *x)
{
	x->rng ^= x->rng >> 12;
	x->rng ^= x->rng << 25;
	x->rng ^= x->rng >> 27;
	return x->rng * 2685821657736338717ULL;
}

static int
scale_publish_to(struct scale_ctx *x, long n)
{
	char	name[48];
	int64_t	t0 = now_ns();
	long	from = x->published;
	int	r;

	for (; x->published < n; x->published++) {
		scale_name(x->published, name, sizeof(name));
		if ((r = mview_view_publish(x->c, name, x->view, 0)) < 0) {
			fprintf(stderr, "mview-bench: publish %s: %s (%s)\n",
			    name, mview_strerror(r),
			    mview_client_last_error(x->c));
			return r;
		}
	}
	if (n > from)
		bench_progress("scale: %ld views (%.1f us per publish)", n,
		    (double)(now_ns() - t0) / 1e3 / (double)(n - from));
	return 0;
}

/* Lookups of random names, in blocks with raw round trips between them. */
static int
scale_lookups(struct scale_ctx *x, long n, long iters, struct samples *s,
    struct samples *rt)
{
	struct mview_view	*v;
	char			 name[48];
	int64_t			 t0, t1;
	long			 step = iters / 20 > 0 ? iters / 20 : 1;
	int			 r;

	for (long i = -100; i < iters; i += step) {
		for (long k = i; k < i + step; k++) {
			scale_name((long)(scale_rand(x) % (uint64_t)n), name,
			    sizeof(name));
			t0 = now_ns();
			if ((r = mview_view_lookup(x->c, name, 0, &v)) < 0)
				return r;
			t1 = now_ns();
			mview_view_release(v);
			if (k >= 0)
				samples_add(s, (double)(t1 - t0));
		}
		for (long k = i; k < i + step; k++) {
			if ((r = floor_pair_sample(&x->rt, &t0)) < 0)
				return r;
			if (k >= 0)
				samples_add(rt, (double)t0);
		}
	}
	return 0;
}

/*
 * The lookup row's ratio is against 1k views, each first divided by the
 * round trip measured alongside: what is left is the registry's own cost.
 */
static void
scale_measure(struct scale_ctx *x, long n, const char *label, long iters)
{
	struct bench_row	*r;
	struct samples		 s, rt;
	char			 key[48], title[64];
	double			 norm;
	long			 kb;

	samples_init(&s);
	samples_init(&rt);
	if (scale_lookups(x, n, iters, &s, &rt) == 0) {
		snprintf(key, sizeof(key), "scale.lookup.%s", label);
		snprintf(title, sizeof(title), "view lookup among %s views",
		    label);
		r = bench_row_samples(x->b, key, title, &s);
		norm = r->median / samples_quantile(&rt, 0.5);
		if (n == 1000)
			x->base = norm;
		bench_row_floor_value(r, "1k views, per paired rt", 1.0);
		r->ratio = x->base > 0 ? norm / x->base : NAN;
		bench_row_note(r, "%.2fx the round trip beside it (%.2f us)",
		    norm, samples_quantile(&rt, 0.5) / 1e3);
		bench_row_print(x->b, r);
	}
	samples_free(&s);
	samples_free(&rt);
	if ((kb = proc_rss_kb(x->pid)) < 0 || x->rss0_kb < 0)
		return;
	snprintf(key, sizeof(key), "scale.rss.%s", label);
	snprintf(title, sizeof(title), "daemon RSS per view at %s views", label);
	r = bench_row_add(x->b, key, title, UNIT_BYTES,
	    (double)(kb - x->rss0_kb) * 1024.0 / (double)n, NAN, n);
	bench_row_floor_value(r, "budget 512 B/view", SCALE_BUDGET);
	bench_row_note(r, "VmRSS %ld -> %ld KiB", x->rss0_kb, kb);
	bench_row_print(x->b, r);
}

static int
scale_setup(struct scale_ctx *x)
{
	struct mview_status	st;
	int			r;

	if ((r = mview_client_connect(bench_socket(x->b), &x->c)) < 0)
		return r;
	if ((r = mview_client_status(x->c, &st)) < 0)
		return r;
	x->pid = (pid_t)st.pid;
	if (st.max_views < 1000000)
		fprintf(stderr, "mview-bench: the daemon allows %llu views\n",
		    (unsigned long long)st.max_views);
	mview_segment_delete(x->c, "bench.scale");
	if ((r = mview_segment_create(x->c, "bench.scale", BENCH_SMALL, 0600,
	    MVIEW_LIFETIME_PERSISTENT, 0, &x->seg)) < 0)
		return r;
	if ((r = mview_view_from_segment(x->seg, &x->view)) < 0)
		return r;
	x->rss0_kb = proc_rss_kb(x->pid);
	x->rng = 0x9e3779b97f4a7c15ULL;
	return 0;
}

int
bench_scale(struct bench *b)
{
	static const struct {
		long		 n;
		const char	*label;
	} levels[] = {
		{ 1000, "1k" }, { 10000, "10k" }, { 100000, "100k" },
		{ 1000000, "1M" },
	};
	static const char *const extra[] = {
		"--max-views=4194304", "--max-views-per-uid=4194304", NULL,
	};
	struct scale_ctx	 x = { .b = b };
	size_t			 nlevels = b->quick ? 3 : 4;
	int			 r;

	bench_section(b, "scale", "registry scale (lookup ratio vs 1k views; "
	    "RSS ratio vs 512 B/view)");
	if (b->mviewd != NULL && b->socket == NULL) {
		/* A fresh daemon: its RSS is the registry's and nothing else's. */
		daemon_stop(&b->daemon);
		if ((r = daemon_start(b, &b->daemon, extra)) < 0)
			return r;
	}
	x.rt.sock = -1;
	x.rt.pid = -1;
	x.rt.fd = -1;
	if ((r = floor_pair_open(&x.rt, 0)) < 0 || (r = scale_setup(&x)) < 0) {
		fprintf(stderr, "mview-bench: scale setup: %s\n",
		    mview_strerror(r));
		goto out;
	}
	for (size_t i = 0; i < nlevels; i++) {
		if ((r = scale_publish_to(&x, levels[i].n)) < 0)
			break;
		scale_measure(&x, levels[i].n, levels[i].label,
		    bench_iters(b, 5000, 1000));
	}
out:
	floor_pair_close(&x.rt);
	mview_view_release(x.view);
	mview_segment_close(x.seg);
	if (x.c != NULL)
		mview_segment_delete(x.c, "bench.scale");
	mview_client_close(x.c);
	return r;
}
