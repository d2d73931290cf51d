/* SPDX-License-Identifier: MIT */
/* Wire framing: packets, fd passing and capped protobuf unpacking. */
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <protobuf-c/protobuf-c.h>

#include "wire.h"

struct capped_budget {
	size_t	left;
};

static void *
capped_alloc(void *data, size_t size)
{
	struct capped_budget *b = data;

	if (size > b->left)
		return NULL;
	b->left -= size;
	return malloc(size ? size : 1);
}

static void
plain_free(void *data, void *ptr)
{
	(void)data;
	free(ptr);
}

/* Frees whatever capped_alloc handed out: it is plain malloc memory. */
static ProtobufCAllocator plain_allocator = {
	.alloc = capped_alloc,	/* never called through this one */
	.free = plain_free,
};

void
wire_close_fds(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

int
wire_send(int sock, const void *buf, size_t len, const int *fds, size_t nfds)
{
	return wire_send_flags(sock, 0, buf, len, fds, nfds);
}

int
wire_send_flags(int sock, int flags, const void *buf, size_t len,
    const int *fds, size_t nfds)
{
	union {
		char		buf[CMSG_SPACE(sizeof(int) * WIRE_MAX_FDS)];
		struct cmsghdr	align;
	} cmsgbuf;
	struct iovec	 iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr	 msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr	*cmsg;

	if (nfds > WIRE_MAX_FDS)
		return -EINVAL;
	if (nfds > 0) {
		memset(&cmsgbuf, 0, sizeof(cmsgbuf));
		msg.msg_control = cmsgbuf.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * nfds);
	}
	for (;;) {
		if (sendmsg(sock, &msg, flags | MSG_NOSIGNAL) >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

/* Take the fds out of the control data: keep up to maxfds, close the rest. */
static size_t
wire_collect_fds(struct msghdr *msg, int *fds, size_t maxfds)
{
	struct cmsghdr	*cmsg;
	size_t		 kept = 0;

	for (cmsg = CMSG_FIRSTHDR(msg); cmsg; cmsg = CMSG_NXTHDR(msg, cmsg)) {
		size_t	n;
		int	fd;

		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int),
			    sizeof(int));
			if (fds != NULL && kept < maxfds)
				fds[kept++] = fd;
			else
				close(fd);
		}
	}
	return kept;
}

ssize_t
wire_recv(int sock, void *buf, size_t cap, int *fds, size_t maxfds,
    size_t *ret_nfds)
{
	ssize_t	n;

	do
		n = wire_recv_flags(sock, 0, buf, cap, fds, maxfds, ret_nfds,
		    NULL);
	while (n == -EINTR);
	return n;
}

ssize_t
wire_recv_flags(int sock, int flags, void *buf, size_t cap, int *fds,
    size_t maxfds, size_t *ret_nfds, bool *ret_fds_lost)
{
	union {
		char		buf[CMSG_SPACE(sizeof(int) * WIRE_MAX_FDS)];
		struct cmsghdr	align;
	} cmsgbuf;
	struct iovec	 iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr	 msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cmsgbuf.buf, .msg_controllen = sizeof(cmsgbuf.buf),
	};
	ssize_t		 n;
	size_t		 nfds;

	n = recvmsg(sock, &msg, flags | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	/* Nowhere to report a count: keep none rather than leak them. */
	nfds = wire_collect_fds(&msg, ret_nfds != NULL ? fds : NULL, maxfds);
	if (ret_fds_lost != NULL)
		*ret_fds_lost = false;
	if ((msg.msg_flags & MSG_TRUNC) || ((msg.msg_flags & MSG_CTRUNC) &&
	    ret_fds_lost == NULL)) {
		if (fds != NULL)
			wire_close_fds(fds, nfds);
		return -EMSGSIZE;
	}
	if (msg.msg_flags & MSG_CTRUNC) {
		/* Some fds were installed, the rest dropped by the kernel:
		 * a partial set is of no use to anyone. */
		if (fds != NULL)
			wire_close_fds(fds, nfds);
		nfds = 0;
		*ret_fds_lost = true;
	}
	if (ret_nfds != NULL)
		*ret_nfds = nfds;
	return n;
}

Mview__Request *
wire_request_unpack(const void *buf, size_t len, size_t cap)
{
	struct capped_budget	budget = { .left = cap };
	ProtobufCAllocator	alloc = {
		.alloc = capped_alloc, .free = plain_free, .allocator_data = &budget,
	};

	return mview__request__unpack(&alloc, len, buf);
}

Mview__Reply *
wire_reply_unpack(const void *buf, size_t len, size_t cap)
{
	struct capped_budget	budget = { .left = cap };
	ProtobufCAllocator	alloc = {
		.alloc = capped_alloc, .free = plain_free, .allocator_data = &budget,
	};

	return mview__reply__unpack(&alloc, len, buf);
}

/* Read a varint at *pos of buf (len bytes); false when it runs off the end. */
static bool
wire_varint(const uint8_t *buf, size_t len, size_t *pos, uint64_t *ret)
{
	uint64_t	v = 0;

	for (unsigned shift = 0; shift < 64 && *pos < len; shift += 7) {
		uint8_t	b = buf[(*pos)++];

		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*ret = v;
			return true;
		}
	}
	return false;
}

#define WIRE_NUL_DEPTH	32	/* nested messages looked into */

/*
 * Whether a string field of message type d, anywhere in the encoded
 * message buf, holds a NUL byte. The unpacked C strings end at the first
 * NUL, so "ab\0cd" would silently become "ab": only the encoded form can
 * tell. Anything malformed is the unpacker's to refuse (false here).
 */
static bool
wire_scan_nul(const ProtobufCMessageDescriptor *d, const uint8_t *buf,
    size_t len, int depth)
{
	const ProtobufCFieldDescriptor	*f;
	uint64_t			 key, n;
	size_t				 pos = 0;

	while (pos < len) {
		if (!wire_varint(buf, len, &pos, &key))
			return false;
		switch (key & 7) {
		case 0:
			if (!wire_varint(buf, len, &pos, &n))
				return false;
			continue;
		case 1:
		case 5:
			n = (key & 7) == 1 ? 8 : 4;
			break;
		case 2:
			if (!wire_varint(buf, len, &pos, &n) || n > len - pos)
				return false;
			f = protobuf_c_message_descriptor_get_field(d,
			    (unsigned)(key >> 3));
			if (f != NULL && f->type == PROTOBUF_C_TYPE_STRING &&
			    memchr(buf + pos, '\0', (size_t)n) != NULL)
				return true;
			if (f != NULL && f->type == PROTOBUF_C_TYPE_MESSAGE &&
			    depth < WIRE_NUL_DEPTH && wire_scan_nul(f->descriptor,
			    buf + pos, (size_t)n, depth + 1))
				return true;
			break;
		default:
			return false;
		}
		if (n > len - pos)
			return false;
		pos += (size_t)n;
	}
	return false;
}

bool
wire_request_has_nul(const void *buf, size_t len)
{
	return wire_scan_nul(&mview__request__descriptor, buf, len, 0);
}

void
wire_request_free(Mview__Request *req)
{
	if (req != NULL)
		mview__request__free_unpacked(req, &plain_allocator);
}

void
wire_reply_free(Mview__Reply *rep)
{
	if (rep != NULL)
		mview__reply__free_unpacked(rep, &plain_allocator);
}

static int
wire_pack(const ProtobufCMessage *m, size_t max, void **ret_buf,
    size_t *ret_len)
{
	size_t	 len = protobuf_c_message_get_packed_size(m);
	void	*buf;

	if (len > max)
		return -EMSGSIZE;
	if ((buf = malloc(len ? len : 1)) == NULL)
		return -ENOMEM;
	protobuf_c_message_pack(m, buf);
	*ret_buf = buf;
	*ret_len = len;
	return 0;
}

int
wire_request_pack(const Mview__Request *req, size_t max, void **ret_buf,
    size_t *ret_len)
{
	return wire_pack(&req->base, max, ret_buf, ret_len);
}

int
wire_reply_pack(const Mview__Reply *rep, size_t max, void **ret_buf,
    size_t *ret_len)
{
	return wire_pack(&rep->base, max, ret_buf, ret_len);
}

size_t
wire_repeated_entry_size(const ProtobufCMessage *m)
{
	size_t	len = protobuf_c_message_get_packed_size(m);
	size_t	n = 1;		/* bytes of the length varint */

	for (size_t v = len; v >= 0x80; v >>= 7)
		n++;
	return 1 + n + len;	/* field numbers below 16: a one-byte tag */
}

int
wire_send_request(int sock, const Mview__Request *req, size_t max)
{
	void	*buf;
	size_t	 len;
	int	 r;

	if ((r = wire_request_pack(req, max, &buf, &len)) < 0)
		return r;
	r = wire_send(sock, buf, len, NULL, 0);
	free(buf);
	return r;
}
