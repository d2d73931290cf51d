/* SPDX-License-Identifier: MIT */
/* The human message that goes with an error reply. */
#include <stdarg.h>
#include <stdio.h>

#include "errmsg.h"

/* Messages echo client bytes (a name that does not exist): keep them
 * printable ASCII, so no log or terminal gets escapes and JSON stays UTF-8. */
static void
errmsg_printable(char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '?';
	}
}

int
errmsg_set(struct errmsg *e, int err, const char *fmt, ...)
{
	va_list	ap;

	if (e == NULL)
		return err;
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
	va_end(ap);
	errmsg_printable(e->text);
	return err;
}
