/* SPDX-License-Identifier: MIT */
/* Local view algebra: ns per op, and a proof that it makes no system call. */


#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "mview.h"

#define ALG_BATCH	1000		/* ops per timed sample */
#define ALG_PROOF_OPS	200000		/* ops per kind under seccomp strict */

struct alg_views {
	struct mview_view	*bytes;		/* 1 MiB of "B" */
	struct mview_view	*doubles;	/* the same as 131072 "d" */
	struct mview_view	*matrix;	/* the same as 256 x 512 "d" */
};

typedef int alg_fn(const struct alg_views *, long i);

static int
alg_slice(const struct alg_views *a, long i)
{
	struct mview_key	 k = { .kind = MVIEW_KEY_SLICE, .start = 1,
	    .stop = 1001, .step = 2, .has_start = true, .has_stop = true,
	    .has_step = true };
	struct mview_view	*v;
	int			 r;

	r = mview_view_subscript(a->doubles, &k, 1, 0, &v, NULL, NULL);
	if (r == MVIEW_SUB_VIEW)
		mview_view_release(v);
	return r;
}

static int
alg_cast(const struct alg_views *a, long i)
{
	struct mview_view	*v;
	int			 r;

	if ((r = mview_view_cast(a->bytes, "d", -1, NULL, &v, NULL)) == 0)
		mview_view_release(v);
	return r;
}

static int
alg_index(const struct alg_views *a, long i)
{
	struct mview_key	k = { .kind = MVIEW_KEY_INDEX, .index = i & 1023 };
	struct mview_value	val;
	void			*item;
	int			 r;

	r = mview_view_subscript(a->doubles, &k, 1, 0, NULL, &item, NULL);
	if (r != MVIEW_SUB_ITEM)
		return -EINVAL;
	return mview_view_get_item(a->doubles, item, &val, NULL);
}

static int
alg_index2(const struct alg_views *a, long i)
{
	int64_t			idx[2] = { i & 255, (i >> 3) & 511 };
	struct mview_value	val;

	return mview_view_get(a->matrix, idx, 2, &val, NULL);
}

static int
alg_transpose(const struct alg_views *a, long i)
{
	struct mview_view	*v;
	int			 r;

	if ((r = mview_view_transpose(a->matrix, NULL, 0, &v, NULL)) == 0)
		mview_view_release(v);
	return r;
}

static const struct {
	const char	*key;
	const char	*name;
	alg_fn		*fn;
} alg_ops[] = {
	{ "alg.slice", "slice v[1:1001:2] (new view)", alg_slice },
	{ "alg.cast", "cast('d') (new view)", alg_cast },
	{ "alg.index", "index v[i] + read element", alg_index },
	{ "alg.index2", "index m[i, j] (2-D) + read", alg_index2 },
	{ "alg.transpose", "transpose 2-D (new view)", alg_transpose },
};

#define ALG_NOPS	(sizeof(alg_ops) / sizeof(alg_ops[0]))

/* malloc's arena warm before system calls go. */
static int
alg_proof_warm(void *arg)
{
	const struct alg_views	*a = arg;

	for (size_t k = 0; k < ALG_NOPS; k++)
		for (long i = 0; i < ALG_BATCH; i++)
			alg_ops[k].fn(a, i);
	return 0;
}

static long
alg_proof_ops(void *arg)
{
	const struct alg_views	*a = arg;
	long			 bad = 0;

	for (size_t k = 0; k < ALG_NOPS; k++)
		for (long i = 0; i < ALG_PROOF_OPS; i++)
			bad += alg_ops[k].fn(a, i) < 0;
	return bad;
}

/* 1: no system call in ALG_NOPS * ALG_PROOF_OPS ops (seccomp strict), 0:
 * not. */
static int
alg_proof(const struct alg_views *a, char *why, size_t len)
{
	char	what[64];

	snprintf(what, sizeof(what), "%d ops", ALG_PROOF_OPS);
	return proc_syscall_proof(alg_proof_warm, alg_proof_ops, (void *)a,
	    true, what, why, len);
}

static void
alg_time(struct bench *b, const struct alg_views *a, size_t k, long batches,
    int proven, const char *why)
{
	struct bench_row	*r;
	struct samples		 s;
	int64_t			 t0;
	long			 errs = 0;

	samples_init(&s);
	for (long i = 0; i < ALG_BATCH; i++)
		errs += alg_ops[k].fn(a, i) < 0;
	for (long j = 0; j < batches; j++) {
		t0 = now_ns();
		for (long i = 0; i < ALG_BATCH; i++)
			errs += alg_ops[k].fn(a, i) < 0;
		samples_add(&s, (double)(now_ns() - t0) / ALG_BATCH);
	}
	r = bench_row_samples(b, alg_ops[k].key, alg_ops[k].name, &s);
	bench_row_floor(b, r, "floor.syscall");
	if (errs)
		bench_row_note(r, "%ld ops failed!", errs);
	else
		bench_row_note(r, "%s", why);
	bench_row_print(b, r);
	samples_free(&s);
}

static int
alg_views_make(struct mview_segment *seg, struct alg_views *a)
{
	int64_t	shape[2] = { 256, 512 };
	int	r;

	if ((r = mview_view_from_segment(seg, &a->bytes)) < 0)
		return r;
	if ((r = mview_view_cast(a->bytes, "d", -1, NULL, &a->doubles,
	    NULL)) < 0)
		return r;
	return mview_view_cast(a->bytes, "d", 2, shape, &a->matrix, NULL);
}

int
bench_algebra(struct bench *b)
{
	struct mview_client	*c;
	struct mview_segment	*seg = NULL;
	struct alg_views	 a = { 0 };
	char			 why[96];
	int			 r, proven;

	bench_section(b, "algebra", "local view algebra: ns per op, no system "
	    "call (ratio vs one null syscall)");
	if ((r = mview_client_connect(bench_socket(b), &c)) < 0)
		return r;
	if ((r = mview_segment_create(c, NULL, MIB, 0600,
	    MVIEW_LIFETIME_SESSION, 0, &seg)) < 0 ||
	    (r = alg_views_make(seg, &a)) < 0) {
		fprintf(stderr, "mview-bench: algebra setup: %s\n",
		    mview_strerror(r));
		goto out;
	}
	proven = alg_proof(&a, why, sizeof(why));
	for (size_t k = 0; k < ALG_NOPS; k++)
		alg_time(b, &a, k, bench_iters(b, 300, 100), proven, why);
	bench_row_add(b, "alg.proof", "zero-syscall proof", UNIT_NS, NAN, NAN,
	    proven > 0 ? 1 : 0);
	b->rows[b->nrows - 1].median = proven > 0 ? 0 : NAN;
	bench_row_note(&b->rows[b->nrows - 1], "%s", why);
out:
	mview_view_release(a.matrix);
	mview_view_release(a.doubles);
	mview_view_release(a.bytes);
	mview_segment_close(seg);
	mview_client_close(c);
	return r;
}
