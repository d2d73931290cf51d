/* SPDX-License-Identifier: MIT */
/* Unit tests: subscripts, memoryview's answers and NumPy's beyond them. */
#include <errno.h>
#include <stdint.h>

#include "view-test.h"

#define T	VIEW_SUBSCRIPT_TUPLE
#define MV	VIEW_SUBSCRIPT_MEMORYVIEW
#define NP	VIEW_SUBSCRIPT_NUMPY
#define ST	VIEW_SUBSCRIPT_STORE

/* M = bytes(range(12)) as B[3,4] */
static struct view_desc
matrix(void)
{
	return mkview("B", 0, 2, I(3), I(4), I(0), I(0));
}

static int
sub1(const struct view_desc *d, struct view_key k, unsigned flags,
    struct view_desc *ret, struct view_error *err)
{
	return view_subscript(d, &k, 1, flags, ret, err);
}

static void
assert_shape(const struct view_desc *v, int64_t offset, int ndim,
    const int64_t *shape, const int64_t *strides)
{
	int	i;

	assert_int_equal(v->offset, offset);
	assert_int_equal(v->ndim, ndim);
	for (i = 0; i < ndim; i++) {
		assert_int_equal(v->shape[i], shape[i]);
		assert_int_equal(v->strides[i], strides[i]);
	}
}

static void
test_worked_examples(void **state)
{
	struct view_desc m = matrix(), v;
	struct view_key	 k[2];

	(void)state;
	/* M[::-1, 1::2] has strides (-4, 2) */
	k[0] = key_slice(NONE, NONE, -1);
	k[1] = key_slice(1, NONE, 2);
	assert_int_equal(view_subscript(&m, k, 2, T, &v, NULL), VIEW_SUB_VIEW);
	assert_shape(&v, 9, 2, (int64_t[]){ 3, 2 }, (int64_t[]){ -4, 2 });
	/* M.T has strides (1, 4) */
	assert_int_equal(view_transpose(&m, NULL, 0, &v, NULL), 0);
	assert_shape(&v, 0, 2, (int64_t[]){ 4, 3 }, (int64_t[]){ 1, 4 });
	/* M[1, ::-2] is [7, 5] */
	k[0] = key_index(1);
	k[1] = key_slice(NONE, NONE, -2);
	assert_int_equal(view_subscript(&m, k, 2, T, &v, NULL), VIEW_SUB_VIEW);
	assert_shape(&v, 7, 1, (int64_t[]){ 2 }, (int64_t[]){ -2 });
}

static void
test_0dim(void **state)
{
	struct view_desc  d = mkview("h", 6, 0), v;
	struct view_error err;
	struct view_key	  e = key_ellipsis();

	(void)state;
	assert_int_equal(view_subscript(&d, NULL, 0, T, &v, NULL),
	    VIEW_SUB_ITEM);
	assert_int_equal(v.offset, 6);
	assert_int_equal(v.ndim, 0);
	assert_int_equal(sub1(&d, e, 0, &v, NULL), VIEW_SUB_VIEW);
	assert_view_error(sub1(&d, key_index(0), 0, &v, &err), &err,
	    VIEW_ERR_TYPE, "invalid indexing of 0-dim memory");
	assert_view_error(sub1(&d, e, T, &v, &err), &err, VIEW_ERR_TYPE,
	    "invalid indexing of 0-dim memory");
	assert_view_error(sub1(&d, key_slice(NONE, NONE, NONE), 0, &v, &err),
	    &err, VIEW_ERR_TYPE, "invalid indexing of 0-dim memory");
	/* stores: v[...] = x and v[()] = x both pack the item */
	assert_int_equal(sub1(&d, e, ST, &v, NULL), VIEW_SUB_ITEM);
	assert_int_equal(view_subscript(&d, NULL, 0, T | ST, &v, NULL),
	    VIEW_SUB_ITEM);
	assert_view_error(sub1(&d, key_index(0), ST, &v, &err), &err,
	    VIEW_ERR_TYPE, "invalid indexing of 0-dim memory");
	/* NumPy alone: a[0] on a 0-d array */
	assert_view_error(sub1(&d, key_index(0), NP, &v, &err), &err,
	    VIEW_ERR_INDEX, "too many indices for array: array is "
	    "0-dimensional, but 1 were indexed");
}

static void
test_int_1d(void **state)
{
	struct view_desc  d = mkview("i", 8, 1, I(5), I(-4)), v;
	struct view_error err;

	(void)state;
	assert_int_equal(sub1(&d, key_index(2), 0, &v, NULL), VIEW_SUB_ITEM);
	assert_int_equal(v.offset, 0);
	assert_int_equal(sub1(&d, key_index(-1), 0, &v, NULL), VIEW_SUB_ITEM);
	assert_int_equal(v.offset, -8);
	assert_view_error(sub1(&d, key_index(5), 0, &v, &err), &err,
	    VIEW_ERR_INDEX, "index out of bounds on dimension 1");
	assert_view_error(sub1(&d, key_index(-6), 0, &v, &err), &err,
	    VIEW_ERR_INDEX, "index out of bounds on dimension 1");
	assert_view_error(sub1(&d, key_index(INT64_MIN), 0, &v, &err), &err,
	    VIEW_ERR_INDEX, "index out of bounds on dimension 1");
}

static void
test_int_nd(void **state)
{
	struct view_desc  m = matrix(), v;
	struct view_error err;

	(void)state;
	/* memoryview gives up; NumPy drops the axis */
	assert_int_equal(sub1(&m, key_index(-1), 0, &v, NULL), VIEW_SUB_VIEW);
	assert_shape(&v, 8, 1, (int64_t[]){ 4 }, (int64_t[]){ 1 });
	assert_view_error(sub1(&m, key_index(1), MV, &v, &err), &err,
	    VIEW_ERR_NOTIMPL,
	    "multi-dimensional sub-views are not implemented");
	assert_view_error(sub1(&m, key_index(3), 0, &v, &err), &err,
	    VIEW_ERR_INDEX, "index 3 is out of bounds for axis 0 with size 3");
	assert_view_error(sub1(&m, key_index(-4), 0, &v, &err), &err,
	    VIEW_ERR_INDEX, "index -4 is out of bounds for axis 0 with size 3");
}

static void
test_slice_adjust(void **state)
{
	static const struct {
		int64_t	len, start, stop, step;
		int64_t	rstart, rstep, rlen;
	} t[] = {
		{ 10, NONE, NONE, NONE, 0, 1, 10 },
		{ 10, NONE, NONE, -1, 9, -1, 10 },
		{ 10, 5, 2, NONE, 5, 1, 0 },
		{ 10, -100, 100, NONE, 0, 1, 10 },
		{ 10, 100, NONE, -1, 9, -1, 10 },
		{ 10, NONE, -100, -1, 9, -1, 10 },
		{ 10, 2, 8, 3, 2, 3, 2 },
		{ 10, 8, 2, -3, 8, -3, 2 },
		{ 10, -3, NONE, NONE, 7, 1, 3 },
		{ 10, NONE, NONE, INT64_MAX, 0, INT64_MAX, 1 },
		{ 10, NONE, NONE, INT64_MIN + 1, 9, -INT64_MAX, 1 },
		{ 0, NONE, NONE, -1, -1, -1, 0 },
		{ 0, 5, NONE, NONE, 0, 1, 0 },
		{ 3, INT64_MAX, INT64_MAX - 1, -1, 2, -1, 0 },
		{ 3, -INT64_MAX, INT64_MAX, 1, 0, 1, 3 },
	};
	int64_t	start, step, len;
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct view_key k = key_slice(t[i].start, t[i].stop, t[i].step);

		assert_int_equal(view_slice_adjust(&k, t[i].len, &start, &step,
		    &len, NULL), 0);
		assert_int_equal(start, t[i].rstart);
		assert_int_equal(step, t[i].rstep);
		assert_int_equal(len, t[i].rlen);
	}
}

static void
test_slice_step_min(void **state)
{
	struct view_key	k = key_slice(NONE, NONE, 1);
	int64_t		start, step, len;

	(void)state;
	k.step = INT64_MIN;		/* PySlice_Unpack clamps it */
	assert_int_equal(view_slice_adjust(&k, 4, &start, &step, &len, NULL),
	    0);
	assert_int_equal(step, -INT64_MAX);
	assert_int_equal(start, 3);
	assert_int_equal(len, 1);
}

static void
test_slice_memoryview(void **state)
{
	struct view_desc  d = mkview("h", 0, 1, I(10), I(2)), v;
	struct view_error err;

	(void)state;
	assert_int_equal(sub1(&d, key_slice(2, 6, NONE), 0, &v, NULL),
	    VIEW_SUB_VIEW);
	assert_shape(&v, 4, 1, (int64_t[]){ 4 }, (int64_t[]){ 2 });
	/* memoryview moves the offset even for an empty slice */
	assert_int_equal(sub1(&d, key_slice(5, 2, NONE), 0, &v, NULL), 0);
	assert_shape(&v, 10, 1, (int64_t[]){ 0 }, (int64_t[]){ 2 });
	assert_int_equal(sub1(&d, key_slice(NONE, NONE, -3), 0, &v, NULL), 0);
	assert_shape(&v, 18, 1, (int64_t[]){ 4 }, (int64_t[]){ -6 });
	assert_view_error(sub1(&d, key_slice(NONE, NONE, 0), 0, &v, &err),
	    &err, VIEW_ERR_VALUE, "slice step cannot be zero");
	/* a slice key slices axis 0 of an ND view too */
	d = matrix();
	assert_int_equal(sub1(&d, key_slice(NONE, NONE, 2), MV, &v, NULL), 0);
	assert_shape(&v, 0, 2, (int64_t[]){ 2, 4 }, (int64_t[]){ 8, 1 });
	assert_int_equal(sub1(&d, key_slice(3, 0, NONE), MV, &v, NULL), 0);
	assert_shape(&v, 12, 2, (int64_t[]){ 0, 4 }, (int64_t[]){ 4, 1 });
}

static void
test_slice_numpy_empty(void **state)
{
	struct view_desc m = matrix(), v;
	struct view_key	 k[2];

	(void)state;
	k[0] = key_slice(3, 0, 2);
	k[1] = key_slice(NONE, NONE, -1);
	/* NumPy: an empty slice keeps offset and stride */
	assert_int_equal(view_subscript(&m, k, 2, T, &v, NULL), VIEW_SUB_VIEW);
	assert_shape(&v, 3, 2, (int64_t[]){ 0, 4 }, (int64_t[]){ 4, -1 });
}

static void
test_int_tuples(void **state)
{
	struct view_desc  m = matrix(), v;
	struct view_error err;
	struct view_key	  k[3];

	(void)state;
	k[0] = key_index(1);
	k[1] = key_index(-2);
	k[2] = key_index(0);
	assert_int_equal(view_subscript(&m, k, 2, T, &v, NULL), VIEW_SUB_ITEM);
	assert_int_equal(v.offset, 6);
	assert_int_equal(v.ndim, 0);
	assert_view_error(view_subscript(&m, k, 3, T, &v, &err), &err,
	    VIEW_ERR_TYPE,
	    "cannot index 2-dimension view with 3-element tuple");
	k[1] = key_index(4);
	assert_view_error(view_subscript(&m, k, 2, T, &v, &err), &err,
	    VIEW_ERR_INDEX, "index out of bounds on dimension 2");
	/* shorter: NumPy's row, memoryview's NotImplementedError */
	assert_int_equal(view_subscript(&m, k, 1, T, &v, NULL), VIEW_SUB_VIEW);
	assert_shape(&v, 4, 1, (int64_t[]){ 4 }, (int64_t[]){ 1 });
	assert_view_error(view_subscript(&m, k, 1, T | MV, &v, &err), &err,
	    VIEW_ERR_NOTIMPL, "sub-views are not implemented");
	/* v[()] on ND: the whole view */
	assert_int_equal(view_subscript(&m, NULL, 0, T, &v, NULL),
	    VIEW_SUB_VIEW);
	assert_memory_equal(&v, &m, sizeof(v));
	/* one int as a tuple */
	assert_view_error(view_subscript(&m, k, 1, T | MV, &v, &err), &err,
	    VIEW_ERR_NOTIMPL, "sub-views are not implemented");
}

static void
test_slice_tuples(void **state)
{
	struct view_desc  d = mkview("h", 0, 1, I(10), I(2)), v;
	struct view_error err;
	struct view_key	  k[3] = { key_slice(1, NONE, NONE),
	    key_slice(NONE, NONE, -1), key_slice(NONE, NONE, NONE) };

	(void)state;
	/* (slice,) on 1-D: memoryview refuses, NumPy slices */
	assert_int_equal(view_subscript(&d, k, 1, T, &v, NULL), VIEW_SUB_VIEW);
	assert_shape(&v, 2, 1, (int64_t[]){ 9 }, (int64_t[]){ 2 });
	assert_view_error(view_subscript(&d, k, 1, T | MV, &v, &err), &err,
	    VIEW_ERR_NOTIMPL, "multi-dimensional slicing is not implemented");
	assert_view_error(view_subscript(&d, k, 2, T, &v, &err), &err,
	    VIEW_ERR_INDEX, "too many indices for array: array is "
	    "1-dimensional, but 2 were indexed");
	d = matrix();
	assert_int_equal(view_subscript(&d, k, 2, T, &v, NULL), 0);
	assert_shape(&v, 7, 2, (int64_t[]){ 2, 4 }, (int64_t[]){ 4, -1 });
	k[1] = key_slice(NONE, NONE, 0);
	assert_view_error(view_subscript(&d, k, 2, T, &v, &err), &err,
	    VIEW_ERR_VALUE, "slice step cannot be zero");
}

static void
test_ellipsis_mixed(void **state)
{
	struct view_desc  d = mkview("B", 0, 3, I(2), I(3), I(4), I(0), I(0),
	    I(0)), v;
	struct view_error err;
	struct view_key	  k[3] = { key_ellipsis(), key_index(1),
	    key_ellipsis() };

	(void)state;
	/* v[..., 1] */
	assert_int_equal(view_subscript(&d, k, 2, T, &v, NULL), VIEW_SUB_VIEW);
	assert_shape(&v, 1, 2, (int64_t[]){ 2, 3 }, (int64_t[]){ 12, 4 });
	assert_view_error(view_subscript(&d, k, 2, T | MV, &v, &err), &err,
	    VIEW_ERR_TYPE, "memoryview: invalid slice key");
	assert_view_error(view_subscript(&d, k, 3, T, &v, &err), &err,
	    VIEW_ERR_INDEX, "an index can only have a single ellipsis ('...')");
	/* v[1, ..., ::2]: the ellipsis covers one axis */
	k[0] = key_index(1);
	k[1] = key_ellipsis();
	k[2] = key_slice(NONE, NONE, 2);
	assert_int_equal(view_subscript(&d, k, 3, T, &v, NULL), 0);
	assert_shape(&v, 12, 2, (int64_t[]){ 3, 2 }, (int64_t[]){ 4, 2 });
	/* v[...] on 1-D: memoryview refuses, NumPy returns the view */
	d = mkview("B", 0, 1, I(4), I(1));
	assert_int_equal(sub1(&d, key_ellipsis(), 0, &v, NULL), VIEW_SUB_VIEW);
	assert_memory_equal(&v, &d, sizeof(v));
	assert_view_error(sub1(&d, key_ellipsis(), MV, &v, &err), &err,
	    VIEW_ERR_TYPE, "memoryview: invalid slice key");
	/* v[..., 1] on 1-D is a 0-dim view, not an item */
	k[0] = key_ellipsis();
	k[1] = key_index(1);
	assert_int_equal(view_subscript(&d, k, 2, T, &v, NULL), VIEW_SUB_VIEW);
	assert_int_equal(v.ndim, 0);
	assert_int_equal(v.offset, 1);
}

static void
test_nonnative(void **state)
{
	struct view_desc  d = mkview("<i", 0, 1, I(3), I(4)), v;
	struct view_error err;

	(void)state;
	d.itemsize = 4;
	assert_view_error(sub1(&d, key_index(0), MV, &v, &err), &err,
	    VIEW_ERR_NOTIMPL, "memoryview: unsupported format <i");
	/* NumPy finds the item; reading it stays NotImplementedError */
	assert_int_equal(sub1(&d, key_index(-1), 0, &v, NULL), VIEW_SUB_ITEM);
	assert_int_equal(v.offset, 8);
	assert_view_error(sub1(&d, key_index(3), 0, &v, &err), &err,
	    VIEW_ERR_INDEX, "index 3 is out of bounds for axis 0 with size 3");
	/* slicing needs no format */
	assert_int_equal(sub1(&d, key_slice(1, NONE, NONE), MV, &v, NULL), 0);
}

static void
test_store(void **state)
{
	struct view_desc  d = mkview("h", 0, 1, I(4), I(2)), m = matrix(), v;
	struct view_error err;
	struct view_key	  k[2];

	(void)state;
	k[0] = key_index(1);
	k[1] = key_slice(NONE, NONE, 0);
	assert_int_equal(sub1(&d, k[0], ST, &v, NULL), VIEW_SUB_ITEM);
	assert_int_equal(v.offset, 2);
	/* 1-D slice: memoryview's buffer assignment */
	assert_int_equal(sub1(&d, key_slice(1, 3, NONE), ST, &v, NULL),
	    VIEW_SUB_VIEW);
	assert_shape(&v, 2, 1, (int64_t[]){ 2 }, (int64_t[]){ 2 });
	/* CPython asks for a buffer before it looks at the slice */
	assert_int_equal(sub1(&d, k[1], ST | VIEW_SUBSCRIPT_SCALAR, &v, NULL),
	    VIEW_SUB_VIEW);
	assert_memory_equal(&v, &d, sizeof(v));
	assert_view_error(sub1(&d, k[1], ST, &v, &err), &err, VIEW_ERR_VALUE,
	    "slice step cannot be zero");
	/* ND: NumPy fills or assigns */
	assert_int_equal(sub1(&m, k[0], ST, &v, NULL), VIEW_SUB_FILL);
	assert_shape(&v, 4, 1, (int64_t[]){ 4 }, (int64_t[]){ 1 });
	assert_view_error(sub1(&m, k[0], ST | MV, &v, &err), &err,
	    VIEW_ERR_NOTIMPL, "sub-views are not implemented");
	assert_view_error(sub1(&m, key_slice(NONE, NONE, NONE), ST | MV, &v,
	    &err), &err, VIEW_ERR_NOTIMPL, "memoryview slice assignments are "
	    "currently restricted to ndim = 1");
	assert_int_equal(sub1(&m, key_slice(NONE, NONE, NONE), ST, &v, NULL),
	    VIEW_SUB_FILL);
	assert_view_error(sub1(&m, key_ellipsis(), ST | MV, &v, &err), &err,
	    VIEW_ERR_TYPE, "memoryview: invalid slice key");
	/* a mixed tuple: memoryview rejects the key, NumPy fills */
	k[1] = key_slice(NONE, NONE, 2);
	assert_int_equal(view_subscript(&m, k, 2, T | ST, &v, NULL),
	    VIEW_SUB_FILL);
	assert_shape(&v, 4, 1, (int64_t[]){ 2 }, (int64_t[]){ 2 });
}

static void
test_store_refused(void **state)
{
	struct view_desc  d = mkview("h", 0, 1, I(4), I(2)), v;
	struct view_error err;

	(void)state;
	d.readonly = true;
	assert_view_error(sub1(&d, key_index(9), ST, &v, &err), &err,
	    VIEW_ERR_TYPE, "cannot modify read-only memory");
	assert_view_error(sub1(&d, key_index(0), ST | VIEW_SUBSCRIPT_DELETE,
	    &v, &err), &err, VIEW_ERR_TYPE, "cannot modify read-only memory");
	d.readonly = false;
	assert_view_error(sub1(&d, key_index(0), ST | VIEW_SUBSCRIPT_DELETE,
	    &v, &err), &err, VIEW_ERR_TYPE, "cannot delete memory");
	/* memoryview checks the format before read-only */
	strcpy(d.format, "<h");
	d.readonly = true;
	assert_view_error(sub1(&d, key_index(0), ST | MV, &v, &err), &err,
	    VIEW_ERR_NOTIMPL, "memoryview: unsupported format <h");
	assert_view_error(sub1(&d, key_index(0), ST, &v, &err), &err,
	    VIEW_ERR_TYPE, "cannot modify read-only memory");
	d.readonly = false;
	assert_int_equal(sub1(&d, key_index(0), ST, &v, NULL), VIEW_SUB_ITEM);
}

static void
test_bad_calls(void **state)
{
	struct view_desc  d = matrix(), v;
	struct view_error err;
	struct view_key	  k[2] = { key_index(0), key_index(0) };

	(void)state;
	assert_int_equal(view_subscript(&d, k, 2, 0, &v, &err), -EINVAL);
	assert_int_equal(view_subscript(&d, k, 0, 0, &v, &err), -EINVAL);
}

static void
test_item_offset(void **state)
{
	struct view_desc  m = matrix();
	struct view_error err;
	int64_t		  off = -1;

	(void)state;
	assert_int_equal(view_item_offset(&m, (int64_t[]){ 2, -1 }, 2, &off,
	    NULL), 0);
	assert_int_equal(off, 11);
	assert_view_error(view_item_offset(&m, (int64_t[]){ 0, 0, 0 }, 3, &off,
	    &err), &err, VIEW_ERR_TYPE,
	    "cannot index 2-dimension view with 3-element tuple");
	assert_view_error(view_item_offset(&m, (int64_t[]){ 0 }, 1, &off,
	    &err), &err, VIEW_ERR_NOTIMPL, "sub-views are not implemented");
	assert_view_error(view_item_offset(&m, (int64_t[]){ -4, 0 }, 2, &off,
	    &err), &err, VIEW_ERR_INDEX, "index out of bounds on dimension 1");
	assert_int_equal(off, 11);
}

static void
assert_parse(const char *text, size_t n, unsigned flags,
    const struct view_key *want)
{
	struct view_key	keys[8];
	size_t		got = 99, i;
	unsigned	gotflags = 99;

	assert_int_equal(view_key_parse(text, keys, 8, &got, &gotflags, NULL),
	    0);
	assert_int_equal(got, n);
	assert_int_equal(gotflags, flags);
	for (i = 0; i < n; i++) {
		assert_int_equal(keys[i].kind, want[i].kind);
		assert_int_equal(keys[i].index, want[i].index);
		assert_int_equal(keys[i].has_start, want[i].has_start);
		assert_int_equal(keys[i].has_stop, want[i].has_stop);
		assert_int_equal(keys[i].has_step, want[i].has_step);
		assert_int_equal(keys[i].start, want[i].start);
		assert_int_equal(keys[i].stop, want[i].stop);
		assert_int_equal(keys[i].step, want[i].step);
	}
}

static void
test_key_parse(void **state)
{
	(void)state;
	assert_parse("1:3,::2", 2, T, (struct view_key[]){
	    key_slice(1, 3, NONE), key_slice(NONE, NONE, 2) });
	assert_parse("...,0", 2, T, (struct view_key[]){ key_ellipsis(),
	    key_index(0) });
	assert_parse("-1", 1, 0, (struct view_key[]){ key_index(-1) });
	assert_parse(" 1 : -3 : -1 ", 1, 0, (struct view_key[]){
	    key_slice(1, -3, -1) });
	assert_parse(":", 1, 0, (struct view_key[]){
	    key_slice(NONE, NONE, NONE) });
	assert_parse("::", 1, 0, (struct view_key[]){
	    key_slice(NONE, NONE, NONE) });
	assert_parse("1,", 1, T, (struct view_key[]){ key_index(1) });
	assert_parse("()", 0, T, NULL);
	assert_parse("( )", 0, T, NULL);
	assert_parse("+2,:-1", 2, T, (struct view_key[]){ key_index(2),
	    key_slice(NONE, -1, NONE) });
}

static void
test_key_parse_errors(void **state)
{
	static const char *const bad[] = { "", " ", "a", "1:2:3:4", "1,,2",
	    ",", "1 2", "99999999999999999999", "....", "-", "1:x", "(1)" };
	struct view_key	  keys[2];
	struct view_error err;
	size_t		  i, n = 7;
	unsigned	  flags = 7;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_true(view_key_parse(bad[i], keys, 2, &n, &flags,
		    &err) < 0);
		assert_int_equal(err.cls, VIEW_ERR_VALUE);
	}
	assert_view_error(view_key_parse("1,2,3", keys, 2, &n, &flags, &err),
	    &err, VIEW_ERR_VALUE, "subscript has more than 2 items");
	assert_int_equal(n, 7);
	assert_int_equal(flags, 7);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_worked_examples),
		cmocka_unit_test(test_0dim),
		cmocka_unit_test(test_int_1d),
		cmocka_unit_test(test_int_nd),
		cmocka_unit_test(test_slice_adjust),
		cmocka_unit_test(test_slice_step_min),
		cmocka_unit_test(test_slice_memoryview),
		cmocka_unit_test(test_slice_numpy_empty),
		cmocka_unit_test(test_int_tuples),
		cmocka_unit_test(test_slice_tuples),
		cmocka_unit_test(test_ellipsis_mixed),
		cmocka_unit_test(test_nonnative),
		cmocka_unit_test(test_store),
		cmocka_unit_test(test_store_refused),
		cmocka_unit_test(test_bad_calls),
		cmocka_unit_test(test_item_offset),
		cmocka_unit_test(test_key_parse),
		cmocka_unit_test(test_key_parse_errors),
	};

	return cmocka_run_group_tests_name("view-subscript", tests, NULL, NULL);
}
