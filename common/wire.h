/* SPDX-License-Identifier: MIT */
/* Wire framing: one protobuf message per SOCK_SEQPACKET packet, fds as SCM_RIGHTS. */
#ifndef MVIEW_COMMON_WIRE_H
#define MVIEW_COMMON_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mview.pb-c.h"

/* Bump the major when a message in proto/mview.proto changes incompatibly. */
#define MVIEW_PROTOCOL_MAJOR	1
#define MVIEW_PROTOCOL_MINOR	3

/* Capability bits exchanged in Hello. */
#define MVIEW_CAP_WATCH		(1u << 0)
#define MVIEW_CAP_PAGING	(1u << 1)
#define MVIEW_CAP_HUGETLB	(1u << 2)
#define MVIEW_CAP_STREAMS	(1u << 3)
#define MVIEW_CAP_RESUME	(1u << 4)	/* follows list resume tokens */

/* Consumer positions of one stream at most: a producer's open reply
 * carries the data and control fds and one lease fd per position. */
#define WIRE_STREAM_CONSUMERS_HARD	64
#define WIRE_MAX_FDS		(2 + WIRE_STREAM_CONSUMERS_HARD)	/* fds one packet may carry */
#define WIRE_PACKET_MAX_HARD	(1u << 20)	/* no limit may exceed this */
#define WIRE_PACKET_DEFAULT	(64u << 10)
#define WIRE_NAME_MAX_HARD	1024	/* no name limit may exceed this */

/*
 * Send one packet with nfds descriptors attached. Returns 0, or -EAGAIN
 * when the socket is full (nothing was sent), or another -errno. Never
 * raises SIGPIPE.
 */
int	wire_send(int sock, const void *buf, size_t len, const int *fds,
	    size_t nfds);
/* The same with extra send(2) flags (MSG_DONTWAIT on a blocking socket). */
int	wire_send_flags(int sock, int flags, const void *buf, size_t len,
	    const int *fds, size_t nfds);

/*
 * Receive one packet into buf (capacity cap). Received fds are CLOEXEC;
 * up to maxfds are stored in fds[] and counted in *ret_nfds when fds and
 * ret_nfds are not NULL, any others are closed. Returns the length, 0 on
 * orderly shutdown (or an empty packet: SOCK_SEQPACKET cannot tell them
 * apart), -EMSGSIZE when the packet or its control data was
 * truncated (any fds that came with it are closed), -EAGAIN on a
 * non-blocking socket with nothing to read, or -errno.
 */
ssize_t	wire_recv(int sock, void *buf, size_t cap, int *fds, size_t maxfds,
	    size_t *ret_nfds);
/* The same with extra recv(2) flags; -EINTR is returned, not retried (a
 * blocking wait bounded by SO_RCVTIMEO must not restart on each signal).
 * With ret_fds_lost, a packet whose fds the kernel could not all install
 * (MSG_CTRUNC alone: the process had no free fd) is returned whole with
 * *ret_fds_lost set and none of its fds kept; without, it is -EMSGSIZE. */
ssize_t	wire_recv_flags(int sock, int flags, void *buf, size_t cap, int *fds,
	    size_t maxfds, size_t *ret_nfds, bool *ret_fds_lost);

/* Whether a string anywhere in the encoded Request buf holds a NUL byte
 * (unpacked, it would end there: "ab\0cd" read as "ab"). */
bool	wire_request_has_nul(const void *buf, size_t len);

/* Close every fd in fds[0..n) that is >= 0 and set it to -1. */
void	wire_close_fds(int *fds, size_t n);

/*
 * Unpack with an allocator capped at cap bytes, so a small packet can
 * never expand into unbounded memory. Returns NULL on malformed input
 * or when the cap is reached. Free with wire_request_free/wire_reply_free.
 */
Mview__Request	*wire_request_unpack(const void *buf, size_t len, size_t cap);
Mview__Reply	*wire_reply_unpack(const void *buf, size_t len, size_t cap);
void		 wire_request_free(Mview__Request *req);
void		 wire_reply_free(Mview__Reply *rep);

/*
 * Pack a message into a fresh malloc'd buffer. Returns 0 and the buffer
 * and its length, -EMSGSIZE when it would exceed max bytes, or -ENOMEM.
 */
int	wire_request_pack(const Mview__Request *req, size_t max, void **ret_buf,
	    size_t *ret_len);
int	wire_reply_pack(const Mview__Reply *rep, size_t max, void **ret_buf,
	    size_t *ret_len);

/*
 * Bytes m adds to its parent when packed as one element of a repeated
 * message field (tag, length prefix, body): for paging list replies.
 */
size_t	wire_repeated_entry_size(const ProtobufCMessage *m);

/* Packing and sending in one: pack req and wire_send it. */
int	wire_send_request(int sock, const Mview__Request *req, size_t max);

#endif /* MVIEW_COMMON_WIRE_H */
