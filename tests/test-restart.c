/* SPDX-License-Identifier: MIT */
/* mviewd restarts lose nothing: crashes, clean restarts, a torn journal, under a stand-in systemd. */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "mview.h"
#include "sdemu.h"

#define START_MS	30000
#define GRACE_SEC	(getenv("MVIEW_DAEMON_WRAPPER") ? 20 : 3)
#define NOBODY		65534
#define LIVE_SIZE	(64u << 10)
#define LIVE_WORDS	(LIVE_SIZE / sizeof(uint64_t))

static struct sdemu		*m;
static char			 dir[64], conf[128], daemon_cmd[8192];
static char			*daemon_argv[32];
static struct mview_client	*c;		/* root's client, reconnects */
static unsigned			 restarts;	/* survived, for the summary */
static uint64_t			 bytes_checked, segs_checked, views_checked;

/* ---------------------------------------------------------------- helpers */

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint8_t
pattern(uint64_t tag, uint64_t i)
{
	return (uint8_t)((i * 131 + tag * 7 + (i >> 8)) ^ 0x5a);
}

static uint64_t
fnv64(const uint8_t *p, uint64_t n)
{
	uint64_t	h = 0xcbf29ce484222325ull;

	for (uint64_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static void
write_file(const char *path, const char *text)
{
	FILE	*f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void
start_daemon(void)
{
	int	r = sdemu_start(m, daemon_argv, START_MS);

	if (r < 0)
		fail_msg("mviewd did not become ready: %s", strerror(-r));
}

/* Stop with sig (SIGKILL: a crash) and start again. */
static void
restart(int sig)
{
	int	st = sdemu_stop(m, sig);
	int64_t	t0 = now_ms();

	/* Start again before judging, so that one failure does not cascade. */
	start_daemon();
	assert_true(st >= 0);
	if (sig == SIGKILL)
		assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("mviewd did not stop cleanly on signal %d: status %#x",
		    sig, st);
	restarts++;
	if (getenv("MVIEW_TEST_VERBOSE"))
		fprintf(stderr, "# restart after %s: ready in %" PRId64 " ms\n",
		    sig == SIGKILL ? "SIGKILL" : "SIGTERM", now_ms() - t0);
}

static char *
seg_fdname(uint64_t id, char *buf, size_t len)
{
	snprintf(buf, len, "seg-%" PRIu64, id);
	return buf;
}

/* Wait until the store holds (want) or lacks (!want) name. */
static bool
wait_stored(const char *name, bool want, int ms)
{
	int64_t	deadline = now_ms() + ms;

	do {
		if ((sdemu_stored_fd(m, name) >= 0) == want)
			return true;
		poll(NULL, 0, 10);
	} while (now_ms() < deadline);
	return false;
}

/* Every live segment has its fd stored, and nothing else is: one journal. */
static void
check_store(void)
{
	struct mview_segment_info	*infos;
	size_t				 n;
	char				 name[64];

	assert_int_equal(mview_segment_list(c, "", &infos, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (sdemu_stored_fd(m, seg_fdname(infos[i].id, name,
		    sizeof(name))) < 0)
			fail_msg("%s (%s) is not in the fd store", name,
			    infos[i].name ? infos[i].name : "anonymous");
	assert_int_equal(sdemu_count_prefix(m, "seg-"), n);
	assert_int_equal(sdemu_count_prefix(m, "journal-"), 1);
	assert_int_equal(sdemu_nstored(m), n + 1);
	assert_int_equal(sdemu_bad_names(m), 0);
	free(infos);
}

/* ------------------------------------------------------------- snapshots */

struct snap {
	struct mview_segment_info	*segs;
	size_t				 nsegs;
	uint64_t			*sums;
	struct mview_view_info		*views;
	size_t				 nviews;
};

static void
snap_free(struct snap *s)
{
	free(s->segs);
	free(s->sums);
	free(s->views);
	memset(s, 0, sizeof(*s));
}

/* Everything root sees, with a checksum of every segment's bytes. */
static void
snap_take(struct snap *s)
{
	memset(s, 0, sizeof(*s));
	assert_int_equal(mview_segment_list(c, "", &s->segs, &s->nsegs), 0);
	assert_int_equal(mview_view_list(c, "", &s->views, &s->nviews), 0);
	s->sums = calloc(s->nsegs + 1, sizeof(*s->sums));
	for (size_t i = 0; i < s->nsegs; i++) {
		struct mview_segment	*seg;

		assert_int_equal(mview_segment_open_id(c, s->segs[i].id, 0,
		    &seg), 0);
		s->sums[i] = fnv64(mview_segment_data(seg), s->segs[i].size);
		mview_segment_close(seg);
	}
}

static bool
str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void
seg_equal(const struct mview_segment_info *a, const struct mview_segment_info *b)
{
	assert_int_equal(a->id, b->id);
	assert_true(str_eq(a->name, b->name));
	assert_int_equal(a->size, b->size);
	assert_int_equal(a->uid, b->uid);
	assert_int_equal(a->gid, b->gid);
	assert_int_equal(a->mode, b->mode);
	assert_int_equal(a->lifetime, b->lifetime);
	assert_int_equal(a->frozen, b->frozen);
	assert_int_equal(a->hugetlb, b->hugetlb);
	assert_int_equal(a->ctime_ns, b->ctime_ns);
}

static void
view_equal(const struct mview_view_info *a, const struct mview_view_info *b)
{
	const struct mview_desc	*x = &a->desc, *y = &b->desc;

	assert_string_equal(a->name, b->name);
	assert_int_equal(a->uid, b->uid);
	assert_int_equal(a->ctime_ns, b->ctime_ns);
	assert_int_equal(x->segment_id, y->segment_id);
	assert_int_equal(x->offset, y->offset);
	assert_int_equal(x->itemsize, y->itemsize);
	assert_int_equal(x->ndim, y->ndim);
	assert_int_equal(x->readonly, y->readonly);
	assert_string_equal(x->format, y->format);
	for (int i = 0; i < x->ndim; i++) {
		assert_int_equal(x->shape[i], y->shape[i]);
		assert_int_equal(x->strides[i], y->strides[i]);
	}
}

/* b is a (ids, names, owners, modes, lifetimes, views, bytes); skip: a
 * name whose bytes change meanwhile. */
static void
snap_compare(const struct snap *a, const struct snap *b, const char *skip)
{
	assert_int_equal(a->nsegs, b->nsegs);
	for (size_t i = 0; i < a->nsegs; i++) {
		seg_equal(&a->segs[i], &b->segs[i]);
		if (skip != NULL && str_eq(a->segs[i].name, skip))
			continue;
		if (a->sums[i] != b->sums[i])
			fail_msg("segment %" PRIu64 " (%s): bytes differ",
			    a->segs[i].id, a->segs[i].name ? a->segs[i].name :
			    "anonymous");
		bytes_checked += a->segs[i].size;
	}
	segs_checked += a->nsegs;
	assert_int_equal(a->nviews, b->nviews);
	for (size_t i = 0; i < a->nviews; i++)
		view_equal(&a->views[i], &b->views[i]);
	views_checked += a->nviews;
}

static uint64_t
snap_max_id(const struct snap *s)
{
	uint64_t	max = 0;

	for (size_t i = 0; i < s->nsegs; i++)
		if (s->segs[i].id > max)
			max = s->segs[i].id;
	return max;
}

/* -------------------------------------------------------------- content */

static struct mview_segment *
make_segment(struct mview_client *cl, const char *name, uint64_t size,
    uint32_t mode, enum mview_lifetime lt)
{
	struct mview_segment	*seg;
	uint8_t			*p;
	int			 r;

	r = mview_segment_create(cl, name, size, mode, lt, 0, &seg);
	if (r < 0)
		fail_msg("create %s: %s", name ? name : "anonymous",
		    mview_strerror(r));
	p = mview_segment_data(seg);
	for (uint64_t i = 0; i < size; i++)
		p[i] = pattern(mview_segment_info(seg)->id, i);
	return seg;
}

static void
publish(struct mview_segment *seg, const char *name, const char *fmt,
    int ndim, const int64_t *shape, const int64_t *strides, int64_t offset,
    bool readonly)
{
	struct mview_view	*v, *ro;
	struct mview_error	 err;

	if (mview_view_new(seg, fmt, ndim, shape, strides, offset, &v,
	    &err) < 0)
		fail_msg("view %s: %s", name, err.message);
	if (readonly) {
		assert_int_equal(mview_view_toreadonly(v, &ro), 0);
		mview_view_release(v);
		v = ro;
	}
	assert_int_equal(mview_view_publish(c, name, v, 0), 0);
	mview_view_release(v);
}

/* A child, as nobody, makes r/nobody (0640) and publishes a view of it. */
static void
populate_as_nobody(void)
{
	pid_t	pid = fork();
	int	st;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct mview_client	*cl;
		struct mview_segment	*seg;
		struct mview_view	*v;
		int64_t			 shape[] = { 512 };

		int			 r;

		if (setgroups(0, NULL) < 0 ||
		    setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
		    setresuid(NOBODY, NOBODY, NOBODY) < 0)
			_exit(1);
		if ((r = mview_client_connect(sdemu_socket_path(m), &cl)) < 0 ||
		    (r = mview_segment_create(cl, "r/nobody", 4096, 0640,
		    MVIEW_LIFETIME_PERSISTENT, 0, &seg)) < 0) {
			fprintf(stderr, "nobody: %s\n", mview_strerror(r));
			_exit(1);
		}
		memset(mview_segment_data(seg), 0x6e, 4096);
		if (mview_view_new(seg, "d", 1, shape, NULL, 0, &v, NULL) < 0 ||
		    mview_view_publish(cl, "v/nobody", v, 0) < 0)
			_exit(2);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("the child as nobody failed: status %#x", st);
}

/* The second uid's segment and view kept their owner and mode. */
static void
check_owners(const struct snap *s)
{
	bool	seg = false, view = false;

	for (size_t i = 0; i < s->nsegs; i++)
		if (str_eq(s->segs[i].name, "r/nobody")) {
			assert_int_equal(s->segs[i].uid, NOBODY);
			assert_int_equal(s->segs[i].gid, NOBODY);
			assert_int_equal(s->segs[i].mode, 0640);
			seg = true;
		}
	for (size_t i = 0; i < s->nviews; i++)
		if (strcmp(s->views[i].name, "v/nobody") == 0) {
			assert_int_equal(s->views[i].uid, NOBODY);
			view = true;
		}
	assert_true(seg && view);
}

/* ------------------------------------------------------------ the writer */

struct writer {
	pid_t	pid;
	int	ctl;		/* write a byte: stop */
	int	res;		/* reads the result line */
};

/*
 * A client process that creates r/live (session lifetime) and writes and
 * checks it without pause, and asks the daemon for a stat now and then,
 * through the crash and the restart. Reports "words stats failures".
 */
static void
writer_run(int ready, int ctl, int res)
{
	struct mview_client	*cl;
	struct mview_segment	*seg;
	struct mview_segment_info *info;
	volatile uint64_t	*w;
	uint64_t		 k, bad = 0, stats = 0, fails = 0;
	char			 line[128];
	int			 r;

	if (mview_client_connect(sdemu_socket_path(m), &cl) < 0 ||
	    mview_segment_create(cl, "r/live", LIVE_SIZE, 0644,
	    MVIEW_LIFETIME_SESSION, 0, &seg) < 0)
		_exit(1);
	w = mview_segment_data(seg);
	for (k = 0; k < LIVE_WORDS; k++)
		w[k] = k;
	if (write(ready, "R", 1) != 1)
		_exit(2);
	for (k = LIVE_WORDS;; k++) {
		struct pollfd	pfd = { .fd = ctl, .events = POLLIN };

		if (w[(k - 1) % LIVE_WORDS] != k - 1)
			bad++;
		w[k % LIVE_WORDS] = k;
		if (k % 4096 != 0)
			continue;
		if (poll(&pfd, 1, 0) == 1)
			break;
		r = mview_segment_stat(cl, "r/a", &info);
		if (r == 0)
			free(info);
		else
			fails++;
		stats++;
	}
	/* After the restart, a request must work (reconnected). */
	if ((r = mview_segment_stat(cl, "r/a", &info)) == 0)
		free(info);
	else
		fails += 1000000;
	snprintf(line, sizeof(line), "%" PRIu64 " %" PRIu64 " %" PRIu64 " %"
	    PRIu64 "\n", k, stats, fails, bad);
	if (write(res, line, strlen(line)) < 0)
		_exit(3);
	_exit(bad != 0 ? 4 : 0);
}

static void
writer_start(struct writer *wr)
{
	int	ready[2], ctl[2], res[2];
	char	ch;

	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	assert_int_equal(pipe2(ctl, O_CLOEXEC), 0);
	assert_int_equal(pipe2(res, O_CLOEXEC), 0);
	wr->pid = fork();
	assert_true(wr->pid >= 0);
	if (wr->pid == 0)
		writer_run(ready[1], ctl[0], res[1]);
	close(ready[1]);
	close(ctl[0]);
	close(res[1]);
	assert_int_equal(read(ready[0], &ch, 1), 1);
	close(ready[0]);
	wr->ctl = ctl[1];
	wr->res = res[0];
}

/* Stop the writer; its last word written, or a failure. */
static uint64_t
writer_stop(struct writer *wr)
{
	char		line[128] = "";
	uint64_t	k = 0, stats = 0, fails = 0, bad = 0;
	ssize_t		n;
	int		st;

	assert_int_equal(write(wr->ctl, "S", 1), 1);
	n = read(wr->res, line, sizeof(line) - 1);
	assert_int_equal(waitpid(wr->pid, &st, 0), wr->pid);
	close(wr->ctl);
	close(wr->res);
	assert_true(n > 0);
	line[n] = '\0';
	assert_int_equal(sscanf(line, "%" SCNu64 " %" SCNu64 " %" SCNu64 " %"
	    SCNu64, &k, &stats, &fails, &bad), 4);
	if (getenv("MVIEW_TEST_VERBOSE"))
		fprintf(stderr, "# writer: %" PRIu64 " words written, %" PRIu64
		    " stats, %" PRIu64 " failed, %" PRIu64 " bad reads\n", k,
		    stats, fails, bad);
	assert_int_equal(bad, 0);
	assert_true(fails < 1000000);	/* the last request worked */
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return k;
}

/* ------------------------------------------------------------------ tests */

static struct mview_segment	*held_b;	/* root keeps r/b mapped */

static void
populate(void)
{
	struct mview_segment	*a, *odd, *zero, *fr, *anon;
	int64_t			 s1[] = { 1024 }, s2[] = { 128, 1024 };
	int64_t			 s3[] = { 16 }, st3[] = { -2 };

	a = make_segment(c, "r/a", 4096, 0644, MVIEW_LIFETIME_PERSISTENT);
	held_b = make_segment(c, "r/b", 1u << 20, 0600,
	    MVIEW_LIFETIME_PERSISTENT);
	odd = make_segment(c, "r/odd", 12345, 0666, MVIEW_LIFETIME_PERSISTENT);
	zero = make_segment(c, "r/zero", 0, 0644, MVIEW_LIFETIME_PERSISTENT);
	fr = make_segment(c, "r/frozen", 65536, 0444, MVIEW_LIFETIME_PERSISTENT);
	anon = make_segment(c, NULL, 8192, 0600, MVIEW_LIFETIME_PERSISTENT);
	publish(a, "v/a-i4", "i", 1, s1, NULL, 0, false);
	publish(held_b, "v/b-2d", "d", 2, s2, NULL, 0, false);
	publish(held_b, "v/b-neg", "B", 1, s3, st3, 100, false);
	publish(odd, "v/odd-scalar", "H", 0, NULL, NULL, 10, false);
	publish(fr, "v/frozen-ro", "B", 1, (int64_t[]){ 65536 }, NULL, 0, true);
	publish(anon, "v/anon", "q", 1, s1, NULL, 0, false);
	assert_int_equal(mview_segment_freeze(c, "r/frozen"), 0);
	mview_segment_close(a);
	mview_segment_close(odd);
	mview_segment_close(zero);
	mview_segment_close(fr);
	mview_segment_close(anon);
	populate_as_nobody();
}

/* Crash with a writer mapped and busy; everything comes back. */
static void
test_crash(void **state)
{
	struct mview_client	*c2;
	struct mview_segment	*gone, *sess, *live;
	struct writer		 wr;
	struct snap		 before, after;
	uint64_t		 last, *w, gone_id, live_id, new_id;
	char			 name[64];
	int			 r;

	(void)state;
	populate();
	/* A session segment whose creator's connection will not come back. */
	assert_int_equal(mview_client_connect(sdemu_socket_path(m), &c2), 0);
	gone = make_segment(c2, "r/sess-gone", 4096, 0644,
	    MVIEW_LIFETIME_SESSION);
	gone_id = mview_segment_info(gone)->id;
	writer_start(&wr);
	snap_take(&before);
	check_store();

	poll(NULL, 0, 50);		/* the writer is busy */
	restart(SIGKILL);
	poll(NULL, 0, 50);		/* ... and goes on */

	snap_take(&after);
	snap_compare(&before, &after, "r/live");
	check_store();
	check_owners(&after);
	assert_int_equal(mview_segment_open(c, "r/frozen", MVIEW_OPEN_WRITE,
	    &sess), -EPERM);
	/* The writer kept its mapping and its connection throughout. */
	last = writer_stop(&wr);
	assert_int_equal(mview_segment_open(c, "r/live", 0, &live), 0);
	live_id = mview_segment_info(live)->id;
	w = mview_segment_data(live);
	for (uint64_t i = 0; i < LIVE_WORDS; i++) {
		uint64_t want = last - ((last - i) % LIVE_WORDS);

		if (w[i] != want)
			fail_msg("r/live word %" PRIu64 ": %" PRIu64 ", last "
			    "%" PRIu64, i, w[i], last);
	}

	/* Ids go on from where they were. */
	assert_int_equal(mview_segment_create(c, "r/new", 100, 0600,
	    MVIEW_LIFETIME_PERSISTENT, 0, &sess), 0);
	new_id = mview_segment_info(sess)->id;
	assert_true(new_id > snap_max_id(&before));
	assert_true(wait_stored(seg_fdname(new_id, name, sizeof(name)), true,
	    2000));
	mview_segment_close(sess);
	/* Deleting after a restart empties the fd store too. */
	assert_int_equal(mview_segment_delete(c, "r/new"), 0);
	assert_true(wait_stored(name, false, 2000));

	/* Past the grace, the orphaned session segment is gone, r/live
	 * (re-attached by us) stays until we let go. */
	poll(NULL, 0, (GRACE_SEC + 1) * 1000);
	r = mview_segment_stat(c, "r/sess-gone", &(struct mview_segment_info *){ 0 });
	assert_int_equal(r, -ENOENT);
	assert_true(wait_stored(seg_fdname(gone_id, name, sizeof(name)), false,
	    2000));
	assert_true(sdemu_stored_fd(m, seg_fdname(live_id, name,
	    sizeof(name))) >= 0);
	mview_segment_close(live);
	assert_true(wait_stored(name, false, 2000));
	mview_segment_close(gone);	/* its memory stayed mapped here */
	mview_client_close(c2);
	check_store();
	snap_free(&before);
	snap_free(&after);
}

/* Change something, restart (clean or not), compare; several in a row. */
static void
test_restarts(void **state)
{
	struct mview_segment	*seg;
	struct snap		 before, after;
	char			 name[32];

	(void)state;
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "r/round%d", i);
		seg = make_segment(c, name, 4096u << i, 0640,
		    MVIEW_LIFETIME_PERSISTENT);
		snprintf(name, sizeof(name), "v/round%d", i);
		publish(seg, name, "i", 1, (int64_t[]){ 1024 }, NULL, 0, false);
		if (i > 0) {
			snprintf(name, sizeof(name), "v/round%d", i - 1);
			assert_int_equal(mview_view_unpublish(c, name), 0);
		}
		if (i == 2)
			assert_int_equal(mview_segment_freeze(c, "r/round1"), 0);
		mview_segment_close(seg);
		snap_take(&before);
		restart(i % 2 ? SIGTERM : SIGKILL);
		snap_take(&after);
		snap_compare(&before, &after, NULL);
		check_store();
		snap_free(&before);
		snap_free(&after);
	}
}

/* The stored journal's fd and size. */
static int
journal_fd(off_t *ret_size)
{
	char		name[300];
	struct stat	st;
	int		fd = -1;
	size_t		n = sdemu_stored_name(m, 0, name, sizeof(name));

	for (size_t i = 0; i < n; i++) {
		sdemu_stored_name(m, i, name, sizeof(name));
		if (strncmp(name, "journal-", 8) == 0)
			fd = sdemu_stored_fd(m, name);
	}
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	*ret_size = st.st_size;
	return fd;
}

/* A journal cut inside its last record loses that change only; garbage
 * after the last record loses nothing. */
static void
test_torn_journal(void **state)
{
	struct mview_segment	*seg;
	struct snap		 before, after;
	uint8_t			 junk[64];
	off_t			 size;
	int			 fd;

	(void)state;
	snap_take(&before);
	assert_int_equal(mview_segment_open(c, "r/a", 0, &seg), 0);
	publish(seg, "v/torn", "B", 1, (int64_t[]){ 10 }, NULL, 0, false);
	mview_segment_close(seg);
	assert_int_equal(sdemu_stop(m, SIGKILL) & 0x7f, SIGKILL);
	fd = journal_fd(&size);
	assert_int_equal(ftruncate(fd, size - 5), 0);
	start_daemon();
	restarts++;
	snap_take(&after);
	snap_compare(&before, &after, NULL);	/* no v/torn, all else */
	check_store();
	snap_free(&after);

	assert_int_equal(mview_segment_open(c, "r/a", 0, &seg), 0);
	publish(seg, "v/torn", "B", 1, (int64_t[]){ 10 }, NULL, 0, false);
	mview_segment_close(seg);
	snap_free(&before);
	snap_take(&before);
	assert_int_equal(sdemu_stop(m, SIGKILL) & 0x7f, SIGKILL);
	fd = journal_fd(&size);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 37 + 11);
	assert_int_equal(pwrite(fd, junk, sizeof(junk), size), sizeof(junk));
	start_daemon();
	restarts++;
	snap_take(&after);
	snap_compare(&before, &after, NULL);	/* v/torn too */
	check_store();
	snap_free(&before);
	snap_free(&after);
}

/* The stored journal's name. */
static void
journal_name(char *buf, size_t len)
{
	char	name[300];
	size_t	n = sdemu_stored_name(m, 0, name, sizeof(name));

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		sdemu_stored_name(m, i, name, sizeof(name));
		if (strncmp(name, "journal-", 8) == 0)
			snprintf(buf, len, "%s", name);
	}
}

/* Churn makes the journal compact itself (a new generation) while serving;
 * a crash right after still loses nothing. */
static void
test_compaction(void **state)
{
	struct mview_segment	*seg;
	struct mview_view	*v;
	struct snap		 before, after;
	char			 j0[300], j1[300];
	int64_t			 shape[] = { 8 };

	(void)state;
	journal_name(j0, sizeof(j0));
	assert_int_equal(mview_segment_open(c, "r/a", 0, &seg), 0);
	assert_int_equal(mview_view_new(seg, "B", 1, shape, NULL, 0, &v, NULL),
	    0);
	for (int i = 0; i < 3000; i++) {	/* 4500 records */
		assert_int_equal(mview_view_publish(c, "v/churn", v,
		    MVIEW_PUBLISH_REPLACE), 0);
		if (i % 2)
			assert_int_equal(mview_view_unpublish(c, "v/churn"), 0);
	}
	mview_view_release(v);
	mview_segment_close(seg);
	snap_take(&before);
	/* The manager's thread stores the new journal when it gets to it. */
	for (int64_t deadline = now_ms() + 10000;;) {
		journal_name(j1, sizeof(j1));
		if (strcmp(j0, j1) != 0 || now_ms() > deadline)
			break;
		poll(NULL, 0, 10);
	}
	assert_string_not_equal(j0, j1);
	check_store();
	restart(SIGKILL);
	snap_take(&after);
	snap_compare(&before, &after, NULL);
	check_store();
	snap_free(&before);
	snap_free(&after);
}

/* Send a stray fd to the manager as if the daemon had. */
static void
store_stray(const char *fdname, int fd)
{
	struct sockaddr_un	 sa = { .sun_family = AF_UNIX };
	char			 msg[128];
	union {
		char		c[CMSG_SPACE(sizeof(int))];
		struct cmsghdr	align;
	} ctl;
	struct iovec		 iov;
	struct msghdr		 mh = { 0 };
	struct cmsghdr		*cm;
	int			 s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/notify", dir);
	snprintf(msg, sizeof(msg), "FDSTORE=1\nFDNAME=%s", fdname);
	iov.iov_base = msg;
	iov.iov_len = strlen(msg);
	mh.msg_name = &sa;
	mh.msg_namelen = sizeof(sa);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl.c;
	mh.msg_controllen = sizeof(ctl.c);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	assert_true(s >= 0);
	assert_true(sendmsg(s, &mh, 0) > 0);
	close(s);
}

/* Stored fds the journal does not know, or that lie about themselves, go;
 * their ids are never handed out. */
static void
test_strays(void **state)
{
	struct mview_status	st;
	struct snap		 before, after;
	int			 fd = memfd_create("stray", MFD_CLOEXEC);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 4096), 0);
	snap_take(&before);
	store_stray("seg-999999", fd);
	store_stray("seg-bogus", fd);	/* deduplicated: same file */
	close(fd);
	assert_true(wait_stored("seg-999999", true, 2000));
	restart(SIGKILL);
	snap_take(&after);
	snap_compare(&before, &after, NULL);
	check_store();
	assert_int_equal(mview_client_status(c, &st), 0);
	assert_true(st.next_id > 999999);
	snap_free(&before);
	snap_free(&after);
}

/* STATUS= tracks the registry; the watchdog is fed from the loop. */
static void
test_status_watchdog(void **state)
{
	struct mview_status	 st;
	unsigned long long	 nseg = 0, nbytes = 0;
	int64_t			 deadline;

	(void)state;
	setenv("WATCHDOG_USEC", "200000", 1);
	restart(SIGTERM);
	unsetenv("WATCHDOG_USEC");
	poll(NULL, 0, 1200);
	assert_true(sdemu_watchdog_count(m) >= 5);
	assert_int_equal(mview_client_status(c, &st), 0);
	deadline = now_ms() + 3000;
	do {
		if (sscanf(sdemu_status(m), "%llu segments, %llu bytes", &nseg,
		    &nbytes) == 2 && nseg == st.segments && nbytes == st.bytes)
			break;
		poll(NULL, 0, 50);
	} while (now_ms() < deadline);
	if (nseg != st.segments || nbytes != st.bytes)
		fail_msg("STATUS='%s', status says %" PRIu64 " segments, %"
		    PRIu64 " bytes", sdemu_status(m), st.segments, st.bytes);
	assert_non_null(strstr(sdemu_status(m), "clients"));
}

static uint64_t
wait_max_segment_size(uint64_t want)
{
	struct mview_status	st;
	int64_t			deadline = now_ms() + 5000;

	do {
		assert_int_equal(mview_client_status(c, &st), 0);
		if (st.max_segment_size == want)
			break;
		poll(NULL, 0, 20);
	} while (now_ms() < deadline);
	return st.max_segment_size;
}

/* SIGHUP re-reads --config: new limits for new requests, a bad file
 * changes nothing, what exists stays. */
static void
test_sighup(void **state)
{
	struct mview_segment		*seg;
	struct mview_segment_info	*info;
	struct mview_status		 st;

	(void)state;
	write_file(conf, "max-segment-size = 64K\n");
	assert_int_equal(kill(sdemu_pid(m), SIGHUP), 0);
	assert_int_equal(wait_max_segment_size(64u << 10), 64u << 10);
	assert_int_equal(mview_segment_create(c, "r/big", 1u << 20, 0600,
	    MVIEW_LIFETIME_PERSISTENT, 0, &seg), -EFBIG);
	assert_int_equal(mview_segment_stat(c, "r/b", &info), 0);	/* 1 MiB */
	free(info);

	write_file(conf, "max-segment-size = a lot\n");
	assert_int_equal(kill(sdemu_pid(m), SIGHUP), 0);
	poll(NULL, 0, 300);
	assert_int_equal(mview_client_status(c, &st), 0);
	assert_int_equal(st.max_segment_size, 64u << 10);
	assert_int_equal(mview_segment_create(c, "r/big", 1u << 20, 0600,
	    MVIEW_LIFETIME_PERSISTENT, 0, &seg), -EFBIG);

	write_file(conf, "# back\nmax-segment-size = 1G\n");
	assert_int_equal(kill(sdemu_pid(m), SIGHUP), 0);
	assert_int_equal(wait_max_segment_size(1u << 30), 1u << 30);
	assert_int_equal(mview_segment_create(c, "r/big", 1u << 20, 0600,
	    MVIEW_LIFETIME_PERSISTENT, 0, &seg), 0);
	mview_segment_close(seg);
	assert_int_equal(mview_segment_delete(c, "r/big"), 0);
}

/* ---------------------------------------------------------------- metrics */

/* The value of series key ("name" or "name{labels}") in Prometheus text. */
static double
metric(const char *text, const char *key)
{
	size_t		 kl = strlen(key);
	const char	*p = text;
	char		*end;
	double		 v;

	for (; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p ? p + 1 : p)
		if (strncmp(p, key, kl) == 0 && p[kl] == ' ') {
			v = strtod(p + kl + 1, &end);
			if (end == p + kl + 1 || *end != '\n')
				fail_msg("bad value for %s", key);
			return v;
		}
	fail_msg("no series %s in the metrics", key);
	return -1;
}

static char *
metrics_text(void)
{
	char	*text;
	int	 r = mview_client_metrics(c, &text);

	if (r < 0)
		fail_msg("metrics: %s", strerror(-r));
	return text;
}

/* The journal metrics match the stored journal (name, size). */
static void
check_journal_metrics(const char *text)
{
	char		 name[64], stored[300];
	struct stat	 st;
	int		 fd;

	assert_true(metric(text, "mview_persistence_enabled") == 1);
	snprintf(name, sizeof(name), "journal-%.0f",
	    metric(text, "mview_journal_generation"));
	assert_true(wait_stored(name, true, 10000));
	/* Until the manager drops the journal it replaced. */
	for (int64_t deadline = now_ms() + 10000;
	    sdemu_count_prefix(m, "journal-") > 1 && now_ms() < deadline;)
		poll(NULL, 0, 10);
	journal_name(stored, sizeof(stored));
	assert_string_equal(stored, name);
	fd = sdemu_stored_fd(m, name);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(metric(text, "mview_journal_bytes") == (double)st.st_size);
	assert_true(metric(text, "mview_journal_records") >= 2);
}

/* Restarts are counted across restarts (the journal keeps the count and
 * when the registry was made); the journal's size and records, what a
 * start restored, and a stream's frames are reported. */
static void
test_metrics(void **state)
{
	struct mview_stream_params	 sp = { .slots = 4, .format = "B",
	    .ndim = 1, .shape = (int64_t[]){ 64 } };
	struct mview_segment_info	*segs;
	struct mview_stream		*prod;
	struct mview_segment		*seg;
	struct mview_view		*f;
	char				*t0, *t1, *t2;
	double				 r0, rec0;
	size_t				 nsegs;
	const char			*pub =
	    "mview_stream_frames_published_total{name=\"r/mstream\"}";

	(void)state;
	t0 = metrics_text();
	r0 = metric(t0, "mview_restarts_total");
	assert_true(r0 >= restarts && restarts > 0);
	check_journal_metrics(t0);
	rec0 = metric(t0, "mview_journal_records");

	/* One record more per change. */
	seg = make_segment(c, "r/metrics", 4096, 0600,
	    MVIEW_LIFETIME_PERSISTENT);
	mview_segment_close(seg);
	assert_int_equal(mview_stream_create(c, "r/mstream", &sp, &prod), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(mview_stream_loan(prod, 0, &f), 0);
		assert_int_equal(mview_stream_publish(prod, NULL, NULL), 0);
		mview_view_release(f);
	}
	mview_stream_close(prod);
	t1 = metrics_text();
	assert_true(metric(t1, "mview_journal_records") >= rec0 + 2);
	assert_true(metric(t1, "mview_journal_bytes") >
	    metric(t0, "mview_journal_bytes"));
	check_journal_metrics(t1);
	assert_true(metric(t1, pub) == 3);
	free(t1);

	assert_int_equal(mview_segment_list(c, "", &segs, &nsegs), 0);
	free(segs);
	restart(SIGTERM);
	t1 = metrics_text();
	assert_true(metric(t1, "mview_restarts_total") == r0 + 1);
	assert_true(metric(t1, "mview_registry_created_time_seconds") ==
	    metric(t0, "mview_registry_created_time_seconds"));
	assert_true(metric(t1, "mview_start_time_seconds") >=
	    metric(t0, "mview_start_time_seconds"));
	assert_true(metric(t1, "mview_restored{what=\"segments\"}") >=
	    (double)nsegs);
	assert_true(metric(t1, "mview_restored{what=\"streams\"}") >= 1);
	assert_true(metric(t1, "mview_restored{what=\"dropped_segments\"}")
	    == 0);
	assert_true(metric(t1, pub) == 3);
	check_journal_metrics(t1);

	restart(SIGKILL);
	t2 = metrics_text();
	assert_true(metric(t2, "mview_restarts_total") == r0 + 2);
	assert_true(metric(t2, "mview_registry_created_time_seconds") ==
	    metric(t0, "mview_registry_created_time_seconds"));
	assert_true(metric(t2, pub) == 3);
	check_journal_metrics(t2);
	assert_int_equal(mview_stream_delete(c, "r/mstream"), 0);
	assert_int_equal(mview_segment_delete(c, "r/metrics"), 0);
	free(t0);
	free(t1);
	free(t2);
}

/* ------------------------------------------------------------------ setup */

static int
setup(void **state)
{
	char		 sock[128];
	static char	 grace[32], confopt[160];
	static char	 loud[] = "--log-level=info", quiet[] = "--log-level=warning";
	char		*args[] = { getenv("MVIEW_TEST_VERBOSE") ? loud : quiet,
			    grace, confopt, NULL };

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	strcpy(dir, "/tmp/mview-restart-XXXXXX");
	if (mkdtemp(dir) == NULL || chmod(dir, 0755) < 0)
		return -1;
	snprintf(conf, sizeof(conf), "%s/mviewd.conf", dir);
	write_file(conf, "# mviewd test config\n");
	snprintf(grace, sizeof(grace), "--session-grace=%d", GRACE_SEC);
	snprintf(confopt, sizeof(confopt), "--config=%s", conf);
	if (sdemu_mviewd_argv(daemon_cmd, sizeof(daemon_cmd), daemon_argv,
	    sizeof(daemon_argv) / sizeof(*daemon_argv), args) < 0 ||
	    sdemu_new(dir, &m) < 0)
		return -1;
	snprintf(sock, sizeof(sock), "%s", sdemu_socket_path(m));
	chmod(sock, 0777);	/* nobody connects too */
	if (sdemu_start(m, daemon_argv, START_MS) < 0)
		return -1;
	return mview_client_connect(sock, &c) < 0 ? -1 : 0;
}

static int
teardown(void **state)
{
	char	path[160];

	(void)state;
	if (held_b != NULL)
		mview_segment_close(held_b);
	mview_client_close(c);
	sdemu_finish(m);
	unlink(conf);
	snprintf(path, sizeof(path), "%s", dir);
	rmdir(path);
	printf("# %u restarts survived; verified equal after them: %" PRIu64
	    " segments, %" PRIu64 " views, %" PRIu64 " bytes\n", restarts,
	    segs_checked, views_checked, bytes_checked);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crash),
		cmocka_unit_test(test_restarts),
		cmocka_unit_test(test_torn_journal),
		cmocka_unit_test(test_compaction),
		cmocka_unit_test(test_strays),
		cmocka_unit_test(test_status_watchdog),
		cmocka_unit_test(test_sighup),
		cmocka_unit_test(test_metrics),
	};

	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root (a second uid, nobody)\n");
		return 77;
	}
	return cmocka_run_group_tests_name("restart", tests, setup, teardown);
}
