/* SPDX-License-Identifier: MIT */
/* Streams through mviewd restarts (SIGKILL and SIGTERM, under a stand-in systemd): frames keep flowing, roles come back. */
#include <sys/stat.h>

#include <errno.h>
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "mview.h"
#include "sdemu.h"

#define START_MS	30000
#define GRACE_SEC	(getenv("MVIEW_DAEMON_WRAPPER") ? 60 : 20)
#define WORDS		256
#define FRAMES		1000
#define KILL_AT		300	/* SIGKILL after this frame... */
#define KILL_BACK	400	/* ... start again after this one */
#define TERM_AT		600	/* SIGTERM and start again after this one */
#define NAME		"r/stream"

static struct sdemu	*m;
static char		 dir[64], daemon_cmd[8192];
static char		*daemon_argv[32];

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
start_daemon(void)
{
	int	r = sdemu_start(m, daemon_argv, START_MS);

	if (r < 0)
		fail_msg("mviewd did not become ready: %s", strerror(-r));
}

/* Wait until the fd store holds n stream memfds. */
static bool
wait_stored_count(size_t n)
{
	int64_t	deadline = now_ms() + START_MS;

	do {
		if (sdemu_count_prefix(m, "strm-") == n)
			return true;
		poll(NULL, 0, 10);
	} while (now_ms() < deadline);
	return false;
}

static void
fill(struct mview_view *f, uint64_t seq)
{
	uint32_t	*w = mview_view_data(f);

	for (size_t i = 0; i < WORDS; i++)
		w[i] = (uint32_t)(seq * 2654435761u + i);
}

static bool
intact(const struct mview_view *f, uint64_t seq)
{
	const uint32_t	*w = mview_view_data(f);

	for (size_t i = 0; i < WORDS; i++)
		if (w[i] != (uint32_t)(seq * 2654435761u + i))
			return false;
	return true;
}

/* A request through c, so that it reconnects and takes its roles back. */
static int
touch(struct mview_client *c)
{
	struct mview_status	st;
	int64_t			deadline = now_ms() + START_MS;
	int			r;

	while ((r = mview_client_status(c, &st)) == -ECONNRESET &&
	    now_ms() < deadline)
		poll(NULL, 0, 10);
	return r;
}

struct child {
	int	up[2];		/* child to parent: 'o' open, 'd' done */
	int	down[2];	/* parent to child: exit now */
};

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: consumer: check failed: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		_exit(100);						\
	}								\
} while (0)

/* A lossless consumer: every frame, in order, intact, through the restarts. */
static void
consumer(struct child *ch)
{
	struct mview_client	*c;
	struct mview_stream	*s;
	struct mview_view	*f;
	struct mview_frame_info	 fi;
	char			 b;

	CHECK(mview_client_connect(sdemu_socket_path(m), &c) == 0);
	CHECK(mview_stream_open(c, NAME, MVIEW_STREAM_LOSSLESS, &s) == 0);
	CHECK(write(ch->up[1], "o", 1) == 1);
	for (uint64_t seq = 1; seq <= FRAMES; seq++) {
		CHECK(mview_stream_next(s, seq - 1, 30000, &f, &fi) == 0);
		CHECK(fi.seq == seq);
		CHECK(intact(f, seq));
		mview_view_release(f);
		/* After each restart the daemon is up again by now. */
		if (seq == KILL_BACK + 50 || seq == TERM_AT + 200)
			CHECK(touch(c) == 0);
	}
	CHECK(touch(c) == 0);
	CHECK(write(ch->up[1], "d", 1) == 1);
	CHECK(read(ch->down[0], &b, 1) == 1);
	mview_stream_close(s);
	mview_client_close(c);
	_exit(0);
}

static void
produce(struct mview_stream *p, uint64_t from, uint64_t to)
{
	struct mview_view	*f;
	uint64_t		 seq;

	for (uint64_t i = from; i <= to; i++) {
		assert_int_equal(mview_stream_loan(p, 30000, &f), 0);
		fill(f, i);
		assert_int_equal(mview_stream_publish(p, NULL, &seq), 0);
		assert_int_equal(seq, i);
		mview_view_release(f);
	}
}

/* A fresh client may not take the producer role a restart keeps. */
static void
role_kept(void)
{
	struct mview_client	*o;
	struct mview_stream	*s;

	assert_int_equal(mview_client_connect(sdemu_socket_path(m), &o), 0);
	assert_int_equal(mview_stream_open(o, NAME, MVIEW_STREAM_PRODUCE, &s),
	    -EBUSY);
	mview_client_close(o);
}

static void
test_stream_through_restarts(void **state)
{
	struct mview_stream_params	 p;
	struct mview_client		*c;
	struct mview_stream		*prod;
	struct mview_stream_info	*info;
	struct child			 ch;
	static const int64_t		 shape[1] = { WORDS };
	int				 st;
	char				 b;
	pid_t				 pid;

	(void)state;
	assert_int_equal(mview_client_connect(sdemu_socket_path(m), &c), 0);
	memset(&p, 0, sizeof(p));
	p.slots = 8;
	p.format = "I";
	p.ndim = 1;
	p.shape = shape;
	p.max_consumers = 4;
	assert_int_equal(mview_stream_create(c, NAME, &p, &prod), 0);
	assert_int_equal(pipe(ch.up), 0);
	assert_int_equal(pipe(ch.down), 0);
	if ((pid = fork()) == 0)
		consumer(&ch);
	assert_true(pid > 0);
	assert_int_equal(read(ch.up[0], &b, 1), 1);
	assert_int_equal(b, 'o');

	produce(prod, 1, KILL_AT);
	st = sdemu_stop(m, SIGKILL);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	produce(prod, KILL_AT + 1, KILL_BACK);	/* no daemon meanwhile */
	start_daemon();
	role_kept();
	assert_int_equal(touch(c), 0);		/* the producer comes back */
	produce(prod, KILL_BACK + 1, TERM_AT);
	st = sdemu_stop(m, SIGTERM);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	start_daemon();
	role_kept();
	assert_int_equal(touch(c), 0);
	produce(prod, TERM_AT + 1, FRAMES);

	assert_int_equal(read(ch.up[0], &b, 1), 1);
	assert_int_equal(b, 'd');
	assert_int_equal(mview_stream_stat(c, NAME, &info), 0);
	assert_int_equal(info->head, FRAMES);
	assert_true(info->has_producer);
	assert_int_equal(info->consumers, 1);	/* the consumer came back */
	free(info);
	assert_int_equal(write(ch.down[1], "x", 1), 1);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	mview_stream_close(prod);
	assert_int_equal(mview_stream_stat(c, NAME, &info), 0);
	assert_false(info->has_producer);
	assert_int_equal(info->consumers, 0);
	free(info);
	/* Data, control and 4 leases in the store until the stream goes. */
	assert_true(wait_stored_count(6));
	assert_int_equal(mview_stream_delete(c, NAME), 0);
	assert_true(wait_stored_count(0));
	mview_client_close(c);
	printf("# %d frames through a SIGKILL and a SIGTERM restart, %d of "
	    "them published while mviewd was down\n", FRAMES,
	    KILL_BACK - KILL_AT);
}

static int
setup(void **state)
{
	static char	 grace[32], quiet[] = "--log-level=warning";
	char		*args[] = { quiet, grace, NULL };

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	strcpy(dir, "/tmp/mview-rstream-XXXXXX");
	if (mkdtemp(dir) == NULL || chmod(dir, 0755) < 0)
		return -1;
	snprintf(grace, sizeof(grace), "--session-grace=%d", GRACE_SEC);
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
	rmdir(dir);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stream_through_restarts),
	};

	return cmocka_run_group_tests_name("restart-stream", tests, setup,
	    teardown);
}
