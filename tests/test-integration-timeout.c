/* SPDX-License-Identifier: MIT */
/* Timeouts hold: connect, hello and every request against a stopped mviewd or a silent peer. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon-harness.h"
#include "mview.h"

#define SHORT_MS	300

static struct harness_daemon	d = { .pid = -1, .pidfd = -1 };

/*
 * A peer that never answers: a SOCK_SEQPACKET listener nobody accepts
 * from, so connect() and the hello's send succeed and the reply never
 * comes. path gets its socket path; returns the listening fd.
 */
static int
silent_peer(char *dir, size_t dirlen, char *path, size_t len)
{
	struct sockaddr_un	sun = { .sun_family = AF_UNIX };
	int			fd;

	snprintf(dir, dirlen, "/tmp/mview-silent-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, len, "%s/silent.sock", dir);
	assert_true(strlen(path) < sizeof(sun.sun_path));
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(fd, 16), 0);
	return fd;
}

/* A silent peer: the hello times out, and errbuf says so and how long. */
static void
test_silent_peer(void **state)
{
	struct mview_client	*c = NULL;
	char			 dir[64], path[128], err[512];
	int			 fd, r;

	(void)state;
	fd = silent_peer(dir, sizeof(dir), path, sizeof(path));
	r = mview_client_connect_timeout(path, 0, SHORT_MS, &c, err,
	    sizeof(err));
	assert_int_equal(r, -ETIMEDOUT);
	assert_null(c);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "hello"));
	assert_non_null(strstr(err, "300 ms"));
	/* Without reconnection, the same. */
	r = mview_client_connect_timeout(path, MVIEW_CONNECT_NO_RECONNECT,
	    SHORT_MS, &c, err, sizeof(err));
	assert_int_equal(r, -ETIMEDOUT);
	close(fd);
	unlink(path);
	rmdir(dir);
}

/* A stopped daemon: a new connection times out in its hello; one made
 * before the stop times out in its request, and says which. */
static void
test_stopped_daemon(void **state)
{
	struct mview_client	*c = NULL, *c2 = NULL;
	struct mview_status	 st;
	char			 err[512];
	int			 r;

	(void)state;
	assert_int_equal(mview_client_connect_timeout(d.socket, 0, SHORT_MS,
	    &c, err, sizeof(err)), 0);
	assert_int_equal(mview_client_status(c, &st), 0);
	assert_int_equal(kill(d.pid, SIGSTOP), 0);

	r = mview_client_connect_timeout(d.socket, 0, SHORT_MS, &c2, err,
	    sizeof(err));
	assert_int_equal(r, -ETIMEDOUT);
	assert_non_null(strstr(err, "hello"));

	assert_int_equal(mview_client_status(c, &st), -ETIMEDOUT);
	assert_non_null(strstr(mview_client_last_error(c), "status"));
	assert_non_null(strstr(mview_client_last_error(c), "300 ms"));

	assert_int_equal(kill(d.pid, SIGCONT), 0);
	/* Awake again: the same client goes on (a reply that came late is
	 * dropped as stale). */
	assert_int_equal(mview_client_set_timeout(c, harness_timeout_ms()), 0);
	assert_int_equal(mview_client_status(c, &st), 0);
	mview_client_close(c);
}

/* mviewctl -t against a stopped daemon: exit status 3, the hello named. */
static void
test_mviewctl_stopped(void **state)
{
	const char	*top = getenv("MVIEW_TOP_BUILDDIR");
	char		 cmd[1024], out[1024] = "";
	FILE		*p;
	int		 st;

	(void)state;
	snprintf(cmd, sizeof(cmd), "%s/ctl/mviewctl -S '%s' -t %d status 2>&1",
	    top ? top : ".", d.socket, SHORT_MS);
	assert_int_equal(kill(d.pid, SIGSTOP), 0);
	assert_non_null(p = popen(cmd, "r"));
	(void)!fread(out, 1, sizeof(out) - 1, p);
	st = pclose(p);
	assert_int_equal(kill(d.pid, SIGCONT), 0);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 3);
	assert_non_null(strstr(out, "hello"));
	assert_non_null(strstr(out, "300 ms"));
}

static int
setup(void **state)
{
	(void)state;
	/* A timeout that does not hold hangs: the watchdog fails the test
	 * long before the 30 s default would have returned. */
	harness_watchdog(25);
	return harness_daemon_start(&d, NULL) < 0 ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (d.pid > 0)
		kill(d.pid, SIGCONT);
	return harness_daemon_stop(&d) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_silent_peer),
		cmocka_unit_test(test_stopped_daemon),
		cmocka_unit_test(test_mviewctl_stopped),
	};

	return cmocka_run_group_tests_name("timeout", tests, setup, teardown);
}
