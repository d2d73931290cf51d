/* SPDX-License-Identifier: MIT */
/* libmviewclient: mview_strerror covers both signs, never NULL, stable strings. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

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
		cmocka_unit_test(test_stable),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests_name("client-strerror", tests, NULL, NULL);
}
