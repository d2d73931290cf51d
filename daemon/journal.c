/* SPDX-License-Identifier: MIT */
/* The registry journal's format: a header, then length + CRC32 framed records. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "journal.h"
#include "util.h"

#define JOURNAL_SEG_FIXED	40	/* SEGMENT payload before the name */
#define JOURNAL_VIEW_FIXED	42	/* VIEW payload before format and name */
#define JOURNAL_STREAM_FIXED	52	/* STREAM payload before the name */

/* ------------------------------------------------------------------ CRC */

/* zlib's CRC-32 (IEEE 802.3, reflected 0xedb88320, as the format says). */
uint32_t
journal_crc32(uint32_t crc, const void *p, size_t len)
{
	return (uint32_t)crc32_z(crc, p, len);
}

/* ------------------------------------------------------ little-endian */

static void
put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t
get_le(const uint8_t *p, int n)
{
	uint64_t	v = 0;

	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* A cursor over a payload being written or read. */
struct cursor {
	uint8_t		*w;
	const uint8_t	*r;
	size_t		 left;
	bool		 bad;
};

static void
cur_put(struct cursor *c, uint64_t v, int n)
{
	put_le(c->w, v, n);
	c->w += n;
}

static void
cur_put_bytes(struct cursor *c, const void *p, size_t n)
{
	memcpy(c->w, p, n);
	c->w += n;
}

static uint64_t
cur_get(struct cursor *c, int n)
{
	uint64_t	v;

	if (c->bad || c->left < (size_t)n) {
		c->bad = true;
		return 0;
	}
	v = get_le(c->r, n);
	c->r += n;
	c->left -= (size_t)n;
	return v;
}

/* n bytes into a NUL-terminated out; bad when NULs are inside. */
static void
cur_get_string(struct cursor *c, char *out, size_t n)
{
	if (c->bad || c->left < n || memchr(c->r, '\0', n) != NULL) {
		c->bad = true;
		out[0] = '\0';
		return;
	}
	memcpy(out, c->r, n);
	out[n] = '\0';
	c->r += n;
	c->left -= n;
}

/* --------------------------------------------------------------- header */

void
journal_header_encode(void *out, uint64_t gen)
{
	uint8_t	*p = out;

	memset(p, 0, JOURNAL_HEADER_SIZE);
	memcpy(p, JOURNAL_MAGIC, 8);
	put_le(p + 8, JOURNAL_VERSION, 4);
	put_le(p + 12, JOURNAL_HEADER_SIZE, 4);
	put_le(p + 16, gen, 8);
	put_le(p + 28, journal_crc32(0, p, 28), 4);
}

int
journal_header_decode(const void *buf, size_t len, uint64_t *ret_gen)
{
	const uint8_t	*p = buf;

	if (len < JOURNAL_HEADER_SIZE || memcmp(p, JOURNAL_MAGIC, 8) != 0 ||
	    get_le(p + 8, 4) != JOURNAL_VERSION ||
	    get_le(p + 12, 4) != JOURNAL_HEADER_SIZE ||
	    get_le(p + 28, 4) != journal_crc32(0, p, 28))
		return -EBADMSG;
	*ret_gen = get_le(p + 16, 8);
	return 0;
}

/* ------------------------------------------------------------- encoding */

void
journal_buf_free(struct journal_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

static int
journal_buf_reserve(struct journal_buf *b, size_t n)
{
	uint8_t	*d;

	if ((d = util_grow(b->data, &b->cap, b->len, n, 1)) == NULL)
		return -ENOMEM;
	b->data = d;
	return 0;
}

/* The payload size of r, or 0 when a field is out of range. */
static size_t
journal_payload_size(const struct journal_rec *r, size_t *ret_name,
    size_t *ret_fmt)
{
	size_t	nl = 0, fl = 0;

	/* Only what the type uses needs to be defined. */
	if (r->type == JOURNAL_VIEW || r->type == JOURNAL_VIEW_DEL ||
	    r->type == JOURNAL_STREAM ||
	    (r->type == JOURNAL_SEGMENT && r->has_name))
		nl = strnlen(r->name, JOURNAL_NAME_MAX + 1);
	if (r->type == JOURNAL_VIEW)
		fl = strnlen(r->desc.format, VIEW_FORMAT_MAX);
	*ret_name = nl;
	*ret_fmt = fl;
	if (nl > JOURNAL_NAME_MAX)
		return 0;
	switch (r->type) {
	case JOURNAL_SEGMENT:
		return JOURNAL_SEG_FIXED + nl;
	case JOURNAL_SEGMENT_DEL:
	case JOURNAL_NEXT_ID:
	case JOURNAL_STREAM_DEL:
		return 8;
	case JOURNAL_STREAM:
		return nl == 0 ? 0 : JOURNAL_STREAM_FIXED + nl;
	case JOURNAL_DAEMON:
		return 16;
	case JOURNAL_VIEW:
		if (nl == 0 || fl >= VIEW_FORMAT_MAX || r->desc.ndim < 0 ||
		    r->desc.ndim > VIEW_MAX_NDIM)
			return 0;
		return JOURNAL_VIEW_FIXED + fl + nl + 16 * (size_t)r->desc.ndim;
	case JOURNAL_VIEW_DEL:
		return nl == 0 ? 0 : 2 + nl;
	}
	return 0;
}

static void
journal_encode_payload(struct cursor *c, const struct journal_rec *r,
    size_t nl, size_t fl)
{
	const struct view_desc	*d = &r->desc;

	switch (r->type) {
	case JOURNAL_SEGMENT:
		cur_put(c, r->id, 8);
		cur_put(c, r->size, 8);
		cur_put(c, (uint64_t)r->ctime_ns, 8);
		cur_put(c, r->uid, 4);
		cur_put(c, r->gid, 4);
		cur_put(c, r->mode, 4);
		cur_put(c, r->lifetime, 1);
		cur_put(c, (r->frozen ? 1u : 0u) | (r->hugetlb ? 2u : 0u) |
		    (r->recovered ? 4u : 0u), 1);
		cur_put(c, nl, 2);
		cur_put_bytes(c, r->name, nl);
		break;
	case JOURNAL_SEGMENT_DEL:
	case JOURNAL_NEXT_ID:
	case JOURNAL_STREAM_DEL:
		cur_put(c, r->id, 8);
		break;
	case JOURNAL_DAEMON:
		cur_put(c, r->id, 8);
		cur_put(c, (uint64_t)r->ctime_ns, 8);
		break;
	case JOURNAL_STREAM:
		cur_put(c, r->id, 8);
		cur_put(c, r->size, 8);
		cur_put(c, (uint64_t)r->ctime_ns, 8);
		cur_put(c, r->uid, 4);
		cur_put(c, r->gid, 4);
		cur_put(c, r->mode, 4);
		cur_put(c, r->slots, 4);
		cur_put(c, r->max_consumers, 4);
		cur_put(c, r->max_holds, 4);
		cur_put(c, r->lifetime, 1);
		cur_put(c, r->producer ? 1u : 0u, 1);
		cur_put(c, nl, 2);
		cur_put_bytes(c, r->name, nl);
		break;
	case JOURNAL_VIEW:
		cur_put(c, d->segment_id, 8);
		cur_put(c, (uint64_t)d->offset, 8);
		cur_put(c, (uint64_t)d->itemsize, 8);
		cur_put(c, (uint64_t)r->ctime_ns, 8);
		cur_put(c, r->uid, 4);
		cur_put(c, (uint64_t)d->ndim, 1);
		cur_put(c, d->readonly ? 1 : 0, 1);
		cur_put(c, fl, 1);
		cur_put(c, 0, 1);
		cur_put(c, nl, 2);
		cur_put_bytes(c, d->format, fl);
		cur_put_bytes(c, r->name, nl);
		for (int i = 0; i < d->ndim; i++)
			cur_put(c, (uint64_t)d->shape[i], 8);
		for (int i = 0; i < d->ndim; i++)
			cur_put(c, (uint64_t)d->strides[i], 8);
		break;
	case JOURNAL_VIEW_DEL:
		cur_put(c, nl, 2);
		cur_put_bytes(c, r->name, nl);
		break;
	}
}

int
journal_encode(struct journal_buf *b, const struct journal_rec *r,
    uint64_t seq)
{
	size_t		nl, fl, n = journal_payload_size(r, &nl, &fl);
	struct cursor	c = { 0 };
	uint8_t		*start;

	if (n == 0 || n > JOURNAL_PAYLOAD_MAX)
		return -EINVAL;
	if (journal_buf_reserve(b, n + JOURNAL_REC_OVERHEAD) < 0)
		return -ENOMEM;
	start = b->data + b->len;
	c.w = start;
	cur_put(&c, n, 4);
	cur_put(&c, (uint64_t)r->type, 2);
	cur_put(&c, 0, 2);
	cur_put(&c, seq, 8);
	journal_encode_payload(&c, r, nl, fl);
	cur_put(&c, journal_crc32(0, start, JOURNAL_REC_HEAD + n), 4);
	b->len += n + JOURNAL_REC_OVERHEAD;
	return 0;
}

/* ------------------------------------------------------------- decoding */

static void
journal_decode_segment(struct cursor *c, struct journal_rec *r)
{
	uint64_t	flags, nl;

	r->id = cur_get(c, 8);
	r->size = cur_get(c, 8);
	r->ctime_ns = (int64_t)cur_get(c, 8);
	r->uid = (uint32_t)cur_get(c, 4);
	r->gid = (uint32_t)cur_get(c, 4);
	r->mode = (uint32_t)cur_get(c, 4);
	r->lifetime = (uint8_t)cur_get(c, 1);
	flags = cur_get(c, 1);
	nl = cur_get(c, 2);
	r->frozen = flags & 1;
	r->hugetlb = flags & 2;
	r->recovered = flags & 4;
	r->has_name = nl > 0;
	if (nl > JOURNAL_NAME_MAX || (flags & ~7u) != 0)
		c->bad = true;
	else
		cur_get_string(c, r->name, (size_t)nl);
}

static void
journal_decode_stream(struct cursor *c, struct journal_rec *r)
{
	uint64_t	flags, nl;

	r->id = cur_get(c, 8);
	r->size = cur_get(c, 8);
	r->ctime_ns = (int64_t)cur_get(c, 8);
	r->uid = (uint32_t)cur_get(c, 4);
	r->gid = (uint32_t)cur_get(c, 4);
	r->mode = (uint32_t)cur_get(c, 4);
	r->slots = (uint32_t)cur_get(c, 4);
	r->max_consumers = (uint32_t)cur_get(c, 4);
	r->max_holds = (uint32_t)cur_get(c, 4);
	r->lifetime = (uint8_t)cur_get(c, 1);
	flags = cur_get(c, 1);
	nl = cur_get(c, 2);
	r->producer = flags & 1;
	r->has_name = true;
	if (nl == 0 || nl > JOURNAL_NAME_MAX || (flags & ~1u) != 0)
		c->bad = true;
	else
		cur_get_string(c, r->name, (size_t)nl);
}

static void
journal_decode_view(struct cursor *c, struct journal_rec *r)
{
	struct view_desc	*d = &r->desc;
	uint64_t		 ndim, ro, fl, nl;

	d->segment_id = cur_get(c, 8);
	d->offset = (int64_t)cur_get(c, 8);
	d->itemsize = (int64_t)cur_get(c, 8);
	r->ctime_ns = (int64_t)cur_get(c, 8);
	r->uid = (uint32_t)cur_get(c, 4);
	ndim = cur_get(c, 1);
	ro = cur_get(c, 1);
	fl = cur_get(c, 1);
	(void)cur_get(c, 1);
	nl = cur_get(c, 2);
	if (ndim > VIEW_MAX_NDIM || ro > 1 || fl >= VIEW_FORMAT_MAX ||
	    nl == 0 || nl > JOURNAL_NAME_MAX) {
		c->bad = true;
		return;
	}
	d->ndim = (int)ndim;
	d->readonly = ro;
	cur_get_string(c, d->format, (size_t)fl);
	cur_get_string(c, r->name, (size_t)nl);
	for (int i = 0; i < d->ndim; i++)
		d->shape[i] = (int64_t)cur_get(c, 8);
	for (int i = 0; i < d->ndim; i++)
		d->strides[i] = (int64_t)cur_get(c, 8);
}

static void
journal_decode_payload(struct cursor *c, struct journal_rec *r)
{
	uint64_t	nl;

	switch (r->type) {
	case JOURNAL_SEGMENT:
		journal_decode_segment(c, r);
		break;
	case JOURNAL_SEGMENT_DEL:
	case JOURNAL_NEXT_ID:
	case JOURNAL_STREAM_DEL:
		r->id = cur_get(c, 8);
		break;
	case JOURNAL_DAEMON:
		r->id = cur_get(c, 8);
		r->ctime_ns = (int64_t)cur_get(c, 8);
		break;
	case JOURNAL_STREAM:
		journal_decode_stream(c, r);
		break;
	case JOURNAL_VIEW:
		journal_decode_view(c, r);
		break;
	case JOURNAL_VIEW_DEL:
		nl = cur_get(c, 2);
		if (nl == 0 || nl > JOURNAL_NAME_MAX)
			c->bad = true;
		else
			cur_get_string(c, r->name, (size_t)nl);
		break;
	}
}

static bool
journal_all_zero(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != 0)
			return false;
	return true;
}

int
journal_decode(const void *buf, size_t len, uint64_t seq,
    struct journal_rec *ret, size_t *ret_used)
{
	const uint8_t	*p = buf;
	struct cursor	 c = { 0 };
	uint64_t	 n, type;

	if (len == 0 || journal_all_zero(p, len < JOURNAL_REC_OVERHEAD ?
	    len : JOURNAL_REC_OVERHEAD))
		return -ENODATA;
	if (len < JOURNAL_REC_OVERHEAD)
		return -EBADMSG;
	n = get_le(p, 4);
	type = get_le(p + 4, 2);
	if (n > JOURNAL_PAYLOAD_MAX || n > len - JOURNAL_REC_OVERHEAD ||
	    get_le(p + 6, 2) != 0 || get_le(p + 8, 8) != seq ||
	    get_le(p + JOURNAL_REC_HEAD + n, 4) !=
	    journal_crc32(0, p, JOURNAL_REC_HEAD + n))
		return -EBADMSG;
	*ret_used = JOURNAL_REC_OVERHEAD + n;
	if (type < JOURNAL_SEGMENT || type > JOURNAL_DAEMON)
		return -EOPNOTSUPP;
	memset(ret, 0, offsetof(struct journal_rec, name));
	ret->name[0] = '\0';
	memset(&ret->desc, 0, offsetof(struct view_desc, shape));
	ret->type = (enum journal_type)type;
	c.r = p + JOURNAL_REC_HEAD;
	c.left = n;
	journal_decode_payload(&c, ret);
	if (c.bad || c.left != 0)
		return -EBADMSG;
	return 0;
}
