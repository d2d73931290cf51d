/* SPDX-License-Identifier: MIT */
/* mviewctl drain: before stopping mviewd, tell whether a stop would lose segments or streams. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"

#define DRAIN_POLL_MS	200

static int64_t
drain_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Nothing a stop that drops the fd store would lose. */
static bool
drain_empty(const struct mview_status *st)
{
	return st->segments == 0 && st->streams == 0;
}

/* Status until no segment or stream is left or wait_ms passes. 0 or -errno. */
static int
drain_wait(struct ctl *ctl, int64_t wait_ms, struct mview_status *st)
{
	int64_t			 end = drain_now_ms() + wait_ms;
	struct timespec		 pause = { 0, DRAIN_POLL_MS * 1000000L };
	int			 r;

	for (bool said = false;; said = true) {
		if ((r = mview_client_status(ctl->client, st)) < 0)
			return r;
		if (drain_empty(st) || drain_now_ms() >= end)
			return 0;
		if (!said && !ctl->json) {
			printf("waiting up to %lld s for %llu segment%s and "
			    "%llu stream%s to go\n", (long long)(wait_ms / 1000),
			    (unsigned long long)st->segments,
			    fmt_s(st->segments),
			    (unsigned long long)st->streams,
			    fmt_s(st->streams));
			fflush(stdout);
		}
		nanosleep(&pause, NULL);
	}
}

/* What the listed streams' producers and consumers add up to. */
static void
drain_roles(const struct mview_stream_info *streams, size_t n,
    uint64_t *ret_producers, uint64_t *ret_consumers, uint64_t *ret_holds)
{
	*ret_producers = *ret_consumers = *ret_holds = 0;
	for (size_t i = 0; i < n; i++) {
		*ret_producers += streams[i].has_producer;
		*ret_consumers += streams[i].consumers;
		*ret_holds += streams[i].holds;
	}
}

static void
drain_json(const struct mview_status *st, const struct mview_segment_info *segs,
    size_t nsegs, const struct mview_stream_info *streams, size_t nstreams,
    bool force)
{
	struct json	j;
	uint64_t	prod, cons, holds;

	drain_roles(streams, nstreams, &prod, &cons, &holds);
	json_begin(&j, stdout);
	json_object_open(&j, NULL);
	json_u64(&j, "segments", st->segments);
	json_u64(&j, "bytes", st->bytes);
	json_u64(&j, "views", st->views);
	json_u64(&j, "streams", st->streams);
	json_u64(&j, "stream_producers", prod);
	json_u64(&j, "stream_consumers", cons);
	json_u64(&j, "frames_held", holds);
	json_u64(&j, "sessions", st->sessions);
	json_bool(&j, "safe_to_stop", drain_empty(st));
	json_bool(&j, "forced", force);
	json_array_open(&j, "held");
	for (size_t i = 0; i < nsegs; i++)
		json_segment(&j, NULL, &segs[i]);
	json_array_close(&j);
	json_array_open(&j, "held_streams");
	for (size_t i = 0; i < nstreams; i++)
		json_stream(&j, NULL, &streams[i]);
	json_array_close(&j);
	json_object_close(&j);
	json_end(&j);
}

static void
drain_report(struct ctl *ctl, const struct mview_status *st,
    const struct mview_segment_info *segs, size_t nsegs,
    const struct mview_stream_info *streams, size_t nstreams, bool force)
{
	char		size[32];
	uint64_t	prod, cons, holds;

	if (ctl->json) {
		drain_json(st, segs, nsegs, streams, nstreams, force);
		return;
	}
	if (drain_empty(st)) {
		printf("mviewd holds no segments and no streams: stopping it "
		    "loses nothing\n");
		return;
	}
	printf("mviewd holds %llu segment%s and %llu stream%s (%s) with %llu "
	    "view%s for %llu client%s.\n", (unsigned long long)st->segments,
	    fmt_s(st->segments), (unsigned long long)st->streams,
	    fmt_s(st->streams), fmt_size(st->bytes, size, sizeof(size)),
	    (unsigned long long)st->views, fmt_s(st->views),
	    (unsigned long long)st->sessions, fmt_s(st->sessions));
	if (nstreams > 0) {
		drain_roles(streams, nstreams, &prod, &cons, &holds);
		printf("Streams in use: %llu producer%s, %llu consumer%s "
		    "holding %llu frame%s.\n", (unsigned long long)prod,
		    fmt_s(prod), (unsigned long long)cons, fmt_s(cons),
		    (unsigned long long)holds, fmt_s(holds));
	}
	printf("A stop loses them where the service manager drops its fd store "
	    "on stop\n(systemd before 254, e.g. Debian 12, ignores "
	    "FileDescriptorStorePreserve=);\n'systemctl restart mviewd' keeps "
	    "them everywhere.\n");
	if (nsegs > 0) {
		printf("\n");
		ctl_table_segments(segs, nsegs);
	}
	if (nsegs < st->segments)
		printf("(%llu more segments that you may not list)\n",
		    (unsigned long long)(st->segments - nsegs));
	if (nstreams > 0) {
		printf("\n");
		ctl_table_streams(streams, nstreams);
	}
	if (nstreams < st->streams)
		printf("(%llu more streams that you may not list)\n",
		    (unsigned long long)(st->streams - nstreams));
	if (force)
		printf("--force: go ahead anyway\n");
}

/* The streams to list: none from a daemon that predates them. */
static int
drain_streams(struct ctl *ctl, const struct mview_status *st,
    struct mview_stream_info **ret, size_t *ret_n)
{
	int	r;

	*ret = NULL;
	*ret_n = 0;
	if (st->streams == 0)
		return 0;
	r = mview_stream_list(ctl->client, NULL, ret, ret_n);
	return r == -EOPNOTSUPP ? 0 : r;
}

int
cmd_drain(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "wait", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mview_segment_info	*segs = NULL;
	struct mview_stream_info	*streams = NULL;
	struct mview_status		 st;
	size_t				 nsegs = 0, nstreams = 0;
	bool				 force = false;
	long				 wait_s = 0;
	char				*end;
	int				 c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "hf", opts, NULL)) != -1) {
		if (c == 'h')
			return ctl_help_command(ctl);
		if (c == 'f')
			force = true;
		else if (c == 'w') {
			errno = 0;
			wait_s = strtol(optarg, &end, 10);
			if (end == optarg || *end != '\0' || errno != 0 ||
			    wait_s < 0 || wait_s > 86400)
				return ctl_usage(ctl, "bad --wait '%s' (seconds, "
				    "0 to 86400)", optarg);
		} else
			return ctl_bad_option(ctl, argv);
	}
	if ((r = ctl_check_args(ctl, argc, 0, 0)) != 0)
		return r;
	if ((r = ctl_connect(ctl)) != 0)
		return r;
	if ((r = drain_wait(ctl, (int64_t)wait_s * 1000, &st)) < 0)
		return ctl_fail(ctl, r, "status");
	if (st.segments > 0 &&
	    (r = mview_segment_list(ctl->client, NULL, &segs, &nsegs)) < 0)
		return ctl_fail(ctl, r, "list segments");
	if ((r = drain_streams(ctl, &st, &streams, &nstreams)) < 0) {
		free(segs);
		return ctl_fail(ctl, r, "list streams");
	}
	drain_report(ctl, &st, segs, nsegs, streams, nstreams, force);
	free(segs);
	free(streams);
	return drain_empty(&st) || force ? CTL_EXIT_OK : CTL_EXIT_FAILED;
}
