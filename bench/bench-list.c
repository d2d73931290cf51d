/* SPDX-License-Identifier: MIT */
/* The listing attack: a bystander's round trip while clients with no access list 200,000 views over and over. */
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon-harness.h"
#include "raw-client.h"
#include "wire.h"

#define LIST_WINDOW	128		/* publishes in flight while filling */
#define LIST_MAX_ATTACKERS 64
#define LIST_STRANGER	65534

struct list_bench {
	struct harness_daemon	 d;
	long			 views;
	int			 attackers;
	double			 seconds;	/* per measurement */
	uint64_t		 seg;
	uint64_t		*served;	/* list replies, shared with the attackers */
	pid_t			 pids[LIST_MAX_ATTACKERS];
};

struct list_samples {
	double	*v;
	size_t	 n, cap;
};

static int64_t
list_now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
list_samples_add(struct list_samples *s, double v)
{
	if (s->n == s->cap) {
		size_t	 cap = s->cap ? s->cap * 2 : 1024;
		double	*nv = realloc(s->v, cap * sizeof(*nv));

		if (nv == NULL)
			return -ENOMEM;
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n++] = v;
	return 0;
}

static int
list_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The q-quantile (nearest rank) of s; sorts s. */
static double
list_quantile(struct list_samples *s, double q)
{
	size_t	i;

	if (s->n == 0)
		return 0;
	qsort(s->v, s->n, sizeof(*s->v), list_cmp);
	i = (size_t)(q * (double)s->n);
	return s->v[i < s->n ? i : s->n - 1];
}

/* One request and its reply; -error when the daemon refused it. */
static int
list_call(int sock, Mview__Request *req, Mview__Reply **ret_reply)
{
	Mview__Reply	*rep;
	int		 r;

	req->id = 0;
	if ((r = raw_call(sock, req, &rep, NULL)) < 0)
		return r;
	if (rep->error != 0) {
		r = -(int)rep->error;
		fprintf(stderr, "bench-list: %s\n", rep->message ?
		    rep->message : strerror(-r));
		wire_reply_free(rep);
		return r;
	}
	*ret_reply = rep;
	return 0;
}

static int
list_create(struct list_bench *b, int sock)
{
	Mview__Request		 req = MVIEW__REQUEST__INIT;
	Mview__SegmentCreate	 cr = MVIEW__SEGMENT_CREATE__INIT;
	Mview__Reply		*rep;
	int			 r;

	cr.name = (char *)"bench.list";
	cr.size = 4096;
	cr.has_mode = true;
	cr.mode = 0600;		/* the attackers may read none of it */
	req.body_case = MVIEW__REQUEST__BODY_SEGMENT_CREATE;
	req.segment_create = &cr;
	if ((r = list_call(sock, &req, &rep)) < 0)
		return r;
	b->seg = rep->segment->id;
	wire_reply_free(rep);
	return 0;
}

/* Publish b->views views, LIST_WINDOW in flight. */
static int
list_fill(struct list_bench *b, int sock)
{
	Mview__Request		 req = MVIEW__REQUEST__INIT;
	Mview__ViewPublish	 pub = MVIEW__VIEW_PUBLISH__INIT;
	Mview__ViewDesc		 d = MVIEW__VIEW_DESC__INIT;
	Mview__Reply		*rep;
	int64_t			 shape = 16;
	char			 name[48];
	long			 i, k, n;
	int			 r;

	d.segment_id = b->seg;
	d.format = (char *)"B";
	d.itemsize = 1;
	d.n_shape = 1;
	d.shape = &shape;
	pub.name = name;
	pub.desc = &d;
	req.body_case = MVIEW__REQUEST__BODY_VIEW_PUBLISH;
	req.view_publish = &pub;
	for (i = 0; i < b->views; i += n) {
		n = b->views - i < LIST_WINDOW ? b->views - i : LIST_WINDOW;
		for (k = i; k < i + n; k++) {
			snprintf(name, sizeof(name), "bench/list/%07ld", k);
			req.id = (uint64_t)k + 1;
			if ((r = raw_send(sock, &req)) < 0)
				return r;
		}
		for (k = 0; k < n; k++) {
			if ((r = raw_recv(sock, harness_timeout_ms(), &rep,
			    NULL)) < 0)
				return r;
			r = rep->error ? -(int)rep->error : 0;
			if (r < 0)
				fprintf(stderr, "bench-list: publish: %s\n",
				    rep->message);
			wire_reply_free(rep);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* An attacker: list every view, over and over, following whatever paging
 * the daemon offers (tokens when it gives them). */
static int
list_attack(void *arg)
{
	struct list_bench	*b = arg;
	Mview__Request		 req = MVIEW__REQUEST__INIT;
	Mview__ViewList		 vl = MVIEW__VIEW_LIST__INIT;
	Mview__Reply		*rep;
	char			 last[256] = "";
	int			 sock;

	if ((sock = raw_open_caps(b->d.socket, MVIEW_CAP_PAGING |
	    MVIEW_CAP_RESUME)) < 0)
		return 1;
	req.body_case = MVIEW__REQUEST__BODY_VIEW_LIST;
	req.view_list = &vl;
	for (;;) {
		if (list_call(sock, &req, &rep) < 0)
			return 2;
		__atomic_add_fetch(b->served, 1, __ATOMIC_RELAXED);
		Mview__ViewListReply *lr = rep->view_list;
		if (lr->n_views > 0)
			snprintf(last, sizeof(last), "%s",
			    lr->views[lr->n_views - 1]->name);
		/* Over, or nothing to resume from: from the start again. */
		if (!lr->more || (lr->n_views == 0 && !lr->has_resume)) {
			last[0] = '\0';
			vl.has_resume = false;
		} else {
			vl.has_resume = lr->has_resume;
			vl.resume = lr->resume;
		}
		vl.after_name = last[0] ? last : NULL;
		wire_reply_free(rep);
	}
}

/* The bystander: status round trips for b->seconds, in microseconds. */
static int
list_bystander(struct list_bench *b, int sock, struct list_samples *s)
{
	Mview__Request	 req = MVIEW__REQUEST__INIT;
	Mview__Status	 st = MVIEW__STATUS__INIT;
	Mview__Reply	*rep;
	int64_t		 end = list_now_ns() + (int64_t)(b->seconds * 1e9), t0;
	int		 r;

	req.body_case = MVIEW__REQUEST__BODY_STATUS;
	req.status = &st;
	s->n = 0;
	while (list_now_ns() < end || s->n < 20) {
		t0 = list_now_ns();
		if ((r = list_call(sock, &req, &rep)) < 0)
			return r;
		wire_reply_free(rep);
		if ((r = list_samples_add(s, (double)(list_now_ns() - t0) /
		    1e3)) < 0)
			return r;
	}
	return 0;
}

static void
list_report(const char *what, struct list_samples *s)
{
	double	med = list_quantile(s, 0.5), p99 = list_quantile(s, 0.99);

	printf("%-34s %8zu samples  median %10.1f us  p99 %10.1f us\n",
	    what, s->n, med, p99);
}

static void
list_stop_attackers(struct list_bench *b)
{
	for (int i = 0; i < b->attackers; i++) {
		if (b->pids[i] > 0) {
			kill(b->pids[i], SIGKILL);
			(void)harness_child_wait(b->pids[i]);
			b->pids[i] = -1;
		}
	}
}

static int
list_run(struct list_bench *b)
{
	struct list_samples	s = { 0 };
	int64_t			t0;
	uint64_t		served;
	int			sock, r;
	char			what[64];

	if ((sock = raw_open_caps(b->d.socket, MVIEW_CAP_PAGING)) < 0)
		return sock;
	if ((r = list_create(b, sock)) < 0)
		goto out;
	t0 = list_now_ns();
	if ((r = list_fill(b, sock)) < 0)
		goto out;
	printf("%ld views published in %.1f s\n", b->views,
	    (double)(list_now_ns() - t0) / 1e9);
	if ((r = list_bystander(b, sock, &s)) < 0)
		goto out;
	list_report("bystander status, no attackers", &s);
	for (int i = 0; i < b->attackers; i++) {
		b->pids[i] = harness_child_start(LIST_STRANGER, LIST_STRANGER,
		    list_attack, b);
		if (b->pids[i] < 0) {
			r = b->pids[i];
			goto out;
		}
	}
	t0 = list_now_ns();
	served = __atomic_load_n(b->served, __ATOMIC_RELAXED);
	if ((r = list_bystander(b, sock, &s)) < 0)
		goto out;
	served = __atomic_load_n(b->served, __ATOMIC_RELAXED) - served;
	snprintf(what, sizeof(what), "bystander status, %d listing", b->attackers);
	list_report(what, &s);
	printf("list requests served meanwhile: %.0f per second\n",
	    (double)served / ((double)(list_now_ns() - t0) / 1e9));
	for (int i = 0; i < b->attackers; i++) {
		if (waitpid(b->pids[i], NULL, WNOHANG) != 0) {
			fprintf(stderr, "bench-list: attacker %d ended early\n",
			    i);
			r = -ECHILD;
		}
	}
out:
	list_stop_attackers(b);
	free(s.v);
	close(sock);
	return r;
}

static void
list_usage(FILE *f)
{
	fprintf(f, "usage: bench-list [--mviewd PATH] [--views N] "
	    "[--attackers N] [--seconds S]\n"
	    "A bystander's status round trip (median, p99) before and while "
	    "N clients\nwith no access list N views over and over. Runs as "
	    "root (the attackers\nrun as uid %d).\n", LIST_STRANGER);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mviewd", required_argument, NULL, 'm' },
		{ "views", required_argument, NULL, 'v' },
		{ "attackers", required_argument, NULL, 'a' },
		{ "seconds", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct list_bench	b = { .views = 200000, .attackers = 16,
	    .seconds = 10 };
	int			c, r, st;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			setenv("MVIEWD", optarg, 1);
			break;
		case 'v':
			b.views = strtol(optarg, NULL, 10);
			break;
		case 'a':
			b.attackers = atoi(optarg);
			break;
		case 's':
			b.seconds = strtod(optarg, NULL);
			break;
		case 'h':
			list_usage(stdout);
			return 0;
		default:
			list_usage(stderr);
			return 2;
		}
	}
	if (b.views < 1 || b.attackers < 0 ||
	    b.attackers > LIST_MAX_ATTACKERS || !(b.seconds > 0)) {
		list_usage(stderr);
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "bench-list: needs root (attackers run as "
		    "uid %d)\n", LIST_STRANGER);
		return 77;
	}
	for (int i = 0; i < LIST_MAX_ATTACKERS; i++)
		b.pids[i] = -1;
	b.served = mmap(NULL, sizeof(*b.served), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (b.served == MAP_FAILED) {
		perror("bench-list: mmap");
		return 1;
	}
	harness_watchdog((unsigned)(b.seconds * 2 + 600));
	if ((r = harness_daemon_start(&b.d, NULL)) < 0) {
		fprintf(stderr, "bench-list: mviewd: %s\n", strerror(-r));
		return 1;
	}
	r = list_run(&b);
	st = harness_daemon_stop(&b.d);
	if (r < 0)
		fprintf(stderr, "bench-list: %s\n", strerror(-r));
	return r < 0 || st != 0 ? 1 : 0;
}
