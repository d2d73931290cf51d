/* SPDX-License-Identifier: MIT */
/* hex(sep, bytes_per_sep) exactly as bytes.hex() groups it. */
#include <errno.h>
#include <stdlib.h>

#include "view-internal.h"

static const char hexdigits[] = "0123456789abcdef";

/* The group size, 0 when no separator goes in. */
static size_t
group_size(size_t n, int sep, int bytes_per_sep)
{
	size_t	g;

	if (sep < 0 || bytes_per_sep == 0 || n == 0)
		return 0;
	g = bytes_per_sep < 0 ? (size_t)-(int64_t)bytes_per_sep :
	    (size_t)bytes_per_sep;
	return g >= n ? 0 : g;
}

size_t
view_hex_len(size_t n, int sep, int bytes_per_sep)
{
	size_t	g = group_size(n, sep, bytes_per_sep);

	return 2 * n + (g ? (n - 1) / g : 0);
}

static char *
put_byte(char *o, unsigned char c)
{
	*o++ = hexdigits[c >> 4];
	*o++ = hexdigits[c & 0x0f];
	return o;
}

void
view_hex(const void *data, size_t n, int sep, int bytes_per_sep, char *out)
{
	const unsigned char *p = data;
	size_t		     g, i, first;
	char		    *o = out;

	g = group_size(n, sep, bytes_per_sep);
	/* Grouping from the right leaves the short group first. */
	first = g == 0 ? n : bytes_per_sep < 0 ? g : (n - 1) % g + 1;
	for (i = 0; i < n; i++) {
		if (g != 0 && i >= first && (i - first) % g == 0)
			*o++ = (char)sep;
		o = put_byte(o, p[i]);
	}
	*o = '\0';
}

int
view_hex_text(const struct view_desc *d, const void *base, int sep,
    int bytes_per_sep, char **ret_text, struct view_error *err)
{
	int64_t	 nbytes;
	uint8_t	*bytes;
	char	*text;

	if (view_nbytes(d, &nbytes) < 0 || (uint64_t)nbytes > SIZE_MAX / 3)
		return view_err(err, VIEW_ERR_MEMORY, "out of memory");
	bytes = malloc(nbytes ? nbytes : 1);
	text = malloc(view_hex_len(nbytes, sep, bytes_per_sep) + 1);
	if (bytes == NULL || text == NULL) {
		free(bytes);
		free(text);
		return view_err(err, VIEW_ERR_MEMORY, "out of memory");
	}
	if (nbytes > 0)
		view_gather(d, base, bytes);
	view_hex(bytes, nbytes, sep, bytes_per_sep, text);
	free(bytes);
	*ret_text = text;
	return 0;
}
