/* SPDX-License-Identifier: MIT */
/* Values as Python's repr() and json.dumps() write them. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view-internal.h"

/* Decimal digits of x > 0 and the exponent of "0.digits" (decpt). */
struct decimal {
	char	digits[24];
	int	ndigits;
	int	decpt;
};

/* Read "%.*e" output whatever the locale's radix character is. */
static void
parse_e(const char *s, struct decimal *dec)
{
	dec->ndigits = 0;
	for (; *s != '\0' && *s != 'e'; s++)
		if (*s >= '0' && *s <= '9')
			dec->digits[dec->ndigits++] = *s;
	dec->digits[dec->ndigits] = '\0';
	dec->decpt = (*s == 'e' ? atoi(s + 1) : 0) + 1;
}

/* The p-digit decimal on the other side of x from the nearest one (at a
 * power of two the nearest may miss while the other one round-trips). */
static bool
other_neighbor(double x, double nearest, struct decimal *dec)
{
	unsigned long long m = strtoull(dec->digits, NULL, 10);
	char		   s[48];
	int		   exp10 = dec->decpt - dec->ndigits;

	m = nearest > x ? m - 1 : m + 1;
	if (m == 0)
		return false;
	snprintf(s, sizeof(s), "%llue%d", m, exp10);
	if (strtod(s, NULL) != x)
		return false;
	dec->ndigits = snprintf(dec->digits, sizeof(dec->digits), "%llu", m);
	dec->decpt = exp10 + dec->ndigits;
	return true;
}

/* The shortest digits that read back as x (what repr() finds with
 * David Gay's algorithm), with trailing zeros removed. */
static void
shortest(double x, struct decimal *dec)
{
	char	s[48];
	double	y;
	int	p;

	for (p = 1; p <= 17; p++) {
		snprintf(s, sizeof(s), "%.*e", p - 1, x);
		parse_e(s, dec);
		if ((y = strtod(s, NULL)) == x || other_neighbor(x, y, dec))
			break;
	}
	while (dec->ndigits > 1 && dec->digits[dec->ndigits - 1] == '0')
		dec->digits[--dec->ndigits] = '\0';
}

/* format_float_short() with repr's rules: exponent when decpt <= -4 or
 * decpt > 16, otherwise fixed with at least one digit after the dot. */
static void
layout(const struct decimal *dec, bool neg, char *o, size_t len)
{
	static const char zeros[] = "0000000000000000";
	const char	 *d = dec->digits, *sign = neg ? "-" : "";
	int		  n = dec->ndigits, e = dec->decpt;

	if (e <= -4 || e > 16)
		snprintf(o, len, "%s%c%s%.*se%c%02d", sign, d[0],
		    n > 1 ? "." : "", n - 1, d + 1, e - 1 < 0 ? '-' : '+',
		    abs(e - 1));
	else if (e <= 0)
		snprintf(o, len, "%s0.%.*s%s", sign, -e, zeros, d);
	else if (e >= n)
		snprintf(o, len, "%s%s%.*s.0", sign, d, e - n, zeros);
	else
		snprintf(o, len, "%s%.*s.%s", sign, e, d, d + e);
}

size_t
view_double_repr(double x, char *buf, size_t len)
{
	struct decimal dec;

	if (isnan(x))
		snprintf(buf, len, "nan");
	else if (isinf(x))
		snprintf(buf, len, x > 0 ? "inf" : "-inf");
	else if (x == 0)
		snprintf(buf, len, signbit(x) ? "-0.0" : "0.0");
	else {
		shortest(__builtin_fabs(x), &dec);
		layout(&dec, x < 0, buf, len);
	}
	return strlen(buf);
}

/* repr(bytes([c])): b'a', b'\x00', b"'" */
static void
bytes_repr(unsigned char c, char *o, size_t len)
{
	char	q = c == '\'' ? '"' : '\'';

	if (c == '\\' || c == (unsigned char)q)
		snprintf(o, len, "b%c\\%c%c", q, c, q);
	else if (c == '\t' || c == '\n' || c == '\r')
		snprintf(o, len, "b%c\\%c%c", q, c == '\t' ? 't' : c == '\n' ?
		    'n' : 'r', q);
	else if (c < 0x20 || c >= 0x7f)
		snprintf(o, len, "b%c\\x%02x%c", q, c, q);
	else
		snprintf(o, len, "b%c%c%c", q, c, q);
}

/* json.dumps(chr(c)) with ensure_ascii. */
static void
json_char(unsigned char c, char *o, size_t len)
{
	char	e;

	switch (c) {
	case '"': e = '"'; break;
	case '\\': e = '\\'; break;
	case '\b': e = 'b'; break;
	case '\f': e = 'f'; break;
	case '\n': e = 'n'; break;
	case '\r': e = 'r'; break;
	case '\t': e = 't'; break;
	default: e = 0; break;
	}
	if (e != 0)
		snprintf(o, len, "\"\\%c\"", e);
	else if (c < 0x20 || c >= 0x7f)
		snprintf(o, len, "\"\\u%04x\"", c);
	else
		snprintf(o, len, "\"%c\"", c);
}

/* json.dumps(float) for finite x (repr); strict JSON (RFC 8259) has no
 * token for the others, so they are the strings "NaN", "Infinity" and
 * "-Infinity" (json.dumps would write the bare words). */
static void
json_double(double x, char *o, size_t len)
{
	if (isnan(x))
		snprintf(o, len, "\"NaN\"");
	else if (isinf(x))
		snprintf(o, len, x > 0 ? "\"Infinity\"" : "\"-Infinity\"");
	else
		view_double_repr(x, o, len);
}

size_t
view_value_text(const struct view_value *v, unsigned flags, char *buf,
    size_t len)
{
	bool	json = flags & VIEW_TEXT_JSON;

	switch (v->type) {
	case VIEW_VALUE_INT:
		snprintf(buf, len, "%" PRId64, v->i);
		break;
	case VIEW_VALUE_UINT:
		snprintf(buf, len, "%" PRIu64, v->u);
		break;
	case VIEW_VALUE_FLOAT:
		if (json)
			json_double(v->f, buf, len);
		else
			view_double_repr(v->f, buf, len);
		break;
	case VIEW_VALUE_BOOL:
		snprintf(buf, len, "%s", json ? (v->b ? "true" : "false") :
		    (v->b ? "True" : "False"));
		break;
	case VIEW_VALUE_BYTE:
		if (json)
			json_char(v->c, buf, len);
		else
			bytes_repr(v->c, buf, len);
		break;
	default:
		snprintf(buf, len, json ? "null" : "None");
		break;
	}
	return strlen(buf);
}
