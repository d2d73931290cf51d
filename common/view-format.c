/* SPDX-License-Identifier: MIT */
/* The native struct formats: itemsize and what an element reads as. */
#include <errno.h>
#include <string.h>

#include "view-internal.h"

struct format_info {
	char		ch;
	int		itemsize;
	enum view_kind	kind;
};

/* LP64, as CPython's get_native_fmtchar() sees it (3.12: 'e' included). */
static const struct format_info formats[] = {
	{ 'c', 1, VIEW_KIND_BYTE },
	{ 'b', 1, VIEW_KIND_INT },
	{ 'B', 1, VIEW_KIND_UINT },
	{ '?', 1, VIEW_KIND_BOOL },
	{ 'h', 2, VIEW_KIND_INT },
	{ 'H', 2, VIEW_KIND_UINT },
	{ 'e', 2, VIEW_KIND_FLOAT },
	{ 'i', 4, VIEW_KIND_INT },
	{ 'I', 4, VIEW_KIND_UINT },
	{ 'f', 4, VIEW_KIND_FLOAT },
	{ 'l', 8, VIEW_KIND_INT },
	{ 'L', 8, VIEW_KIND_UINT },
	{ 'q', 8, VIEW_KIND_INT },
	{ 'Q', 8, VIEW_KIND_UINT },
	{ 'n', 8, VIEW_KIND_INT },
	{ 'N', 8, VIEW_KIND_UINT },
	{ 'P', 8, VIEW_KIND_UINT },
	{ 'd', 8, VIEW_KIND_FLOAT },
};

static const struct format_info *
format_lookup(const char *format)
{
	size_t	i;

	if (format == NULL)
		return NULL;
	if (format[0] == '@')
		format++;
	if (format[0] == '\0' || format[1] != '\0')
		return NULL;
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (formats[i].ch == format[0])
			return &formats[i];
	return NULL;
}

int
view_format_itemsize(const char *format)
{
	const struct format_info *fi = format_lookup(format);

	return fi != NULL ? fi->itemsize : -EINVAL;
}

enum view_kind
view_format_kind(const char *format)
{
	const struct format_info *fi = format_lookup(format);

	return fi != NULL ? fi->kind : VIEW_KIND_NONE;
}

bool
view_format_is_byte(const char *format)
{
	const struct format_info *fi = format_lookup(format);

	return fi != NULL && (fi->ch == 'b' || fi->ch == 'B' || fi->ch == 'c');
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
