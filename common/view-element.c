/* SPDX-License-Identifier: MIT */
/* One element: read and write every native format with CPython's rules. */
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <string.h>

#include "view-internal.h"

#define LOAD(type, ptr) ({ type x_; memcpy(&x_, (ptr), sizeof(x_)); x_; })
#define STORE(type, ptr, v) do {					\
	type x_ = (type)(v);						\
	memcpy((ptr), &x_, sizeof(x_));					\
} while (0)

/* The format character, or NotImplementedError as CPython words it. */
static int
element_char(const char *format, struct view_error *err)
{
	const char *f = view_format_single(format, err);

	if (f == NULL)
		return -ENOTSUP;
	if (view_format_kind(f) == VIEW_KIND_NONE)
		return view_err(err, VIEW_ERR_NOTIMPL,
		    "memoryview: format %s not supported", f);
	return (unsigned char)f[0];
}

static int64_t
load_signed(const void *p, int itemsize)
{
	switch (itemsize) {
	case 1: return LOAD(int8_t, p);
	case 2: return LOAD(int16_t, p);
	case 4: return LOAD(int32_t, p);
	default: return LOAD(int64_t, p);
	}
}

static uint64_t
load_unsigned(const void *p, int itemsize)
{
	switch (itemsize) {
	case 1: return LOAD(uint8_t, p);
	case 2: return LOAD(uint16_t, p);
	case 4: return LOAD(uint32_t, p);
	default: return LOAD(uint64_t, p);
	}
}

int
view_unpack(const char *format, const void *p, struct view_value *ret,
    struct view_error *err)
{
	struct view_value v;
	char		  f[2] = { 0, 0 };
	int		  c, isz;

	if ((c = element_char(format, err)) < 0)
		return c;
	f[0] = (char)c;
	isz = view_format_itemsize(f);
	switch (view_format_kind(f)) {
	case VIEW_KIND_INT:
		v.type = VIEW_VALUE_INT;
		v.i = load_signed(p, isz);
		break;
	case VIEW_KIND_UINT:
		v.type = VIEW_VALUE_UINT;
		v.u = load_unsigned(p, isz);
		break;
	case VIEW_KIND_FLOAT:
		v.type = VIEW_VALUE_FLOAT;
		v.f = isz == 2 ? view_half_unpack(LOAD(uint16_t, p)) :
		    isz == 4 ? LOAD(float, p) : LOAD(double, p);
		break;
	case VIEW_KIND_BOOL:		/* any non-zero byte is True */
		v.type = VIEW_VALUE_BOOL;
		v.b = LOAD(uint8_t, p) != 0;
		break;
	default:
		v.type = VIEW_VALUE_BYTE;
		v.c = LOAD(uint8_t, p);
		break;
	}
	*ret = v;
	return 0;
}

static int
invalid_value(int c, struct view_error *err)
{
	return view_err(err, VIEW_ERR_VALUE,
	    "memoryview: invalid value for format '%c'", c);
}

static int
invalid_type(int c, struct view_error *err)
{
	return view_err(err, VIEW_ERR_TYPE,
	    "memoryview: invalid type for format '%c'", c);
}

/* The range CPython accepts per integer format ('P': long..unsigned long). */
static void
int_range(int c, int64_t *ret_min, uint64_t *ret_max)
{
	*ret_min = 0;
	switch (c) {
	case 'b': *ret_min = SCHAR_MIN; *ret_max = SCHAR_MAX; break;
	case 'h': *ret_min = SHRT_MIN; *ret_max = SHRT_MAX; break;
	case 'i': *ret_min = INT_MIN; *ret_max = INT_MAX; break;
	case 'l': case 'q': case 'n':
		*ret_min = INT64_MIN; *ret_max = INT64_MAX; break;
	case 'B': *ret_max = UCHAR_MAX; break;
	case 'H': *ret_max = USHRT_MAX; break;
	case 'I': *ret_max = UINT_MAX; break;
	case 'P': *ret_min = INT64_MIN; *ret_max = UINT64_MAX; break;
	default: *ret_max = UINT64_MAX; break;
	}
}

static int
pack_int(int c, void *p, const struct view_value *v, struct view_error *err)
{
	int64_t	 min;
	uint64_t max, u;

	int_range(c, &min, &max);
	switch (v->type) {
	case VIEW_VALUE_INT:
		if (v->i < min || (v->i >= 0 && (uint64_t)v->i > max))
			return invalid_value(c, err);
		u = (uint64_t)v->i;
		break;
	case VIEW_VALUE_UINT:
		if (v->u > max)
			return invalid_value(c, err);
		u = v->u;
		break;
	case VIEW_VALUE_BOOL:
		u = v->b;
		break;
	case VIEW_VALUE_BIGINT:
		return invalid_value(c, err);
	default:
		return invalid_type(c, err);
	}
	switch (view_format_itemsize((char[]){ (char)c, '\0' })) {
	case 1: STORE(uint8_t, p, u); break;
	case 2: STORE(uint16_t, p, u); break;
	case 4: STORE(uint32_t, p, u); break;
	default: STORE(uint64_t, p, u); break;
	}
	return 0;
}

/* C's (float)x, spelled out so an overflow is defined: +-inf. */
static float
to_float(double x)
{
	if (isfinite(x) && __builtin_fabs(x) > FLT_MAX)
		return __builtin_fabs(x) >= 0x1.ffffffp+127 ?
		    (x > 0 ? INFINITY : -INFINITY) :
		    (x > 0 ? FLT_MAX : -FLT_MAX);
	return (float)x;
}

static int
pack_float(int c, void *p, const struct view_value *v, struct view_error *err)
{
	double	 x;
	uint16_t h;

	switch (v->type) {
	case VIEW_VALUE_INT: x = (double)v->i; break;
	case VIEW_VALUE_UINT: x = (double)v->u; break;
	case VIEW_VALUE_BOOL: x = v->b; break;
	case VIEW_VALUE_FLOAT: x = v->f; break;
	case VIEW_VALUE_BIGINT:
		if (isinf(v->f))
			return invalid_value(c, err);
		x = v->f;
		break;
	default:
		return invalid_type(c, err);
	}
	if (c == 'e') {
		if (view_half_pack(x, &h) < 0)
			return invalid_value(c, err);
		STORE(uint16_t, p, h);
	} else if (c == 'f')
		STORE(float, p, to_float(x));
	else
		STORE(double, p, x);
	return 0;
}

/* bool(value), as PyObject_IsTrue() sees what the value was. */
static bool
truth(const struct view_value *v)
{
	switch (v->type) {
	case VIEW_VALUE_INT: return v->i != 0;
	case VIEW_VALUE_FLOAT: return v->f != 0.0;	/* NaN is true */
	case VIEW_VALUE_BYTES: return v->n != 0;
	case VIEW_VALUE_BOOL: case VIEW_VALUE_OTHER: return v->b;
	default: return true;	/* UINT, BIGINT: non-zero; BYTE: len 1 */
	}
}

int
view_pack(const char *format, void *p, const struct view_value *v,
    struct view_error *err)
{
	int	c;

	if ((c = element_char(format, err)) < 0)
		return c;
	switch (view_format_kind((char[]){ (char)c, '\0' })) {
	case VIEW_KIND_FLOAT:
		return pack_float(c, p, v, err);
	case VIEW_KIND_BOOL:
		STORE(uint8_t, p, truth(v));
		return 0;
	case VIEW_KIND_BYTE:
		if (v->type == VIEW_VALUE_BYTES)
			return invalid_value(c, err);
		if (v->type != VIEW_VALUE_BYTE)
			return invalid_type(c, err);
		STORE(uint8_t, p, v->c);
		return 0;
	default:
		return pack_int(c, p, v, err);
	}
}
