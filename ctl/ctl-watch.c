/* SPDX-License-Identifier: MIT */
/* mviewctl watch: print events as they come, survive daemon restarts, stop on SIGINT. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"

static volatile sig_atomic_t watch_stop;

static void
watch_signal_cb(int sig)
{
	(void)sig;
	watch_stop = 1;
}

/* SIGINT/SIGTERM end the wait (no SA_RESTART) and the loop. */
static void
watch_signals(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = watch_signal_cb;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static const char *
watch_type_name(enum mview_event_type t)
{
	switch (t) {
	case MVIEW_EVENT_SEGMENT_CREATED:	return "segment-created";
	case MVIEW_EVENT_SEGMENT_DELETED:	return "segment-deleted";
	case MVIEW_EVENT_VIEW_PUBLISHED:	return "view-published";
	case MVIEW_EVENT_VIEW_UNPUBLISHED:	return "view-unpublished";
	case MVIEW_EVENT_OVERFLOW:		return "overflow";
	default:				return "unknown";
	}
}

static void
watch_print(struct ctl *ctl, const struct mview_event *ev)
{
	struct json	j;
	struct timespec	ts;
	struct tm	tm;
	time_t		now;
	char		when[16];

	clock_gettime(CLOCK_REALTIME, &ts);
	now = ts.tv_sec;
	if (ctl->json) {
		json_begin(&j, stdout);
		json_object_open(&j, NULL);
		json_string(&j, "type", watch_type_name(ev->type));
		json_string(&j, "name", ev->type == MVIEW_EVENT_OVERFLOW ?
		    NULL : ev->name);
		json_u64(&j, "segment_id", ev->segment_id);
		json_i64(&j, "time_ns", (int64_t)ts.tv_sec * 1000000000 +
		    ts.tv_nsec);
		json_object_close(&j);
		json_end(&j);
		return;
	}
	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	if (ev->type == MVIEW_EVENT_OVERFLOW)
		printf("%s overflow (events were lost: list again)\n", when);
	else
		printf("%s %-16s %s (segment %" PRIu64 ")\n", when,
		    watch_type_name(ev->type), ev->name, ev->segment_id);
	fflush(stdout);
}

/* The daemon went away: say events may be lost, then retry once a second. */
static int
watch_lost(struct ctl *ctl, int r)
{
	struct mview_event	ev = { .type = MVIEW_EVENT_OVERFLOW };

	if (r == -ECONNRESET) {
		watch_print(ctl, &ev);
		return 0;
	}
	if (r == -ECONNREFUSED || r == -ENOENT) {
		if (!watch_stop)
			sleep(1);
		return 0;
	}
	return ctl_fail(ctl, r, "watch");
}

int
cmd_watch(struct ctl *ctl, int argc, char **argv)
{
	struct mview_event	ev;
	const char		*prefix;
	int			r;

	if ((r = ctl_simple_args(ctl, argc, argv, 0, 1)) != 0)
		return r < 0 ? CTL_EXIT_OK : r;
	prefix = optind < argc ? argv[optind] : "";
	if ((r = ctl_connect(ctl)) != 0)
		return r;
	if ((r = mview_client_watch(ctl->client, prefix)) < 0)
		return ctl_fail(ctl, r, "watch %s", prefix);
	watch_signals();
	while (!watch_stop) {
		r = mview_client_next_event(ctl->client, 1000, &ev);
		if (r == 0)
			watch_print(ctl, &ev);
		else if (r != -EAGAIN && r != -EINTR &&
		    (r = watch_lost(ctl, r)) != 0)
			return r;
	}
	return CTL_EXIT_OK;
}
