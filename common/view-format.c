/* SPDX-License-Identifier: MIT */
/* The struct formats: itemsize, what an element reads as, NumPy typestrs. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view-internal.h"

struct format_info {
	uint8_t		itemsize;	/* 0: not a native format character */
	uint8_t		kind;		/* enum view_kind */
};

/* LP64, as CPython's get_native_fmtchar() sees it (3.12: 'e' included);
 * indexed by the character, so a lookup costs no scan. */
static const struct format_info formats[256] = {
	['c'] = { 1, VIEW_KIND_BYTE },
	['b'] = { 1, VIEW_KIND_INT },
	['B'] = { 1, VIEW_KIND_UINT },
	['?'] = { 1, VIEW_KIND_BOOL },
	['h'] = { 2, VIEW_KIND_INT },
	['H'] = { 2, VIEW_KIND_UINT },
	['e'] = { 2, VIEW_KIND_FLOAT },
	['i'] = { 4, VIEW_KIND_INT },
	['I'] = { 4, VIEW_KIND_UINT },
	['f'] = { 4, VIEW_KIND_FLOAT },
	['l'] = { 8, VIEW_KIND_INT },
	['L'] = { 8, VIEW_KIND_UINT },
	['q'] = { 8, VIEW_KIND_INT },
	['Q'] = { 8, VIEW_KIND_UINT },
	['n'] = { 8, VIEW_KIND_INT },
	['N'] = { 8, VIEW_KIND_UINT },
	['P'] = { 8, VIEW_KIND_UINT },
	['d'] = { 8, VIEW_KIND_FLOAT },
};

/* The single character of a native "X" or "@X" format, or 0. */
static unsigned char
format_char(const char *format)
{
	unsigned char	c;

	if (format == NULL)
		return 0;
	if (format[0] == '@')
		format++;
	c = (unsigned char)format[0];
	if (c == '\0' || format[1] != '\0' || formats[c].itemsize == 0)
		return 0;
	return c;
}

int
view_format_itemsize(const char *format)
{
	unsigned char	c = format_char(format);

	return c != 0 ? formats[c].itemsize : -EINVAL;
}

enum view_kind
view_format_kind(const char *format)
{
	unsigned char	c = format_char(format);

	return c != 0 ? (enum view_kind)formats[c].kind : VIEW_KIND_NONE;
}

bool
view_format_is_byte(const char *format)
{
	unsigned char	c = format_char(format);

	return c == 'b' || c == 'B' || c == 'c';
}

const char *
view_format_single(const char *format, struct view_error *err)
{
	const char *f = format[0] == '@' ? format + 1 : format;

	if (f[0] != '\0' && f[1] == '\0')
		return f;
	view_err(err, VIEW_ERR_NOTIMPL, "memoryview: unsupported format %s",
	    format);
	return NULL;
}

/* The struct module's standard sizes (after '=', '<', '>', '!'). */
static int
format_std_size(unsigned char c)
{
	switch (c) {
	case 'x': case 'c': case 'b': case 'B': case '?': case 's': case 'p':
		return 1;
	case 'h': case 'H': case 'e':
		return 2;
	case 'i': case 'I': case 'l': case 'L': case 'f':
		return 4;
	case 'q': case 'Q': case 'd':
		return 8;
	default:
		return 0;
	}
}

/* One struct code's size (and alignment, natively), 'Z' complex included. */
static int
format_code_size(const char **pp, bool native, int *ret_align)
{
	unsigned char	c = (unsigned char)**pp;
	int		isz;

	if (c == 'Z') {
		c = (unsigned char)*++*pp;
		if (c != 'f' && c != 'd')
			return -EINVAL;
		isz = native ? formats[c].itemsize : format_std_size(c);
		*ret_align = native ? isz : 1;
		return 2 * isz;
	}
	if (c == 'x' || c == 's' || c == 'p')
		isz = 1;
	else if (native)
		isz = formats[c].itemsize;
	else
		isz = (c == 'n' || c == 'N' || c == 'P') ? 0 : format_std_size(c);
	*ret_align = native ? isz : 1;
	return isz > 0 ? isz : -EINVAL;
}

/*
 * The itemsize of a struct-module format ("3i", "<hQ", "=f q xxL") with
 * PEP 3118's 'Z' complex codes, as struct.calcsize() computes it: native
 * sizes and alignment without a prefix or with '@', standard sizes and no
 * alignment with '=', '<', '>' or '!'. -EINVAL for anything else
 * (sub-structures and field names are not supported).
 */
int
view_format_size(const char *format)
{
	const char	*p = format;
	int64_t		 size = 0, count;
	bool		 native = true;
	int		 isz, align;

	if (format == NULL || *p == '\0')
		return -EINVAL;
	if (strchr("@=<>!", *p) != NULL)
		native = *p++ == '@';
	for (; *p != '\0'; p++) {
		if (*p == ' ')
			continue;
		count = -1;
		while (*p >= '0' && *p <= '9') {
			count = (count < 0 ? 0 : count) * 10 + (*p++ - '0');
			if (count > INT32_MAX)
				return -EINVAL;
		}
		if ((isz = format_code_size(&p, native, &align)) < 0)
			return -EINVAL;
		if (count < 0)
			count = 1;
		if (align > 1)
			size = (size + align - 1) / align * align;
		if (*p == 's' || *p == 'p')
			size += count;
		else
			size += count * isz;
		if (size > INT32_MAX)
			return -EINVAL;
	}
	return size > 0 ? (int)size : -EINVAL;
}

/* The struct code of a NumPy kind and size ('f', 4 -> 'f'), or NULL;
 * 8-byte integers are 'l'/'L', as NumPy's own buffers say on LP64. */
static const char *
typestr_code(char kind, int size)
{
	static const struct {
		char		 kind;
		int		 size;
		const char	*code;
	} map[] = {
		{ 'b', 1, "?" }, { 'i', 1, "b" }, { 'u', 1, "B" },
		{ 'i', 2, "h" }, { 'u', 2, "H" }, { 'i', 4, "i" },
		{ 'u', 4, "I" }, { 'i', 8, "l" }, { 'u', 8, "L" },
		{ 'f', 2, "e" }, { 'f', 4, "f" }, { 'f', 8, "d" },
		{ 'c', 8, "Zf" }, { 'c', 16, "Zd" }, { 'S', 1, "c" },
	};
	size_t	i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].kind == kind && map[i].size == size)
			return map[i].code;
	return NULL;
}

/*
 * A NumPy typestr ("<f4", "|u1", "c8", ">i2") as the struct format that
 * means the same bytes: without a prefix where the byte order is this
 * machine's ("<f4" is "f" on little-endian hosts), else with '<' or '>'
 * (standard sizes). -EINVAL when format is not a typestr we can express.
 */
int
view_format_from_typestr(const char *format, char *buf, size_t bufsize)
{
	const char	*p = format, *code;
	char		 order = '=', *end;
	long		 size;
	bool		 little = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
	int		 n;

	if (strchr("<>|=", *p) != NULL && *p != '\0')
		order = *p++;
	if (*p == '\0' || p[1] < '1' || p[1] > '9')
		return -EINVAL;
	size = strtol(p + 1, &end, 10);
	if (*end != '\0' || size > 16 ||
	    (code = typestr_code(p[0], (int)size)) == NULL)
		return -EINVAL;
	if (order == '|' || order == '=' || size == 1 ||
	    (order == '<') == little)
		n = snprintf(buf, bufsize, "%s", code);
	else
		n = snprintf(buf, bufsize, "%c%s", order, code);
	return n > 0 && (size_t)n < bufsize ? 0 : -EINVAL;
}
