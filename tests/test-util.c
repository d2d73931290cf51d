/* SPDX-License-Identifier: MIT */
/* Unit tests of common/util: growing arrays. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util.h"

/* Appending one at a time keeps what was there and grows geometrically. */
static void
test_grow_appends(void **state)
{
	uint32_t	*a = NULL, *na;
	size_t		 cap = 0, len = 0, moves = 0;

	(void)state;
	for (uint32_t i = 0; i < 10000; i++) {
		size_t	old = cap;

		assert_non_null(na = util_grow(a, &cap, len, 1, sizeof(*a)));
		a = na;
		if (cap != old)
			moves++;
		assert_true(cap >= len + 1);
		a[len++] = i * 7;
	}
	for (uint32_t i = 0; i < 10000; i++)
		assert_int_equal(a[i], i * 7);
	/* Doubling: about log2(10000 / 8) capacity changes, not one each. */
	assert_true(moves <= 12);
	free(a);
}

/* When the room is there, the same array comes back untouched. */
static void
test_grow_fits(void **state)
{
	char	*a, *na;
	size_t	 cap = 0;

	(void)state;
	assert_non_null(a = util_grow(NULL, &cap, 0, 100, 1));
	assert_true(cap >= 100);
	memset(a, 'x', 100);
	na = util_grow(a, &cap, 50, 50, 1);
	assert_ptr_equal(na, a);
	free(a);
}

/* An empty request on no array still gives an array to free. */
static void
test_grow_empty(void **state)
{
	void	*a;
	size_t	 cap = 0;

	(void)state;
	assert_non_null(a = util_grow(NULL, &cap, 0, 0, 16));
	assert_true(cap > 0);
	free(a);
}

/* Sizes that overflow fail and leave the array and its capacity alone. */
static void
test_grow_overflow(void **state)
{
	uint64_t	*a = NULL, *na;
	size_t		 cap = 0;

	(void)state;
	assert_non_null(na = util_grow(a, &cap, 0, 4, sizeof(*a)));
	a = na;
	a[3] = 42;
	assert_null(util_grow(a, &cap, 4, SIZE_MAX / sizeof(*a), sizeof(*a)));
	assert_null(util_grow(a, &cap, SIZE_MAX, 1, 1));
	assert_null(util_grow(a, &cap, SIZE_MAX / 8 + 1, 0, sizeof(*a)));
	assert_true(cap >= 4 && cap < 64);
	assert_int_equal(a[3], 42);
	free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grow_appends),
		cmocka_unit_test(test_grow_fits),
		cmocka_unit_test(test_grow_empty),
		cmocka_unit_test(test_grow_overflow),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
