/* SPDX-License-Identifier: MIT */
/* The registry journal's format: a header, then length + CRC32 framed records. */
#ifndef MVIEWD_JOURNAL_H
#define MVIEWD_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "view.h"

/*
 * A journal file is a JOURNAL_HEADER_SIZE header (magic, version,
 * generation, CRC32) followed by records, each:
 *
 *	u32 payload length, u16 type, u16 zero, u64 sequence (1, 2, ...),
 *	payload, u32 CRC32 of everything before it in the record
 *
 * all little-endian. A record that is short, fails its CRC or breaks the
 * sequence is unreadable: a write torn by a crash (at the end), or
 * damage. The reader then looks for the next readable record (a later
 * sequence number with a good CRC) and goes on from there.
 * Bump JOURNAL_VERSION if any of this changes.
 */
#define JOURNAL_MAGIC		"MVIEWJNL"
#define JOURNAL_VERSION		1
#define JOURNAL_HEADER_SIZE	32
#define JOURNAL_REC_HEAD	16	/* length, type, zero, sequence */
#define JOURNAL_REC_OVERHEAD	(JOURNAL_REC_HEAD + 4)
#define JOURNAL_PAYLOAD_MAX	(64u << 10)
#define JOURNAL_NAME_MAX	1024	/* WIRE_NAME_MAX_HARD */

enum journal_type {
	JOURNAL_SEGMENT = 1,		/* a segment, new or changed (upsert) */
	JOURNAL_SEGMENT_DEL = 2,	/* a segment is gone (its views too) */
	JOURNAL_VIEW = 3,		/* a published view (upsert by name) */
	JOURNAL_VIEW_DEL = 4,		/* a view unpublished */
	JOURNAL_NEXT_ID = 5,		/* the next segment id is at least id */
	JOURNAL_STREAM = 6,		/* a stream, new or changed (upsert) */
	JOURNAL_STREAM_DEL = 7,		/* a stream is gone */
	JOURNAL_DAEMON = 8,		/* the registry's history: id is how many
					 * times it was restored, ctime_ns when
					 * it was first made (CLOCK_REALTIME) */
};

/* One record; which fields matter depends on type. Names are NUL-terminated. */
struct journal_rec {
	enum journal_type	type;
	uint64_t		id;		/* SEGMENT*, NEXT_ID, STREAM*, DAEMON */
	uint64_t		size;		/* SEGMENT; STREAM: slot capacity */
	uint32_t		slots;		/* STREAM */
	uint32_t		max_consumers;	/* STREAM */
	uint32_t		max_holds;	/* STREAM */
	bool			producer;	/* STREAM: the producer role is held */
	int64_t			ctime_ns;	/* SEGMENT, VIEW, STREAM, DAEMON */
	uint32_t		uid;		/* SEGMENT owner, VIEW publisher */
	uint32_t		gid;		/* SEGMENT */
	uint32_t		mode;		/* SEGMENT */
	uint8_t			lifetime;	/* SEGMENT, enum segment_lifetime */
	bool			frozen;		/* SEGMENT */
	bool			hugetlb;	/* SEGMENT */
	bool			recovered;	/* SEGMENT: kept without its record */
	bool			has_name;	/* SEGMENT: false when anonymous */
	char			name[JOURNAL_NAME_MAX + 1];	/* SEGMENT, VIEW*, STREAM */
	struct view_desc	desc;		/* VIEW (desc.segment_id is the segment) */
};

/* A growable byte buffer the encoders append to. */
struct journal_buf {
	uint8_t		*data;
	size_t		 len, cap;
};

void	journal_buf_free(struct journal_buf *b);

/* CRC-32 as zlib computes it (the on-disk checksum); start with crc 0. */
uint32_t journal_crc32(uint32_t crc, const void *p, size_t len);

/* The header of generation gen into out[JOURNAL_HEADER_SIZE]. */
void	journal_header_encode(void *out, uint64_t gen);
/* 0 and the generation, or -EBADMSG (magic, version, CRC or length). */
int	journal_header_decode(const void *p, size_t len, uint64_t *ret_gen);

/*
 * Append record r with sequence number seq to b. 0, -EINVAL (a field
 * out of range: name too long, ndim, format) or -ENOMEM.
 */
int	journal_encode(struct journal_buf *b, const struct journal_rec *r,
	    uint64_t seq);

/*
 * Decode the record at p (len bytes left in the file), which must carry
 * sequence number seq. Returns 0 with *ret and the bytes it used,
 * -ENODATA at a clean end (nothing left, or only zeros), -EBADMSG for a
 * torn or corrupt record (short, bad length, CRC, sequence or fields),
 * -EOPNOTSUPP for an intact record of an unknown type (*ret_used is set:
 * skip it).
 */
int	journal_decode(const void *p, size_t len, uint64_t seq,
	    struct journal_rec *ret, size_t *ret_used);

#endif /* MVIEWD_JOURNAL_H */
