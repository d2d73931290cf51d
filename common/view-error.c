/* SPDX-License-Identifier: MIT */
/* Errors of the view algebra: a Python exception class and its message. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "view-internal.h"

static const char *const errclass_names[] = {
	[VIEW_ERR_NONE] = "",
	[VIEW_ERR_TYPE] = "TypeError",
	[VIEW_ERR_VALUE] = "ValueError",
	[VIEW_ERR_INDEX] = "IndexError",
	[VIEW_ERR_BUFFER] = "BufferError",
	[VIEW_ERR_NOTIMPL] = "NotImplementedError",
	[VIEW_ERR_OVERFLOW] = "OverflowError",
	[VIEW_ERR_AXIS] = "AxisError",
	[VIEW_ERR_MEMORY] = "MemoryError",
};

const char *
view_errclass_name(enum view_errclass cls)
{
	if ((unsigned)cls >= sizeof(errclass_names) / sizeof(errclass_names[0]))
		return "";
	return errclass_names[cls];
}

static int
errclass_errno(enum view_errclass cls)
{
	switch (cls) {
	case VIEW_ERR_INDEX:
		return -ERANGE;
	case VIEW_ERR_NOTIMPL:
		return -ENOTSUP;
	case VIEW_ERR_BUFFER:
		return -EBUSY;
	case VIEW_ERR_OVERFLOW:
		return -EOVERFLOW;
	case VIEW_ERR_MEMORY:
		return -ENOMEM;
	default:
		return -EINVAL;
	}
}

int
view_err(struct view_error *err, enum view_errclass cls, const char *fmt, ...)
{
	va_list	ap;

	if (err != NULL) {
		err->cls = cls;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return errclass_errno(cls);
}

int
view_error_released(struct view_error *err)
{
	return view_err(err, VIEW_ERR_VALUE,
	    "operation forbidden on released memoryview object");
}
