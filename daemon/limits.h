/* SPDX-License-Identifier: MIT */
/* Every limit a client can run into: defaults, option parsing, quota arithmetic. */
#ifndef MVIEWD_LIMITS_H
#define MVIEWD_LIMITS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct errmsg;

struct limits {
	uint64_t	max_packet;		/* bytes of one request or reply */
	uint64_t	max_name;		/* bytes of a name */
	uint64_t	max_ndim;
	uint64_t	max_segment_size;
	uint64_t	max_total_bytes;
	uint64_t	max_bytes_per_uid;
	uint64_t	max_segments;
	uint64_t	max_segments_per_uid;
	uint64_t	max_views;
	uint64_t	max_views_per_uid;
	uint64_t	max_sessions;
	uint64_t	max_conns_per_uid;
	uint64_t	max_held_bytes_per_uid;	/* others' segments one uid holds */
	uint64_t	max_fds_per_uid;	/* fds mviewd keeps for one uid */
	uint64_t	max_attachments;	/* segments one session holds */
	uint64_t	max_watches;		/* prefixes one session watches */
	uint64_t	max_watch_events;	/* events queued for one session */
	uint64_t	max_unread_replies;	/* replies queued before reading stops */
	/* A connection's pace (peer.c): see limits_print_help(). */
	uint64_t	max_unread_bytes;	/* reply bytes queued before reading stops */
	uint64_t	max_unread_fds;		/* fds queued with replies, likewise */
	uint64_t	idle_timeout;		/* seconds to say hello; 0: forever */
	uint64_t	stall_timeout;		/* seconds a full queue may not drain */
	uint64_t	max_streams;
	uint64_t	max_streams_per_uid;
	uint64_t	max_stream_slots;	/* slots of one stream */
	uint64_t	max_stream_slots_per_uid;	/* slots of all a uid's streams */
	uint64_t	max_stream_consumers;	/* positions of one stream */
	uint64_t	max_stream_holds;	/* frames one consumer holds at once */
	uint64_t	stream_consumers;	/* positions when create says none */
	uint64_t	stream_holds;		/* holds when create says none */
};

enum limit_kind {
	LIMIT_SIZE,	/* bytes, K/M/G/T suffixes */
	LIMIT_COUNT,
	LIMIT_SECONDS,	/* a timeout; 0 turns it off */
};

struct limit_desc {
	const char	*option;	/* long option name, "max-packet" */
	const char	*help;
	enum limit_kind	 kind;
	size_t		 offset;	/* in struct limits */
	uint64_t	 min, max;	/* accepted values */
};

/* What is in use, globally or for one uid. */
struct usage {
	uint64_t	bytes;
	uint64_t	segments;
	uint64_t	views;
	uint64_t	conns;
	uint64_t	streams;
	uint64_t	stream_slots;
	uint64_t	held_bytes;	/* of others' segments its connections hold */
	uint64_t	held_segments;	/* (counted once per connection) */
	/* In the totals only: deleted segments kept while held (registry.h),
	 * and those of their bytes their owners still pay for. */
	uint64_t	deleted_bytes;
	uint64_t	deleted_segments;
	uint64_t	deleted_owner_bytes;
	uint64_t	fds;		/* mviewd's fds charged to it */
};

/* The fds a segment costs: its memfd and the kept O_RDONLY reopen. */
#define LIMITS_SEGMENT_FDS	2

/* The defaults (max_total_bytes: half of physical memory; max_fds_per_uid:
 * a quarter of the RLIMIT_NOFILE hard limit mviewd raises itself to). */
void	limits_init(struct limits *l);

size_t	limits_count(void);
const struct limit_desc *limits_desc(size_t i);
const struct limit_desc *limits_find(const char *option);

uint64_t limits_get(const struct limits *l, const struct limit_desc *d);

/* Parse value for d into l. 0 or -EINVAL/-ERANGE with a message. */
int	limits_set(struct limits *l, const struct limit_desc *d,
	    const char *value, struct errmsg *e);

/* One --help line per limit, with the default from l. */
void	limits_print_help(FILE *f, const struct limits *l);

/*
 * May a segment of size bytes be added to what total and uid use?
 * 0, -EFBIG (over the segment size limit), -EDQUOT (the uid's bytes or
 * segments quota) or -ENOSPC (the global cap), with a message.
 */
int	limits_check_segment(const struct limits *l, const struct usage *total,
	    const struct usage *uid, uint64_t size, struct errmsg *e);

/*
 * May a stream of slots slots and size data bytes be added? Its bytes
 * count with the segments' (max-segment-size, bytes quotas). 0, -EFBIG,
 * -EDQUOT, -ENOSPC or -EINVAL (slots over max-stream-slots), with a
 * message.
 */
int	limits_check_stream(const struct limits *l, const struct usage *total,
	    const struct usage *uid, uint64_t slots, uint64_t size,
	    struct errmsg *e);

/*
 * May uid hold (keep attached) one more segment of size bytes that
 * another uid owns? 0 or -EDQUOT (max-held-bytes-per-uid), with a message.
 */
int	limits_check_hold(const struct limits *l, const struct usage *uid,
	    uint64_t size, struct errmsg *e);

/* May nfds more of mviewd's fds be charged to uid? 0 or -EMFILE
 * (max-fds-per-uid), with a message. */
int	limits_check_fds(const struct limits *l, const struct usage *uid,
	    uint64_t nfds, struct errmsg *e);

/* May one more view be published? 0, -EDQUOT or -ENOSPC. */
int	limits_check_view(const struct limits *l, const struct usage *total,
	    const struct usage *uid, struct errmsg *e);

#endif /* MVIEWD_LIMITS_H */
