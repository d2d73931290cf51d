/* SPDX-License-Identifier: MIT */
/* The daemon's counters and gauges in the Prometheus text exposition format. */
#include <sys/queue.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "limits.h"
#include "metrics.h"
#include "registry.h"
#include "segment.h"
#include "server.h"
#include "session.h"
#include "util.h"

#define METRICS_MAX_UIDS	256	/* per-uid series, most bytes first */

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
		if ((slot = metrics_uid_slot(u, nu, METRICS_MAX_UIDS,
		    seg->uid)) != NULL) {
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

static void
metrics_uids(FILE *f, const struct server *srv, struct metrics_uid *u,
    size_t nu)
{
	const struct session	*s;

	TAILQ_FOREACH(s, &srv->sessions, entry)
		(void)metrics_uid_slot(u, &nu, METRICS_MAX_UIDS, s->cred.uid);
	qsort(u, nu, sizeof(*u), metrics_uid_cmp);
	metrics_head(f, "mview_uid_bytes", "gauge", "Bytes of the segments "
	    "each uid owns (the max-bytes-per-uid quota's use).");
	for (size_t i = 0; i < nu; i++)
		fprintf(f, "mview_uid_bytes{uid=\"%u\"} %llu\n",
		    (unsigned)u[i].uid, (unsigned long long)u[i].bytes);
	metrics_head(f, "mview_uid_segments", "gauge", "Segments each uid "
	    "owns.");
	for (size_t i = 0; i < nu; i++)
		fprintf(f, "mview_uid_segments{uid=\"%u\"} %llu\n",
		    (unsigned)u[i].uid, (unsigned long long)u[i].segments);
	metrics_head(f, "mview_uid_views", "gauge", "Views each uid "
	    "published.");
	for (size_t i = 0; i < nu; i++)
		fprintf(f, "mview_uid_views{uid=\"%u\"} %llu\n",
		    (unsigned)u[i].uid, (unsigned long long)
		    registry_uid_usage(&srv->reg, u[i].uid).views);
	metrics_head(f, "mview_uid_sessions", "gauge", "Connections of each "
	    "uid.");
	for (size_t i = 0; i < nu; i++)
		fprintf(f, "mview_uid_sessions{uid=\"%u\"} %llu\n",
		    (unsigned)u[i].uid, (unsigned long long)
		    registry_uid_usage(&srv->reg, u[i].uid).conns);
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
metrics_render(const struct server *srv, char **ret_text, size_t *ret_len)
{
	struct metrics_uid	*u;
	struct timespec		 now;
	size_t			 nu = 0, len = 0;
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
	metrics_requests(f, srv);
	metrics_uids(f, srv, u, nu);
	metrics_limits(f, &srv->limits);
	free(u);
	if (fclose(f) != 0) {
		free(text);
		return -ENOMEM;
	}
	*ret_text = text;
	*ret_len = len;
	return 0;
}
