/* SPDX-License-Identifier: MIT */
/* libmviewclient: listings come back as one malloc'd block with the names inside. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client/client-wire.h"

/* p lies inside the block [base, base + size). */
static void
assert_inside(const void *p, const void *base, size_t size)
{
	assert_true((const char *)p >= (const char *)base);
	assert_true((const char *)p < (const char *)base + size);
}

static void
test_segments(void **state)
{
	Mview__SegmentInfo		 a = MVIEW__SEGMENT_INFO__INIT;
	Mview__SegmentInfo		 b = MVIEW__SEGMENT_INFO__INIT;
	Mview__SegmentInfo		 c = MVIEW__SEGMENT_INFO__INIT;
	Mview__SegmentInfo		*v[] = { &a, &b, &c };
	struct mview_segment_info	*infos = NULL;
	char				 name_a[] = "alpha", name_c[] = "gamma/long/name";
	size_t				 block;

	(void)state;
	a.id = 1, a.name = name_a, a.size = 4096, a.uid = 1000, a.mode = 0640;
	a.lifetime = MVIEW__LIFETIME__LIFETIME_SESSION, a.frozen = 1;
	b.id = 2, b.size = 0;			/* anonymous */
	c.id = 9, c.name = name_c, c.size = 1 << 20, c.deleted = 1;
	c.nattached = 3, c.nviews = 4, c.ctime_ns = 123456789;
	assert_int_equal(list_pack_segments(v, 3, &infos), 0);
	block = 3 * sizeof(*infos) + sizeof(name_a) + sizeof(name_c);

	assert_int_equal(infos[0].id, 1);
	assert_string_equal(infos[0].name, "alpha");
	assert_ptr_not_equal(infos[0].name, name_a);	/* copied */
	assert_inside(infos[0].name, infos, block);
	assert_int_equal(infos[0].size, 4096);
	assert_int_equal(infos[0].uid, 1000);
	assert_int_equal(infos[0].mode, 0640);
	assert_int_equal(infos[0].lifetime, MVIEW_LIFETIME_SESSION);
	assert_true(infos[0].frozen);
	assert_null(infos[1].name);
	assert_int_equal(infos[1].lifetime, MVIEW_LIFETIME_PERSISTENT);
	assert_string_equal(infos[2].name, "gamma/long/name");
	assert_inside(infos[2].name + strlen(infos[2].name), infos, block);
	assert_true(infos[2].deleted);
	assert_int_equal(infos[2].nattached, 3);
	assert_int_equal(infos[2].nviews, 4);
	assert_int_equal(infos[2].ctime_ns, 123456789);
	/* Scribbling over the wire strings changes nothing: one free() is all. */
	memset(name_a, 'x', sizeof(name_a) - 1);
	assert_string_equal(infos[0].name, "alpha");
	free(infos);
}

static void
test_segments_empty(void **state)
{
	struct mview_segment_info	*infos = NULL;

	(void)state;
	assert_int_equal(list_pack_segments(NULL, 0, &infos), 0);
	assert_non_null(infos);
	free(infos);
}

static void
test_views(void **state)
{
	Mview__ViewDesc		 d1 = MVIEW__VIEW_DESC__INIT, d2 = MVIEW__VIEW_DESC__INIT;
	Mview__ViewInfo		 a = MVIEW__VIEW_INFO__INIT, b = MVIEW__VIEW_INFO__INIT;
	Mview__ViewInfo		*v[] = { &a, &b };
	struct mview_view_info	*infos = NULL;
	int64_t			 shape[] = { 3, 4 }, strides[] = { 4, 1 };
	char			 fa[] = "B", fb[] = "@d", na[] = "m", nb[] = "scalar";

	(void)state;
	d1.segment_id = 5, d1.offset = 16, d1.format = fa, d1.itemsize = 1;
	d1.n_shape = d1.n_strides = 2, d1.shape = shape, d1.strides = strides;
	d1.has_readonly = 1, d1.readonly = 1;
	a.name = na, a.desc = &d1, a.uid = 7, a.ctime_ns = 42;
	d2.segment_id = 6, d2.format = fb, d2.itemsize = 8;	/* 0-dim */
	b.name = nb, b.desc = &d2;
	assert_int_equal(list_pack_views(v, 2, &infos), 0);
	assert_string_equal(infos[0].name, "m");
	assert_inside(infos[0].name, infos, 2 * sizeof(*infos) + 2 + 7);
	assert_int_equal(infos[0].desc.segment_id, 5);
	assert_int_equal(infos[0].desc.offset, 16);
	assert_string_equal(infos[0].desc.format, "B");
	assert_int_equal(infos[0].desc.ndim, 2);
	assert_int_equal(infos[0].desc.shape[1], 4);
	assert_int_equal(infos[0].desc.strides[0], 4);
	assert_true(infos[0].desc.readonly);
	assert_int_equal(infos[0].uid, 7);
	assert_int_equal(infos[0].ctime_ns, 42);
	assert_string_equal(infos[1].name, "scalar");
	assert_int_equal(infos[1].desc.ndim, 0);
	assert_string_equal(infos[1].desc.format, "@d");
	assert_false(infos[1].desc.readonly);
	free(infos);
}

/* A descriptor the daemon should never send is refused whole, output untouched. */
static void
test_views_bad(void **state)
{
	Mview__ViewDesc		 d = MVIEW__VIEW_DESC__INIT;
	Mview__ViewInfo		 a = MVIEW__VIEW_INFO__INIT;
	Mview__ViewInfo		*v[] = { &a };
	struct mview_view_info	*infos = (void *)0x1;
	int64_t			 shape[65] = { 0 }, strides[65] = { 0 };
	char			 fmt[] = "B", longfmt[] = "0123456789abcdefg", name[] = "v";

	(void)state;
	a.name = name, a.desc = &d, d.format = fmt, d.itemsize = 1;
	d.n_shape = 2, d.n_strides = 1, d.shape = shape, d.strides = strides;
	assert_int_equal(list_pack_views(v, 1, &infos), -EPROTO);
	d.n_shape = d.n_strides = 65;
	assert_int_equal(list_pack_views(v, 1, &infos), -EPROTO);
	d.n_shape = d.n_strides = 1, d.format = longfmt;
	assert_int_equal(list_pack_views(v, 1, &infos), -EPROTO);
	d.format = NULL;
	assert_int_equal(list_pack_views(v, 1, &infos), -EPROTO);
	d.format = fmt, a.desc = NULL;
	assert_int_equal(list_pack_views(v, 1, &infos), -EPROTO);
	assert_ptr_equal(infos, (void *)0x1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_segments),
		cmocka_unit_test(test_segments_empty),
		cmocka_unit_test(test_views),
		cmocka_unit_test(test_views_bad),
	};

	return cmocka_run_group_tests_name("client-list", tests, NULL, NULL);
}
