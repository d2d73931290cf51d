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
	assert_int_equal(offsetof(struct mview_status, reserved), 296);
	assert_int_equal(N_RESERVED(struct mview_status), 3);
	assert_int_equal(sizeof(struct mview_segment_info), 128);
	assert_int_equal(offsetof(struct mview_segment_info, reserved), 80);
	assert_int_equal(N_RESERVED(struct mview_segment_info), 6);
	assert_int_equal(sizeof(struct mview_desc), 1136);
	assert_int_equal(offsetof(struct mview_desc, reserved), 1072);
	assert_int_equal(N_RESERVED(struct mview_desc), 8);
	assert_int_equal(sizeof(struct mview_view_info), 1224);
	assert_int_equal(offsetof(struct mview_view_info, desc), 8);
	assert_int_equal(offsetof(struct mview_view_info, reserved), 1160);
	assert_int_equal(N_RESERVED(struct mview_view_info), 8);
	assert_int_equal(sizeof(struct mview_held_segment), 48);
	assert_int_equal(offsetof(struct mview_held_segment, reserved), 32);
	assert_int_equal(sizeof(struct mview_session_info), 136);
	assert_int_equal(offsetof(struct mview_session_info, nstreams_total),
	    88);
	assert_int_equal(offsetof(struct mview_session_info, reserved), 112);
	assert_int_equal(sizeof(struct mview_session_stream), 48);
	assert_int_equal(offsetof(struct mview_session_stream, reserved), 32);
	assert_int_equal(sizeof(struct mview_stream_params), 120);
	assert_int_equal(offsetof(struct mview_stream_params, reserved), 72);
	assert_int_equal(sizeof(struct mview_stream_info), 1320);
	assert_int_equal(offsetof(struct mview_stream_info, reserved), 1256);
	assert_int_equal(sizeof(struct mview_frame_info), 64);
	assert_int_equal(offsetof(struct mview_frame_info, reserved), 32);
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

static void
test_session_reserved(void **state)
{
	struct mview_client		*c = integration_connect(&mviewd);
	struct mview_segment		*s;
	struct mview_session_info	*list;
	struct mview_stream_params	 sp = { .slots = 2, .capacity = 64 };
	struct mview_stream		*st;
	size_t				 n, held = 0, roles = 0;

	(void)state;
	assert_int_equal(mview_segment_create(c, "abi/held", 4096, 0600,
	    MVIEW_LIFETIME_SESSION, 0, &s), 0);
	sp.lifetime = MVIEW_LIFETIME_SESSION;
	assert_int_equal(mview_stream_create(c, "abi/stream", &sp, &st), 0);
	assert_int_equal(mview_session_list(c, &list, &n), 0);
	assert_true(n >= 1);
	for (size_t i = 0; i < n; i++) {
		assert_zero(list[i].reserved,
		    N_RESERVED(struct mview_session_info));
		for (size_t j = 0; j < list[i].nheld; j++, held++)
			assert_zero(list[i].held[j].reserved,
			    N_RESERVED(struct mview_held_segment));
		for (size_t j = 0; j < list[i].nstreams; j++, roles++)
			assert_zero(list[i].streams[j].reserved,
			    N_RESERVED(struct mview_session_stream));
	}
	assert_true(held >= 1);
	assert_true(roles >= 1);
	free(list);
	mview_stream_close(st);
	mview_segment_close(s);
	mview_client_close(c);
}

/* Stream infos and frame infos come out zeroed; params going in must
 * come zeroed, or the library refuses them. */
static void
test_stream_reserved(void **state)
{
	struct mview_client		*c = integration_connect(&mviewd);
	struct mview_stream_params	 p = { .slots = 4, .capacity = 64 };
	struct mview_stream		*prod, *cons;
	struct mview_stream_info	*info, *list, mine;
	struct mview_frame_info		 fi;
	struct mview_view		*f;
	size_t				 n;

	(void)state;
	p.reserved[0] = 1;
	assert_int_equal(mview_stream_create(c, "abi/stream", &p, &prod),
	    -EINVAL);
	assert_non_null(strstr(mview_client_last_error(c), "reserved"));
	p.reserved[0] = 0;
	assert_int_equal(mview_stream_create(c, "abi/stream", &p, &prod), 0);
	assert_int_equal(mview_stream_open(c, "abi/stream", 0, &cons), 0);
	assert_int_equal(mview_stream_stat(c, "abi/stream", &info), 0);
	assert_zero(info->reserved, N_RESERVED(struct mview_stream_info));
	free(info);
	assert_int_equal(mview_stream_list(c, "abi/", &list, &n), 0);
	assert_int_equal(n, 1);
	assert_zero(list[0].reserved, N_RESERVED(struct mview_stream_info));
	free(list);
	memset(&mine, 0xa5, sizeof(mine));
	assert_int_equal(mview_stream_info(prod, &mine), 0);
	assert_zero(mine.reserved, N_RESERVED(struct mview_stream_info));

	assert_int_equal(mview_stream_loan(prod, 0, &f), 0);
	assert_int_equal(mview_stream_publish(prod, NULL, NULL), 0);
	mview_view_release(f);
	memset(&fi, 0xa5, sizeof(fi));
	assert_int_equal(mview_stream_next(cons, 0, 0, &f, &fi), 0);
	assert_zero(fi.reserved, N_RESERVED(struct mview_frame_info));
	memset(&fi, 0xa5, sizeof(fi));
	assert_int_equal(mview_frame_info(f, &fi), 0);
	assert_zero(fi.reserved, N_RESERVED(struct mview_frame_info));
	mview_view_release(f);
	mview_stream_close(cons);
	mview_stream_close(prod);
	assert_int_equal(mview_stream_delete(c, "abi/stream"), 0);
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
		cmocka_unit_test(test_session_reserved),
		cmocka_unit_test(test_stream_reserved),
	};

	integration_group_daemon(&mviewd, NULL);
	return cmocka_run_group_tests_name("client-abi", tests,
	    integration_group_setup, integration_group_teardown);
}
