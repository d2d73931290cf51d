/* SPDX-License-Identifier: MIT */
/* The human message that goes with an error reply. */
#include <stdarg.h>
#include <stdio.h>

#include "errmsg.h"

int
errmsg_set(struct errmsg *e, int err, const char *fmt, ...)
{
	va_list	ap;

	if (e == NULL)
		return err;
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
	va_end(ap);
	return err;
}
