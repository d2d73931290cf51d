/* SPDX-License-Identifier: MIT */
/*
 * The growth rule of mview.h's filled-in structs: their sizes and offsets
 * are pinned (a field added anywhere but in the reserved words fails
 * here), and the library sets every reserved word to zero, through each
 * call that fills one, against a real mviewd.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "integration.h"

static struct harness_daemon mviewd;

#define N_RESERVED(s)	(sizeof(((s *)0)->reserved) / sizeof(uint64_t))

static void
assert_zero(const uint64_t *words, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(words[i], 0);
}

/* The layout callers were built against: change only by taking words
 * from reserved (then the reserved offset moves, the size does not). */
static void
test_layout_pinned(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct mview_status), 320);
	assert_int_equal(offsetof(struct mview_status, reserved), 240);
	assert_int_equal(N_RESERVED(struct mview_status), 10);
	assert_int_equal(sizeof(struct mview_segment_info), 128);
	assert_int_equal(offsetof(struct mview_segment_info, reserved), 72);
	assert_int_equal(N_RESERVED(struct mview_segment_info), 7);
	assert_int_equal(sizeof(struct mview_desc), 1136);
	assert_int_equal(offsetof(struct mview_desc, reserved), 1072);
	assert_int_equal(N_RESERVED(struct mview_desc), 8);
	assert_int_equal(sizeof(struct mview_view_info), 1224);
	assert_int_equal(offsetof(struct mview_view_info, desc), 8);
	assert_int_equal(offsetof(struct mview_view_info, reserved), 1160);
	assert_int_equal(N_RESERVED(struct mview_view_info), 8);
}

static void
test_status_reserved(void **state)
{
	struct mview_client	*c = integration_connect(&mviewd);
	struct mview_status	 st;

	(void)state;
	memset(&st, 0xa5, sizeof(st));
	assert_int_equal(mview_client_status(c, &st), 0);
	assert_zero(st.reserved, N_RESERVED(struct mview_status));
	mview_client_close(c);
}

static void
test_segment_reserved(void **state)
{
	struct mview_client		*c = integration_connect(&mviewd);
	struct mview_segment		*s;
	struct mview_segment_info	*info, *list;
	size_t				 n;

	(void)state;
	assert_int_equal(mview_segment_create(c, "abi/seg", 4096, 0600,
	    MVIEW_LIFETIME_PERSISTENT, 0, &s), 0);
	assert_zero(mview_segment_info(s)->reserved,
	    N_RESERVED(struct mview_segment_info));
	assert_int_equal(mview_segment_stat(c, "abi/seg", &info), 0);
	assert_zero(info->reserved, N_RESERVED(struct mview_segment_info));
	free(info);
	assert_int_equal(mview_segment_list(c, "abi/", &list, &n), 0);
	assert_int_equal(n, 1);
	assert_zero(list[0].reserved, N_RESERVED(struct mview_segment_info));
	free(list);
	mview_segment_close(s);
	assert_int_equal(mview_segment_delete(c, "abi/seg"), 0);
	mview_client_close(c);
}

static void
test_view_reserved(void **state)
{
	struct mview_client	*c = integration_connect(&mviewd);
	struct mview_segment	*s;
	struct mview_view	*v, *looked;
	struct mview_view_info	*list;
	const struct mview_desc	*d;
	size_t			 n;

	(void)state;
	assert_int_equal(mview_segment_create(c, "abi/vseg", 4096, 0600,
	    MVIEW_LIFETIME_PERSISTENT, 0, &s), 0);
	assert_int_equal(mview_view_from_segment(s, &v), 0);
	assert_non_null(d = mview_view_desc(v));
	assert_zero(d->reserved, N_RESERVED(struct mview_desc));
	assert_int_equal(mview_view_publish(c, "abi/view", v, 0), 0);
	assert_int_equal(mview_view_lookup(c, "abi/view", 0, &looked), 0);
	assert_non_null(d = mview_view_desc(looked));
	assert_zero(d->reserved, N_RESERVED(struct mview_desc));
	assert_int_equal(mview_view_list(c, "abi/", &list, &n), 0);
	assert_int_equal(n, 1);
	assert_zero(list[0].reserved, N_RESERVED(struct mview_view_info));
	assert_zero(list[0].desc.reserved, N_RESERVED(struct mview_desc));
	free(list);
	mview_view_release(looked);
	mview_view_release(v);
	mview_segment_close(s);
	assert_int_equal(mview_segment_delete(c, "abi/vseg"), 0);
	mview_client_close(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_pinned),
		cmocka_unit_test(test_status_reserved),
		cmocka_unit_test(test_segment_reserved),
		cmocka_unit_test(test_view_reserved),
	};

	integration_group_daemon(&mviewd, NULL);
	return cmocka_run_group_tests_name("client-abi", tests,
	    integration_group_setup, integration_group_teardown);
}
