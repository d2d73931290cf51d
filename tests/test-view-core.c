/* SPDX-License-Identifier: MIT */
/* Unit tests: formats, contiguity, nbytes, bounds and validation of views. */
#include <errno.h>
#include <stdint.h>

#include "view-test.h"

static void
test_format_table(void **state)
{
	static const struct {
		const char	*fmt;
		int		 isz;
		enum view_kind	 kind;
	} t[] = {
		{ "c", 1, VIEW_KIND_BYTE }, { "b", 1, VIEW_KIND_INT },
		{ "B", 1, VIEW_KIND_UINT }, { "?", 1, VIEW_KIND_BOOL },
		{ "h", 2, VIEW_KIND_INT }, { "H", 2, VIEW_KIND_UINT },
		{ "e", 2, VIEW_KIND_FLOAT }, { "i", 4, VIEW_KIND_INT },
		{ "I", 4, VIEW_KIND_UINT }, { "f", 4, VIEW_KIND_FLOAT },
		{ "l", 8, VIEW_KIND_INT }, { "L", 8, VIEW_KIND_UINT },
		{ "q", 8, VIEW_KIND_INT }, { "Q", 8, VIEW_KIND_UINT },
		{ "n", 8, VIEW_KIND_INT }, { "N", 8, VIEW_KIND_UINT },
		{ "P", 8, VIEW_KIND_UINT }, { "d", 8, VIEW_KIND_FLOAT },
		{ "@h", 2, VIEW_KIND_INT }, { "@d", 8, VIEW_KIND_FLOAT },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(view_format_itemsize(t[i].fmt), t[i].isz);
		assert_int_equal(view_format_kind(t[i].fmt), t[i].kind);
	}
}

/* struct.calcsize()'s answers, and NumPy typestrs as struct formats. */
static void
test_format_size(void **state)
{
	static const struct {
		const char	*fmt;
		int		 size;
	} t[] = {
		{ "B", 1 }, { "@d", 8 }, { "<i", 4 }, { "=l", 4 }, { "!q", 8 },
		{ ">hQiLl", 22 }, { "hQiLl", 40 }, { "3i", 12 }, { "iii", 12 },
		{ "=f q xxL", 18 }, { "l x d x", 25 }, { "= h0c", 2 },
		{ "@ Li", 12 }, { "10s", 10 }, { "Zf", 8 }, { "<Zd", 16 },
		{ "bZd", 24 }, { "3?", 3 }, { "e", 2 },
		{ "", -EINVAL }, { "<n", -EINVAL }, { "w", -EINVAL },
		{ "3", -EINVAL }, { "Zi", -EINVAL }, { "<f4", -EINVAL },
		{ "T{i}", -EINVAL }, { "0i", -EINVAL },
	};
	static const struct {
		const char	*typestr, *fmt;
	} ts[] = {
		{ "<f4", "f" }, { "|u1", "B" }, { "i8", "l" }, { "<c8", "Zf" },
		{ "<c16", "Zd" }, { "|b1", "?" }, { ">f8", ">d" }, { "=i2", "h" },
		{ ">u1", "B" }, { "<f2", "e" },
	};
	static const char *const bad[] = { "<f3", "f", "<", "<x4", "<f4x",
	    "<f99999999999999999999", "" };
	char	buf[VIEW_FORMAT_MAX];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(view_format_size(t[i].fmt), t[i].size);
	assert_int_equal(view_format_size(NULL), -EINVAL);
	for (i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
		assert_int_equal(view_format_from_typestr(ts[i].typestr, buf,
		    sizeof(buf)), 0);
		assert_string_equal(buf, ts[i].fmt);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(view_format_from_typestr(bad[i], buf,
		    sizeof(buf)), -EINVAL);
}

static void
test_format_not_native(void **state)
{
	static const char *const bad[] = { "", "@", "<i", "=h", "2h", "w",
	    "x", "hh", "@@h", "Zd", "s", "p", "B ", " B" };
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(view_format_itemsize(bad[i]), -EINVAL);
		assert_int_equal(view_format_kind(bad[i]), VIEW_KIND_NONE);
	}
	assert_int_equal(view_format_itemsize(NULL), -EINVAL);
}

static void
test_contiguity_0d_1d(void **state)
{
	struct view_desc d = mkview("B", 0, 0);

	(void)state;
	assert_true(view_is_c_contiguous(&d));
	assert_true(view_is_f_contiguous(&d));
	/* 1-D: shape 1 or stride == itemsize */
	d = mkview("h", 0, 1, I(1), I(-6));
	assert_true(view_is_c_contiguous(&d) && view_is_f_contiguous(&d));
	d = mkview("h", 0, 1, I(3), I(2));
	assert_true(view_is_contiguous(&d, 'A'));
	d = mkview("h", 0, 1, I(3), I(4));
	assert_false(view_is_contiguous(&d, 'A'));
	/* the quirk: an empty 1-D view with stride 2 is not contiguous */
	d = mkview("B", 0, 1, I(0), I(2));
	assert_false(view_is_c_contiguous(&d));
	assert_false(view_is_f_contiguous(&d));
	d = mkview("B", 0, 1, I(0), I(1));
	assert_true(view_is_c_contiguous(&d));
	assert_false(view_is_contiguous(&d, 'X'));
}

static void
test_contiguity_nd(void **state)
{
	struct view_desc d = mkview("B", 0, 2, I(3), I(4), I(4), I(1));

	(void)state;
	assert_true(view_is_c_contiguous(&d));
	assert_false(view_is_f_contiguous(&d));
	d = mkview("B", 0, 2, I(3), I(4), I(1), I(3));	/* M.T-like */
	assert_false(view_is_c_contiguous(&d));
	assert_true(view_is_f_contiguous(&d));
	assert_true(view_is_contiguous(&d, 'A'));
	/* extent-1 axes are skipped whatever their stride */
	d = mkview("i", 0, 3, I(2), I(1), I(3), I(12), I(-999), I(4));
	assert_true(view_is_c_contiguous(&d));
	/* nbytes == 0: contiguous either way */
	d = mkview("i", 0, 2, I(0), I(3), I(7), I(9));
	assert_true(view_is_c_contiguous(&d) && view_is_f_contiguous(&d));
	/* negative strides are never contiguous */
	d = mkview("B", 11, 2, I(3), I(4), I(-4), I(-1));
	assert_false(view_is_contiguous(&d, 'A'));
	/* both C and F: one extent > 1 */
	d = mkview("d", 0, 3, I(1), I(5), I(1), I(0), I(8), I(0));
	d.strides[0] = 40;
	d.strides[2] = 8;
	assert_true(view_is_c_contiguous(&d) && view_is_f_contiguous(&d));
}

static void
test_nbytes(void **state)
{
	struct view_desc d = mkview("d", 0, 2, I(3), I(4), I(0), I(0));
	int64_t		 n = -1;

	(void)state;
	assert_int_equal(view_nbytes(&d, &n), 0);
	assert_int_equal(n, 96);
	d = mkview("B", 0, 0);
	assert_int_equal(view_nbytes(&d, &n), 0);
	assert_int_equal(n, 1);
	d = mkview("q", 0, 2, I(INT64_MAX / 4), I(2), I(16), I(8));
	n = 7;
	assert_int_equal(view_nbytes(&d, &n), -EOVERFLOW);
	assert_int_equal(n, 7);
	/* a zero anywhere makes 0, however large the rest */
	d = mkview("q", 0, 3, I(INT64_MAX), I(0), I(INT64_MAX), I(8), I(8),
	    I(8));
	assert_int_equal(view_nbytes(&d, &n), 0);
	assert_int_equal(n, 0);
}

static void
test_bounds(void **state)
{
	struct view_desc  d = mkview("B", 0, 2, I(3), I(4), I(4), I(1));
	struct view_error err;

	(void)state;
	assert_int_equal(view_check_bounds(&d, 12, &err), 0);
	assert_view_error(view_check_bounds(&d, 11, &err), &err, VIEW_ERR_VALUE,
	    "view: bytes [0, 12) are outside the segment's 11");
	/* negative strides: offset points at the last byte */
	d = mkview("B", 11, 2, I(3), I(4), I(-4), I(-1));
	assert_int_equal(view_check_bounds(&d, 12, NULL), 0);
	d.offset = 10;
	assert_view_error(view_check_bounds(&d, 12, &err), &err, VIEW_ERR_VALUE,
	    "view: bytes [-1, 11) are outside the segment's 12");
	/* mixed signs: M[::-1, 1::2] */
	d = mkview("B", 9, 2, I(3), I(2), I(-4), I(2));
	assert_int_equal(view_check_bounds(&d, 12, NULL), 0);
	assert_true(view_check_bounds(&d, 11, NULL) < 0);
	/* a zero extent touches nothing, wherever it points */
	d = mkview("d", -1000, 2, I(0), I(5), I(-8), I(INT64_MAX));
	assert_int_equal(view_check_bounds(&d, 0, NULL), 0);
	/* 0-dim: exactly one item */
	d = mkview("d", 4, 0);
	assert_int_equal(view_check_bounds(&d, 12, NULL), 0);
	assert_true(view_check_bounds(&d, 11, NULL) < 0);
}

static void
test_bounds_overflow(void **state)
{
	struct view_desc  d;
	struct view_error err;

	(void)state;
	d = mkview("B", 0, 1, I(INT64_MAX), I(2));
	assert_view_error(view_check_bounds(&d, UINT64_MAX, &err), &err,
	    VIEW_ERR_VALUE, "view: extent overflows");
	d = mkview("B", 0, 1, I(3), I(INT64_MIN / 2));
	assert_true(view_check_bounds(&d, UINT64_MAX, &err) < 0);
	d = mkview("B", INT64_MAX, 0);
	assert_view_error(view_check_bounds(&d, UINT64_MAX, &err), &err,
	    VIEW_ERR_VALUE, "view: extent overflows");
	d = mkview("B", INT64_MAX - 10, 2, I(2), I(2), I(4), I(-4));
	assert_int_equal(view_check_bounds(&d, UINT64_MAX, NULL), 0);
	d = mkview("B", INT64_MIN + 2, 1, I(2), I(-4));
	assert_true(view_check_bounds(&d, UINT64_MAX, NULL) < 0);
	/* sums of in-range extents that overflow together */
	d = mkview("B", 0, 2, I(2), I(2), I(INT64_MAX / 2 + 1),
	    I(INT64_MAX / 2 + 1));
	assert_true(view_check_bounds(&d, UINT64_MAX, NULL) < 0);
}

static void
test_validate(void **state)
{
	struct view_desc  d = mkview("h", 0, 1, I(4), I(2));
	struct view_error err;

	(void)state;
	assert_int_equal(view_validate(&d, 8, 64, &err), 0);
	d.ndim = 65;
	assert_view_error(view_validate(&d, 8, 64, &err), &err, VIEW_ERR_VALUE,
	    "view: ndim 65 is not in [0, 64]");
	d.ndim = 3;
	assert_view_error(view_validate(&d, 8, 2, &err), &err, VIEW_ERR_VALUE,
	    "view: ndim 3 is not in [0, 2]");
	d = mkview("h", 0, 1, I(4), I(2));
	d.shape[0] = -1;
	assert_view_error(view_validate(&d, 8, 64, &err), &err, VIEW_ERR_VALUE,
	    "view: negative extent on dimension 1");
	d = mkview("h", 0, 1, I(4), I(2));
	d.itemsize = 0;
	assert_view_error(view_validate(&d, 8, 64, &err), &err, VIEW_ERR_VALUE,
	    "view: itemsize must be at least 1");
	d.itemsize = 4;
	assert_view_error(view_validate(&d, 16, 64, &err), &err, VIEW_ERR_VALUE,
	    "view: itemsize 4 does not match format 'h'");
	strcpy(d.format, "<i");		/* not native: any itemsize */
	assert_int_equal(view_validate(&d, 16, 64, &err), 0);
	d.format[0] = '\0';
	assert_view_error(view_validate(&d, 16, 64, &err), &err, VIEW_ERR_VALUE,
	    "view: format must be 1 to 15 characters");
	memset(d.format, 'B', sizeof(d.format));
	assert_true(view_validate(&d, 16, 64, &err) < 0);
	strcpy(d.format, "B\n");
	assert_view_error(view_validate(&d, 16, 64, &err), &err, VIEW_ERR_VALUE,
	    "view: format is not printable ASCII");
	strcpy(d.format, "\xc3\xa9");
	assert_true(view_validate(&d, 16, 64, &err) < 0);
	d = mkview("q", 0, 2, I(INT64_MAX / 4), I(4), I(8), I(8));
	assert_view_error(view_validate(&d, UINT64_MAX, 64, &err), &err,
	    VIEW_ERR_VALUE, "view: nbytes overflows");
	d = mkview("h", 2, 1, I(4), I(2));
	assert_true(view_validate(&d, 9, 64, &err) < 0);
}

static void
test_init(void **state)
{
	struct view_desc  d, keep;
	struct view_error err;

	(void)state;
	assert_int_equal(view_init(&d, 7, 4, "@i", 0, 2,
	    (int64_t[]){ 2, 3 }, NULL, true, &err), 0);
	assert_int_equal(d.segment_id, 7);
	assert_int_equal(d.itemsize, 4);
	assert_int_equal(d.strides[0], 12);
	assert_int_equal(d.strides[1], 4);
	assert_true(d.readonly);
	assert_string_equal(d.format, "@i");
	assert_int_equal(view_init(&d, 0, 0, "<i", 4, 1, (int64_t[]){ 5 },
	    (int64_t[]){ -4 }, false, NULL), 0);
	assert_int_equal(d.strides[0], -4);
	keep = d;
	assert_int_equal(view_init(&d, 0, 0, "<i", 0, 1, (int64_t[]){ 5 },
	    NULL, false, &err), 0);
	assert_int_equal(d.itemsize, 4);
	assert_int_equal(view_init(&d, 0, 0, "<c8", 0, 1, (int64_t[]){ 5 },
	    NULL, false, &err), 0);
	assert_string_equal(d.format, "Zf");
	assert_int_equal(d.itemsize, 8);
	d = keep;
	assert_true(view_init(&d, 0, 0, "<f3", 0, 1, (int64_t[]){ 5 }, NULL,
	    false, &err) < 0);
	assert_true(view_init(&d, 0, 0, "B", 0, 65, NULL, NULL, false,
	    &err) < 0);
	assert_true(view_init(&d, 0, 0, "0123456789abcdef", 1, 0, NULL, NULL,
	    false, &err) < 0);
	assert_memory_equal(&d, &keep, sizeof(d));
}

static void
test_errclass_names(void **state)
{
	struct view_error err;

	(void)state;
	assert_string_equal(view_errclass_name(VIEW_ERR_TYPE), "TypeError");
	assert_string_equal(view_errclass_name(VIEW_ERR_NOTIMPL),
	    "NotImplementedError");
	assert_string_equal(view_errclass_name(VIEW_ERR_AXIS), "AxisError");
	assert_string_equal(view_errclass_name(VIEW_ERR_NONE), "");
	assert_string_equal(view_errclass_name((enum view_errclass)99), "");
	assert_view_error(view_error_released(&err), &err, VIEW_ERR_VALUE,
	    "operation forbidden on released memoryview object");
	assert_int_equal(view_error_released(NULL), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_table),
		cmocka_unit_test(test_format_size),
		cmocka_unit_test(test_format_not_native),
		cmocka_unit_test(test_contiguity_0d_1d),
		cmocka_unit_test(test_contiguity_nd),
		cmocka_unit_test(test_nbytes),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_bounds_overflow),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_errclass_names),
	};

	return cmocka_run_group_tests_name("view-core", tests, NULL, NULL);
}
