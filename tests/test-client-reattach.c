/* SPDX-License-Identifier: MIT */
/* libmviewclient re-attaches the segments it maps when it reconnects to a restarted mviewd. */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/client-wire.h"
#include "sdemu.h"

#define START_MS	30000
/* Short, but long enough for a daemon under valgrind to serve the
 * requests between its restart and the client's reconnect. */
#define GRACE_SEC	(getenv("MVIEW_DAEMON_WRAPPER") != NULL ? 10 : 1)
#define SEG_SIZE	8192u

static struct sdemu	*m;
static char		 dir[64], conf[128], daemon_cmd[8192];
static char		*daemon_argv[24];

/* Under a wrapper (valgrind) the daemon is slow: wait longer. */
static int
patience_ms(void)
{
	return getenv("MVIEW_DAEMON_WRAPPER") != NULL ? 60000 : 15000;
}

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

static void
fill(struct mview_segment *s, uint64_t tag)
{
	uint8_t	*p = mview_segment_data(s);

	for (uint64_t i = 0; i < SEG_SIZE; i++)
		p[i] = pattern(tag, i);
}

static void
check_bytes(const struct mview_segment *s, uint64_t tag)
{
	const uint8_t	*p = mview_segment_data(s);

	assert_int_equal(mview_segment_size(s), SEG_SIZE);
	for (uint64_t i = 0; i < SEG_SIZE; i++)
		if (p[i] != pattern(tag, i))
			fail_msg("byte %" PRIu64 " of segment %" PRIu64 " is %u",
			    i, mview_segment_info(s)->id, p[i]);
}

static struct mview_segment *
create(struct mview_client *cl, const char *name, enum mview_lifetime lt,
    uint64_t tag)
{
	struct mview_segment	*s;
	int			 r;

	r = mview_segment_create(cl, name, SEG_SIZE, 0600, lt, 0, &s);
	if (r < 0)
		fail_msg("create %s: %s", name, mview_strerror(r));
	fill(s, tag);
	return s;
}

/* nattached of name as the daemon sees it, or -errno. */
static int64_t
nattached(struct mview_client *cl, const char *name)
{
	struct mview_segment_info	*info;
	int64_t				 n;
	int				 r;

	if ((r = mview_segment_stat(cl, name, &info)) < 0)
		return r;
	n = (int64_t)info->nattached;
	free(info);
	return n;
}

/* Poll (a stat from cl) until name is gone; false on timeout. */
static bool
wait_gone(struct mview_client *cl, const char *name)
{
	int64_t	deadline = now_ms() + patience_ms();

	do {
		if (nattached(cl, name) == -ENOENT)
			return true;
		poll(NULL, 0, 20);
	} while (now_ms() < deadline);
	return false;
}

/* s's mapping is in c's cache, held by c's current connection. */
static void
assert_attached_now(struct mview_client *c, const struct mview_segment *s)
{
	assert_ptr_equal(s->map->cache, c);
	assert_int_equal(s->map->gen, c->gen);
	assert_ptr_equal(mapping_find(c, s->info.id, false), s->map);
}

static void
crash_and_restart(void)
{
	int	st = sdemu_stop(m, SIGKILL);
	int	r = sdemu_start(m, daemon_argv, START_MS);

	if (r < 0)
		fail_msg("mviewd did not come back: %s", strerror(-r));
	assert_true(st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

/*
 * c1 maps session segments keep, keep2 and frozen (writable) and the
 * persistent vanish; c3 made the session segment gone. The daemon
 * crashes; meanwhile-arrived c2 freezes frozen and deletes vanish; c1's
 * next request reconnects and re-attaches. Past the grace, gone (nobody
 * re-attached) is freed, the rest stays and reads the same; each is
 * freed once c1 lets go.
 */
static void
test_reattach(void **state)
{
	struct mview_client	*c1, *c2, *c3;
	struct mview_segment	*keep, *keep2, *frozen, *vanish, *gone, *s;
	struct mview_status	 st;
	unsigned		 gen;

	(void)state;
	assert_int_equal(mview_client_connect(sdemu_socket_path(m), &c1), 0);
	assert_int_equal(mview_client_connect(sdemu_socket_path(m), &c3), 0);
	keep = create(c1, "t/keep", MVIEW_LIFETIME_SESSION, 1);
	keep2 = create(c1, "t/keep2", MVIEW_LIFETIME_SESSION, 2);
	frozen = create(c1, "t/frozen", MVIEW_LIFETIME_SESSION, 3);
	vanish = create(c1, "t/vanish", MVIEW_LIFETIME_PERSISTENT, 4);
	gone = create(c3, "t/gone", MVIEW_LIFETIME_SESSION, 5);
	gen = c1->gen;

	crash_and_restart();

	assert_int_equal(mview_client_connect(sdemu_socket_path(m), &c2), 0);
	assert_int_equal(nattached(c2, "t/keep"), 0);
	assert_int_equal(mview_segment_freeze(c2, "t/frozen"), 0);
	assert_int_equal(mview_segment_delete(c2, "t/vanish"), 0);

	/* Any request reconnects, re-attaches, and says nothing of it. */
	assert_int_equal(mview_client_status(c1, &st), 0);
	assert_int_equal(c1->gen, gen + 1);
	assert_string_equal(mview_client_last_error(c1), "");
	assert_attached_now(c1, keep);
	assert_attached_now(c1, keep2);
	assert_attached_now(c1, frozen);	/* read-only now: still held */
	assert_int_equal(nattached(c2, "t/keep"), 1);
	assert_int_equal(nattached(c2, "t/frozen"), 1);
	/* vanish is gone: out of the cache, still mapped, not reused. */
	assert_null(vanish->map->cache);
	assert_int_equal(vanish->map->gen, gen);
	assert_null(mapping_find(c1, vanish->info.id, false));
	check_bytes(vanish, 4);
	assert_int_equal(mview_segment_open_id(c1, vanish->info.id, 0, &s),
	    -ENOENT);

	/* The grace passes: gone (nobody re-attached it) goes, the others stay. */
	if (!wait_gone(c2, "t/gone"))
		fail_msg("t/gone outlived its session grace");
	assert_int_equal(nattached(c2, "t/keep"), 1);
	assert_int_equal(nattached(c2, "t/keep2"), 1);
	assert_int_equal(nattached(c2, "t/frozen"), 1);
	assert_int_equal(mview_segment_open(c2, "t/keep", 0, &s), 0);
	check_bytes(s, 1);
	mview_segment_close(s);
	assert_int_equal(mview_segment_open(c2, "t/frozen", 0, &s), 0);
	check_bytes(s, 3);
	mview_segment_close(s);
	check_bytes(keep, 1);
	check_bytes(keep2, 2);

	/* Closing the handle detaches the current session: keep is freed. */
	mview_segment_close(keep);
	if (!wait_gone(c2, "t/keep"))
		fail_msg("t/keep outlived its last handle");
	mview_segment_close(frozen);
	if (!wait_gone(c2, "t/frozen"))
		fail_msg("t/frozen outlived its last handle");
	/* Closing the client frees keep2; its mapping outlives the client. */
	mview_client_close(c1);
	if (!wait_gone(c2, "t/keep2"))
		fail_msg("t/keep2 outlived its client");
	check_bytes(keep2, 2);
	mview_segment_close(keep2);
	mview_segment_close(vanish);
	mview_segment_close(gone);
	mview_client_close(c3);
	mview_client_close(c2);
}

static int
setup(void **state)
{
	static char	 grace[32], confopt[160];
	static char	 quiet[] = "--log-level=warning";
	char		*args[] = { quiet, grace, confopt, NULL };
	FILE		*f;

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	strcpy(dir, "/tmp/mview-reattach-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(conf, sizeof(conf), "%s/mviewd.conf", dir);
	if ((f = fopen(conf, "w")) == NULL || fclose(f) != 0)
		return -1;
	snprintf(grace, sizeof(grace), "--session-grace=%d", GRACE_SEC);
	snprintf(confopt, sizeof(confopt), "--config=%s", conf);
	if (sdemu_mviewd_argv(daemon_cmd, sizeof(daemon_cmd), daemon_argv,
	    sizeof(daemon_argv) / sizeof(*daemon_argv), args) < 0 ||
	    sdemu_new(dir, &m) < 0)
		return -1;
	return sdemu_start(m, daemon_argv, START_MS) < 0 ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	sdemu_finish(m);
	unlink(conf);
	rmdir(dir);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reattach),
	};

	return cmocka_run_group_tests_name("client-reattach", tests, setup,
	    teardown);
}
