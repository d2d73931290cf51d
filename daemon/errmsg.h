/* SPDX-License-Identifier: MIT */
/* The human message that goes with an error reply. */
#ifndef MVIEWD_ERRMSG_H
#define MVIEWD_ERRMSG_H

#define ERRMSG_MAX	256

struct errmsg {
	char	text[ERRMSG_MAX];
};

/*
 * Write a message into e (may be NULL) and return err unchanged, so that
 * "return errmsg_set(e, -EFBIG, ...)" reads as one step. Bytes outside
 * printable ASCII (from names a client sent) become '?'.
 */
int	errmsg_set(struct errmsg *e, int err, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif /* MVIEWD_ERRMSG_H */
