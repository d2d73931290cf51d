/* SPDX-License-Identifier: MIT */
/* libmviewclient: the socket path from the argument, $MVIEW_SOCKET, the user's, the system's. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/client-wire.h"

static char	tmpdir[] = "/tmp/mview-test-path.XXXXXX";

static char *
resolve(const char *arg)
{
	char	*p = NULL;

	assert_int_equal(client_resolve_path(arg, &p), 0);
	assert_non_null(p);
	return p;
}

static void
expect_path(const char *arg, const char *want)
{
	char	*p = resolve(arg);

	assert_string_equal(p, want);
	free(p);
}

static int
setup(void **state)
{
	(void)state;
	unsetenv("MVIEW_SOCKET");
	unsetenv("XDG_RUNTIME_DIR");
	return 0;
}

/* The argument wins over everything. */
static void
test_argument(void **state)
{
	(void)state;
	setenv("MVIEW_SOCKET", "/env/sock", 1);
	setenv("XDG_RUNTIME_DIR", tmpdir, 1);
	expect_path("/arg/sock", "/arg/sock");
	expect_path("relative.sock", "relative.sock");
}

/* An empty argument is a mistake, not "the default". */
static void
test_empty_argument(void **state)
{
	char	*p = (char *)0x1;

	(void)state;
	assert_int_equal(client_resolve_path("", &p), -EINVAL);
	assert_ptr_equal(p, (char *)0x1);	/* untouched */
}

static void
test_environment(void **state)
{
	(void)state;
	setenv("MVIEW_SOCKET", "/env/sock", 1);
	expect_path(NULL, "/env/sock");
	setenv("MVIEW_SOCKET", "", 1);		/* empty: as if unset */
	expect_path(NULL, MVIEW_SOCKET_SYSTEM);
}

static void
test_system_default(void **state)
{
	(void)state;
	expect_path(NULL, MVIEW_SOCKET_SYSTEM);
	setenv("XDG_RUNTIME_DIR", "relative/dir", 1);	/* not absolute: ignored */
	expect_path(NULL, MVIEW_SOCKET_SYSTEM);
}

/* The user's socket is taken only by non-root callers and only when it exists. */
static void
test_user_socket(void **state)
{
	char	dir[256], sock[PATH_MAX];
	int	fd;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/mview", tmpdir);
	snprintf(sock, sizeof(sock), "%s/mviewd.sock", dir);
	setenv("XDG_RUNTIME_DIR", tmpdir, 1);
	expect_path(NULL, MVIEW_SOCKET_SYSTEM);		/* not there yet */
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_true((fd = open(sock, O_CREAT | O_WRONLY | O_CLOEXEC, 0600)) >= 0);
	close(fd);
	expect_path(NULL, geteuid() == 0 ? MVIEW_SOCKET_SYSTEM : sock);
	setenv("MVIEW_SOCKET", "/env/sock", 1);		/* still second to the environment */
	expect_path(NULL, "/env/sock");
	unlink(sock);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_argument, setup),
		cmocka_unit_test_setup(test_empty_argument, setup),
		cmocka_unit_test_setup(test_environment, setup),
		cmocka_unit_test_setup(test_system_default, setup),
		cmocka_unit_test_setup(test_user_socket, setup),
	};
	int	r;

	if (mkdtemp(tmpdir) == NULL)
		return 99;
	r = cmocka_run_group_tests_name("client-path", tests, NULL, NULL);
	rmdir(tmpdir);
	return r;
}
