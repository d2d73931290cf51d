/* SPDX-License-Identifier: MIT */
/*
 * Load test: N client processes against one private mviewd, each a random
 * mix of create / open / publish / lookup / slice / delete through
 * libmviewclient, a tenth of them SIGKILLed at random moments. At the end:
 * no unexpected error, no segment or view left behind, and the daemon's
 * fd count and memory back where they started.
 *
 *   mview-load [--clients N] [--seconds S] [--kill-percent P] [--seed X]
 *
 * Exit status 0 when every check held; the figures go to stdout.
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/daemon-harness.h"
#include "mview.h"

#define LOAD_MAX_CLIENTS	4096
#define LOAD_OWN		8	/* segments a worker holds at most */
#define LOAD_MAX_SIZE		(64u << 10)
/* glibc keeps some freed memory; ASan's quarantine keeps much more. */
#if defined(__SANITIZE_ADDRESS__)
#define LOAD_RSS_SLACK_KB	(256 * 1024)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LOAD_RSS_SLACK_KB	(256 * 1024)
#endif
#endif
#ifndef LOAD_RSS_SLACK_KB
#define LOAD_RSS_SLACK_KB	(16 * 1024)
#endif
#define LOAD_SETTLE_MS		20000

enum load_op {
	OP_CREATE, OP_PUBLISH, OP_LOOKUP, OP_LOOKUP_OTHER, OP_OPEN, OP_SLICE,
	OP_DELETE, OP_RECONNECT, OP_STATUS, NOPS
};

static const char *const op_names[NOPS] = {
	"create", "publish", "lookup", "lookup-other", "open", "slice",
	"delete", "reconnect", "status",
};

/* Weights of the mix, out of their sum. */
static const unsigned op_weight[NOPS] = { 18, 14, 16, 8, 10, 14, 14, 2, 4 };

/* One worker's figures, in memory shared with the parent. */
struct load_stats {
	uint64_t	ops[NOPS];
	uint64_t	expected;	/* ENOENT on another worker's names */
	uint64_t	unexpected;
	int		started, finished;
	char		first_error[200];
};

struct load_opts {
	int		clients;
	int		seconds;
	int		kill_percent;
	uint64_t	seed;
};

/* A worker's own segment. */
struct own {
	struct mview_segment	*seg;
	unsigned		 seq;
	bool			 persistent;
	bool			 published;
};

struct worker {
	int			 idx;
	struct load_stats	*st;
	struct mview_client	*c;
	struct own		 own[LOAD_OWN];
	int			 nown;
	unsigned		 seq;
	uint64_t		 rng;
	const char		*socket;
	int			 nclients;
};

static uint64_t
rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint8_t
pattern(unsigned idx, unsigned seq, size_t i)
{
	return (uint8_t)(idx * 31 + seq * 7 + i * 13);
}

static void
worker_error(struct worker *w, const char *what, int r)
{
	w->st->unexpected++;
	if (w->st->first_error[0] == '\0')
		snprintf(w->st->first_error, sizeof(w->st->first_error),
		    "worker %d: %s: %s (%s)", w->idx, what, mview_strerror(r),
		    w->c != NULL ? mview_client_last_error(w->c) : "");
}

static void
seg_name(char *buf, size_t len, int idx, unsigned seq)
{
	snprintf(buf, len, "load/w%d/s%u", idx, seq);
}

static void
view_name(char *buf, size_t len, int idx, unsigned seq)
{
	snprintf(buf, len, "load/w%d/v%u", idx, seq);
}

static bool
pattern_ok(const uint8_t *p, size_t n, unsigned idx, unsigned seq, size_t from)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != pattern(idx, seq, from + i))
			return false;
	return true;
}

static void
op_create(struct worker *w)
{
	struct own	*o;
	char		 name[64];
	uint64_t	 size = 1 + rng_next(&w->rng) % LOAD_MAX_SIZE;
	uint8_t		*p;
	int		 r;

	if (w->nown == LOAD_OWN)
		return;
	o = &w->own[w->nown];
	o->seq = w->seq++;
	o->persistent = rng_next(&w->rng) % 10 < 3;
	o->published = false;
	seg_name(name, sizeof(name), w->idx, o->seq);
	r = mview_segment_create(w->c, name, size, 0600, o->persistent ?
	    MVIEW_LIFETIME_PERSISTENT : MVIEW_LIFETIME_SESSION, 0, &o->seg);
	if (r < 0) {
		worker_error(w, "create", r);
		return;
	}
	p = mview_segment_data(o->seg);
	for (size_t i = 0; i < size; i++)
		p[i] = pattern(w->idx, o->seq, i);
	w->nown++;
}

static struct own *
pick_own(struct worker *w)
{
	return w->nown > 0 ? &w->own[rng_next(&w->rng) % (unsigned)w->nown] :
	    NULL;
}

static void
op_publish(struct worker *w)
{
	struct own		*o = pick_own(w);
	struct mview_view	*v = NULL;
	char			 name[64];
	int			 r;

	if (o == NULL)
		return;
	view_name(name, sizeof(name), w->idx, o->seq);
	if ((r = mview_view_from_segment(o->seg, &v)) < 0) {
		worker_error(w, "view", r);
		return;
	}
	r = mview_view_publish(w->c, name, v, MVIEW_PUBLISH_REPLACE);
	mview_view_release(v);
	if (r < 0)
		worker_error(w, "publish", r);
	else
		o->published = true;
}

/* Look a view up and check its bytes (own) or just its shape (others'). */
static void
op_lookup(struct worker *w, bool other)
{
	struct mview_layout	 layout;
	struct mview_view	*v = NULL;
	struct own		*o = NULL;
	char			 name[64];
	int			 idx = w->idx, r;
	unsigned		 seq;

	if (other) {
		idx = (int)(rng_next(&w->rng) % (unsigned)w->nclients);
		seq = (unsigned)(rng_next(&w->rng) % 16);
	} else {
		if ((o = pick_own(w)) == NULL || !o->published)
			return;
		seq = o->seq;
	}
	view_name(name, sizeof(name), idx, seq);
	r = mview_view_lookup(w->c, name, 0, &v);
	if (r == -ENOENT && other) {
		w->st->expected++;
		return;
	}
	if (r < 0) {
		worker_error(w, other ? "lookup other" : "lookup", r);
		return;
	}
	mview_view_layout(v, &layout);
	if (!other && !pattern_ok(mview_view_data(v), (size_t)layout.shape[0],
	    idx, seq, 0))
		worker_error(w, "lookup: bytes differ", -EIO);
	mview_view_release(v);
}

static void
op_open(struct worker *w)
{
	struct own		*o = pick_own(w);
	struct mview_segment	*s = NULL;
	char			 name[64];
	int			 r;

	if (o == NULL)
		return;
	seg_name(name, sizeof(name), w->idx, o->seq);
	if ((r = mview_segment_open(w->c, name, 0, &s)) < 0) {
		worker_error(w, "open", r);
		return;
	}
	if (!pattern_ok(mview_segment_data(s), mview_segment_size(s), w->idx,
	    o->seq, 0))
		worker_error(w, "open: bytes differ", -EIO);
	mview_segment_close(s);
}

/* v[a:b:c][k], locally: no daemon involved. */
static void
op_slice(struct worker *w)
{
	struct own		*o = pick_own(w);
	struct mview_layout	 layout;
	struct mview_view	*v = NULL, *sub = NULL;
	struct mview_key	 key = { .kind = MVIEW_KEY_SLICE, .has_start = true,
	    .has_stop = true, .has_step = true };
	uint64_t		 size;
	uint8_t			 *item = NULL;
	int			 r;

	if (o == NULL)
		return;
	size = mview_segment_size(o->seg);
	key.start = (int64_t)(rng_next(&w->rng) % size);
	key.stop = key.start + 1 + (int64_t)(rng_next(&w->rng) % 64);
	key.step = 1 + (int64_t)(rng_next(&w->rng) % 3);
	if ((r = mview_view_from_segment(o->seg, &v)) < 0 ||
	    (r = mview_view_subscript(v, &key, 1, 0, &sub, NULL, NULL)) < 0) {
		worker_error(w, "slice", r);
		goto out;
	}
	key = (struct mview_key){ .kind = MVIEW_KEY_INDEX, .index = 0 };
	mview_view_layout(sub, &layout);
	if ((r = mview_view_subscript(sub, &key, 1, 0, NULL, (void **)&item,
	    NULL)) != MVIEW_SUB_ITEM || *item != pattern(w->idx, o->seq,
	    (size_t)layout.offset))
		worker_error(w, "slice: wrong element", r < 0 ? r : -EIO);
out:
	mview_view_release(sub);
	mview_view_release(v);
}

static void
own_drop(struct worker *w, int i)
{
	mview_segment_close(w->own[i].seg);
	w->own[i] = w->own[--w->nown];
}

static void
op_delete(struct worker *w)
{
	char	name[64];
	int	i, r;

	if (w->nown == 0)
		return;
	i = (int)(rng_next(&w->rng) % (unsigned)w->nown);
	seg_name(name, sizeof(name), w->idx, w->own[i].seq);
	if ((r = mview_segment_delete(w->c, name)) < 0)
		worker_error(w, "delete", r);
	own_drop(w, i);
}

/* A new connection: session segments of the old one go with it. */
static void
op_reconnect(struct worker *w)
{
	int	r;

	for (int i = w->nown - 1; i >= 0; i--)
		if (!w->own[i].persistent)
			own_drop(w, i);
	mview_client_close(w->c);
	w->c = NULL;
	if ((r = mview_client_connect(w->socket, &w->c)) < 0) {
		worker_error(w, "reconnect", r);
		return;
	}
	/* Persistent ones are still there, their views too. */
}

static void
op_status(struct worker *w)
{
	struct mview_status	st;
	int			r;

	if ((r = mview_client_status(w->c, &st)) < 0)
		worker_error(w, "status", r);
}

static enum load_op
pick_op(struct worker *w)
{
	unsigned	sum = 0, x;

	for (int i = 0; i < NOPS; i++)
		sum += op_weight[i];
	x = (unsigned)(rng_next(&w->rng) % sum);
	for (int i = 0; i < NOPS; i++) {
		if (x < op_weight[i])
			return (enum load_op)i;
		x -= op_weight[i];
	}
	return OP_STATUS;
}

static void
worker_step(struct worker *w)
{
	enum load_op	op = pick_op(w);

	switch (op) {
	case OP_CREATE:		op_create(w); break;
	case OP_PUBLISH:	op_publish(w); break;
	case OP_LOOKUP:		op_lookup(w, false); break;
	case OP_LOOKUP_OTHER:	op_lookup(w, true); break;
	case OP_OPEN:		op_open(w); break;
	case OP_SLICE:		op_slice(w); break;
	case OP_DELETE:		op_delete(w); break;
	case OP_RECONNECT:	op_reconnect(w); break;
	default:		op_status(w); break;
	}
	w->st->ops[op]++;
}

/* Connect, retrying while the daemon works through a connection storm. */
static int
worker_connect(struct worker *w)
{
	long long	deadline = harness_now_ms() + 20000;
	int		r;

	while ((r = mview_client_connect(w->socket, &w->c)) < 0 &&
	    harness_now_ms() < deadline)
		poll(NULL, 0, 10 + (int)(rng_next(&w->rng) % 50));
	return r;
}

static int
worker_main(struct worker *w, long long deadline)
{
	char	name[64];
	int	r;

	w->st->started = 1;
	if ((r = worker_connect(w)) < 0) {
		worker_error(w, "connect", r);
		return 1;
	}
	while (harness_now_ms() < deadline && w->c != NULL)
		worker_step(w);
	/* Clean up what outlives the connection. */
	while (w->nown > 0) {
		if (w->own[0].persistent && w->c != NULL) {
			seg_name(name, sizeof(name), w->idx, w->own[0].seq);
			if ((r = mview_segment_delete(w->c, name)) < 0)
				worker_error(w, "final delete", r);
		}
		own_drop(w, 0);
	}
	mview_client_close(w->c);
	w->st->finished = 1;
	return w->st->unexpected == 0 ? 0 : 1;
}

/* ---------------------------------------------------------------- parent */

static long
rss_kb(pid_t pid)
{
	char	 path[64], line[256];
	long	 kb = -1;
	FILE	*f;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

struct load_run {
	struct load_opts	 o;
	struct harness_daemon	 d;
	struct load_stats	*st;
	pid_t			*pids;
	long long		*kill_at;	/* ms since start; 0: not a victim */
	int			 killed, hung;
	int			 base_fds, peak_fds, end_fds;
	long			 base_rss, peak_rss, end_rss;
	uint64_t		 leftover_segments, leftover_views;
};

static void
load_sample(struct load_run *L)
{
	int	fds = harness_count_fds(L->d.pid);
	long	rss = rss_kb(L->d.pid);

	if (fds > L->peak_fds)
		L->peak_fds = fds;
	if (rss > L->peak_rss)
		L->peak_rss = rss;
}

static int
load_spawn(struct load_run *L, long long deadline)
{
	uint64_t	s = L->o.seed;
	int		nkill = L->o.clients * L->o.kill_percent / 100;
	long long	span = (long long)L->o.seconds * 1000;

	for (int i = 0; i < nkill; i++) {
		int v = (int)(rng_next(&s) % (unsigned)L->o.clients);

		while (L->kill_at[v] != 0)
			v = (v + 1) % L->o.clients;
		L->kill_at[v] = span / 10 + (long long)(rng_next(&s) %
		    (uint64_t)(span * 8 / 10 + 1));
	}
	fflush(NULL);
	for (int i = 0; i < L->o.clients; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("mview-load: fork");
			return -1;
		}
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			struct worker w = {
				.idx = i, .st = &L->st[i], .socket = L->d.socket,
				.nclients = L->o.clients,
				.rng = L->o.seed * 2654435761u + (uint64_t)i + 1,
			};

			_exit(worker_main(&w, deadline));
		}
		L->pids[i] = pid;
	}
	return 0;
}

/* Kill the victims on time, sample the daemon, reap everyone. */
static void
load_wait(struct load_run *L, long long start, long long deadline)
{
	int		left = L->o.clients, status;
	long long	hard = deadline + 60000;

	while (left > 0) {
		long long now = harness_now_ms();
		pid_t pid;

		for (int i = 0; i < L->o.clients; i++) {
			if (L->pids[i] > 0 && L->kill_at[i] > 0 &&
			    now - start >= L->kill_at[i]) {
				kill(L->pids[i], SIGKILL);
				L->kill_at[i] = -1;
				L->killed++;
			}
		}
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (int i = 0; i < L->o.clients; i++) {
				if (L->pids[i] != pid)
					continue;
				L->pids[i] = 0;
				left--;
				if (L->kill_at[i] != -1 && (!WIFEXITED(status) ||
				    WEXITSTATUS(status) != 0) &&
				    L->st[i].unexpected == 0) {
					L->st[i].unexpected++;
					snprintf(L->st[i].first_error,
					    sizeof(L->st[i].first_error),
					    "worker %d died (status %#x)", i,
					    status);
				}
			}
		}
		if (now > hard) {
			for (int i = 0; i < L->o.clients; i++) {
				if (L->pids[i] > 0) {
					kill(L->pids[i], SIGKILL);
					L->hung++;
				}
			}
			hard = now + 60000;
		}
		load_sample(L);
		poll(NULL, 0, 50);
	}
}

/* What killed workers left: their persistent segments (and views). */
static int
load_cleanup(struct load_run *L, struct mview_client *c)
{
	struct mview_segment_info	*infos = NULL;
	size_t				 n = 0;
	int				 r;

	if ((r = mview_segment_list(c, "load/", &infos, &n)) < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (infos[i].lifetime == MVIEW_LIFETIME_PERSISTENT &&
		    mview_segment_delete_id(c, infos[i].id) == 0)
			L->leftover_segments++;
	}
	free(infos);
	return 0;
}

/* Wait until the daemon holds nothing but the control client's session. */
static int
load_settle(struct load_run *L, struct mview_client *c)
{
	long long		 deadline = harness_now_ms() + LOAD_SETTLE_MS;
	struct mview_status	 st;
	int			 r;

	for (;;) {
		if ((r = mview_client_status(c, &st)) < 0)
			return r;
		L->end_fds = harness_count_fds(L->d.pid);
		L->end_rss = rss_kb(L->d.pid);
		if ((st.segments == 0 && st.views == 0 && st.sessions == 1 &&
		    L->end_fds == L->base_fds) || harness_now_ms() > deadline)
			break;
		poll(NULL, 0, 50);
	}
	printf("daemon at the end: %" PRIu64 " segments, %" PRIu64 " views, "
	    "%" PRIu64 " sessions\n", st.segments, st.views, st.sessions);
	return st.segments == 0 && st.views == 0 && st.sessions == 1 ? 0 : -1;
}

/* $MVIEW_RSS_SLACK_KB overrides (valgrind keeps freed blocks on purpose). */
static long
load_rss_slack(void)
{
	const char	*e = getenv("MVIEW_RSS_SLACK_KB");

	return e != NULL && atol(e) > 0 ? atol(e) : LOAD_RSS_SLACK_KB;
}

static void
load_report(const struct load_run *L, long long ms, uint64_t *ret_unexpected)
{
	uint64_t	ops[NOPS] = { 0 }, total = 0, expected = 0, unexpected = 0;
	int		finished = 0, shown = 0;

	for (int i = 0; i < L->o.clients; i++) {
		for (int k = 0; k < NOPS; k++)
			ops[k] += L->st[i].ops[k];
		expected += L->st[i].expected;
		unexpected += L->st[i].unexpected;
		finished += L->st[i].finished;
		if (L->st[i].unexpected && shown++ < 10)
			printf("  error: %s\n", L->st[i].first_error);
	}
	printf("clients: %d (%d SIGKILLed, %d finished, %d hung), %.1f s\n",
	    L->o.clients, L->killed, finished, L->hung, (double)ms / 1000);
	for (int k = 0; k < NOPS; k++) {
		total += ops[k];
		printf("  %-13s %10" PRIu64 "\n", op_names[k], ops[k]);
	}
	printf("operations: %" PRIu64 " (%.0f/s); expected errors (ENOENT on "
	    "others' names): %" PRIu64 "; unexpected errors: %" PRIu64 "\n",
	    total, (double)total * 1000 / (double)(ms > 0 ? ms : 1), expected,
	    unexpected);
	printf("left by killed clients and deleted by the test: %" PRIu64
	    " persistent segments\n", L->leftover_segments);
	printf("mviewd fds: %d before, %d peak, %d after\n", L->base_fds,
	    L->peak_fds, L->end_fds);
	printf("mviewd VmRSS: %ld kB before, %ld kB peak, %ld kB after "
	    "(tolerance +%ld kB)\n", L->base_rss, L->peak_rss, L->end_rss,
	    load_rss_slack());
	*ret_unexpected = unexpected + (uint64_t)L->hung;
}

static int
load_run(struct load_opts *o)
{
	char			 conns[64], sessions[64];
	/* Every worker is the same uid: its fds are the daemon's load, not
	 * one uid's share of it. */
	const char		*argv[] = { conns, sessions,
	    "--max-fds-per-uid=1073741824", NULL };
	struct load_run		 L = { .o = *o };
	struct mview_client	*c = NULL;
	long long		 start, deadline;
	uint64_t		 unexpected;
	int			 ok;

	/*
	 * Room for every worker twice: one that reconnects may be accepted
	 * before the daemon has seen its old connection close.
	 */
	snprintf(conns, sizeof(conns), "--max-conns-per-uid=%d",
	    2 * o->clients + 8);
	snprintf(sessions, sizeof(sessions), "--max-sessions=%d",
	    2 * o->clients + 16);
	L.st = mmap(NULL, sizeof(*L.st) * (size_t)o->clients,
	    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	L.pids = calloc((size_t)o->clients, sizeof(*L.pids));
	L.kill_at = calloc((size_t)o->clients, sizeof(*L.kill_at));
	if (L.st == MAP_FAILED || L.pids == NULL || L.kill_at == NULL)
		return 2;
	if (harness_daemon_start(&L.d, argv) < 0 ||
	    mview_client_connect(L.d.socket, &c) < 0) {
		fprintf(stderr, "mview-load: cannot start mviewd\n");
		return 2;
	}
	L.base_fds = L.peak_fds = harness_count_fds(L.d.pid);
	L.base_rss = L.peak_rss = rss_kb(L.d.pid);
	start = harness_now_ms();
	deadline = start + (long long)o->seconds * 1000;
	if (load_spawn(&L, deadline) < 0)
		return 2;
	load_wait(&L, start, deadline);
	ok = load_cleanup(&L, c) == 0 && load_settle(&L, c) == 0;
	load_report(&L, harness_now_ms() - start, &unexpected);
	ok = ok && unexpected == 0 && L.end_fds == L.base_fds &&
	    L.end_rss <= L.base_rss + load_rss_slack();
	mview_client_close(c);
	if (harness_daemon_stop(&L.d) != 0)
		ok = 0;
	free(L.pids);
	free(L.kill_at);
	munmap(L.st, sizeof(*L.st) * (size_t)o->clients);
	printf("%s\n", ok ? "PASS" : "FAIL");
	return ok ? 0 : 1;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: mview-load [--clients N] [--seconds S] "
	    "[--kill-percent P] [--seed X]\n"
	    "Starts a private mviewd ($MVIEW_TOP_BUILDDIR/daemon/mviewd or "
	    "$MVIEWD) and N clients.\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "clients", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 't' },
		{ "kill-percent", required_argument, NULL, 'k' },
		{ "seed", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct load_opts	o = { 256, 30, 10, 1 };
	int			c;

	while ((c = getopt_long(argc, argv, "n:t:k:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': o.clients = atoi(optarg); break;
		case 't': o.seconds = atoi(optarg); break;
		case 'k': o.kill_percent = atoi(optarg); break;
		case 's': o.seed = strtoull(optarg, NULL, 0); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (o.clients < 1 || o.clients > LOAD_MAX_CLIENTS || o.seconds < 1 ||
	    o.kill_percent < 0 || o.kill_percent > 100 || o.seed == 0) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("mview-load: %d clients, %d s, %d%% SIGKILLed, seed %" PRIu64
	    "\n", o.clients, o.seconds, o.kill_percent, o.seed);
	return load_run(&o);
}
