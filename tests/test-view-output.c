/* SPDX-License-Identifier: MIT */
/* Unit tests: tobytes, hex, repr(float), tolist() as repr and JSON text. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "view-test.h"

static const uint8_t m12[12] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };

static void
assert_bytes(const struct view_desc *d, char order, const uint8_t *want,
    size_t n)
{
	uint8_t	out[64];

	memset(out, 0xee, sizeof(out));
	assert_int_equal(view_tobytes(d, m12, order, out, n, NULL), 0);
	assert_memory_equal(out, want, n);
	assert_int_equal(out[n], 0xee);
}

static void
test_tobytes(void **state)
{
	struct view_desc  m = mkview("B", 0, 2, I(3), I(4), I(4), I(1));
	struct view_desc  t = mkview("B", 0, 2, I(4), I(3), I(1), I(4));
	struct view_desc  s = mkview("B", 9, 2, I(3), I(2), I(-4), I(2));
	struct view_error err;
	uint8_t		  out[12];

	(void)state;
	assert_bytes(&m, 'C', m12, 12);
	assert_bytes(&m, 'A', m12, 12);
	assert_bytes(&m, 'F', (uint8_t[]){ 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7,
	    11 }, 12);
	/* M.T: 'A' keeps the Fortran-ordered memory as it is */
	assert_bytes(&t, 'C', (uint8_t[]){ 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7,
	    11 }, 12);
	assert_bytes(&t, 'F', m12, 12);
	assert_bytes(&t, 'A', m12, 12);
	/* not contiguous: 'A' is C */
	assert_bytes(&s, 'C', (uint8_t[]){ 9, 11, 5, 7, 1, 3 }, 6);
	assert_bytes(&s, 'A', (uint8_t[]){ 9, 11, 5, 7, 1, 3 }, 6);
	assert_bytes(&s, 'F', (uint8_t[]){ 9, 5, 1, 11, 7, 3 }, 6);
	assert_view_error(view_tobytes(&m, m12, 'c', out, 12, &err), &err,
	    VIEW_ERR_VALUE, "order must be 'C', 'F' or 'A'");
	assert_true(view_tobytes(&m, m12, 'C', out, 11, &err) < 0);
	s.shape[1] = 0;
	assert_int_equal(view_tobytes(&s, NULL, 'F', out, 0, NULL), 0);
}

static void
assert_hex(const void *p, size_t n, int sep, int bps, const char *want)
{
	char	out[64];

	assert_int_equal(view_hex_len(n, sep, bps), strlen(want));
	view_hex(p, n, sep, bps, out);
	assert_string_equal(out, want);
}

static void
test_hex(void **state)
{
	static const uint8_t b[] = { 0xb9, 0x01, 0xef };
	static const uint8_t seven[] = { 0, 1, 2, 3, 4, 5, 6 };

	(void)state;
	assert_hex(b, 3, -1, 1, "b901ef");
	assert_hex(b, 3, ':', 1, "b9:01:ef");
	assert_hex(b, 3, ':', 2, "b9:01ef");
	assert_hex(b, 3, ':', -2, "b901:ef");
	assert_hex(b, 3, ':', 3, "b901ef");
	assert_hex(b, 3, ':', 0, "b901ef");
	assert_hex(b, 3, ':', INT32_MIN, "b901ef");
	assert_hex(b, 3, -1, 2, "b901ef");
	assert_hex(seven, 7, ' ', 3, "00 010203 040506");
	assert_hex(seven, 7, '-', -3, "000102-030405-06");
	assert_hex(seven, 6, '-', 3, "000102-030405");
	assert_hex(seven, 6, '-', -3, "000102-030405");
	assert_hex(seven, 0, ':', 1, "");
	assert_hex(seven, 1, ':', 1, "00");
}

static void
test_hex_text(void **state)
{
	struct view_desc d = mkview("B", 9, 2, I(3), I(2), I(-4), I(2));
	char		*t = NULL;

	(void)state;
	assert_int_equal(view_hex_text(&d, m12, ':', -2, &t, NULL), 0);
	assert_string_equal(t, "090b:0507:0103");
	free(t);
	d.shape[0] = 0;
	assert_int_equal(view_hex_text(&d, NULL, ':', 1, &t, NULL), 0);
	assert_string_equal(t, "");
	free(t);
}

static void
assert_repr(double x, const char *want)
{
	char	buf[32];

	assert_int_equal(view_double_repr(x, buf, sizeof(buf)), strlen(want));
	assert_string_equal(buf, want);
}

static void
test_double_repr(void **state)
{
	(void)state;
	assert_repr(0.1, "0.1");
	assert_repr(-2.5, "-2.5");
	assert_repr(123.0, "123.0");
	assert_repr(1e15, "1000000000000000.0");
	assert_repr(1e16, "1e+16");
	assert_repr(1.5e16, "1.5e+16");
	assert_repr(0.0001, "0.0001");
	assert_repr(1e-05, "1e-05");
	assert_repr(1.5e-7, "1.5e-07");
	assert_repr(1e300, "1e+300");
	assert_repr(0.0, "0.0");
	assert_repr(-0.0, "-0.0");
	assert_repr(INFINITY, "inf");
	assert_repr(-INFINITY, "-inf");
	assert_repr(NAN, "nan");
	assert_repr(-NAN, "nan");
	assert_repr(5e-324, "5e-324");
	assert_repr(1.7976931348623157e+308, "1.7976931348623157e+308");
	assert_repr(1.0 / 3, "0.3333333333333333");
	assert_repr((double)0.1f, "0.10000000149011612");
	assert_repr(0x1p-24, "5.960464477539063e-08");
	assert_repr(123456789012345678.0, "1.2345678901234568e+17");
	assert_repr(12345678901234567.0, "1.2345678901234568e+16");
	assert_repr(1234567890123456.7, "1234567890123456.8");
	/* powers of two where the nearest digits miss (Gay's algorithm
	 * finds the other neighbour) */
	assert_repr(0x1p803, "5.334411546303884e+241");
	assert_repr(0x1p976, "6.386688990511104e+293");
	assert_repr(65504.0, "65504.0");
}

static void
assert_text(const struct view_value *v, unsigned flags, const char *want)
{
	char	buf[48];

	assert_int_equal(view_value_text(v, flags, buf, sizeof(buf)),
	    strlen(want));
	assert_string_equal(buf, want);
}

static void
test_value_text(void **state)
{
	static const struct {
		unsigned char	 c;
		const char	*py, *json;
	} bytes[] = {
		{ 'a', "b'a'", "\"a\"" }, { 0, "b'\\x00'", "\"\\u0000\"" },
		{ '\'', "b\"'\"", "\"'\"" }, { '"', "b'\"'", "\"\\\"\"" },
		{ '\\', "b'\\\\'", "\"\\\\\"" }, { '\n', "b'\\n'", "\"\\n\"" },
		{ '\t', "b'\\t'", "\"\\t\"" }, { '\r', "b'\\r'", "\"\\r\"" },
		{ '\b', "b'\\x08'", "\"\\b\"" },
		{ '\f', "b'\\x0c'", "\"\\f\"" },
		{ 0x7f, "b'\\x7f'", "\"\\u007f\"" },
		{ 0xff, "b'\\xff'", "\"\\u00ff\"" }, { ' ', "b' '", "\" \"" },
	};
	struct view_value v = { .type = VIEW_VALUE_BYTE };
	size_t		  i;

	(void)state;
	for (i = 0; i < sizeof(bytes) / sizeof(bytes[0]); i++) {
		v.c = bytes[i].c;
		assert_text(&v, 0, bytes[i].py);
		assert_text(&v, VIEW_TEXT_JSON, bytes[i].json);
	}
	v = (struct view_value){ .type = VIEW_VALUE_INT, .i = INT64_MIN };
	assert_text(&v, 0, "-9223372036854775808");
	v = (struct view_value){ .type = VIEW_VALUE_UINT, .u = UINT64_MAX };
	assert_text(&v, VIEW_TEXT_JSON, "18446744073709551615");
	v = (struct view_value){ .type = VIEW_VALUE_BOOL, .b = true };
	assert_text(&v, 0, "True");
	assert_text(&v, VIEW_TEXT_JSON, "true");
	v.b = false;
	assert_text(&v, 0, "False");
	assert_text(&v, VIEW_TEXT_JSON, "false");
	v = (struct view_value){ .type = VIEW_VALUE_FLOAT, .f = NAN };
	assert_text(&v, VIEW_TEXT_JSON, "\"NaN\"");
	v.f = -INFINITY;
	assert_text(&v, VIEW_TEXT_JSON, "\"-Infinity\"");
	assert_text(&v, 0, "-inf");
	v.f = 1e22;
	assert_text(&v, VIEW_TEXT_JSON, "1e+22");
	v = (struct view_value){ .type = VIEW_VALUE_OTHER };
	assert_text(&v, 0, "None");
	assert_text(&v, VIEW_TEXT_JSON, "null");
}

static void
assert_tolist(const struct view_desc *d, const void *base, unsigned flags,
    uint64_t limit, const char *want)
{
	char	*t = NULL;

	assert_int_equal(view_tolist_text(d, base, flags, limit, &t, NULL), 0);
	assert_string_equal(t, want);
	free(t);
}

static void
test_tolist(void **state)
{
	struct view_desc  m = mkview("B", 0, 2, I(3), I(4), I(4), I(1));
	struct view_desc  d;
	struct view_error err;
	char		 *t = (char *)"untouched";

	(void)state;
	assert_tolist(&m, m12, 0, 0,
	    "[[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]");
	assert_tolist(&m, m12, VIEW_TEXT_JSON, 0,
	    "[[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]");
	assert_tolist(&m, m12, 0, 3, "[[0, 1, 2, ...]]");
	assert_tolist(&m, m12, 0, 4, "[[0, 1, 2, 3], ...]");
	assert_tolist(&m, m12, VIEW_TEXT_JSON, 5, "[[0, 1, 2, 3], [4, null]]");
	assert_tolist(&m, m12, 0, 12,
	    "[[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]");
	d = mkview("h", 2, 0);
	assert_tolist(&d, m12, 0, 1, "770");
	d = mkview("?", 0, 1, I(3), I(1));
	assert_tolist(&d, m12, 0, 0, "[False, True, True]");
	assert_tolist(&d, m12, VIEW_TEXT_JSON, 0, "[false, true, true]");
	d = mkview("c", 9, 1, I(2), I(1));
	assert_tolist(&d, m12, 0, 0, "[b'\\t', b'\\n']");
	assert_tolist(&d, m12, VIEW_TEXT_JSON, 0, "[\"\\t\", \"\\n\"]");
	d = mkview("B", 0, 2, I(2), I(0), I(0), I(1));
	assert_tolist(&d, NULL, 0, 0, "[[], []]");
	d = mkview("B", 0, 2, I(0), I(3), I(3), I(1));
	assert_tolist(&d, NULL, 0, 0, "[]");
	d = mkview("e", 0, 1, I(1), I(2));
	assert_tolist(&d, (uint16_t[]){ 0x3555 }, 0, 0, "[0.333251953125]");
	/* formats memoryview cannot read */
	d = mkview("x", 0, 1, I(0), I(1));
	assert_tolist(&d, NULL, 0, 0, "[]");
	d.shape[0] = 2;
	assert_view_error(view_tolist_text(&d, m12, 0, 0, &t, &err), &err,
	    VIEW_ERR_NOTIMPL, "memoryview: format x not supported");
	strcpy(d.format, "<i");
	d.shape[0] = 0;
	assert_view_error(view_tolist_text(&d, m12, 0, 0, &t, &err), &err,
	    VIEW_ERR_NOTIMPL, "memoryview: unsupported format <i");
	assert_string_equal(t, "untouched");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tobytes),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_hex_text),
		cmocka_unit_test(test_double_repr),
		cmocka_unit_test(test_value_text),
		cmocka_unit_test(test_tolist),
	};

	return cmocka_run_group_tests_name("view-output", tests, NULL, NULL);
}
