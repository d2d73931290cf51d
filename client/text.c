/* SPDX-License-Identifier: MIT */
/* Text the library shares with its tools: byte sizes ("64M" in, "64 MiB" out). */
#include <errno.h>
#include <stdint.h>

#include "client-internal.h"
#include "util.h"

MVIEW_EXPORT int
mview_size_parse(const char *text, uint64_t *ret_size)
{
	uint64_t	size;
	int		r;

	if (ret_size == NULL)
		return -EINVAL;
	if ((r = util_parse_size(text, &size)) < 0)
		return r;
	*ret_size = size;
	return 0;
}

MVIEW_EXPORT const char *
mview_size_format(uint64_t size, char *buf, size_t len)
{
	if (buf == NULL || len == 0)
		return "";
	return util_format_size(size, buf, len);
}
