/* SPDX-License-Identifier: MIT */
/* Integration tests: speak the wire protocol by hand, malformed packets included. */
#ifndef MVIEW_TESTS_RAW_CLIENT_H
#define MVIEW_TESTS_RAW_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

/* A SOCK_SEQPACKET connection to path (CLOEXEC). Returns the fd or -errno. */
int	raw_connect(const char *path);

/* Send exactly len bytes as one packet (with nfds fds). 0 or -errno. */
int	raw_send_bytes(int sock, const void *buf, size_t len, const int *fds,
	    size_t nfds);

/* Pack and send req. 0 or -errno. */
int	raw_send(int sock, const Mview__Request *req);

/*
 * Receive the next packet within timeout_ms and unpack it. Returns 0 with
 * *ret_reply (wire_reply_free) and *ret_fd (first attached fd, else -1;
 * may be NULL: then fds are closed), -ECONNRESET when the daemon closed
 * the connection, -ETIMEDOUT, -EBADMSG for an unparsable reply, -errno.
 */
int	raw_recv(int sock, int timeout_ms, Mview__Reply **ret_reply, int *ret_fd);

/* Send req and wait for the reply with its id, skipping events. */
int	raw_call(int sock, Mview__Request *req, Mview__Reply **ret_reply,
	    int *ret_fd);

/*
 * Hello with the given major version. Returns 0, -error from the reply,
 * or -errno; *ret_max_packet (may be NULL) gets the daemon's packet limit.
 */
int	raw_hello(int sock, uint32_t major, uint32_t *ret_max_packet);

/* raw_connect + raw_hello(MVIEW_PROTOCOL_MAJOR). fd or -errno. */
int	raw_open(const char *path);

/* The same, the hello offering capabilities caps (MVIEW_CAP_*, 0 for
 * none: an explicitly older client). fd or -errno. */
int	raw_open_caps(const char *path, uint64_t caps);

/* True when the peer closed sock within timeout_ms (reading and dropping
 * whatever replies came before the close). */
int	raw_wait_closed(int sock, int timeout_ms);

#endif /* MVIEW_TESTS_RAW_CLIENT_H */
