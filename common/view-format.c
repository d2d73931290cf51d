/* SPDX-License-Identifier: MIT */
/* The native struct formats: itemsize and what an element reads as. */
#include <errno.h>
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
