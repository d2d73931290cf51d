/* SPDX-License-Identifier: MIT */
/* The daemon's counters and gauges in the Prometheus text exposition format. */
#include <sys/queue.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "limits.h"
#include "metrics.h"
#include "persist.h"
#include "registry.h"
#include "segment.h"
#include "server.h"
#include "session.h"
#include "stream.h"
#include "util.h"

#define METRICS_MAX_UIDS	256	/* per-uid series, most bytes first */
#define METRICS_MAX_STREAMS	256	/* per-stream series, oldest first */
#define METRICS_UNLABELLED_MAX	256	/* bytes of mview_streams_unlabelled */
#define METRICS_STR2(x)		#x
#define METRICS_STR(x)		METRICS_STR2(x)

struct metrics_uid {
	uid_t		uid;
	uint64_t	bytes, segments;
};

static void
metrics_head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
metrics_gauge(FILE *f, const char *name, const char *help, uint64_t v)
{
	metrics_head(f, name, "gauge", help);
	fprintf(f, "%s %llu\n", name, (unsigned long long)v);
}

/* The uid's entry in u (n used of cap), added when new; NULL when full. */
static struct metrics_uid *
metrics_uid_slot(struct metrics_uid *u, size_t *n, size_t cap, uid_t uid)
{
	for (size_t i = 0; i < *n; i++)
		if (u[i].uid == uid)
			return &u[i];
	if (*n == cap)
		return NULL;
	u[*n] = (struct metrics_uid){ .uid = uid };
	return &u[(*n)++];
}

static void
metrics_segments(FILE *f, const struct server *srv, struct metrics_uid *u,
    size_t *nu)
{
	const struct segment	*seg;
	uint64_t		 live = 0, live_b = 0, dead = 0, dead_b = 0;
	uint64_t		 attached = 0;
	struct metrics_uid	*slot;

	TAILQ_FOREACH(seg, &srv->reg.segs, order) {
		if (seg->deleted) {
			dead++;
			dead_b += seg->size;
		} else {
			live++;
			live_b += seg->size;
		}
		if (seg->nattached > 0)
			attached++;
		if (seg->owner_charged && (slot = metrics_uid_slot(u, nu,
		    METRICS_MAX_UIDS, seg->uid)) != NULL) {
			slot->bytes += seg->size;
			slot->segments++;
		}
	}
	metrics_head(f, "mview_segments", "gauge", "Segments by state "
	    "(deleted: removed by name, memory kept while a client holds it).");
	fprintf(f, "mview_segments{state=\"live\"} %llu\n",
	    (unsigned long long)live);
	fprintf(f, "mview_segments{state=\"deleted\"} %llu\n",
	    (unsigned long long)dead);
	metrics_head(f, "mview_segment_bytes", "gauge", "Bytes of segments "
	    "by state.");
	fprintf(f, "mview_segment_bytes{state=\"live\"} %llu\n",
	    (unsigned long long)live_b);
	fprintf(f, "mview_segment_bytes{state=\"deleted\"} %llu\n",
	    (unsigned long long)dead_b);
	metrics_gauge(f, "mview_segments_attached", "Segments some client "
	    "holds open.", attached);
}

static void
metrics_requests(FILE *f, const struct server *srv)
{
	const ProtobufCMessageDescriptor	*d = &mview__request__descriptor;

	metrics_head(f, "mview_requests_total", "counter", "Requests "
	    "answered, by type.");
	for (unsigned i = 0; i < d->n_fields; i++) {
		unsigned t = d->fields[i].id;

		if (t < SERVER_NREQTYPES && d->fields[i].id != 1)
			fprintf(f, "mview_requests_total{type=\"%s\"} %llu\n",
			    d->fields[i].name,
			    (unsigned long long)srv->nrequests[t]);
	}
	metrics_head(f, "mview_request_errors_total", "counter", "Requests "
	    "refused with an error, by type.");
	for (unsigned i = 0; i < d->n_fields; i++) {
		unsigned t = d->fields[i].id;

		if (t < SERVER_NREQTYPES && d->fields[i].id != 1)
			fprintf(f, "mview_request_errors_total{type=\"%s\"} "
			    "%llu\n", d->fields[i].name,
			    (unsigned long long)srv->nerrors[t]);
	}
}

static int
metrics_uid_cmp(const void *a, const void *b)
{
	const struct metrics_uid	*x = a, *y = b;

	return x->bytes < y->bytes ? 1 : x->bytes > y->bytes ? -1 :
	    (x->uid > y->uid) - (x->uid < y->uid);
}

/* The uids a request's series name: the sessions' and the owners' in u. */
static size_t
metrics_uid_collect(const struct server *srv, struct metrics_uid *u,
    size_t nu)
{
	const struct session	*s;

	TAILQ_FOREACH(s, &srv->sessions, entry)
		(void)metrics_uid_slot(u, &nu, METRICS_MAX_UIDS, s->cred.uid);
	qsort(u, nu, sizeof(*u), metrics_uid_cmp);
	return nu;
}

/* The per-uid families: name, help, and what the series says of uid. */
enum metrics_uid_field {
	METRICS_UID_BYTES, METRICS_UID_SEGMENTS, METRICS_UID_VIEWS,
	METRICS_UID_SESSIONS, METRICS_UID_HELD_BYTES, METRICS_UID_FDS,
};

static const struct {
	const char		*name, *help;
	enum metrics_uid_field	 field;
} metrics_uid_families[] = {
	{ "mview_uid_bytes", "Bytes of the segments each uid owns (the "
	  "max-bytes-per-uid quota's use).", METRICS_UID_BYTES },
	{ "mview_uid_segments", "Segments each uid owns.",
	  METRICS_UID_SEGMENTS },
	{ "mview_uid_views", "Views each uid published.", METRICS_UID_VIEWS },
	{ "mview_uid_sessions", "Connections of each uid.",
	  METRICS_UID_SESSIONS },
	{ "mview_uid_held_bytes", "Bytes of segments each uid holds without "
	  "owning them, deleted ones included (the max-held-bytes-per-uid "
	  "pool's use).", METRICS_UID_HELD_BYTES },
	{ "mview_uid_fds", "mviewd's file descriptors charged to each uid "
	  "(max-fds-per-uid).", METRICS_UID_FDS },
};
#define METRICS_NUID_FAMILIES \
	(sizeof(metrics_uid_families) / sizeof(metrics_uid_families[0]))

static uint64_t
metrics_uid_value(const struct server *srv, const struct metrics_uid *u,
    enum metrics_uid_field field)
{
	struct usage	use = registry_uid_usage(&srv->reg, u->uid);

	switch (field) {
	case METRICS_UID_BYTES:
		return u->bytes;
	case METRICS_UID_SEGMENTS:
		return u->segments;
	case METRICS_UID_VIEWS:
		return use.views;
	case METRICS_UID_SESSIONS:
		return use.conns;
	case METRICS_UID_HELD_BYTES:
		return use.held_bytes;
	case METRICS_UID_FDS:
		return use.fds;
	}
	return 0;
}

/*
 * How many of the nu uids, biggest first, get series within budget
 * bytes (a uid of 10 digits and a value of 20 at most).
 */
static size_t
metrics_uid_count(size_t nu, size_t budget)
{
	size_t	used = 0, c = 0;

	for (size_t i = 0; i < METRICS_NUID_FAMILIES; i++) {
		used += strlen(metrics_uid_families[i].help) + 128;
		c += strlen(metrics_uid_families[i].name) +
		    sizeof("{uid=\"\"} \n") - 1 + 10 + 20;
	}
	if (used > budget)
		return 0;
	return (budget - used) / c < nu ? (budget - used) / c : nu;
}

static void
metrics_uids(FILE *f, const struct server *srv, const struct metrics_uid *u,
    size_t n)
{
	for (size_t i = 0; i < METRICS_NUID_FAMILIES; i++) {
		metrics_head(f, metrics_uid_families[i].name, "gauge",
		    metrics_uid_families[i].help);
		for (size_t k = 0; k < n; k++)
			fprintf(f, "%s{uid=\"%u\"} %llu\n",
			    metrics_uid_families[i].name, (unsigned)u[k].uid,
			    (unsigned long long)metrics_uid_value(srv, &u[k],
			    metrics_uid_families[i].field));
	}
}

/* A label value as the exposition format quotes it. */
static void
metrics_label(FILE *f, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

/* Sum of a and b, saturating: the counts come from clients' leases. */
static uint64_t
metrics_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* What one stream's series say, and the totals. */
struct metrics_stream {
	uint64_t	published, dropped, consumers, holds, producer;
};

static void
metrics_stream_read(const struct stream *st, struct metrics_stream *ret)
{
	struct stream_stat	sst;

	stream_stat(st, &sst);
	ret->published = sst.published;
	ret->dropped = metrics_add(sst.dropped, st->dropped_gone);
	ret->consumers = st->nconsumers;
	ret->holds = sst.holds;
	ret->producer = st->producer != NULL;
}

/* The per-stream families: name and help, and the field of struct metrics_stream. */
static const struct {
	const char	*name, *type, *help;
	size_t		 off;
} metrics_stream_families[] = {
	{ "mview_stream_frames_published_total", "counter", "Frames "
	  "published on the stream since it was created (rate() of it is the "
	  "publish rate).", offsetof(struct metrics_stream, published) },
	{ "mview_stream_frames_dropped_total", "counter", "Frames the "
	  "stream's latest-policy consumers skipped (those attached, and those "
	  "that left since mviewd started).",
	  offsetof(struct metrics_stream, dropped) },
	{ "mview_stream_consumers", "gauge", "Consumers attached to the "
	  "stream.", offsetof(struct metrics_stream, consumers) },
	{ "mview_stream_holds", "gauge", "Frames the stream's consumers hold.",
	  offsetof(struct metrics_stream, holds) },
	{ "mview_stream_producer", "gauge", "1 while the stream's producer "
	  "role is taken.", offsetof(struct metrics_stream, producer) },
};
#define METRICS_NSTREAM_FAMILIES \
	(sizeof(metrics_stream_families) / sizeof(metrics_stream_families[0]))

static size_t
metrics_label_len(const char *v)
{
	size_t	n = 0;

	for (; *v != '\0'; v++)
		n += *v == '\\' || *v == '"' || *v == '\n' ? 2 : 1;
	return n;
}

/* The bytes st's series take at most (a value of 20 digits). */
static size_t
metrics_stream_cost(const struct stream *st)
{
	size_t	n = 0, l = metrics_label_len(st->name);

	for (size_t i = 0; i < METRICS_NSTREAM_FAMILIES; i++)
		n += strlen(metrics_stream_families[i].name) +
		    sizeof("{name=\"\"} \n") - 1 + l + 20;
	return n;
}

/* How many live streams, oldest first, get series within budget bytes. */
static size_t
metrics_stream_count(const struct server *srv, size_t budget)
{
	const struct stream	*st;
	size_t			 n = 0, used = 0, c;

	for (size_t i = 0; i < METRICS_NSTREAM_FAMILIES; i++)
		used += strlen(metrics_stream_families[i].help) + 128;
	TAILQ_FOREACH(st, &srv->reg.streams, order) {
		if (st->deleted)
			continue;
		c = metrics_stream_cost(st);
		if (n == METRICS_MAX_STREAMS || used + c > budget)
			break;
		used += c;
		n++;
	}
	return n;
}

/* The per-stream series of the first n (<= METRICS_MAX_STREAMS) live
 * streams, each stream's shared memory read once for all its families. */
static void
metrics_stream_series(FILE *f, const struct server *srv, size_t n)
{
	const struct stream	*st, *which[METRICS_MAX_STREAMS];
	struct metrics_stream	 m[METRICS_MAX_STREAMS];
	size_t			 k = 0;

	TAILQ_FOREACH(st, &srv->reg.streams, order) {
		if (k == n || k == METRICS_MAX_STREAMS)
			break;
		if (st->deleted)
			continue;
		which[k] = st;
		metrics_stream_read(st, &m[k++]);
	}
	for (size_t i = 0; i < METRICS_NSTREAM_FAMILIES; i++) {
		const char	*name = metrics_stream_families[i].name;

		metrics_head(f, name, metrics_stream_families[i].type,
		    metrics_stream_families[i].help);
		for (size_t j = 0; j < k; j++) {
			fprintf(f, "%s{name=\"", name);
			metrics_label(f, which[j]->name);
			fprintf(f, "\"} %llu\n", (unsigned long long)
			    *(const uint64_t *)(const void *)((const char *)&m[j] +
			    metrics_stream_families[i].off));
		}
	}
}

/* Stream totals; returns the number of live streams. */
static uint64_t
metrics_streams(FILE *f, const struct server *srv)
{
	const struct stream	*st;
	struct metrics_stream	 m, t = { 0 };
	uint64_t		 live = 0, dead = 0, bytes = 0;

	TAILQ_FOREACH(st, &srv->reg.streams, order) {
		if (st->deleted)
			dead++;
		else
			live++;
		bytes += st->mem.data_size;
		metrics_stream_read(st, &m);
		t.published = metrics_add(t.published, m.published);
		t.dropped = metrics_add(t.dropped, m.dropped);
		t.consumers += m.consumers;
		t.holds += m.holds;
		t.producer += m.producer;
	}
	metrics_head(f, "mview_streams", "gauge", "Streams by state "
	    "(deleted: removed by name, kept while a producer or consumer "
	    "is attached).");
	fprintf(f, "mview_streams{state=\"live\"} %llu\n",
	    (unsigned long long)live);
	fprintf(f, "mview_streams{state=\"deleted\"} %llu\n",
	    (unsigned long long)dead);
	metrics_gauge(f, "mview_stream_bytes", "Bytes of the frame slots of "
	    "every stream.", bytes);
	metrics_head(f, "mview_streams_frames_published_total", "counter",
	    "Frames published on every stream since it was created.");
	fprintf(f, "mview_streams_frames_published_total %llu\n",
	    (unsigned long long)t.published);
	metrics_head(f, "mview_streams_frames_dropped_total", "counter",
	    "Frames latest-policy consumers of every stream skipped.");
	fprintf(f, "mview_streams_frames_dropped_total %llu\n",
	    (unsigned long long)t.dropped);
	metrics_gauge(f, "mview_streams_producers", "Streams whose producer "
	    "role is taken.", t.producer);
	metrics_gauge(f, "mview_streams_consumers", "Consumers of every "
	    "stream.", t.consumers);
	metrics_gauge(f, "mview_streams_holds", "Frames consumers of every "
	    "stream hold.", t.holds);
	return live;
}

/* Restarts and the journal (see persist.h). */
static void
metrics_persist(FILE *f, const struct server *srv)
{
	struct persist_info	 pi;
	static const struct {
		const char	*what;
		size_t		 off;
	} last[] = {
		{ "segments", offsetof(struct persist_stats, segments) },
		{ "views", offsetof(struct persist_stats, views) },
		{ "streams", offsetof(struct persist_stats, streams) },
		{ "dropped_segments", offsetof(struct persist_stats,
		    dropped_segments) },
		{ "dropped_views", offsetof(struct persist_stats,
		    dropped_views) },
		{ "dropped_streams", offsetof(struct persist_stats,
		    dropped_streams) },
		{ "recovered_segments", offsetof(struct persist_stats,
		    recovered_segments) },
		{ "unreadable_records", offsetof(struct persist_stats,
		    unreadable) },
	};

	persist_get_info(srv->persist, &pi);
	metrics_head(f, "mview_restarts_total", "counter", "Starts of mviewd "
	    "that restored this registry from the service manager's fd store "
	    "(the count is kept in the journal).");
	fprintf(f, "mview_restarts_total %llu\n",
	    (unsigned long long)pi.restarts);
	metrics_head(f, "mview_registry_created_time_seconds", "gauge",
	    "When the first mviewd of this registry started, Unix time "
	    "(restarts keep it).");
	fprintf(f, "mview_registry_created_time_seconds %.3f\n",
	    pi.created_ns / 1e9);
	metrics_head(f, "mview_restored", "gauge", "What this mviewd's start "
	    "found in the fd store: re-adopted, dropped, recovered.");
	for (size_t i = 0; i < sizeof(last) / sizeof(last[0]); i++)
		fprintf(f, "mview_restored{what=\"%s\"} %llu\n", last[i].what,
		    (unsigned long long)*(const uint64_t *)(const void *)
		    ((const char *)&pi.last + last[i].off));
	metrics_gauge(f, "mview_persistence_enabled", "1 while the registry "
	    "is journaled into the fd store (it survives restarts).",
	    pi.enabled);
	metrics_gauge(f, "mview_journal_bytes", "Size of the current "
	    "journal.", pi.journal_bytes);
	metrics_gauge(f, "mview_journal_records", "Records in the current "
	    "journal (compaction rewrites it).", pi.journal_records);
	metrics_gauge(f, "mview_journal_generation", "The current journal's "
	    "generation (one more at each compaction).", pi.generation);
}

static void
metrics_limits(FILE *f, const struct limits *l)
{
	metrics_head(f, "mview_limit", "gauge", "Limits in force, named like "
	    "mviewd.conf's keys.");
	for (size_t i = 0; i < limits_count(); i++) {
		const struct limit_desc *d = limits_desc(i);

		fprintf(f, "mview_limit{name=\"%s\"} %llu\n", d->option,
		    (unsigned long long)limits_get(l, d));
	}
}

int
metrics_render(const struct server *srv, size_t budget, char **ret_text,
    size_t *ret_len)
{
	struct metrics_uid	*u;
	struct timespec		 now;
	size_t			 nu = 0, nuid, len = 0, nst;
	uint64_t		 live;
	char			*text = NULL;
	int64_t			 up = util_now_monotonic_ns() - srv->start_ns;
	FILE			*f;

	if ((u = calloc(METRICS_MAX_UIDS, sizeof(*u))) == NULL)
		return -ENOMEM;
	if ((f = open_memstream(&text, &len)) == NULL) {
		free(u);
		return -ENOMEM;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	metrics_head(f, "mview_build_info", "gauge", "The daemon's version.");
	fprintf(f, "mview_build_info{version=\"%s\"} 1\n", PACKAGE_VERSION);
	metrics_head(f, "mview_start_time_seconds", "gauge", "When this "
	    "mviewd process started, Unix time.");
	fprintf(f, "mview_start_time_seconds %.3f\n", (double)now.tv_sec +
	    now.tv_nsec / 1e9 - up / 1e9);
	metrics_gauge(f, "mview_sessions", "Client connections.",
	    srv->nsessions);
	metrics_segments(f, srv, u, &nu);
	metrics_gauge(f, "mview_views", "Published views.",
	    srv->reg.total.views);
	metrics_persist(f, srv);
	metrics_requests(f, srv);
	metrics_limits(f, &srv->limits);
	live = metrics_streams(f, srv);
	/* The per-uid series, biggest first, get what one reply has left,
	 * the per-stream series what is left after them. */
	nu = metrics_uid_collect(srv, u, nu);
	(void)fflush(f);
	nuid = metrics_uid_count(nu, budget > len + 2 * METRICS_UNLABELLED_MAX ?
	    budget - len - 2 * METRICS_UNLABELLED_MAX : 0);
	metrics_gauge(f, "mview_uids_unlabelled", "Uids mviewd charges "
	    "something to without series of their own (past the "
	    METRICS_STR(METRICS_MAX_UIDS) " biggest, or past what fits in "
	    "one reply).", hash_count(&srv->reg.uids) > nuid ?
	    hash_count(&srv->reg.uids) - nuid : 0);
	metrics_uids(f, srv, u, nuid);
	free(u);
	(void)fflush(f);
	nst = metrics_stream_count(srv, budget > len + METRICS_UNLABELLED_MAX ?
	    budget - len - METRICS_UNLABELLED_MAX : 0);
	metrics_gauge(f, "mview_streams_unlabelled", "Live streams without "
	    "series of their own (past the first " METRICS_STR(
	    METRICS_MAX_STREAMS) ", or past what fits in one reply): only in "
	    "the totals.", live - nst);
	metrics_stream_series(f, srv, nst);
	if (fclose(f) != 0) {
		free(text);
		return -ENOMEM;
	}
	*ret_text = text;
	*ret_len = len;
	return 0;
}
