/* SPDX-License-Identifier: MIT */
/* Every limit a client can run into: defaults, option parsing, quota arithmetic. */
#include <sys/resource.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errmsg.h"
#include "limits.h"
#include "memlimit.h"
#include "stream-ring.h"
#include "util.h"
#include "view.h"
#include "wire.h"

#define L(field)	offsetof(struct limits, field)

static const struct limit_desc limit_table[] = {
	{ "max-packet", "largest request or reply packet", LIMIT_SIZE,
	  L(max_packet), 4096, WIRE_PACKET_MAX_HARD },
	{ "max-name", "longest segment or view name, in bytes", LIMIT_COUNT,
	  L(max_name), 1, WIRE_NAME_MAX_HARD },
	{ "max-ndim", "most dimensions of a view", LIMIT_COUNT,
	  L(max_ndim), 0, VIEW_MAX_NDIM },
	{ "max-segment-size", "largest segment", LIMIT_SIZE,
	  L(max_segment_size), 0, INT64_MAX },
	{ "max-total-bytes", "bytes of all segments together", LIMIT_SIZE,
	  L(max_total_bytes), 0, INT64_MAX },
	{ "max-bytes-per-uid", "bytes of the segments one uid owns", LIMIT_SIZE,
	  L(max_bytes_per_uid), 0, INT64_MAX },
	{ "max-segments", "segments in all", LIMIT_COUNT,
	  L(max_segments), 0, 1u << 30 },
	{ "max-segments-per-uid", "segments one uid owns", LIMIT_COUNT,
	  L(max_segments_per_uid), 0, 1u << 30 },
	{ "max-views", "published views in all", LIMIT_COUNT,
	  L(max_views), 0, 1u << 30 },
	{ "max-views-per-uid", "views one uid publishes", LIMIT_COUNT,
	  L(max_views_per_uid), 0, 1u << 30 },
	{ "max-sessions", "client connections in all", LIMIT_COUNT,
	  L(max_sessions), 1, 1u << 24 },
	{ "max-conns-per-uid", "client connections of one uid", LIMIT_COUNT,
	  L(max_conns_per_uid), 1, 1u << 24 },
	{ "max-held-bytes-per-uid", "bytes of others' segments one uid holds "
	  "open", LIMIT_SIZE, L(max_held_bytes_per_uid), 0, INT64_MAX },
	{ "max-fds-per-uid", "file descriptors mviewd keeps for one uid",
	  LIMIT_COUNT, L(max_fds_per_uid), 16, 1u << 30 },
	{ "max-attachments", "segments one connection holds open", LIMIT_COUNT,
	  L(max_attachments), 1, 1u << 30 },
	{ "max-watches", "watched prefixes per connection", LIMIT_COUNT,
	  L(max_watches), 0, 1u << 16 },
	{ "max-watch-events", "watch events queued per connection", LIMIT_COUNT,
	  L(max_watch_events), 1, 1u << 24 },
	{ "max-unread-replies", "unread replies before a connection pauses",
	  LIMIT_COUNT, L(max_unread_replies), 1, 1u << 20 },
	{ "max-unread-bytes", "unread reply bytes before a connection pauses",
	  LIMIT_SIZE, L(max_unread_bytes), 4096, 1u << 30 },
	{ "max-unread-fds", "fds in unread replies before it pauses",
	  LIMIT_COUNT, L(max_unread_fds), 1, 1u << 16 },
	{ "idle-timeout", "seconds to say hello before closing (0: off)",
	  LIMIT_SECONDS, L(idle_timeout), 0, 86400 },
	{ "stall-timeout", "seconds a full reply queue may stall (0: off)",
	  LIMIT_SECONDS, L(stall_timeout), 0, 86400 },
	{ "max-streams", "streams in all", LIMIT_COUNT,
	  L(max_streams), 0, 1u << 20 },
	{ "max-streams-per-uid", "streams one uid owns", LIMIT_COUNT,
	  L(max_streams_per_uid), 0, 1u << 20 },
	{ "max-stream-slots", "slots of one stream", LIMIT_COUNT,
	  L(max_stream_slots), 2, STREAM_MAX_SLOTS },
	{ "max-stream-slots-per-uid", "slots of all the streams one uid owns",
	  LIMIT_COUNT, L(max_stream_slots_per_uid), 0, 1u << 30 },
	{ "max-stream-consumers", "consumer positions of one stream",
	  LIMIT_COUNT, L(max_stream_consumers), 1, WIRE_STREAM_CONSUMERS_HARD },
	{ "max-stream-holds", "frames one consumer may hold at once",
	  LIMIT_COUNT, L(max_stream_holds), 1, STREAM_MAX_HOLDS },
	{ "stream-consumers", "consumer positions of a stream by default",
	  LIMIT_COUNT, L(stream_consumers), 1, WIRE_STREAM_CONSUMERS_HARD },
	{ "stream-holds", "frames a consumer may hold by default",
	  LIMIT_COUNT, L(stream_holds), 1, STREAM_MAX_HOLDS },
};

#define NLIMITS	(sizeof(limit_table) / sizeof(limit_table[0]))

/* Half of the memory mviewd may use (its cgroup's limit, else RAM), or
 * 1 GiB when nothing tells. */
static uint64_t
limits_half_ram(void)
{
	uint64_t	ceiling = memlimit_ceiling();

	if (ceiling == UINT64_MAX)
		return 1ULL << 30;
	return ceiling / 2;
}

/* A quarter of the fds mviewd may open (it raises its soft RLIMIT_NOFILE
 * to the hard one), so that one uid never takes them all; at least 64. */
static uint64_t
limits_quarter_nofile(void)
{
	struct rlimit	rl;
	uint64_t	n = 1u << 20;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY)
		n = rl.rlim_max;
	if (n > (1u << 30))
		n = 1u << 30;
	return n / 4 > 64 ? n / 4 : 64;
}

void
limits_init(struct limits *l)
{
	uint64_t	half = limits_half_ram();

	*l = (struct limits){
		.max_packet = WIRE_PACKET_DEFAULT,
		.max_name = 255,
		.max_ndim = VIEW_MAX_NDIM,
		.max_segment_size = half,
		.max_total_bytes = half,
		.max_bytes_per_uid = half,
		.max_segments = 65536,
		.max_segments_per_uid = 32768,
		.max_views = 4u << 20,
		.max_views_per_uid = 2u << 20,
		.max_sessions = 4096,
		.max_conns_per_uid = 256,
		.max_held_bytes_per_uid = half,
		.max_fds_per_uid = limits_quarter_nofile(),
		.max_attachments = 16384,
		.max_watches = 64,
		.max_watch_events = 1024,
		.max_unread_replies = 256,
		.max_unread_bytes = 4u << 20,
		.max_unread_fds = 64,
		.idle_timeout = 10,
		.stall_timeout = 30,
		.max_streams = 512,
		.max_streams_per_uid = 128,
		.max_stream_slots = 1024,
		.max_stream_slots_per_uid = 16384,
		.max_stream_consumers = WIRE_STREAM_CONSUMERS_HARD,
		.max_stream_holds = STREAM_MAX_HOLDS,
		.stream_consumers = STREAM_DEFAULT_CONSUMERS,
		.stream_holds = STREAM_DEFAULT_HOLDS,
	};
}

size_t
limits_count(void)
{
	return NLIMITS;
}

const struct limit_desc *
limits_desc(size_t i)
{
	return i < NLIMITS ? &limit_table[i] : NULL;
}

const struct limit_desc *
limits_find(const char *option)
{
	for (size_t i = 0; i < NLIMITS; i++)
		if (strcmp(limit_table[i].option, option) == 0)
			return &limit_table[i];
	return NULL;
}

uint64_t
limits_get(const struct limits *l, const struct limit_desc *d)
{
	uint64_t	v;

	memcpy(&v, (const char *)l + d->offset, sizeof(v));
	return v;
}

/* What a value of this kind is called in --help and in errors. */
static const char *
limits_metavar(enum limit_kind kind)
{
	return kind == LIMIT_SIZE ? "SIZE" : kind == LIMIT_SECONDS ? "SECONDS" :
	    "N";
}

static const char *
limits_kind_noun(enum limit_kind kind)
{
	return kind == LIMIT_SIZE ? "size (4096, 64K, 1G)" :
	    kind == LIMIT_SECONDS ? "number of seconds" : "number";
}

static int
limits_parse_count(const char *s, uint64_t *ret)
{
	char			*end;
	unsigned long long	 v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end != '\0')
		return -EINVAL;
	*ret = v;
	return 0;
}

int
limits_set(struct limits *l, const struct limit_desc *d, const char *value,
    struct errmsg *e)
{
	uint64_t	v;
	int		r;

	if (d->kind == LIMIT_SIZE)
		r = util_parse_size(value, &v);
	else
		r = limits_parse_count(value, &v);
	if (r < 0)
		return errmsg_set(e, r, "--%s: '%s' is not a %s", d->option,
		    value, limits_kind_noun(d->kind));
	if (v < d->min || v > d->max)
		return errmsg_set(e, -ERANGE, "--%s: %s is outside %llu..%llu",
		    d->option, value, (unsigned long long)d->min,
		    (unsigned long long)d->max);
	memcpy((char *)l + d->offset, &v, sizeof(v));
	return 0;
}

void
limits_print_help(FILE *f, const struct limits *l)
{
	char	opt[64], val[32], max[48], hard[32];

	for (size_t i = 0; i < NLIMITS; i++) {
		const struct limit_desc *d = &limit_table[i];
		uint64_t v = limits_get(l, d);

		snprintf(opt, sizeof(opt), "--%s=%s", d->option,
		    limits_metavar(d->kind));
		if (d->kind == LIMIT_SIZE)
			util_format_size(v, val, sizeof(val));
		else if (d->kind == LIMIT_SECONDS)
			snprintf(val, sizeof(val), "%llu s", (unsigned long long)v);
		else
			snprintf(val, sizeof(val), "%llu", (unsigned long long)v);
		max[0] = '\0';
		if (d->kind == LIMIT_SIZE && d->max <= WIRE_PACKET_MAX_HARD)
			snprintf(max, sizeof(max), ", at most %s",
			    util_format_size(d->max, hard, sizeof(hard)));
		else if (d->kind == LIMIT_COUNT && d->max <= WIRE_NAME_MAX_HARD)
			snprintf(max, sizeof(max), ", at most %llu",
			    (unsigned long long)d->max);
		fprintf(f, "  %-28s %s\n%31s(default %s%s)\n", opt, d->help, "",
		    val, max);
	}
}

/* a + b > max, without overflowing. */
static int
limits_over(uint64_t a, uint64_t b, uint64_t max)
{
	uint64_t	sum;

	return __builtin_add_overflow(a, b, &sum) || sum > max;
}

int
limits_check_segment(const struct limits *l, const struct usage *total,
    const struct usage *uid, uint64_t size, struct errmsg *e)
{
	if (size > l->max_segment_size)
		return errmsg_set(e, -EFBIG, "segment size %llu is over the "
		    "limit of %llu bytes (max-segment-size)",
		    (unsigned long long)size,
		    (unsigned long long)l->max_segment_size);
	if (limits_over(uid->bytes, size, l->max_bytes_per_uid))
		return errmsg_set(e, -EDQUOT, "your segments would exceed "
		    "%llu bytes (max-bytes-per-uid; %llu in use)",
		    (unsigned long long)l->max_bytes_per_uid,
		    (unsigned long long)uid->bytes);
	if (limits_over(uid->segments, 1, l->max_segments_per_uid))
		return errmsg_set(e, -EDQUOT, "you own %llu segments already "
		    "(max-segments-per-uid)", (unsigned long long)uid->segments);
	if (limits_over(total->bytes, size, l->max_total_bytes))
		return errmsg_set(e, -ENOSPC, "mviewd's segments would exceed "
		    "%llu bytes (max-total-bytes; %llu in use)",
		    (unsigned long long)l->max_total_bytes,
		    (unsigned long long)total->bytes);
	if (limits_over(total->segments, 1, l->max_segments))
		return errmsg_set(e, -ENOSPC, "mviewd holds %llu segments "
		    "already (max-segments)", (unsigned long long)total->segments);
	return 0;
}

int
limits_check_stream(const struct limits *l, const struct usage *total,
    const struct usage *uid, uint64_t slots, uint64_t size, struct errmsg *e)
{
	if (slots > l->max_stream_slots)
		return errmsg_set(e, -EINVAL, "%llu slots are over the limit of "
		    "%llu (max-stream-slots)", (unsigned long long)slots,
		    (unsigned long long)l->max_stream_slots);
	if (size > l->max_segment_size)
		return errmsg_set(e, -EFBIG, "the stream's %llu bytes of slots "
		    "are over the limit of %llu (max-segment-size)",
		    (unsigned long long)size,
		    (unsigned long long)l->max_segment_size);
	if (limits_over(uid->streams, 1, l->max_streams_per_uid))
		return errmsg_set(e, -EDQUOT, "you own %llu streams already "
		    "(max-streams-per-uid)", (unsigned long long)uid->streams);
	if (limits_over(uid->stream_slots, slots, l->max_stream_slots_per_uid))
		return errmsg_set(e, -EDQUOT, "your streams would exceed %llu "
		    "slots (max-stream-slots-per-uid; %llu in use)",
		    (unsigned long long)l->max_stream_slots_per_uid,
		    (unsigned long long)uid->stream_slots);
	if (limits_over(uid->bytes, size, l->max_bytes_per_uid))
		return errmsg_set(e, -EDQUOT, "your segments and streams would "
		    "exceed %llu bytes (max-bytes-per-uid; %llu in use)",
		    (unsigned long long)l->max_bytes_per_uid,
		    (unsigned long long)uid->bytes);
	if (limits_over(total->streams, 1, l->max_streams))
		return errmsg_set(e, -ENOSPC, "mviewd holds %llu streams "
		    "already (max-streams)", (unsigned long long)total->streams);
	if (limits_over(total->bytes, size, l->max_total_bytes))
		return errmsg_set(e, -ENOSPC, "mviewd's segments and streams "
		    "would exceed %llu bytes (max-total-bytes; %llu in use)",
		    (unsigned long long)l->max_total_bytes,
		    (unsigned long long)total->bytes);
	return 0;
}

int
limits_check_hold(const struct limits *l, const struct usage *uid,
    uint64_t size, struct errmsg *e)
{
	if (limits_over(uid->held_bytes, size, l->max_held_bytes_per_uid))
		return errmsg_set(e, -EDQUOT, "the segments of others your "
		    "connections hold would exceed %llu bytes "
		    "(max-held-bytes-per-uid; %llu held)",
		    (unsigned long long)l->max_held_bytes_per_uid,
		    (unsigned long long)uid->held_bytes);
	return 0;
}

int
limits_check_fds(const struct limits *l, const struct usage *uid,
    uint64_t nfds, struct errmsg *e)
{
	if (limits_over(uid->fds, nfds, l->max_fds_per_uid))
		return errmsg_set(e, -EMFILE, "mviewd keeps %llu file "
		    "descriptors for your uid already, %llu more would exceed "
		    "%llu (max-fds-per-uid)", (unsigned long long)uid->fds,
		    (unsigned long long)nfds,
		    (unsigned long long)l->max_fds_per_uid);
	return 0;
}

int
limits_check_view(const struct limits *l, const struct usage *total,
    const struct usage *uid, struct errmsg *e)
{
	if (limits_over(uid->views, 1, l->max_views_per_uid))
		return errmsg_set(e, -EDQUOT, "you published %llu views already "
		    "(max-views-per-uid)", (unsigned long long)uid->views);
	if (limits_over(total->views, 1, l->max_views))
		return errmsg_set(e, -ENOSPC, "mviewd holds %llu views already "
		    "(max-views)", (unsigned long long)total->views);
	return 0;
}
