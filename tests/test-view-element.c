/* SPDX-License-Identifier: MIT */
/* Unit tests: element read/write for every format, fill, assignment. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "view-test.h"

static struct view_value
vint(int64_t i)
{
	struct view_value v = { .type = VIEW_VALUE_INT, .i = i };

	return v;
}

static struct view_value
vuint(uint64_t u)
{
	struct view_value v = { .type = VIEW_VALUE_UINT, .u = u };

	return v;
}

static struct view_value
vfloat(double f)
{
	struct view_value v = { .type = VIEW_VALUE_FLOAT, .f = f };

	return v;
}

static struct view_value
vof(enum view_value_type type)
{
	struct view_value v = { .type = type };

	return v;
}

#define UBIG	UINT64_C(0x80fffffffffffffe)
#define BIG	(-INT64_C(0x7f00000000000002))

static void
test_unpack_ints(void **state)
{
	static const uint8_t mem[8] = { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0x80 };
	static const struct {
		const char	*fmt;
		bool		 sign;
		int64_t		 i;
		uint64_t	 u;
	} t[] = {
		{ "b", true, -2, 0 }, { "h", true, -2, 0 },
		{ "i", true, -2, 0 }, { "l", true, BIG, 0 },
		{ "q", true, BIG, 0 }, { "@n", true, BIG, 0 },
		{ "B", false, 0, 0xfe }, { "H", false, 0, 0xfffe },
		{ "I", false, 0, 0xfffffffe }, { "L", false, 0, UBIG },
		{ "Q", false, 0, UBIG }, { "N", false, 0, UBIG },
		{ "P", false, 0, UBIG },
	};
	struct view_value v;
	size_t		  k;

	(void)state;
	for (k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
		assert_int_equal(view_unpack(t[k].fmt, mem, &v, NULL), 0);
		assert_int_equal(v.type, t[k].sign ? VIEW_VALUE_INT :
		    VIEW_VALUE_UINT);
		if (t[k].sign)
			assert_int_equal(v.i, t[k].i);
		else
			assert_int_equal(v.u, t[k].u);
	}
}

static void
test_unpack_other(void **state)
{
	uint8_t		  mem[8];
	float		  f = 0.1f;
	double		  d = -2.5;
	struct view_value v;
	struct view_error err;

	(void)state;
	memcpy(mem, &f, sizeof(f));
	assert_int_equal(view_unpack("f", mem, &v, NULL), 0);
	assert_int_equal(v.type, VIEW_VALUE_FLOAT);
	assert_true(v.f == (double)0.1f);
	memcpy(mem, &d, sizeof(d));
	assert_int_equal(view_unpack("@d", mem, &v, NULL), 0);
	assert_true(v.f == -2.5);
	/* '?': any non-zero byte is True */
	mem[0] = 0x40;
	assert_int_equal(view_unpack("?", mem, &v, NULL), 0);
	assert_int_equal(v.type, VIEW_VALUE_BOOL);
	assert_true(v.b);
	mem[0] = 0;
	assert_int_equal(view_unpack("?", mem, &v, NULL), 0);
	assert_false(v.b);
	mem[0] = 0xab;
	assert_int_equal(view_unpack("c", mem, &v, NULL), 0);
	assert_int_equal(v.type, VIEW_VALUE_BYTE);
	assert_int_equal(v.c, 0xab);
	assert_view_error(view_unpack("<i", mem, &v, &err), &err,
	    VIEW_ERR_NOTIMPL, "memoryview: unsupported format <i");
	assert_view_error(view_unpack("@x", mem, &v, &err), &err,
	    VIEW_ERR_NOTIMPL, "memoryview: format x not supported");
	assert_view_error(view_unpack("", mem, &v, &err), &err,
	    VIEW_ERR_NOTIMPL, "memoryview: unsupported format ");
	assert_int_equal(view_unpack("2h", mem, &v, NULL), -ENOTSUP);
}

static double
half(uint16_t bits)
{
	struct view_value v;

	assert_int_equal(view_unpack("e", &bits, &v, NULL), 0);
	return v.f;
}

static void
test_half_unpack(void **state)
{
	(void)state;
	assert_true(half(0x3c00) == 1.0);
	assert_true(half(0xc000) == -2.0);
	assert_true(half(0x7bff) == 65504.0);
	assert_true(half(0x0001) == 0x1p-24);
	assert_true(half(0x0400) == 0x1p-14);
	assert_true(half(0x3555) == 0.333251953125);
	assert_true(half(0x7c00) == INFINITY);
	assert_true(half(0xfc00) == -INFINITY);
	assert_true(isnan(half(0x7c01)));
	assert_true(isnan(half(0xfe00)) && signbit(half(0xfe00)));
	assert_true(half(0x8000) == 0 && signbit(half(0x8000)));
}

static int
pack_half(double x, uint16_t *bits)
{
	struct view_value v = vfloat(x);

	return view_pack("e", bits, &v, NULL);
}

static void
test_half_pack(void **state)
{
	static const struct {
		double	 x;
		uint16_t bits;
	} t[] = {
		{ 1.0, 0x3c00 }, { -2.0, 0xc000 }, { 0.1, 0x2e66 },
		{ 65504.0, 0x7bff }, { 65519.99, 0x7bff }, { -0.0, 0x8000 },
		{ INFINITY, 0x7c00 }, { -INFINITY, 0xfc00 }, { NAN, 0x7e00 },
		{ -NAN, 0xfe00 }, { 0x1p-24, 0x0001 }, { 3e-8, 0x0001 },
		{ 0x1p-25, 0x0000 }, { 0x1.8p-24, 0x0002 }, { 1e-30, 0x0000 },
		{ 0x1p-14 - 0x1p-25, 0x0400 }, { 0x1p-14 - 0x1p-24, 0x03ff },
		{ 2049.0, 0x6800 }, { 2051.0, 0x6802 }, { 1e-320, 0x0000 },
	};
	uint16_t bits;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		bits = 0x1234;
		assert_int_equal(pack_half(t[i].x, &bits), 0);
		assert_int_equal(bits, t[i].bits);
	}
	bits = 0x1234;
	assert_int_equal(pack_half(65520.0, &bits), -EINVAL);
	assert_int_equal(pack_half(-1e10, &bits), -EINVAL);
	assert_int_equal(bits, 0x1234);
}

struct int_case {
	const char	*fmt;
	int64_t		 min;
	uint64_t	 max;
};

static const struct int_case int_cases[] = {
	{ "b", -128, 127 }, { "h", -32768, 32767 },
	{ "i", INT32_MIN, INT32_MAX }, { "l", INT64_MIN, INT64_MAX },
	{ "q", INT64_MIN, INT64_MAX }, { "n", INT64_MIN, INT64_MAX },
	{ "B", 0, 255 }, { "H", 0, 65535 }, { "I", 0, UINT32_MAX },
	{ "L", 0, UINT64_MAX }, { "Q", 0, UINT64_MAX }, { "N", 0, UINT64_MAX },
	{ "P", INT64_MIN, UINT64_MAX },
};

static void
check_int_range(const struct int_case *c)
{
	uint8_t		  mem[8] = { 0 }, zero[8] = { 0 };
	struct view_value v, back;
	struct view_error err;
	char		  msg[64];

	v = vint(c->min);
	assert_int_equal(view_pack(c->fmt, mem, &v, NULL), 0);
	v = c->max > INT64_MAX ? vuint(c->max) : vint((int64_t)c->max);
	assert_int_equal(view_pack(c->fmt, mem, &v, NULL), 0);
	assert_int_equal(view_unpack(c->fmt, mem, &back, NULL), 0);
	if (back.type == VIEW_VALUE_UINT && strcmp(c->fmt, "P") != 0)
		assert_int_equal(back.u, c->max);
	memset(mem, 0, sizeof(mem));
	snprintf(msg, sizeof(msg), "memoryview: invalid value for format '%s'",
	    c->fmt);
	if (c->min > INT64_MIN) {
		v = vint(c->min - 1);
		assert_view_error(view_pack(c->fmt, mem, &v, &err), &err,
		    VIEW_ERR_VALUE, msg);
	}
	if (c->max < UINT64_MAX) {
		v = c->max + 1 > INT64_MAX ? vuint(c->max + 1) :
		    vint((int64_t)c->max + 1);
		assert_view_error(view_pack(c->fmt, mem, &v, &err), &err,
		    VIEW_ERR_VALUE, msg);
	}
	v = vof(VIEW_VALUE_BIGINT);
	v.f = 1e30;
	assert_view_error(view_pack(c->fmt, mem, &v, &err), &err,
	    VIEW_ERR_VALUE, msg);
	snprintf(msg, sizeof(msg), "memoryview: invalid type for format '%s'",
	    c->fmt);
	v = vfloat(1.0);
	assert_view_error(view_pack(c->fmt, mem, &v, &err), &err, VIEW_ERR_TYPE,
	    msg);
	v = vof(VIEW_VALUE_BYTE);
	assert_view_error(view_pack(c->fmt, mem, &v, &err), &err, VIEW_ERR_TYPE,
	    msg);
	v = vof(VIEW_VALUE_OTHER);
	assert_view_error(view_pack(c->fmt, mem, &v, &err), &err, VIEW_ERR_TYPE,
	    msg);
	assert_memory_equal(mem, zero, sizeof(mem));
}

static void
test_pack_ints(void **state)
{
	struct view_value v = { .type = VIEW_VALUE_BOOL, .b = true };
	uint8_t		  mem[8] = { 0 };
	size_t		  i;

	(void)state;
	for (i = 0; i < sizeof(int_cases) / sizeof(int_cases[0]); i++)
		check_int_range(&int_cases[i]);
	assert_int_equal(view_pack("@H", mem, &v, NULL), 0);
	assert_int_equal(mem[0], 1);
	v = vint(-1);
	assert_int_equal(view_pack("P", mem, &v, NULL), 0);
	assert_int_equal(mem[7], 0xff);
}

static void
test_pack_floats(void **state)
{
	struct view_value v;
	struct view_error err;
	float		  f;
	double		  d;

	(void)state;
	v = vfloat(1e300);
	assert_int_equal(view_pack("f", &f, &v, NULL), 0);
	assert_true(f == INFINITY);
	v = vfloat(-1e300);
	assert_int_equal(view_pack("f", &f, &v, NULL), 0);
	assert_true(f == -INFINITY);
	v = vfloat(0x1.ffffffp+127);	/* the tie above FLT_MAX: even */
	assert_int_equal(view_pack("f", &f, &v, NULL), 0);
	assert_true(f == INFINITY);
	v = vfloat(0x1.fffffefp+127);
	assert_int_equal(view_pack("f", &f, &v, NULL), 0);
	assert_true(f == 0x1.fffffep+127);
	v = vuint(UINT64_MAX);
	assert_int_equal(view_pack("d", &d, &v, NULL), 0);
	assert_true(d == 0x1p64);
	v = vof(VIEW_VALUE_BIGINT);
	v.f = 0x1p70;
	assert_int_equal(view_pack("d", &d, &v, NULL), 0);
	assert_true(d == 0x1p70);
	v.f = -HUGE_VAL;
	assert_view_error(view_pack("d", &d, &v, &err), &err, VIEW_ERR_VALUE,
	    "memoryview: invalid value for format 'd'");
	v = vof(VIEW_VALUE_BOOL);
	v.b = true;
	assert_int_equal(view_pack("e", &f, &v, NULL), 0);
	v = vof(VIEW_VALUE_BYTES);
	assert_view_error(view_pack("@e", &d, &v, &err), &err, VIEW_ERR_TYPE,
	    "memoryview: invalid type for format 'e'");
	v = vint(70000);
	assert_view_error(view_pack("e", &d, &v, &err), &err, VIEW_ERR_VALUE,
	    "memoryview: invalid value for format 'e'");
}

static void
test_pack_bool_and_char(void **state)
{
	static const struct {
		struct view_value v;
		uint8_t		  want;
	} t[] = {
		{ { .type = VIEW_VALUE_INT, .i = 0 }, 0 },
		{ { .type = VIEW_VALUE_INT, .i = -5 }, 1 },
		{ { .type = VIEW_VALUE_UINT, .u = UINT64_MAX }, 1 },
		{ { .type = VIEW_VALUE_FLOAT, .f = 0.0 }, 0 },
		{ { .type = VIEW_VALUE_FLOAT, .f = -0.0 }, 0 },
		{ { .type = VIEW_VALUE_FLOAT, .f = NAN }, 1 },
		{ { .type = VIEW_VALUE_BOOL, .b = false }, 0 },
		{ { .type = VIEW_VALUE_BYTE, .c = 0 }, 1 },
		{ { .type = VIEW_VALUE_BYTES, .n = 0 }, 0 },
		{ { .type = VIEW_VALUE_BYTES, .n = 3 }, 1 },
		{ { .type = VIEW_VALUE_BIGINT, .f = 1e30 }, 1 },
		{ { .type = VIEW_VALUE_OTHER, .b = false }, 0 },
		{ { .type = VIEW_VALUE_OTHER, .b = true }, 1 },
	};
	struct view_value v;
	struct view_error err;
	uint8_t		  b;
	size_t		  i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		b = 0x55;
		assert_int_equal(view_pack("?", &b, &t[i].v, NULL), 0);
		assert_int_equal(b, t[i].want);
	}
	v = vof(VIEW_VALUE_BYTE);
	v.c = 'z';
	assert_int_equal(view_pack("c", &b, &v, NULL), 0);
	assert_int_equal(b, 'z');
	v = vof(VIEW_VALUE_BYTES);
	v.n = 2;
	assert_view_error(view_pack("c", &b, &v, &err), &err, VIEW_ERR_VALUE,
	    "memoryview: invalid value for format 'c'");
	v = vint(1);
	assert_view_error(view_pack("c", &b, &v, &err), &err, VIEW_ERR_TYPE,
	    "memoryview: invalid type for format 'c'");
	assert_view_error(view_pack("x", &b, &v, &err), &err, VIEW_ERR_NOTIMPL,
	    "memoryview: format x not supported");
	assert_view_error(view_pack("<b", &b, &v, &err), &err, VIEW_ERR_NOTIMPL,
	    "memoryview: unsupported format <b");
	assert_int_equal(b, 'z');
}

/* The article's examples, with views standing in for the two processes. */
static void
test_article_examples(void **state)
{
	int16_t		  a[5] = { -2, -1, 0, 1, 2 };
	uint8_t		  m[12];
	struct view_desc  h = mkview("h", 0, 1, I(5), I(2)), b, v, e;
	struct view_value x;
	struct view_key	  k[2] = { key_index(1), key_index(2) };
	int		  i;

	(void)state;
	assert_int_equal(view_cast(&h, "B", -1, NULL, &b, NULL), 0);
	assert_int_equal(view_subscript(&b, k, 1, VIEW_SUBSCRIPT_STORE, &e,
	    NULL), VIEW_SUB_ITEM);
	e.offset = 5;
	x = vint(4);
	assert_int_equal(view_pack(e.format, (uint8_t *)a + e.offset, &x,
	    NULL), 0);
	assert_int_equal(view_unpack("h", &a[2], &x, NULL), 0);
	assert_int_equal(x.i, 1024);

	for (i = 0; i < 12; i++)
		m[i] = (uint8_t)i;
	b = mkview("B", 0, 1, I(12), I(1));
	assert_int_equal(view_cast(&b, "B", 2, (int64_t[]){ 3, 4 }, &v, NULL),
	    0);
	assert_int_equal(view_subscript(&v, k, 2, VIEW_SUBSCRIPT_TUPLE |
	    VIEW_SUBSCRIPT_STORE, &e, NULL), VIEW_SUB_ITEM);
	x = vint(99);
	assert_int_equal(view_pack(e.format, m + e.offset, &x, NULL), 0);
	assert_int_equal(m[6], 99);

	b = mkview("B", 0, 1, I(10), I(1));
	assert_int_equal(view_subscript(&b, &(struct view_key){
	    .kind = VIEW_KEY_SLICE, .start = 2, .stop = 6, .has_start = true,
	    .has_stop = true }, 1, 0, &v, NULL), VIEW_SUB_VIEW);
	m[3] = 42;
	assert_int_equal(view_subscript(&v, k, 1, 0, &e, NULL), VIEW_SUB_ITEM);
	assert_int_equal(m[e.offset], 42);
}

static void
test_fill(void **state)
{
	uint8_t		  m[12] = { 0 };
	struct view_desc  d = mkview("B", 1, 2, I(2), I(2), I(6), I(2));
	struct view_value v = vint(7);
	struct view_error err;

	(void)state;
	assert_int_equal(view_fill(&d, m, &v, NULL), 0);
	assert_memory_equal(m, ((uint8_t[]){ 0, 7, 0, 7, 0, 0, 0, 7, 0, 7, 0,
	    0 }), 12);
	v = vint(256);
	assert_view_error(view_fill(&d, m, &v, &err), &err, VIEW_ERR_VALUE,
	    "memoryview: invalid value for format 'B'");
	d.readonly = true;
	assert_view_error(view_fill(&d, m, &v, &err), &err, VIEW_ERR_TYPE,
	    "cannot modify read-only memory");
	d = mkview("B", 100, 1, I(0), I(1));
	v = vint(1);
	assert_int_equal(view_fill(&d, NULL, &v, NULL), 0);
}

static void
test_assign(void **state)
{
	uint8_t		  m[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	uint8_t		  s[3] = { 9, 8, 7 };
	struct view_desc  d = mkview("B", 0, 1, I(3), I(2)), src;
	struct view_error err;

	(void)state;
	src = mkview("@B", 0, 1, I(3), I(1));
	assert_int_equal(view_assign(&d, m, &src, s, NULL), 0);
	assert_memory_equal(m, ((uint8_t[]){ 9, 1, 8, 3, 7, 5, 6, 7 }), 8);
	src = mkview("b", 0, 1, I(3), I(1));
	assert_view_error(view_assign(&d, m, &src, s, &err), &err,
	    VIEW_ERR_VALUE, "memoryview assignment: lvalue and rvalue have "
	    "different structures");
	src = mkview("B", 0, 1, I(2), I(1));
	assert_true(view_assign(&d, m, &src, s, NULL) < 0);
	src = mkview("B", 0, 2, I(3), I(1), I(1), I(1));
	assert_true(view_assign(&d, m, &src, s, NULL) < 0);
	/* equal up to a zero: (0, 5) and (0, 7) */
	d = mkview("B", 0, 2, I(0), I(5), I(5), I(1));
	src = mkview("B", 0, 2, I(0), I(7), I(7), I(1));
	assert_int_equal(view_assign(&d, m, &src, s, NULL), 0);
	d.readonly = true;
	assert_view_error(view_assign(&d, m, &src, s, &err), &err,
	    VIEW_ERR_TYPE, "cannot modify read-only memory");
	/* 0-dim */
	d = mkview("h", 2, 0);
	src = mkview("h", 6, 0);
	assert_int_equal(view_assign(&d, m, &src, m, NULL), 0);
	assert_int_equal(m[2], 6);
	assert_int_equal(m[3], 7);
}

static void
test_assign_overlap(void **state)
{
	uint8_t		 m[12];
	struct view_desc d, s;
	int		 i;

	(void)state;
	for (i = 0; i < 12; i++)
		m[i] = (uint8_t)i;
	/* v[1:] = v[:-1], contiguous and strided */
	d = mkview("h", 2, 1, I(5), I(2));
	s = mkview("h", 0, 1, I(5), I(2));
	assert_int_equal(view_assign(&d, m, &s, m, NULL), 0);
	assert_memory_equal(m, ((uint8_t[]){ 0, 1, 0, 1, 2, 3, 4, 5, 6, 7, 8,
	    9 }), 12);
	/* M[::-1] = M, 2-D and overlapping everywhere */
	for (i = 0; i < 12; i++)
		m[i] = (uint8_t)i;
	d = mkview("B", 8, 2, I(3), I(4), I(-4), I(1));
	s = mkview("B", 0, 2, I(3), I(4), I(4), I(1));
	assert_int_equal(view_assign(&d, m, &s, m, NULL), 0);
	assert_memory_equal(m, ((uint8_t[]){ 8, 9, 10, 11, 4, 5, 6, 7, 0, 1,
	    2, 3 }), 12);
	/* M.T = M[:, ::-1].T-like: a transposed square */
	for (i = 0; i < 9; i++)
		m[i] = (uint8_t)i;
	d = mkview("B", 0, 2, I(3), I(3), I(1), I(3));
	s = mkview("B", 0, 2, I(3), I(3), I(3), I(1));
	assert_int_equal(view_assign(&d, m, &s, m, NULL), 0);
	assert_memory_equal(m, ((uint8_t[]){ 0, 3, 6, 1, 4, 7, 2, 5, 8 }), 9);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unpack_ints),
		cmocka_unit_test(test_unpack_other),
		cmocka_unit_test(test_half_unpack),
		cmocka_unit_test(test_half_pack),
		cmocka_unit_test(test_pack_ints),
		cmocka_unit_test(test_pack_floats),
		cmocka_unit_test(test_pack_bool_and_char),
		cmocka_unit_test(test_article_examples),
		cmocka_unit_test(test_fill),
		cmocka_unit_test(test_assign),
		cmocka_unit_test(test_assign_overlap),
	};

	return cmocka_run_group_tests_name("view-element", tests, NULL, NULL);
}
