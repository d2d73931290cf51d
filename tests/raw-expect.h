/* SPDX-License-Identifier: MIT */
/* Raw-protocol steps with cmocka checks, shared by the bad-input tests. */
#ifndef MVIEW_TESTS_RAW_EXPECT_H
#define MVIEW_TESTS_RAW_EXPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

/* raw_open (connect and hello) that fails the test unless it works. */
int	raw_open_ok(const char *path);

/*
 * The reply to what was just sent on sock: an error (want, or any when 0)
 * with a message; with allow_close the daemon may have closed the
 * connection instead. Returns the error, or -ECONNRESET when closed.
 */
int	raw_expect_error(int sock, int want, bool allow_close);

/*
 * Send req (raw_call) and expect an error reply (want, or any when 0) with
 * a message and no fd; what names the request in the printed answer.
 * Returns the error.
 */
int	raw_call_error(int sock, Mview__Request *req, int want,
	    const char *what);

/* Create a segment over the raw protocol (lifetime: Mview__Lifetime);
 * fails the test unless it works. The fd it comes with is closed. */
uint64_t raw_create_ok(int sock, const char *name, uint64_t size,
	    uint32_t lifetime);

/* A view descriptor as a client may send it, however wrong. */
struct raw_desc {
	const char	*what;		/* printed with the daemon's answer */
	int64_t		 offset, itemsize;
	const char	*format;
	size_t		 ndim, nstrides;
	int64_t		 shape[65], strides[65];
};

/* Publish d under name on segment seg: the daemon must refuse it with
 * EINVAL, a message and no fd. */
void	raw_publish_refused(int sock, const char *name, uint64_t seg,
	    const struct raw_desc *d);

#endif /* MVIEW_TESTS_RAW_EXPECT_H */
