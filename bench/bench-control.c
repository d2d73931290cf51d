/* SPDX-License-Identifier: MIT */
/* The control plane: each request's latency for one client, its rate for 1..64 clients. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "mview.h"

#define CTL_OPEN_NAME	"bench.open"	/* a 4K segment everybody may read */
#define CTL_VIEW_NAME	"bench.view"	/* a view of it */

struct ctl_ctx {
	struct bench		*b;
	struct mview_client	*c;
	struct mview_client	*tmpc;		/* connect: the new client */
	struct mview_segment	*seg;		/* held across the run */
	struct mview_segment	*made;		/* create/open: this op's handle */
	struct mview_view	*view;
	uint64_t		 size;
	char			 prefix[32];	/* names unique to this process */
};

struct ctl_op {
	const char	*key;
	const char	*name;
	const char	*floor;		/* latency floor key; NULL: composite */
	int		 nreq;		/* requests per cycle (op + after) */
	bool		 vs_echo;	/* compare the rate with the echo server */
	int		 max_clients;	/* 0: all */
	uint64_t	 size;
	int	(*setup)(struct ctl_ctx *, long n);
	int	(*run)(struct ctl_ctx *, long i);
	int	(*after)(struct ctl_ctx *, long i);
	void	(*teardown)(struct ctl_ctx *, long n);
};

static void
ctl_name(const struct ctl_ctx *x, long i, char *buf, size_t len)
{
	snprintf(buf, len, "%s.%ld", x->prefix, i);
}

static int
ctl_connect_run(struct ctl_ctx *x, long i)
{
	return mview_client_connect(bench_socket(x->b), &x->tmpc);
}

static int
ctl_connect_after(struct ctl_ctx *x, long i)
{
	mview_client_close(x->tmpc);
	x->tmpc = NULL;
	return 0;
}

static int
ctl_create_run(struct ctl_ctx *x, long i)
{
	char	name[64];

	ctl_name(x, i, name, sizeof(name));
	return mview_segment_create(x->c, name, x->size, 0600,
	    MVIEW_LIFETIME_PERSISTENT, 0, &x->made);
}

/* Close the handle (a request: the session lets go) and delete (another). */
static int
ctl_create_after(struct ctl_ctx *x, long i)
{
	char	name[64];

	mview_segment_close(x->made);
	x->made = NULL;
	ctl_name(x, i, name, sizeof(name));
	return mview_segment_delete(x->c, name);
}

static int
ctl_open_run(struct ctl_ctx *x, long i)
{
	return mview_segment_open(x->c, CTL_OPEN_NAME, 0, &x->made);
}

/* The last handle: unmap and tell the daemon, so the next open maps again. */
static int
ctl_open_after(struct ctl_ctx *x, long i)
{
	mview_segment_close(x->made);
	x->made = NULL;
	return 0;
}

/* A segment of our own to publish views of; deleting it drops them all. */
static int
ctl_publish_setup(struct ctl_ctx *x, long n)
{
	char	name[64];
	int	r;

	snprintf(name, sizeof(name), "%s.pubseg", x->prefix);
	if ((r = mview_segment_create(x->c, name, BENCH_SMALL, 0600,
	    MVIEW_LIFETIME_PERSISTENT, 0, &x->seg)) < 0)
		return r;
	return mview_view_from_segment(x->seg, &x->view);
}

static int
ctl_publish_run(struct ctl_ctx *x, long i)
{
	char	name[64];

	ctl_name(x, i, name, sizeof(name));
	return mview_view_publish(x->c, name, x->view, 0);
}

static void
ctl_publish_teardown(struct ctl_ctx *x, long n)
{
	char	name[64];

	snprintf(name, sizeof(name), "%s.pubseg", x->prefix);
	mview_view_release(x->view);
	x->view = NULL;
	mview_segment_close(x->seg);
	x->seg = NULL;
	mview_segment_delete(x->c, name);
}

/* Hold the segment so that every lookup finds it mapped. */
static int
ctl_lookup_setup(struct ctl_ctx *x, long n)
{
	return mview_segment_open(x->c, CTL_OPEN_NAME, 0, &x->seg);
}

static int
ctl_lookup_run(struct ctl_ctx *x, long i)
{
	return mview_view_lookup(x->c, CTL_VIEW_NAME, 0, &x->view);
}

static int
ctl_lookup_after(struct ctl_ctx *x, long i)
{
	mview_view_release(x->view);
	x->view = NULL;
	return 0;
}

static void
ctl_lookup_teardown(struct ctl_ctx *x, long n)
{
	mview_segment_close(x->seg);
	x->seg = NULL;
}

static int
ctl_stat_run(struct ctl_ctx *x, long i)
{
	struct mview_segment_info	*info;
	int				 r;

	if ((r = mview_segment_stat(x->c, CTL_OPEN_NAME, &info)) == 0)
		free(info);
	return r;
}

/* n segments to delete, made (and let go of) before the clock starts. */
static int
ctl_delete_setup(struct ctl_ctx *x, long n)
{
	struct mview_segment	*s;
	char			 name[64];
	int			 r;

	for (long i = 0; i < n; i++) {
		ctl_name(x, i, name, sizeof(name));
		if ((r = mview_segment_create(x->c, name, BENCH_SMALL, 0600,
		    MVIEW_LIFETIME_PERSISTENT, 0, &s)) < 0)
			return r;
		mview_segment_close(s);
	}
	return 0;
}

static int
ctl_delete_run(struct ctl_ctx *x, long i)
{
	char	name[64];

	ctl_name(x, i, name, sizeof(name));
	return mview_segment_delete(x->c, name);
}

static const struct ctl_op ctl_ops[] = {
	{ "ctl.connect", "connect + hello", "floor.connect", 1, false, 0, 0,
	  NULL, ctl_connect_run, ctl_connect_after, NULL },
	{ "ctl.create_small", "segment create 4K", NULL, 3, false, 0,
	  BENCH_SMALL, NULL, ctl_create_run, ctl_create_after, NULL },
	{ "ctl.create_1g", "segment create 1G", NULL, 3, false, 4, GIB,
	  NULL, ctl_create_run, ctl_create_after, NULL },
	{ "ctl.open", "open by name (lookup + fd + mmap)", "floor.rt_fd_mmap",
	  2, true, 0, 0, NULL, ctl_open_run, ctl_open_after, NULL },
	{ "ctl.publish", "view publish", "floor.rt", 1, true, 0, 0,
	  ctl_publish_setup, ctl_publish_run, NULL, ctl_publish_teardown },
	{ "ctl.lookup", "view lookup, segment already mapped", "floor.rt", 1,
	  true, 0, 0, ctl_lookup_setup, ctl_lookup_run, ctl_lookup_after,
	  ctl_lookup_teardown },
	{ "ctl.stat", "segment stat", "floor.rt", 1, true, 0, 0, NULL,
	  ctl_stat_run, NULL, NULL },
	{ "ctl.delete", "segment delete", "floor.rt", 1, false, 0, 0,
	  ctl_delete_setup, ctl_delete_run, NULL, NULL },
};

#define CTL_NOPS	(sizeof(ctl_ops) / sizeof(ctl_ops[0]))

static int
ctl_ctx_open(struct bench *b, const struct ctl_op *op, struct ctl_ctx *x,
    int idx)
{
	memset(x, 0, sizeof(*x));
	x->b = b;
	x->size = op->size;
	snprintf(x->prefix, sizeof(x->prefix), "b%ld.%d", (long)getpid(), idx);
	return mview_client_connect(bench_socket(b), &x->c);
}

static long
ctl_iters(const struct bench *b, const struct ctl_op *op)
{
	if (op->size >= GIB)
		return bench_iters(b, 15, 4);
	return bench_iters(b, 5000, 1000);
}

/*
 * A latency row's floor is sampled in the same loop, block by block with
 * the request, so that both see the same machine: a busy moment on a
 * shared 2-CPU box moves them together and the ratio stays honest.
 */
#define CTL_BLOCKS	20

struct ctl_floor {
	struct floor_pair	rt;		/* plain round trip */
	struct floor_pair	rtfd;		/* round trip + fd + mmap */
	struct samples		s;
};

static int
ctl_floor_open(struct ctl_floor *f)
{
	int	r;

	samples_init(&f->s);
	if ((r = floor_pair_open(&f->rt, 0)) < 0)
		return r;
	if ((r = floor_pair_open(&f->rtfd, BENCH_SMALL)) < 0)
		floor_pair_close(&f->rt);
	return r;
}

static void
ctl_floor_close(struct ctl_floor *f)
{
	floor_pair_close(&f->rt);
	floor_pair_close(&f->rtfd);
	samples_free(&f->s);
}

/* One sample of op's floor; create's is the memfd work plus a round trip. */
static int
ctl_floor_sample(struct bench *b, struct ctl_floor *f, const struct ctl_op *op,
    int64_t *ret_ns)
{
	int64_t	a, c;
	int	r;

	if (op->floor == NULL) {
		if ((r = floor_memfd_sample(op->size, &a)) < 0 ||
		    (r = floor_pair_sample(&f->rt, &c)) < 0)
			return r;
		*ret_ns = a + c;
		return 0;
	}
	if (strcmp(op->floor, "floor.connect") == 0)
		return floor_connect_sample(b, ret_ns);
	if (strcmp(op->floor, "floor.rt_fd_mmap") == 0)
		return floor_pair_sample(&f->rtfd, ret_ns);
	return floor_pair_sample(&f->rt, ret_ns);
}

static void
ctl_floor_ratio(const struct ctl_op *op, struct ctl_floor *f,
    struct bench_row *r)
{
	char	label[40];
	double	med = samples_quantile(&f->s, 0.5);

	if (op->floor != NULL)
		snprintf(label, sizeof(label), "%s, paired", op->floor);
	else
		snprintf(label, sizeof(label), "memfd %s + rt, paired",
		    op->size >= GIB ? "1G" : "4K");
	bench_row_floor_value(r, label, med);
	bench_row_note(r, "floor %.2f us in the same loop", med / 1e3);
}

/* n requests (warm ones not counted), then n floor samples. */
static int
ctl_block(struct bench *b, const struct ctl_op *op, struct ctl_ctx *x,
    struct ctl_floor *f, long from, long n, long warm, struct samples *s)
{
	int64_t	t0, t1, ns;
	int	r;

	for (long i = from; i < from + n; i++) {
		t0 = now_ns();
		r = op->run(x, i);
		t1 = now_ns();
		if (r < 0 || (op->after != NULL && (r = op->after(x, i)) < 0))
			return r;
		if (i >= warm)
			samples_add(s, (double)(t1 - t0));
	}
	for (long i = from; i < from + n; i++) {
		if ((r = ctl_floor_sample(b, f, op, &ns)) < 0)
			return r;
		if (i >= warm)
			samples_add(&f->s, (double)ns);
	}
	return 0;
}

static int
ctl_latency(struct bench *b, const struct ctl_op *op)
{
	struct ctl_floor f;
	struct ctl_ctx	 x;
	struct samples	 s;
	long		 iters = ctl_iters(b, op), warm = iters >= 1000 ? 100 : 1;
	long		 total = iters + warm, step;
	int		 r;

	step = total / CTL_BLOCKS > 0 ? total / CTL_BLOCKS : 1;
	if ((r = ctl_ctx_open(b, op, &x, 0)) < 0)
		return r;
	samples_init(&s);
	if ((r = ctl_floor_open(&f)) < 0)
		goto out;
	if (op->setup == NULL || (r = op->setup(&x, total)) == 0) {
		for (long i = 0; i < total && r == 0; i += step)
			r = ctl_block(b, op, &x, &f, i, i + step <= total ?
			    step : total - i, warm, &s);
	}
	if (op->teardown != NULL)
		op->teardown(&x, total);
	if (r == 0) {
		struct bench_row *row = bench_row_samples(b, op->key, op->name,
		    &s);

		ctl_floor_ratio(op, &f, row);
		bench_row_print(b, row);
	}
	ctl_floor_close(&f);
out:
	if (r < 0)
		fprintf(stderr, "mview-bench: %s: %s (%s)\n", op->name,
		    mview_strerror(r), mview_client_last_error(x.c));
	samples_free(&s);
	mview_client_close(x.c);
	return r;
}

/* One throughput client: its own connection, setup, the start, its ops. */
static int
ctl_tput_cb(struct bench *b, void *arg, struct tput_ctx *t)
{
	const struct ctl_op	*op = arg;
	struct ctl_ctx		 x;
	int64_t			 t0, t1;
	int			 r;

	if ((r = ctl_ctx_open(b, op, &x, t->idx)) < 0)
		return r;
	if (op->setup != NULL && (r = op->setup(&x, t->nops)) < 0)
		return r;
	tput_go(t);
	for (long i = 0; i < t->nops; i++) {
		t0 = now_ns();
		r = op->run(&x, i);
		t1 = now_ns();
		if (r < 0 || (op->after != NULL && (r = op->after(&x, i)) < 0))
			return r;
		tput_record(t, t0, t1);
	}
	tput_done(t);
	if (op->teardown != NULL)
		op->teardown(&x, t->nops);
	mview_client_close(x.c);
	return 0;
}

/*
 * Throughput jobs: the echo server first (the floor), then each request.
 * For one client count they run in rounds, interleaved, so that a busy
 * moment on the machine hits floor and requests alike; each row is the
 * round with the median rate.
 */
#define TPUT_ROUNDS_MAX	7

struct tput_job {
	const char		*key;		/* "echo" or the op's */
	const char		*name;
	tput_child_fn		*fn;
	const struct ctl_op	*op;		/* NULL: the echo server */
	int			 nreq;
	long			 total;
	int			 rounds;
	int			 nres;
	struct tput_result	 res[TPUT_ROUNDS_MAX];
};

static int
tput_rate_cmp(const void *a, const void *b)
{
	const struct tput_result *x = a, *y = b;

	return x->rate < y->rate ? -1 : x->rate > y->rate;
}

static void
tput_job_row(struct bench *b, struct tput_job *j, int n)
{
	struct bench_row	*r;
	struct tput_result	*res;
	char			 key[64], name[64], fkey[32];

	if (j->nres == 0)
		return;
	qsort(j->res, (size_t)j->nres, sizeof(j->res[0]), tput_rate_cmp);
	res = &j->res[j->nres / 2];
	if (j->op == NULL)
		snprintf(key, sizeof(key), "floor.echo.%d", n);
	else
		snprintf(key, sizeof(key), "tput.%s.%d", j->key + 4, n);
	snprintf(name, sizeof(name), "%s, %d client%s", j->name, n,
	    n > 1 ? "s" : "");
	r = bench_row_add(b, key, name, UNIT_RATE, res->rate * j->nreq, NAN,
	    res->ops * j->nreq);
	r->lat_p50 = res->lat_p50;
	r->lat_p99 = res->lat_p99;
	r->clients = n;
	if (j->op != NULL && j->op->vs_echo) {
		snprintf(fkey, sizeof(fkey), "floor.echo.%d", n);
		bench_row_floor(b, r, fkey);
	}
	if (res->failed)
		bench_row_note(r, "%d of %d clients failed", res->failed, n);
	else
		bench_row_note(r, "p50 %.1f us, median of %d run%s%s",
		    res->lat_p50 / 1e3, j->nres, j->nres > 1 ? "s" : "",
		    j->nreq > 1 ? (j->nreq == 2 ? "; 2 requests a cycle" :
		    "; 3 requests a cycle") : "");
	bench_row_print(b, r);
}

static size_t
tput_jobs(struct bench *b, struct tput_job *jobs, int n)
{
	size_t	k = 0;
	int	rounds = (int)bench_iters(b, 5, 3);

	jobs[k++] = (struct tput_job){ .key = "echo", .name = "raw echo "
	    "server (floor)", .fn = bench_echo_client_cb, .nreq = 1,
	    .total = bench_iters(b, 8000, 2000), .rounds = rounds };
	for (size_t i = 0; i < CTL_NOPS; i++) {
		const struct ctl_op *op = &ctl_ops[i];

		if (op->max_clients && n > op->max_clients)
			continue;
		jobs[k] = (struct tput_job){ .key = op->key, .name = op->name,
		    .fn = ctl_tput_cb, .op = op, .nreq = op->nreq,
		    .total = bench_iters(b, 8000, 2000), .rounds = rounds };
		if (op->size >= GIB) {
			jobs[k].total = bench_iters(b, 4, 2);
			jobs[k].rounds = 1;
		} else if (op->nreq == 3 || op->setup == ctl_delete_setup)
			jobs[k].total = bench_iters(b, 2000, 1000);
		k++;
	}
	return k;
}

int
bench_throughput(struct bench *b, const int *clients, size_t nclients)
{
	struct tput_job	jobs[CTL_NOPS + 1];
	size_t		njobs;
	int		maxr = (int)bench_iters(b, 5, 3);

	bench_section(b, "tput", "control plane: requests per second "
	    "(p99 column: one request's p99 latency; ratio: vs echo server)");
	proc_pin(b->daemon.pid, PIN_NONE);
	proc_pin(b->echo_pid, PIN_NONE);
	for (size_t c = 0; c < nclients; c++) {
		bench_progress("throughput: %d clients", clients[c]);
		njobs = tput_jobs(b, jobs, clients[c]);
		for (int round = 0; round < maxr; round++) {
			for (size_t k = 0; k < njobs; k++) {
				struct tput_job *j = &jobs[k];

				if (round >= j->rounds)
					continue;
				if (tput_run(b, clients[c], j->total, j->fn,
				    (void *)(uintptr_t)j->op,
				    &j->res[j->nres]) == 0)
					j->nres++;
			}
		}
		for (size_t k = 0; k < njobs; k++)
			tput_job_row(b, &jobs[k], clients[c]);
	}
	proc_pin(b->daemon.pid, PIN_SERVER);
	proc_pin(b->echo_pid, PIN_SERVER);
	return 0;
}

/* The fixture: a readable 4K segment and a view of it, kept by an admin client. */
static int
ctl_fixture(struct bench *b, struct mview_client **ret_c,
    struct mview_segment **ret_seg)
{
	struct mview_view	*v;
	int			 r;

	if ((r = mview_client_connect(bench_socket(b), ret_c)) < 0)
		return r;
	mview_segment_delete(*ret_c, CTL_OPEN_NAME);
	if ((r = mview_segment_create(*ret_c, CTL_OPEN_NAME, BENCH_SMALL, 0644,
	    MVIEW_LIFETIME_PERSISTENT, 0, ret_seg)) < 0)
		return r;
	if ((r = mview_view_from_segment(*ret_seg, &v)) < 0)
		return r;
	r = mview_view_publish(*ret_c, CTL_VIEW_NAME, v, MVIEW_PUBLISH_REPLACE);
	mview_view_release(v);
	return r;
}

int
bench_control(struct bench *b)
{
	static const int	 clients[] = { 1, 4, 16, 64 };
	struct mview_client	*admin = NULL;
	struct mview_segment	*seg = NULL;
	int			 r;

	if ((r = ctl_fixture(b, &admin, &seg)) < 0) {
		fprintf(stderr, "mview-bench: control plane fixture: %s (%s)\n",
		    mview_strerror(r), admin ? mview_client_last_error(admin) :
		    "no connection");
		mview_client_close(admin);
		return r;
	}
	if (bench_want(b, "control")) {
		bench_section(b, "control", "control plane: latency, one client");
		for (size_t i = 0; i < CTL_NOPS; i++)
			ctl_latency(b, &ctl_ops[i]);
	}
	if (bench_want(b, "tput"))
		bench_throughput(b, clients, sizeof(clients) / sizeof(clients[0]));
	mview_segment_close(seg);
	mview_segment_delete(admin, CTL_OPEN_NAME);
	mview_client_close(admin);
	return 0;
}
