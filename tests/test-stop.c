/* SPDX-License-Identifier: MIT */
/* Stopping mviewd where the fd store does not survive a stop (systemd < 254): mviewctl drain. */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mview.h"
#include "sdemu.h"

#define START_MS	30000

static struct sdemu	*m;
static char		 dir[64], daemon_cmd[8192], ctl_path[4096];
static char		*daemon_argv[24];

/* Start "mviewctl -S SOCK argv..." with its stdout on *ret_fd. */
static pid_t
spawn_ctl(char **args, int *ret_fd)
{
	char	*argv[16];
	int	 n = 0, p[2];
	pid_t	 pid;

	argv[n++] = ctl_path;
	argv[n++] = (char *)"-S";
	argv[n++] = (char *)sdemu_socket_path(m);
	for (int i = 0; args[i] != NULL && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	assert_int_equal(pipe(p), 0);
	assert_true((pid = fork()) >= 0);
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		close(p[0]);
		close(p[1]);
		execv(ctl_path, argv);
		_exit(127);
	}
	close(p[1]);
	*ret_fd = p[0];
	return pid;
}

/* Read the rest of fd into out (from got on), reap pid: its exit status. */
static int
finish_ctl(pid_t pid, int fd, char *out, size_t len, size_t got)
{
	ssize_t	k;
	int	st;

	while (got + 1 < len && (k = read(fd, out + got, len - 1 - got)) > 0)
		got += (size_t)k;
	out[got] = '\0';
	close(fd);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* Run "mviewctl -S SOCK args..." with its stdout into out; its exit status. */
static int
run_ctl(char *out, size_t len, ...)
{
	char	*args[12];
	int	 n = 0, fd;
	pid_t	 pid;
	va_list	 ap;

	va_start(ap, len);
	while (n < 11 && (args[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	args[n] = NULL;
	pid = spawn_ctl(args, &fd);
	return finish_ctl(pid, fd, out, len, 0);
}

static struct mview_client *
connect_client(void)
{
	struct mview_client	*c;

	assert_int_equal(mview_client_connect(sdemu_socket_path(m), &c), 0);
	return c;
}

static void
make_segment(struct mview_client *c, const char *name,
    enum mview_lifetime lifetime, uint8_t fill)
{
	struct mview_segment	*seg;

	assert_int_equal(mview_segment_create(c, name, 65536, 0600, lifetime, 0,
	    &seg), 0);
	memset(mview_segment_data(seg), fill, 65536);
	mview_segment_close(seg);
}

/* The segment name holds 64 KiB of fill; -ENOENT when it is gone. */
static int
check_segment(struct mview_client *c, const char *name, uint8_t fill)
{
	struct mview_segment	*seg;
	const uint8_t		*p;
	int			 r;

	if ((r = mview_segment_open(c, name, 0, &seg)) < 0)
		return r;
	p = mview_segment_data(seg);
	for (size_t i = 0; i < 65536; i++)
		assert_int_equal(p[i], fill);
	mview_segment_close(seg);
	return 0;
}

static void
stop_and_start(bool drop_store)
{
	int	st = sdemu_stop(m, SIGTERM);

	assert_true(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (drop_store)
		sdemu_drop_store(m);
	assert_int_equal(sdemu_start(m, daemon_argv, START_MS), 0);
}

/*
 * drain refuses (1) while segments are held and lists them, --force says
 * so and exits 0; a restart keeps the segments, a stop with the store
 * dropped (systemd 252) loses them, after which drain says 0.
 */
static void
test_drain_stop(void **state)
{
	struct mview_client	*c = connect_client();
	char			 out[8192];

	(void)state;
	assert_int_equal(run_ctl(out, sizeof(out), "drain", NULL), 0);
	assert_non_null(strstr(out, "no segments"));

	make_segment(c, "kept-by-restart", MVIEW_LIFETIME_PERSISTENT, 0x5a);
	assert_int_equal(run_ctl(out, sizeof(out), "drain", NULL), 1);
	assert_non_null(strstr(out, "holds 1 segment and"));
	assert_non_null(strstr(out, "kept-by-restart"));
	assert_int_equal(run_ctl(out, sizeof(out), "drain", "--force", NULL), 0);
	assert_non_null(strstr(out, "kept-by-restart"));
	assert_int_equal(run_ctl(out, sizeof(out), "--json", "drain", NULL), 1);
	assert_non_null(strstr(out, "\"safe_to_stop\":false"));

	/* systemctl restart, any systemd: the store is handed back. */
	stop_and_start(false);
	assert_int_equal(check_segment(c, "kept-by-restart", 0x5a), 0);

	/* systemctl stop + start on systemd 252: the store is dropped. */
	stop_and_start(true);
	assert_int_equal(check_segment(c, "kept-by-restart", 0x5a), -ENOENT);
	assert_int_equal(run_ctl(out, sizeof(out), "drain", NULL), 0);
	assert_int_equal(run_ctl(out, sizeof(out), "--json", "drain", NULL), 0);
	assert_non_null(strstr(out, "\"safe_to_stop\":true"));
	mview_client_close(c);
}

/* drain --wait returns 0 once the client holding a session segment leaves. */
static void
test_drain_wait(void **state)
{
	struct mview_client	*c = connect_client();
	char			 out[8192];
	char			*args[] = { (char *)"drain", (char *)"--wait",
				    (char *)"600", NULL };
	size_t			 got = 0;
	ssize_t			 k;
	int			 fd;
	pid_t			 pid;

	(void)state;
	make_segment(c, "session-held", MVIEW_LIFETIME_SESSION, 1);
	assert_int_equal(run_ctl(out, sizeof(out), "drain", NULL), 1);
	pid = spawn_ctl(args, &fd);
	/* Its first line says it waits: it saw the segment. */
	while (memchr(out, '\n', got) == NULL && got + 1 < sizeof(out) &&
	    (k = read(fd, out + got, sizeof(out) - 1 - got)) > 0)
		got += (size_t)k;
	out[got] = '\0';
	assert_non_null(strstr(out, "waiting up to 600 s for 1 segment and"));
	mview_client_close(c);	/* the creator leaves: its segment goes */
	assert_int_equal(finish_ctl(pid, fd, out, sizeof(out), got), 0);
	assert_non_null(strstr(out, "no segments"));
}

/*
 * Streams count too: drain refuses while one exists and says who uses it
 * (producers, consumers, frames held); --wait returns once a session
 * stream goes with its creator.
 */
static void
test_drain_streams(void **state)
{
	struct mview_client		*c = connect_client(), *c2;
	struct mview_stream_params	 sp = { .slots = 4, .capacity = 64 };
	struct mview_stream		*prod, *cons;
	struct mview_view		*f, *held;
	char				 out[8192];
	char				*args[] = { (char *)"drain",
					    (char *)"--wait", (char *)"600", NULL };
	size_t				 got = 0;
	ssize_t				 k;
	int				 fd;
	pid_t				 pid;

	(void)state;
	assert_int_equal(run_ctl(out, sizeof(out), "drain", NULL), 0);
	assert_int_equal(mview_stream_create(c, "drain/cam", &sp, &prod), 0);
	assert_int_equal(mview_stream_open(c, "drain/cam", 0, &cons), 0);
	assert_int_equal(mview_stream_loan(prod, 0, &f), 0);
	assert_int_equal(mview_stream_publish(prod, NULL, NULL), 0);
	mview_view_release(f);
	assert_int_equal(mview_stream_next(cons, 0, 5000, &held, NULL), 0);
	assert_int_equal(run_ctl(out, sizeof(out), "drain", NULL), 1);
	assert_non_null(strstr(out, "0 segments"));
	assert_non_null(strstr(out, "1 stream "));
	assert_non_null(strstr(out, "1 producer, 1 consumer holding 1 "
	    "frame."));
	assert_non_null(strstr(out, "drain/cam"));
	assert_int_equal(run_ctl(out, sizeof(out), "--json", "drain", NULL), 1);
	assert_non_null(strstr(out, "\"safe_to_stop\":false"));
	assert_non_null(strstr(out, "\"streams\":1,\"stream_producers\":1,"
	    "\"stream_consumers\":1,\"frames_held\":1"));
	assert_non_null(strstr(out, "\"name\":\"drain/cam\""));
	assert_int_equal(run_ctl(out, sizeof(out), "drain", "--force", NULL), 0);
	mview_view_release(held);
	mview_stream_close(cons);
	mview_stream_close(prod);
	/* Nobody attached: a stop would still lose the stream. */
	assert_int_equal(run_ctl(out, sizeof(out), "drain", NULL), 1);
	assert_non_null(strstr(out, "0 producers, 0 consumers"));
	assert_int_equal(mview_stream_delete(c, "drain/cam"), 0);
	assert_int_equal(run_ctl(out, sizeof(out), "drain", NULL), 0);
	assert_non_null(strstr(out, "no segments and no streams"));

	c2 = connect_client();
	sp.lifetime = MVIEW_LIFETIME_SESSION;
	assert_int_equal(mview_stream_create(c2, "drain/session", &sp, NULL), 0);
	pid = spawn_ctl(args, &fd);
	while (memchr(out, '\n', got) == NULL && got + 1 < sizeof(out) &&
	    (k = read(fd, out + got, sizeof(out) - 1 - got)) > 0)
		got += (size_t)k;
	out[got] = '\0';
	assert_non_null(strstr(out, "for 0 segments and 1 stream to go"));
	mview_client_close(c2);	/* the creator leaves: its stream goes */
	assert_int_equal(finish_ctl(pid, fd, out, sizeof(out), got), 0);
	assert_non_null(strstr(out, "no segments and no streams"));
	mview_client_close(c);
}

static int
setup(void **state)
{
	const char	*top = getenv("MVIEW_TOP_BUILDDIR");
	static char	 quiet[] = "--log-level=warning";
	char		*args[] = { quiet, NULL };

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	strcpy(dir, "/tmp/mview-stop-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(ctl_path, sizeof(ctl_path), "%s/ctl/mviewctl", top ? top : ".");
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
		cmocka_unit_test(test_drain_stop),
		cmocka_unit_test(test_drain_wait),
		cmocka_unit_test(test_drain_streams),
	};

	return cmocka_run_group_tests_name("stop", tests, setup, teardown);
}
