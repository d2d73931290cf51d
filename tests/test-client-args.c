/* SPDX-License-Identifier: MIT */
/*
 * Every public function of mview.h with NULL in each pointer argument (and
 * a count without its array): -EINVAL, or the documented neutral answer
 * of a function that cannot fail, never a crash; results left untouched.
 * Only the public API (mview.h) is used.
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

static struct harness_daemon	mviewd = { .pid = -1, .pidfd = -1 };

/* What the tests share: a client, a segment with a published view, a
 * stream with its producer and a consumer. */
static struct mview_client	*c;
static struct mview_segment	*seg;
static struct mview_view	*view;
static struct mview_stream	*prod, *cons;
static uint64_t			 seg_id;

/* A result pointer the library must leave alone on failure. */
#define UNTOUCHED	((void *)(uintptr_t)0x5a5a5a5a)

static int
args_setup(void **state)
{
	struct mview_stream_params	p = { .slots = 4, .capacity = 64 };

	if (integration_group_setup(state) < 0 ||
	    mview_client_connect(mviewd.socket, &c) < 0 ||
	    mview_segment_create(c, "args/seg", 64, 0644,
	    MVIEW_LIFETIME_SESSION, 0, &seg) < 0 ||
	    mview_view_from_segment(seg, &view) < 0 ||
	    mview_view_publish(c, "args/v", view, 0) < 0 ||
	    mview_stream_create(c, "args/st", &p, &prod) < 0 ||
	    mview_stream_open(c, "args/st", 0, &cons) < 0)
		return -1;
	seg_id = mview_segment_info(seg)->id;
	return 0;
}

static int
args_teardown(void **state)
{
	mview_stream_close(cons);
	mview_stream_close(prod);
	mview_view_release(view);
	mview_segment_close(seg);
	mview_client_close(c);
	return integration_group_teardown(state);
}

static void
test_client(void **state)
{
	struct mview_client		*cl = UNTOUCHED;
	struct mview_status		 st;
	struct mview_session_info	*si = UNTOUCHED;
	struct mview_event		 ev;
	char				*text = UNTOUCHED, buf[16];
	size_t				 n = 7;
	uint64_t			 u = 7;

	(void)state;
	assert_int_equal(mview_client_connect(mviewd.socket, NULL), -EINVAL);
	assert_int_equal(mview_client_connect_flags(mviewd.socket, 0, NULL),
	    -EINVAL);
	assert_int_equal(mview_client_connect_full(mviewd.socket, 0, NULL,
	    NULL, 0), -EINVAL);
	assert_int_equal(mview_client_connect_timeout(mviewd.socket, 0, 100,
	    NULL, NULL, 0), -EINVAL);
	assert_int_equal(mview_client_connect_full("", 0, &cl, NULL, 0),
	    -EINVAL);
	assert_ptr_equal(cl, UNTOUCHED);
	mview_client_close(NULL);
	assert_string_equal(mview_client_last_error(NULL), "");
	assert_int_equal(mview_client_fd(NULL), -1);
	assert_null(mview_client_path(NULL));
	assert_int_equal(mview_client_set_timeout(NULL, 1), -EINVAL);
	assert_int_equal(mview_client_status(NULL, &st), -EINVAL);
	assert_int_equal(mview_client_status(c, NULL), -EINVAL);
	assert_int_equal(mview_client_metrics(NULL, &text), -EINVAL);
	assert_int_equal(mview_client_metrics(c, NULL), -EINVAL);
	assert_ptr_equal(text, UNTOUCHED);
	assert_int_equal(mview_session_list(NULL, &si, &n), -EINVAL);
	assert_int_equal(mview_session_list(c, NULL, &n), -EINVAL);
	assert_int_equal(mview_session_list(c, &si, NULL), -EINVAL);
	assert_ptr_equal(si, UNTOUCHED);
	assert_int_equal(n, 7);
	assert_int_equal(mview_client_watch(NULL, "x"), -EINVAL);
	assert_int_equal(mview_client_unwatch(NULL, "x"), -EINVAL);
	assert_int_equal(mview_client_unwatch(c, NULL), -ENOENT); /* "" */
	assert_int_equal(mview_client_next_event(NULL, 0, &ev), -EINVAL);
	assert_int_equal(mview_client_next_event(c, 0, NULL), -EINVAL);
	assert_non_null(mview_strerror(0));
	assert_null(mview_strerrorname(0));
	assert_int_equal(mview_size_parse(NULL, &u), -EINVAL);
	assert_int_equal(mview_size_parse("1", NULL), -EINVAL);
	assert_int_equal(u, 7);
	assert_string_equal(mview_size_format(1, NULL, sizeof(buf)), "");
	assert_string_equal(mview_size_format(1, buf, 0), "");
	/* The connection was never disturbed. */
	assert_int_equal(mview_client_status(c, &st), 0);
}

static void
test_segment(void **state)
{
	struct mview_segment		*s = UNTOUCHED;
	struct mview_segment_info	*info = UNTOUCHED;
	size_t				 n = 7;

	(void)state;
	assert_int_equal(mview_segment_create(NULL, "args/x", 64, 0600,
	    MVIEW_LIFETIME_SESSION, 0, &s), -EINVAL);
	assert_int_equal(mview_segment_create(c, "args/x", 64, 0600,
	    MVIEW_LIFETIME_SESSION, 0, NULL), -EINVAL);
	assert_int_equal(mview_segment_open(NULL, "args/seg", 0, &s), -EINVAL);
	assert_int_equal(mview_segment_open(c, NULL, 0, &s), -EINVAL);
	assert_int_equal(mview_segment_open(c, "args/seg", 0, NULL), -EINVAL);
	assert_int_equal(mview_segment_open_id(NULL, seg_id, 0, &s), -EINVAL);
	assert_int_equal(mview_segment_open_id(c, seg_id, 0, NULL), -EINVAL);
	assert_ptr_equal(s, UNTOUCHED);
	mview_segment_close(NULL);
	assert_null(mview_segment_data(NULL));
	assert_int_equal(mview_segment_size(NULL), 0);
	assert_null(mview_segment_info(NULL));
	assert_int_equal(mview_segment_delete(NULL, "args/seg"), -EINVAL);
	assert_int_equal(mview_segment_delete(c, NULL), -EINVAL);
	assert_int_equal(mview_segment_delete_id(NULL, seg_id), -EINVAL);
	assert_int_equal(mview_segment_freeze(NULL, "args/seg"), -EINVAL);
	assert_int_equal(mview_segment_freeze(c, NULL), -EINVAL);
	assert_int_equal(mview_segment_freeze_id(NULL, seg_id), -EINVAL);
	assert_int_equal(mview_segment_stat(NULL, "args/seg", &info), -EINVAL);
	assert_int_equal(mview_segment_stat(c, NULL, &info), -EINVAL);
	assert_int_equal(mview_segment_stat(c, "args/seg", NULL), -EINVAL);
	assert_int_equal(mview_segment_stat_id(NULL, seg_id, &info), -EINVAL);
	assert_int_equal(mview_segment_stat_id(c, seg_id, NULL), -EINVAL);
	assert_int_equal(mview_segment_list(NULL, NULL, &info, &n), -EINVAL);
	assert_int_equal(mview_segment_list(c, NULL, NULL, &n), -EINVAL);
	assert_int_equal(mview_segment_list(c, NULL, &info, NULL), -EINVAL);
	assert_ptr_equal(info, UNTOUCHED);
	assert_int_equal(n, 7);
	/* Nothing was deleted or frozen. */
	assert_int_equal(mview_segment_stat(c, "args/seg", &info), 0);
	assert_false(info->frozen);
	free(info);
}

static void
test_view(void **state)
{
	struct mview_view	*w = UNTOUCHED;
	struct mview_view_info	*vi = UNTOUCHED;
	struct mview_layout	 l;
	int64_t			 shape = 64;
	size_t			 n = 7;

	(void)state;
	assert_int_equal(mview_view_new(NULL, "B", 1, &shape, NULL, 0, &w,
	    NULL), -EINVAL);
	assert_int_equal(mview_view_new(seg, NULL, 1, &shape, NULL, 0, &w,
	    NULL), -EINVAL);
	assert_int_equal(mview_view_new(seg, "B", 1, NULL, NULL, 0, &w,
	    NULL), -EINVAL);
	assert_int_equal(mview_view_new(seg, "B", 1, &shape, NULL, 0, NULL,
	    NULL), -EINVAL);
	assert_int_equal(mview_view_from_segment(NULL, &w), -EINVAL);
	assert_int_equal(mview_view_from_segment(seg, NULL), -EINVAL);
	assert_int_equal(mview_view_dup(NULL, &w), -EINVAL);
	assert_int_equal(mview_view_dup(view, NULL), -EINVAL);
	assert_ptr_equal(w, UNTOUCHED);
	mview_view_release(NULL);
	assert_null(mview_view_desc(NULL));
	mview_view_layout(NULL, &l);
	assert_string_equal(l.format, "");
	assert_int_equal(l.ndim, 0);
	mview_view_layout(view, NULL);
	assert_null(mview_view_data(NULL));
	assert_null(mview_view_mapping_base(NULL));
	assert_int_equal(mview_view_mapping_size(NULL), 0);
	assert_false(mview_view_is_private(NULL));
	assert_int_equal(mview_view_publish(NULL, "args/w", view, 0), -EINVAL);
	assert_int_equal(mview_view_publish(c, NULL, view, 0), -EINVAL);
	assert_int_equal(mview_view_publish(c, "args/w", NULL, 0), -EINVAL);
	assert_int_equal(mview_view_lookup(NULL, "args/v", 0, &w), -EINVAL);
	assert_int_equal(mview_view_lookup(c, NULL, 0, &w), -EINVAL);
	assert_int_equal(mview_view_lookup(c, "args/v", 0, NULL), -EINVAL);
	assert_ptr_equal(w, UNTOUCHED);
	assert_int_equal(mview_view_unpublish(NULL, "args/v"), -EINVAL);
	assert_int_equal(mview_view_unpublish(c, NULL), -EINVAL);
	assert_int_equal(mview_view_list(NULL, "", &vi, &n), -EINVAL);
	assert_int_equal(mview_view_list(c, "", NULL, &n), -EINVAL);
	assert_int_equal(mview_view_list(c, "", &vi, NULL), -EINVAL);
	assert_ptr_equal(vi, UNTOUCHED);
	assert_int_equal(n, 7);
	/* Still published, still a view. */
	assert_int_equal(mview_view_lookup(c, "args/v", 0, &w), 0);
	mview_view_release(w);
}

static void
test_algebra(void **state)
{
	struct mview_view	*w = UNTOUCHED;
	struct mview_key	 keys[4] = { { .kind = MVIEW_KEY_INDEX } };
	struct mview_error	 e;
	struct mview_value	 val = { .type = MVIEW_VALUE_UINT, .u = 1 };
	struct mview_cast_shape	 cs = { .ndim = 1, .shape = NULL };
	const struct mview_desc	*d = mview_view_desc(view);
	void			*item = UNTOUCHED;
	char			*text = UNTOUCHED, buf[64];
	int64_t			 idx = 0, shape = 64;
	size_t			 nkeys = 7;
	unsigned		 flags = 7;

	(void)state;
	assert_non_null(d);
	assert_int_equal(mview_view_subscript(NULL, keys, 1, 0, &w, &item,
	    &e), -EINVAL);
	assert_int_equal(mview_view_subscript(view, NULL, 1, 0, &w, &item,
	    &e), -EINVAL);
	assert_ptr_equal(item, UNTOUCHED);
	assert_int_equal(mview_key_parse(NULL, keys, 4, &nkeys, &flags, &e),
	    -EINVAL);
	assert_int_equal(mview_key_parse("1", NULL, 4, &nkeys, &flags, &e),
	    -EINVAL);
	assert_int_equal(mview_key_parse("1", keys, 4, NULL, &flags, &e),
	    -EINVAL);
	assert_int_equal(mview_key_parse("1", keys, 4, &nkeys, NULL, &e),
	    -EINVAL);
	assert_int_equal(nkeys, 7);
	assert_int_equal(flags, 7);
	assert_int_equal(mview_view_cast(NULL, "B", -1, NULL, &w, &e), -EINVAL);
	assert_int_equal(mview_view_cast(view, NULL, -1, NULL, &w, &e),
	    -EINVAL);
	assert_int_equal(mview_view_cast(view, "B", 1, NULL, &w, &e), -EINVAL);
	assert_int_equal(mview_view_cast(view, "B", -1, NULL, NULL, &e),
	    -EINVAL);
	assert_int_equal(mview_view_cast_ex(NULL, "B", &cs, &w, &e), -EINVAL);
	assert_int_equal(mview_view_cast_ex(view, NULL, &cs, &w, &e), -EINVAL);
	assert_int_equal(mview_view_cast_ex(view, "B", NULL, &w, &e), -EINVAL);
	assert_int_equal(mview_view_cast_ex(view, "B", &cs, &w, &e), -EINVAL);
	cs.ndim = -1;
	assert_int_equal(mview_view_cast_ex(view, "B", &cs, NULL, &e), -EINVAL);
	assert_int_equal(mview_view_transpose(NULL, NULL, 0, &w, &e), -EINVAL);
	assert_int_equal(mview_view_transpose(view, NULL, 1, &w, &e), -EINVAL);
	assert_int_equal(mview_view_transpose(view, NULL, 0, NULL, &e),
	    -EINVAL);
	assert_int_equal(mview_view_reshape(NULL, 1, &shape, &w, &e), -EINVAL);
	assert_int_equal(mview_view_reshape(view, 1, NULL, &w, &e), -EINVAL);
	assert_int_equal(mview_view_reshape(view, 1, &shape, NULL, &e),
	    -EINVAL);
	assert_int_equal(mview_view_toreadonly(NULL, &w), -EINVAL);
	assert_int_equal(mview_view_toreadonly(view, NULL), -EINVAL);
	assert_ptr_equal(w, UNTOUCHED);
	assert_false(mview_view_is_contiguous(NULL, 'C'));
	assert_int_equal(mview_view_nbytes(NULL), 0);

	item = mview_view_data(view);
	assert_int_equal(mview_view_get_item(NULL, item, &val, &e), -EINVAL);
	assert_int_equal(mview_view_get_item(view, NULL, &val, &e), -EINVAL);
	assert_int_equal(mview_view_get_item(view, item, NULL, &e), -EINVAL);
	assert_int_equal(mview_view_set_item(NULL, item, &val, &e), -EINVAL);
	assert_int_equal(mview_view_set_item(view, NULL, &val, &e), -EINVAL);
	assert_int_equal(mview_view_set_item(view, item, NULL, &e), -EINVAL);
	assert_int_equal(mview_view_get(NULL, &idx, 1, &val, &e), -EINVAL);
	assert_int_equal(mview_view_get(view, NULL, 1, &val, &e), -EINVAL);
	assert_int_equal(mview_view_get(view, &idx, 1, NULL, &e), -EINVAL);
	assert_int_equal(mview_view_set(NULL, &idx, 1, &val, &e), -EINVAL);
	assert_int_equal(mview_view_set(view, NULL, 1, &val, &e), -EINVAL);
	assert_int_equal(mview_view_set(view, &idx, 1, NULL, &e), -EINVAL);
	assert_int_equal(mview_view_fill(NULL, &val, &e), -EINVAL);
	assert_int_equal(mview_view_fill(view, NULL, &e), -EINVAL);
	assert_int_equal(mview_view_tobytes(NULL, 'C', buf, sizeof(buf), &e),
	    -EINVAL);
	assert_int_equal(mview_view_tobytes(view, 'C', NULL, sizeof(buf), &e),
	    -EINVAL);
	assert_int_equal(mview_view_assign(NULL, buf, d, &e), -EINVAL);
	assert_int_equal(mview_view_assign(view, NULL, d, &e), -EINVAL);
	assert_int_equal(mview_view_assign(view, buf, NULL, &e), -EINVAL);
	assert_int_equal(mview_view_tolist_text(NULL, 0, 0, &text, &e),
	    -EINVAL);
	assert_int_equal(mview_view_tolist_text(view, 0, 0, NULL, &e),
	    -EINVAL);
	assert_int_equal(mview_value_text(NULL, 0, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(mview_value_text(&val, 0, NULL, sizeof(buf)), -EINVAL);
	assert_int_equal(mview_view_hex(NULL, -1, 1, &text, &e), -EINVAL);
	assert_int_equal(mview_view_hex(view, -1, 1, NULL, &e), -EINVAL);
	assert_ptr_equal(text, UNTOUCHED);
	/* The optional error argument stays optional. */
	assert_int_equal(mview_view_cast(view, "B", -1, NULL, &w, NULL), 0);
	mview_view_release(w);
	assert_int_equal(mview_view_tobytes(view, 'C', buf, sizeof(buf),
	    NULL), 0);
}

static void
test_stream(void **state)
{
	struct mview_stream_params	 p = { .slots = 4, .capacity = 64 };
	struct mview_stream		*st = UNTOUCHED;
	struct mview_stream_info	*si = UNTOUCHED, info;
	struct mview_view		*f = UNTOUCHED;
	struct mview_frame_info		 fi;
	size_t				 n = 7;

	(void)state;
	assert_int_equal(mview_stream_create(NULL, "args/s2", &p, NULL),
	    -EINVAL);
	assert_int_equal(mview_stream_create(c, NULL, &p, NULL), -EINVAL);
	assert_int_equal(mview_stream_create(c, "args/s2", NULL, NULL),
	    -EINVAL);
	p.format = "B";
	p.ndim = 1;		/* and no shape */
	assert_int_equal(mview_stream_create(c, "args/s2", &p, NULL), -EINVAL);
	assert_int_equal(mview_stream_open(NULL, "args/st", 0, &st), -EINVAL);
	assert_int_equal(mview_stream_open(c, NULL, 0, &st), -EINVAL);
	assert_int_equal(mview_stream_open(c, "args/st", 0, NULL), -EINVAL);
	assert_ptr_equal(st, UNTOUCHED);
	mview_stream_close(NULL);
	assert_int_equal(mview_stream_delete(NULL, "args/st"), -EINVAL);
	assert_int_equal(mview_stream_delete(c, NULL), -EINVAL);
	assert_int_equal(mview_stream_stat(NULL, "args/st", &si), -EINVAL);
	assert_int_equal(mview_stream_stat(c, NULL, &si), -EINVAL);
	assert_int_equal(mview_stream_stat(c, "args/st", NULL), -EINVAL);
	assert_int_equal(mview_stream_list(NULL, NULL, &si, &n), -EINVAL);
	assert_int_equal(mview_stream_list(c, NULL, NULL, &n), -EINVAL);
	assert_int_equal(mview_stream_list(c, NULL, &si, NULL), -EINVAL);
	assert_ptr_equal(si, UNTOUCHED);
	assert_int_equal(n, 7);
	assert_int_equal(mview_stream_info(NULL, &info), -EINVAL);
	assert_int_equal(mview_stream_info(prod, NULL), -EINVAL);
	assert_int_equal(mview_stream_loan(NULL, 0, &f), -EINVAL);
	assert_int_equal(mview_stream_loan(prod, 0, NULL), -EINVAL);
	assert_int_equal(mview_stream_publish(NULL, NULL, NULL), -EINVAL);
	assert_int_equal(mview_stream_cancel(NULL), -EINVAL);
	assert_int_equal(mview_stream_next(NULL, 0, 0, &f, NULL), -EINVAL);
	assert_int_equal(mview_stream_next(cons, 0, 0, NULL, NULL), -EINVAL);
	assert_int_equal(mview_stream_latest(NULL, &f, NULL), -EINVAL);
	assert_int_equal(mview_stream_latest(cons, NULL, NULL), -EINVAL);
	assert_ptr_equal(f, UNTOUCHED);
	assert_int_equal(mview_frame_info(NULL, &fi), -EINVAL);
	assert_int_equal(mview_frame_info(view, NULL), -EINVAL);
	assert_int_equal(mview_stream_set_spin(NULL, 0), -EINVAL);
	assert_int_equal(mview_stream_fd(NULL), -EINVAL);
	/* The roles still work: a frame goes through. */
	assert_int_equal(mview_stream_loan(prod, 0, &f), 0);
	assert_int_equal(mview_stream_publish(prod, NULL, NULL), 0);
	mview_view_release(f);
	assert_int_equal(mview_stream_next(cons, 0, 0, &f, &fi), 0);
	assert_int_equal(fi.seq, 1);
	mview_view_release(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client),
		cmocka_unit_test(test_segment),
		cmocka_unit_test(test_view),
		cmocka_unit_test(test_algebra),
		cmocka_unit_test(test_stream),
	};

	integration_group_daemon(&mviewd, NULL);
	return cmocka_run_group_tests_name("client-args", tests, args_setup,
	    args_teardown);
}
