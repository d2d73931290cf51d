/* SPDX-License-Identifier: MIT */
/* libmviewclient: mview_strerror/_strerrorname cover both signs and every errno the C library knows, never NULL text, stable strings. */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mview.h"

static void
test_known(void **state)
{
	(void)state;
	assert_string_equal(mview_strerror(0), "Success");
	assert_string_equal(mview_strerror(-ENOENT), "No such file or directory");
	assert_string_equal(mview_strerror(-EPROTONOSUPPORT), "Protocol not supported");
	assert_string_equal(mview_strerror(-ECONNRESET), "Connection reset by peer");
	assert_string_equal(mview_strerror(-EDQUOT), "Disk quota exceeded");
}

/* Codes past a hand-written list: the C library's texts and names. */
static void
test_every_errno(void **state)
{
	(void)state;
	assert_string_equal(mview_strerror(-EPROTOTYPE),
	    "Protocol wrong type for socket");
	assert_string_equal(mview_strerrorname(-EPROTOTYPE), "EPROTOTYPE");
	assert_string_equal(mview_strerrorname(ENOENT), "ENOENT");
	assert_string_equal(mview_strerror(-EHWPOISON), strerror(EHWPOISON));
	for (int e = 1; e < 134; e++) {
		const char	*name = mview_strerrorname(-e);

		if (e == 41 || e == 58) {	/* unassigned on Linux */
			assert_string_equal(mview_strerror(-e), "Unknown error");
			assert_null(name);
		} else {
			assert_string_equal(mview_strerror(-e), strerror(e));
			assert_true(name != NULL && name[0] == 'E');
		}
	}
	assert_null(mview_strerrorname(0));
	assert_null(mview_strerrorname(-99999));
	assert_null(mview_strerrorname(INT_MIN));
}

/* Pointed at a stream socket (not mviewd's kind), a client says so. */
static void
test_stream_socket(void **state)
{
	struct sockaddr_un	 sa = { .sun_family = AF_UNIX };
	struct mview_client	*c = NULL;
	char			 dir[] = "/tmp/mview-strerror-XXXXXX", msg[256];
	int			 fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/stream.sock", dir);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(mview_client_connect_full(sa.sun_path, 0, &c, msg,
	    sizeof(msg)), -EPROTOTYPE);
	assert_null(c);
	assert_non_null(strstr(msg, "Protocol wrong type for socket"));
	assert_non_null(strstr(msg, sa.sun_path));
	close(fd);
	unlink(sa.sun_path);
	rmdir(dir);
}

/* Positive and negative codes read the same. */
static void
test_sign(void **state)
{
	(void)state;
	for (int e = 0; e < 200; e++)
		assert_string_equal(mview_strerror(e), mview_strerror(-e));
}

static void
test_unknown(void **state)
{
	(void)state;
	assert_string_equal(mview_strerror(-99999), "Unknown error");
	assert_string_equal(mview_strerror(INT_MIN), "Unknown error");
	assert_string_equal(mview_strerror(INT_MAX), "Unknown error");
}

/* The same pointer every time: constants, nothing shared to overwrite. */
static void
test_stable(void **state)
{
	const char	*a = mview_strerror(-EACCES);

	(void)state;
	mview_strerror(-EEXIST);
	assert_ptr_equal(a, mview_strerror(-EACCES));
	assert_string_equal(a, "Permission denied");
}

static void *
hammer(void *arg)
{
	for (int i = 0; i < 100000; i++) {
		if (strcmp(mview_strerror(-(i % 140)), mview_strerror(i % 140)) != 0)
			return arg;
	}
	return NULL;
}

static void
test_threads(void **state)
{
	pthread_t	t[4];
	void		*ret;

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, (void *)1), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], &ret), 0);
		assert_null(ret);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known),
		cmocka_unit_test(test_sign),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_every_errno),
		cmocka_unit_test(test_stream_socket),
		cmocka_unit_test(test_stable),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests_name("client-strerror", tests, NULL, NULL);
}
