/* SPDX-License-Identifier: MIT */
/* Error codes as text: the C library's names and descriptions (glibc >= 2.32). */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "client-internal.h"

/* The code's magnitude; -1 (no such code) for INT_MIN. */
static int
strerror_abs(int err)
{
	if (err == INT_MIN)
		return -1;
	return err < 0 ? -err : err;
}

/* strerrordesc_np() returns constant strings: safe from any thread. */
MVIEW_EXPORT const char *
mview_strerror(int err)
{
	const char	*s = strerrordesc_np(strerror_abs(err));

	return s != NULL ? s : "Unknown error";
}

MVIEW_EXPORT const char *
mview_strerrorname(int err)
{
	return err == 0 ? NULL : strerrorname_np(strerror_abs(err));
}
