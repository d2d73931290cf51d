/* SPDX-License-Identifier: MIT */
/* IEEE 754 half floats, rounded and refused as CPython's PyFloat_Pack2. */
#include <errno.h>
#include <string.h>

#include "view-internal.h"

static uint64_t
double_bits(double x)
{
	uint64_t u;

	memcpy(&u, &x, sizeof(u));
	return u;
}

static double
bits_double(uint64_t u)
{
	double	x;

	memcpy(&x, &u, sizeof(x));
	return x;
}

/* Keep m >> shift, rounding the dropped bits half to even. */
static uint64_t
round_shift(uint64_t m, int shift)
{
	uint64_t bits, rem, half;

	if (shift >= 64)
		return 0;
	bits = m >> shift;
	rem = m & ((UINT64_C(1) << shift) - 1);
	half = UINT64_C(1) << (shift - 1);
	if (rem > half || (rem == half && (bits & 1)))
		bits++;
	return bits;
}

/* -ERANGE ("float too large to pack with e format") when |x| rounds to
 * 65520 or more; NaN packs as the quiet NaN 0x7e00 with x's sign. */
int
view_half_pack(double x, uint16_t *ret_bits)
{
	uint64_t u = double_bits(x), m, bits;
	uint16_t sign = (u >> 63) ? 0x8000 : 0;
	int	 e = (int)((u >> 52) & 0x7ff) - 1023;

	if (e == 1024) {
		*ret_bits = sign | ((u << 12) ? 0x7e00 : 0x7c00);
		return 0;
	}
	if (e >= 16)
		return -ERANGE;
	if (e < -25) {
		*ret_bits = sign;
		return 0;
	}
	m = (u & ((UINT64_C(1) << 52) - 1)) | (UINT64_C(1) << 52);
	if (e < -14) {
		/* subnormal: units of 2**-24; 1024 carries into exponent 1 */
		*ret_bits = sign | (uint16_t)round_shift(m, 28 - e);
		return 0;
	}
	bits = round_shift(m, 42);	/* 11 bits with the implicit one */
	if (bits == 2048) {
		bits = 1024;
		e++;
	}
	if (e + 15 >= 31)
		return -ERANGE;
	*ret_bits = sign | (uint16_t)((e + 15) << 10) | (bits & 0x3ff);
	return 0;
}

/* NaNs unpack to the quiet NaN with the sign, as CPython does. */
double
view_half_unpack(uint16_t h)
{
	uint64_t sign = (uint64_t)(h >> 15) << 63;
	int	 e = (h >> 10) & 0x1f;
	unsigned f = h & 0x3ff;
	double	 x;

	if (e == 0x1f)
		return bits_double(sign | (f ? UINT64_C(0x7ff8000000000000) :
		    UINT64_C(0x7ff0000000000000)));
	if (e == 0)
		x = (double)f * 0x1p-24;
	else
		x = (double)(f | 0x400) * bits_double(
		    (uint64_t)(e - 25 + 1023) << 52);
	return bits_double(double_bits(x) | sign);
}
