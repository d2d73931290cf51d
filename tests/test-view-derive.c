/* SPDX-License-Identifier: MIT */
/* Unit tests: cast (its checks in CPython's order), transpose, reshape. */
#include <errno.h>
#include <stdint.h>

#include "view-test.h"

static struct view_desc
matrix(void)
{
	return mkview("B", 0, 2, I(3), I(4), I(0), I(0));
}

static void
assert_view(const struct view_desc *v, const char *fmt, int64_t offset,
    int ndim, const int64_t *shape, const int64_t *strides)
{
	int	i;

	assert_string_equal(v->format, fmt);
	assert_int_equal(v->offset, offset);
	assert_int_equal(v->ndim, ndim);
	for (i = 0; i < ndim; i++) {
		assert_int_equal(v->shape[i], shape[i]);
		assert_int_equal(v->strides[i], strides[i]);
	}
}

static void
test_cast_ok(void **state)
{
	struct view_desc d = mkview("B", 5, 1, I(12), I(1)), v;

	(void)state;
	d.readonly = true;
	assert_int_equal(view_cast(&d, "@h", -1, NULL, &v, NULL), 0);
	assert_view(&v, "@h", 5, 1, (int64_t[]){ 6 }, (int64_t[]){ 2 });
	assert_int_equal(v.itemsize, 2);
	assert_true(v.readonly);
	assert_int_equal(view_cast(&d, "B", 2, (int64_t[]){ 3, 4 }, &v, NULL),
	    0);
	assert_view(&v, "B", 5, 2, (int64_t[]){ 3, 4 }, (int64_t[]){ 4, 1 });
	assert_int_equal(view_cast(&v, "i", -1, NULL, &v, NULL), 0);
	assert_view(&v, "i", 5, 1, (int64_t[]){ 3 }, (int64_t[]){ 4 });
	/* shape=[]: 0-dim, only when nbytes == itemsize */
	d = mkview("B", 0, 1, I(8), I(1));
	assert_int_equal(view_cast(&d, "d", 0, NULL, &v, NULL), 0);
	assert_int_equal(v.ndim, 0);
	assert_int_equal(v.itemsize, 8);
	/* 0-dim to 1-D */
	assert_int_equal(view_cast(&v, "c", -1, NULL, &v, NULL), 0);
	assert_view(&v, "c", 0, 1, (int64_t[]){ 8 }, (int64_t[]){ 1 });
	/* an empty 1-D view casts when no shape is given */
	d = mkview("B", 3, 1, I(0), I(1));
	assert_int_equal(view_cast(&d, "Q", -1, NULL, &v, NULL), 0);
	assert_view(&v, "Q", 3, 1, (int64_t[]){ 0 }, (int64_t[]){ 8 });
	/* a non-native source casts to a byte format */
	d = mkview("<i", 0, 1, I(2), I(4));
	d.itemsize = 4;
	assert_int_equal(view_cast(&d, "B", -1, NULL, &v, NULL), 0);
	assert_view(&v, "B", 0, 1, (int64_t[]){ 8 }, (int64_t[]){ 1 });
}

/* Each step of VIEW-SPEC.md's list, and that it comes before the next. */
static void
test_cast_order(void **state)
{
	struct view_desc  m = matrix(), e = mkview("B", 0, 1, I(0), I(2)), v;
	struct view_error err;
	struct view_cast_shape s = { .ndim = -1, .not_sequence = true };

	(void)state;
	/* 2: contiguity first, even with zeros in the shape */
	assert_view_error(view_cast(&e, "B", 1, (int64_t[]){ 1 }, &v, &err),
	    &err, VIEW_ERR_TYPE,
	    "memoryview: casts are restricted to C-contiguous views");
	/* 3: zeros (shape given, or ndim != 1), before the shape's type */
	e = mkview("B", 0, 2, I(0), I(4), I(0), I(0));
	assert_view_error(view_cast_ex(&e, "xx", &s, &v, &err), &err,
	    VIEW_ERR_TYPE, "memoryview: cannot cast view with zeros in shape "
	    "or strides");
	e = mkview("B", 0, 1, I(0), I(1));
	assert_view_error(view_cast(&e, "B", 1, (int64_t[]){ 1 }, &v, &err),
	    &err, VIEW_ERR_TYPE, "memoryview: cannot cast view with zeros in "
	    "shape or strides");
	/* 4: not a list or tuple */
	assert_view_error(view_cast_ex(&m, "xx", &s, &v, &err), &err,
	    VIEW_ERR_TYPE, "shape must be a list or a tuple");
	/* 5: more than 64 dims, before 1D <-> ND */
	assert_view_error(view_cast(&m, "xx", 65, (int64_t[65]){ 0 }, &v, &err),
	    &err, VIEW_ERR_VALUE,
	    "memoryview: number of dimensions must not exceed 64");
	/* 6: ND -> ND, before the format */
	assert_view_error(view_cast(&m, "xx", 2, (int64_t[]){ 2, 6 }, &v, &err),
	    &err, VIEW_ERR_TYPE,
	    "memoryview: cast must be 1D -> ND or ND -> 1D");
	/* 7: the destination format */
	assert_view_error(view_cast(&m, "<h", -1, NULL, &v, &err), &err,
	    VIEW_ERR_VALUE, "memoryview: destination format must be a native "
	    "single character format prefixed with an optional '@'");
	/* 8: two non-byte formats (h -> h too), before the length */
	m = mkview("h", 0, 1, I(3), I(2));
	assert_view_error(view_cast(&m, "h", -1, NULL, &v, &err), &err,
	    VIEW_ERR_TYPE, "memoryview: cannot cast between two non-byte "
	    "formats");
	m = mkview("<i", 0, 1, I(3), I(4));
	m.itemsize = 4;
	assert_view_error(view_cast(&m, "i", -1, NULL, &v, &err), &err,
	    VIEW_ERR_TYPE, "memoryview: cannot cast between two non-byte "
	    "formats");
	/* 9: nbytes not a multiple of the new itemsize */
	m = mkview("B", 0, 1, I(5), I(1));
	assert_view_error(view_cast(&m, "h", 1, (int64_t[]){ 0 }, &v, &err),
	    &err, VIEW_ERR_TYPE, "memoryview: length is not a multiple of "
	    "itemsize");
}

static void
test_cast_shape(void **state)
{
	struct view_desc  m = mkview("B", 0, 1, I(12), I(1)), v;
	struct view_error err;
	struct view_cast_shape s = { .ndim = 2, .shape = (int64_t[]){ 0, 3 },
	    .dims = (uint8_t[]){ VIEW_DIM_INT, VIEW_DIM_NOT_INT } };

	(void)state;
	/* 10: element by element: 0 before the non-int after it */
	assert_view_error(view_cast_ex(&m, "B", &s, &v, &err), &err,
	    VIEW_ERR_VALUE, "memoryview.cast(): elements of shape must be "
	    "integers > 0");
	s.shape = (int64_t[]){ 4, 0 };
	assert_view_error(view_cast_ex(&m, "B", &s, &v, &err), &err,
	    VIEW_ERR_TYPE, "memoryview.cast(): elements of shape must be "
	    "integers");
	s.dims = (uint8_t[]){ VIEW_DIM_TOO_BIG, VIEW_DIM_INT };
	assert_view_error(view_cast_ex(&m, "B", &s, &v, &err), &err,
	    VIEW_ERR_OVERFLOW, "Python int too large to convert to C ssize_t");
	assert_int_equal(view_cast_ex(&m, "B", &s, &v, &err), -EOVERFLOW);
	assert_view_error(view_cast(&m, "B", 2, (int64_t[]){ 2, -6 }, &v, &err),
	    &err, VIEW_ERR_VALUE,
	    "memoryview.cast(): elements of shape must be integers > 0");
	assert_view_error(view_cast(&m, "i", 2, (int64_t[]){ INT64_MAX / 4,
	    3 }, &v, &err), &err, VIEW_ERR_VALUE,
	    "memoryview.cast(): product(shape) > SSIZE_MAX");
	/* 11: the product must match */
	assert_view_error(view_cast(&m, "B", 2, (int64_t[]){ 2, 5 }, &v, &err),
	    &err, VIEW_ERR_TYPE,
	    "memoryview: product(shape) * itemsize != buffer size");
	assert_view_error(view_cast(&m, "B", 0, NULL, &v, &err), &err,
	    VIEW_ERR_TYPE, "memoryview: product(shape) * itemsize != buffer "
	    "size");
	assert_int_equal(view_cast(&m, "i", 3, (int64_t[]){ 1, 3, 1 }, &v,
	    NULL), 0);
	assert_view(&v, "i", 0, 3, (int64_t[]){ 1, 3, 1 },
	    (int64_t[]){ 12, 4, 4 });
}

static void
test_transpose(void **state)
{
	struct view_desc  m = matrix(), d, v;
	struct view_error err;

	(void)state;
	d = mkview("h", 10, 3, I(2), I(3), I(4), I(0), I(0), I(0));
	assert_int_equal(view_transpose(&d, (int64_t[]){ 1, -1, 0 }, 3, &v,
	    NULL), 0);
	assert_view(&v, "h", 10, 3, (int64_t[]){ 3, 4, 2 },
	    (int64_t[]){ 8, 2, 24 });
	assert_view_error(view_transpose(&m, (int64_t[]){ 0 }, 1, &v, &err),
	    &err, VIEW_ERR_VALUE, "axes don't match array");
	assert_view_error(view_transpose(&m, (int64_t[]){ 0, 0 }, 2, &v, &err),
	    &err, VIEW_ERR_VALUE, "repeated axis in transpose");
	assert_view_error(view_transpose(&m, (int64_t[]){ 0, -2 }, 2, &v,
	    &err), &err, VIEW_ERR_VALUE, "repeated axis in transpose");
	assert_view_error(view_transpose(&m, (int64_t[]){ 0, 5 }, 2, &v, &err),
	    &err, VIEW_ERR_AXIS, "axis 5 is out of bounds for array of "
	    "dimension 2");
	assert_view_error(view_transpose(&m, (int64_t[]){ -3, 0 }, 2, &v,
	    &err), &err, VIEW_ERR_AXIS, "axis -3 is out of bounds for array "
	    "of dimension 2");
	d = mkview("d", 8, 0);
	assert_int_equal(view_transpose(&d, NULL, 0, &v, NULL), 0);
	assert_int_equal(view_transpose(&d, (int64_t[]){ 0 }, 0, &v, NULL), 0);
	assert_int_equal(v.offset, 8);
}

static void
test_reshape(void **state)
{
	struct view_desc  m = matrix(), v;
	struct view_error err;

	(void)state;
	assert_int_equal(view_reshape(&m, 2, (int64_t[]){ 2, 6 }, &v, NULL), 0);
	assert_view(&v, "B", 0, 2, (int64_t[]){ 2, 6 }, (int64_t[]){ 6, 1 });
	assert_int_equal(view_reshape(&m, 3, (int64_t[]){ 2, -1, 3 }, &v,
	    NULL), 0);
	assert_view(&v, "B", 0, 3, (int64_t[]){ 2, 2, 3 },
	    (int64_t[]){ 6, 3, 1 });
	assert_view_error(view_reshape(&m, 2, (int64_t[]){ 5, -1 }, &v, &err),
	    &err, VIEW_ERR_VALUE, "cannot reshape array of size 12 into shape "
	    "(5,newaxis)");
	assert_view_error(view_reshape(&m, 2, (int64_t[]){ 5, 7 }, &v, &err),
	    &err, VIEW_ERR_VALUE, "cannot reshape array of size 12 into shape "
	    "(5,7)");
	assert_view_error(view_reshape(&m, 1, (int64_t[]){ 13 }, &v, &err),
	    &err, VIEW_ERR_VALUE, "cannot reshape array of size 12 into shape "
	    "(13,)");
	assert_view_error(view_reshape(&m, 0, NULL, &v, &err), &err,
	    VIEW_ERR_VALUE, "cannot reshape array of size 12 into shape ()");
	assert_view_error(view_reshape(&m, 2, (int64_t[]){ -1, -1 }, &v, &err),
	    &err, VIEW_ERR_VALUE, "can only specify one unknown dimension");
	assert_view_error(view_reshape(&m, 65, (int64_t[65]){ 0 }, &v, &err),
	    &err, VIEW_ERR_VALUE, "maximum supported dimension for a view is "
	    "64, found 65");
	/* NumPy 1.24 takes any negative extent as the unknown one */
	assert_int_equal(view_reshape(&m, 2, (int64_t[]){ -2, 6 }, &v, NULL),
	    0);
	assert_int_equal(v.shape[0], 2);
	m.readonly = true;
	assert_int_equal(view_reshape(&m, 1, (int64_t[]){ 12 }, &v, NULL), 0);
	assert_true(v.readonly);
}

static void
test_reshape_empty(void **state)
{
	struct view_desc  z = mkview("B", 0, 3, I(2), I(0), I(3), I(100),
	    I(7), I(1)), v;
	struct view_error err;

	(void)state;
	/* strides of a fresh array: a zero extent does not multiply */
	assert_int_equal(view_reshape(&z, 2, (int64_t[]){ 0, 5 }, &v, NULL), 0);
	assert_view(&v, "B", 0, 2, (int64_t[]){ 0, 5 }, (int64_t[]){ 5, 1 });
	assert_view_error(view_reshape(&z, 2, (int64_t[]){ 0, -1 }, &v, &err),
	    &err, VIEW_ERR_VALUE, "cannot reshape array of size 0 into shape "
	    "(0,newaxis)");
	/* leading unknowns are left out of the message */
	assert_view_error(view_reshape(&z, 2, (int64_t[]){ -1, 0 }, &v, &err),
	    &err, VIEW_ERR_VALUE, "cannot reshape array of size 0 into shape "
	    "(0)");
	assert_view_error(view_reshape(&z, 3, (int64_t[]){ 0, INT64_MAX / 2,
	    4 }, &v, &err), &err, VIEW_ERR_VALUE, "array is too big; "
	    "`arr.size * arr.dtype.itemsize` is larger than the maximum "
	    "possible size.");
}

static void
test_reshape_nocopy(void **state)
{
	struct view_desc  m = matrix(), t, v;
	struct view_error err;

	(void)state;
	/* the same shape keeps the strides, contiguous or not */
	t = mkview("B", 0, 2, I(4), I(3), I(1), I(4));
	assert_int_equal(view_reshape(&t, 2, (int64_t[]){ 4, 3 }, &v, NULL), 0);
	assert_memory_equal(&v, &t, sizeof(v));
	/* M.T cannot be flattened without a copy */
	assert_view_error(view_reshape(&t, 1, (int64_t[]){ 12 }, &v, &err),
	    &err, VIEW_ERR_TYPE, "cannot reshape a non-contiguous view without "
	    "copying");
	/* M[:, ::2] can: rows of stride 4, two items of stride 2 */
	m = mkview("B", 0, 2, I(3), I(2), I(4), I(2));
	assert_int_equal(view_reshape(&m, 1, (int64_t[]){ 6 }, &v, NULL), 0);
	assert_view(&v, "B", 0, 1, (int64_t[]){ 6 }, (int64_t[]){ 2 });
	assert_int_equal(view_reshape(&m, 3, (int64_t[]){ 3, 2, 1 }, &v,
	    NULL), 0);
	assert_view(&v, "B", 0, 3, (int64_t[]){ 3, 2, 1 },
	    (int64_t[]){ 4, 2, 2 });
	/* M[::-1] splits its first axis */
	m = mkview("B", 8, 2, I(4), I(3), I(-3), I(1));
	assert_int_equal(view_reshape(&m, 3, (int64_t[]){ 2, 2, 3 }, &v,
	    NULL), 0);
	assert_view(&v, "B", 8, 3, (int64_t[]){ 2, 2, 3 },
	    (int64_t[]){ -6, -3, 1 });
}

static void
test_toreadonly(void **state)
{
	struct view_desc m = matrix(), v;

	(void)state;
	view_toreadonly(&m, &v);
	assert_true(v.readonly);
	v.readonly = false;
	assert_memory_equal(&v, &m, sizeof(v));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cast_ok),
		cmocka_unit_test(test_cast_order),
		cmocka_unit_test(test_cast_shape),
		cmocka_unit_test(test_transpose),
		cmocka_unit_test(test_reshape),
		cmocka_unit_test(test_reshape_empty),
		cmocka_unit_test(test_reshape_nocopy),
		cmocka_unit_test(test_toreadonly),
	};

	return cmocka_run_group_tests_name("view-derive", tests, NULL, NULL);
}
