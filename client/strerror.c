/* SPDX-License-Identifier: MIT */
/* mview_strerror: fixed texts for the codes the library and the daemon return. */
#include <errno.h>

#include "client-internal.h"

/* Constant strings only: safe from any thread, no buffer to share. */
MVIEW_EXPORT const char *
mview_strerror(int err)
{
	unsigned	e = err < 0 ? 0u - (unsigned)err : (unsigned)err;

	switch (e) {
	case 0:			return "Success";
	case EPERM:		return "Operation not permitted";
	case ENOENT:		return "No such file or directory";
	case EINTR:		return "Interrupted system call";
	case EIO:		return "Input/output error";
	case EBADF:		return "Bad file descriptor";
	case EAGAIN:		return "Resource temporarily unavailable";
	case ENOMEM:		return "Cannot allocate memory";
	case EACCES:		return "Permission denied";
	case EFAULT:		return "Bad address";
	case EBUSY:		return "Device or resource busy";
	case EEXIST:		return "File exists";
	case ENODEV:		return "No such device";
	case EINVAL:		return "Invalid argument";
	case ENFILE:		return "Too many open files in system";
	case EMFILE:		return "Too many open files";
	case EFBIG:		return "File too large";
	case ENOSPC:		return "No space left on device";
	case EROFS:		return "Read-only file system";
	case EPIPE:		return "Broken pipe";
	case ERANGE:		return "Numerical result out of range";
	case ENAMETOOLONG:	return "File name too long";
	case ENOSYS:		return "Function not implemented";
	case EOVERFLOW:		return "Value too large for defined data type";
	case EPROTO:		return "Protocol error";
	case EBADMSG:		return "Bad message";
	case EUSERS:		return "Too many users";
	case ENOTSOCK:		return "Socket operation on non-socket";
	case EMSGSIZE:		return "Message too long";
	case EPROTONOSUPPORT:	return "Protocol not supported";
	case ENOTSUP:		return "Operation not supported";
	case ENOBUFS:		return "No buffer space available";
	case ENOTCONN:		return "Transport endpoint is not connected";
	case ESHUTDOWN:		return "Cannot send after transport endpoint shutdown";
	case ETIMEDOUT:		return "Connection timed out";
	case ECONNREFUSED:	return "Connection refused";
	case ECONNRESET:	return "Connection reset by peer";
	case EDQUOT:		return "Disk quota exceeded";
	case ECANCELED:		return "Operation canceled";
	default:		return "Unknown error";
	}
}
