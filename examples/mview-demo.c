/* SPDX-License-Identifier: MIT */
/*
 * The article's three memoryview examples, each split across two processes
 * that share memory through mviewd. Built on the public API only.
 *
 *   mview-demo [--socket PATH] [--prefix P] producer   one side
 *   mview-demo [--socket PATH] [--prefix P] consumer   the other side
 *   mview-demo [--socket PATH] [--prefix P] [both]     fork and run both
 *
 * The two sides never talk to each other directly: each waits for the
 * other's published view names through a watch on the daemon. Exit status
 * 0 when every process read what memoryview would have given it.
 */
#include <sys/wait.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mview.h"

#define DEMO_TIMEOUT_MS	10000

struct demo {
	const char		*role;		/* "producer" or "consumer" */
	const char		*socket;	/* NULL: $MVIEW_SOCKET or the default */
	const char		*prefix;	/* names live under it */
	struct mview_client	*client;
	int			 failed;	/* a value differed from the expected one */
};

static void
demo_say(const struct demo *d, const char *fmt, ...)
{
	va_list	ap;

	printf("[%s %ld] ", d->role, (long)getpid());
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* Report a failed call with the daemon's own words when it has some. */
static int
demo_fail(const struct demo *d, const char *what, int r,
    const struct mview_error *e)
{
	const char *msg = d->client ? mview_client_last_error(d->client) : "";

	if (e != NULL && e->message[0] != '\0')
		msg = e->message;
	fprintf(stderr, "%s: %s: %s%s%s\n", d->role, what, mview_strerror(r),
	    *msg ? ": " : "", msg);
	return r < 0 ? r : -EIO;
}

/* A heading, out before anything the other process can react to. */
static void
demo_heading(const char *text)
{
	printf("\n== %s\n", text);
	fflush(stdout);
}

static void
demo_name(const struct demo *d, char *buf, size_t len, const char *suffix)
{
	snprintf(buf, len, "%s%s", d->prefix, suffix);
}

/* tolist() of v as Python prints it; a static buffer is enough for a demo. */
static const char *
demo_list(const struct mview_view *v)
{
	static char		 buf[512];
	struct mview_error	 e;
	char			*text = NULL;

	if (mview_view_tolist_text(v, 0, 0, &text, &e) < 0)
		snprintf(buf, sizeof(buf), "<%s>", e.message);
	else
		snprintf(buf, sizeof(buf), "%s", text);
	free(text);
	return buf;
}

static int
demo_check(struct demo *d, const struct mview_view *v, const char *want)
{
	const char *got = demo_list(v);

	if (strcmp(got, want) == 0)
		return 0;
	fprintf(stderr, "%s: expected %s, read %s\n", d->role, want, got);
	d->failed = 1;
	return -EIO;
}

/* Wait until the view called name has been published (our watch covers it). */
static int
demo_wait_published(struct demo *d, const char *name)
{
	struct mview_event	ev;
	int			r;

	for (;;) {
		r = mview_client_next_event(d->client, DEMO_TIMEOUT_MS, &ev);
		if (r < 0)
			return demo_fail(d, "waiting for an event", r, NULL);
		if (ev.type == MVIEW_EVENT_VIEW_PUBLISHED &&
		    strcmp(ev.name, name) == 0)
			return 0;
	}
}

/* Look name up, waiting for its publication when it is not there yet. */
static int
demo_lookup(struct demo *d, const char *suffix, struct mview_view **ret_view)
{
	char	name[256];
	int	r;

	demo_name(d, name, sizeof(name), suffix);
	r = mview_view_lookup(d->client, name, MVIEW_OPEN_WRITE, ret_view);
	if (r == -ENOENT) {
		if ((r = demo_wait_published(d, name)) < 0)
			return r;
		r = mview_view_lookup(d->client, name, MVIEW_OPEN_WRITE,
		    ret_view);
	}
	return r < 0 ? demo_fail(d, name, r, NULL) : 0;
}

static int
demo_publish(struct demo *d, const char *suffix, const struct mview_view *v)
{
	char	name[256];
	int	r;

	demo_name(d, name, sizeof(name), suffix);
	r = mview_view_publish(d->client, name, v, MVIEW_PUBLISH_REPLACE);
	return r < 0 ? demo_fail(d, name, r, NULL) : 0;
}

static int
demo_wait(struct demo *d, const char *suffix)
{
	char	name[256];

	demo_name(d, name, sizeof(name), suffix);
	return demo_wait_published(d, name);
}

/* A session-lifetime segment of size bytes with a 1-D view of format over it. */
static int
demo_segment(struct demo *d, const char *suffix, uint64_t size,
    const char *format, int64_t n, struct mview_segment **ret_seg,
    struct mview_view **ret_view)
{
	struct mview_error	e = { 0 };
	char			name[256];
	int			r;

	demo_name(d, name, sizeof(name), suffix);
	r = mview_segment_create(d->client, name, size, 0600,
	    MVIEW_LIFETIME_SESSION, 0, ret_seg);
	if (r < 0)
		return demo_fail(d, name, r, NULL);
	r = mview_view_new(*ret_seg, format, 1, &n, NULL, 0, ret_view, &e);
	if (r < 0) {
		mview_segment_close(*ret_seg);
		return demo_fail(d, "mview_view_new", r, &e);
	}
	return 0;
}

static int
demo_set(struct demo *d, const struct mview_view *v, int nindex,
    const int64_t *index, int64_t value)
{
	struct mview_value	val = { .type = MVIEW_VALUE_INT, .i = value };
	struct mview_error	e = { 0 };
	int			r;

	if ((r = mview_view_set(v, index, nindex, &val, &e)) < 0)
		return demo_fail(d, "mview_view_set", r, &e);
	return 0;
}

/*
 * 1. >>> v = memoryview(array('h', [-2, -1, 0, 1, 2]))
 *    >>> m = v.cast('B'); m[5] = 4      # in the other process
 *    >>> v.tolist()  ->  [-2, -1, 1024, 1, 2]
 */
static int
producer_ex1(struct demo *d)
{
	static const int64_t	 values[] = { -2, -1, 0, 1, 2 };
	struct mview_segment	*seg = NULL;
	struct mview_view	*v = NULL;
	int			 r;

	demo_heading("1. an int16 array, cast to bytes in the other process");
	if ((r = demo_segment(d, "ex1", 10, "h", 5, &seg, &v)) < 0)
		return r;
	for (int64_t i = 0; i < 5 && r == 0; i++)
		r = demo_set(d, v, 1, &i, values[i]);
	if (r == 0) {
		demo_say(d, "v = h[5] over segment %sex1: %s, published as "
		    "%sex1/int16", d->prefix, demo_list(v), d->prefix);
		r = demo_publish(d, "ex1/int16", v);
	}
	if (r == 0 && (r = demo_wait(d, "ex1/bytes")) == 0) {
		demo_say(d, "v.tolist()            -> %s", demo_list(v));
		r = demo_check(d, v, "[-2, -1, 1024, 1, 2]");
	}
	mview_view_release(v);
	mview_segment_close(seg);
	return r;
}

static int
consumer_ex1(struct demo *d)
{
	struct mview_view	*v = NULL, *m = NULL;
	struct mview_error	 e = { 0 };
	const int64_t		 five = 5;
	int			 r;

	if ((r = demo_lookup(d, "ex1/int16", &v)) < 0)
		return r;
	demo_say(d, "v = lookup('%sex1/int16') -> %s", d->prefix, demo_list(v));
	if ((r = mview_view_cast(v, "B", -1, NULL, &m, &e)) < 0) {
		r = demo_fail(d, "cast('B')", r, &e);
		goto out;
	}
	demo_say(d, "m = v.cast('B')       -> %s", demo_list(m));
	if ((r = demo_set(d, m, 1, &five, 4)) < 0)
		goto out;
	demo_say(d, "m[5] = 4              -> %s", demo_list(m));
	r = demo_publish(d, "ex1/bytes", m);
out:
	mview_view_release(m);
	mview_view_release(v);
	return r;
}

/*
 * 2. >>> m = memoryview(bytes(range(12))).cast('B', [3, 4])
 *    >>> m[1, 2] = 99                    # in the other process
 *    >>> flat[6]  ->  99
 */
static int
producer_ex2(struct demo *d)
{
	struct mview_segment	*seg = NULL;
	struct mview_view	*v = NULL;
	struct mview_value	 val;
	struct mview_error	 e = { 0 };
	const int64_t		 six = 6;
	int			 r;

	demo_heading("2. 12 bytes seen as a 3x4 matrix in the other process");
	if ((r = demo_segment(d, "ex2", 12, "B", 12, &seg, &v)) < 0)
		return r;
	for (int i = 0; i < 12; i++)
		((unsigned char *)mview_view_data(v))[i] = (unsigned char)i;
	demo_say(d, "flat = B[12] over segment %sex2: %s, published as "
	    "%sex2/flat", d->prefix, demo_list(v), d->prefix);
	if ((r = demo_publish(d, "ex2/flat", v)) < 0 ||
	    (r = demo_wait(d, "ex2/matrix")) < 0)
		goto out;
	if ((r = mview_view_get(v, &six, 1, &val, &e)) < 0) {
		r = demo_fail(d, "flat[6]", r, &e);
		goto out;
	}
	demo_say(d, "flat.tolist()         -> %s", demo_list(v));
	demo_say(d, "flat[6]               -> %" PRIu64, val.u);
	r = demo_check(d, v, "[0, 1, 2, 3, 4, 5, 99, 7, 8, 9, 10, 11]");
out:
	mview_view_release(v);
	mview_segment_close(seg);
	return r;
}

static int
consumer_ex2(struct demo *d)
{
	struct mview_view	*v = NULL, *m = NULL;
	struct mview_error	 e = { 0 };
	const int64_t		 shape[2] = { 3, 4 }, at[2] = { 1, 2 };
	int			 r;

	if ((r = demo_lookup(d, "ex2/flat", &v)) < 0)
		return r;
	demo_say(d, "v = lookup('%sex2/flat') -> %s", d->prefix, demo_list(v));
	if ((r = mview_view_cast(v, "B", 2, shape, &m, &e)) < 0) {
		r = demo_fail(d, "cast('B', [3, 4])", r, &e);
		goto out;
	}
	demo_say(d, "m = v.cast('B', [3, 4]) -> %s", demo_list(m));
	if ((r = demo_set(d, m, 2, at, 99)) < 0)
		goto out;
	demo_say(d, "m[1, 2] = 99            -> %s", demo_list(m));
	r = demo_publish(d, "ex2/matrix", m);
out:
	mview_view_release(m);
	mview_view_release(v);
	return r;
}

/*
 * 3. >>> v = memoryview(bytearray(range(10))); s = v[2:6]   # s elsewhere
 *    >>> v[3] = 42
 *    >>> s[1]  ->  42
 */
static int
producer_ex3(struct demo *d)
{
	struct mview_segment	*seg = NULL;
	struct mview_view	*v = NULL, *s = NULL;
	const int64_t		 three = 3;
	int			 r;

	demo_heading("3. a slice v[2:6] made in the other process sees writes to v");
	if ((r = demo_segment(d, "ex3", 10, "B", 10, &seg, &v)) < 0)
		return r;
	for (int i = 0; i < 10; i++)
		((unsigned char *)mview_view_data(v))[i] = (unsigned char)i;
	demo_say(d, "v = B[10] over segment %sex3: %s, published as "
	    "%sex3/base", d->prefix, demo_list(v), d->prefix);
	if ((r = demo_publish(d, "ex3/base", v)) < 0 ||
	    (r = demo_lookup(d, "ex3/slice", &s)) < 0)
		goto out;
	demo_say(d, "looked up the other's slice %sex3/slice: %s",
	    d->prefix, demo_list(s));
	if ((r = demo_set(d, v, 1, &three, 42)) < 0)
		goto out;
	demo_say(d, "v[3] = 42             -> %s", demo_list(v));
	demo_say(d, "the slice, here       -> %s", demo_list(s));
	if ((r = demo_check(d, s, "[2, 42, 4, 5]")) == 0)
		r = demo_publish(d, "ex3/written", v);
	if (r == 0)
		r = demo_wait(d, "ex3/done");
out:
	mview_view_release(s);
	mview_view_release(v);
	mview_segment_close(seg);
	return r;
}

static int
consumer_ex3(struct demo *d)
{
	struct mview_view	*v = NULL, *s = NULL;
	struct mview_key	 key = {
		.kind = MVIEW_KEY_SLICE, .start = 2, .stop = 6,
		.has_start = true, .has_stop = true,
	};
	struct mview_error	 e = { 0 };
	void			*item;
	int			 r;

	if ((r = demo_lookup(d, "ex3/base", &v)) < 0)
		return r;
	r = mview_view_subscript(v, &key, 1, 0, &s, &item, &e);
	if (r != 0) {
		r = demo_fail(d, "v[2:6]", r < 0 ? r : -EINVAL, &e);
		goto out;
	}
	demo_say(d, "s = v[2:6]            -> %s", demo_list(s));
	if ((r = demo_publish(d, "ex3/slice", s)) < 0 ||
	    (r = demo_wait(d, "ex3/written")) < 0)
		goto out;
	demo_say(d, "after the other's v[3] = 42, s -> %s (s[1] is v[3])",
	    demo_list(s));
	if ((r = demo_check(d, s, "[2, 42, 4, 5]")) == 0)
		r = demo_publish(d, "ex3/done", s);
out:
	mview_view_release(s);
	mview_view_release(v);
	return r;
}

/* The producer owns the segments: delete them (and so their views) at the end. */
static void
producer_cleanup(struct demo *d)
{
	static const char *const segs[] = { "ex1", "ex2", "ex3" };
	char	name[256];

	for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++) {
		demo_name(d, name, sizeof(name), segs[i]);
		(void)mview_segment_delete(d->client, name);
	}
}

static int
demo_run(struct demo *d, bool producer)
{
	int	r;

	d->role = producer ? "producer" : "consumer";
	if ((r = mview_client_connect(d->socket, &d->client)) < 0)
		return demo_fail(d, "connect to mviewd", r, NULL);
	/* Watch before looking anything up, so no publication can be missed. */
	if ((r = mview_client_watch(d->client, d->prefix)) < 0)
		r = demo_fail(d, "watch", r, NULL);
	if (r == 0 && producer) {
		demo_say(d, "connected to %s", mview_client_path(d->client));
		if ((r = producer_ex1(d)) == 0 && (r = producer_ex2(d)) == 0)
			r = producer_ex3(d);
		producer_cleanup(d);
	} else if (r == 0) {
		demo_say(d, "connected to %s", mview_client_path(d->client));
		if ((r = consumer_ex1(d)) == 0 && (r = consumer_ex2(d)) == 0)
			r = consumer_ex3(d);
	}
	mview_client_close(d->client);
	d->client = NULL;
	return (r < 0 || d->failed) ? 1 : 0;
}

/* Run both sides: the consumer in a child, the producer here. */
static int
demo_both(struct demo *d)
{
	pid_t	pid;
	int	status, r;

	fflush(NULL);
	if ((pid = fork()) < 0) {
		perror("mview-demo: fork");
		return 1;
	}
	if (pid == 0)
		_exit(demo_run(d, false));
	r = demo_run(d, true);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		r = 1;
	return r;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: mview-demo [--socket PATH] [--prefix P] "
	    "[producer|consumer|both]\n"
	    "The article's memoryview examples across two processes through "
	    "mviewd.\n"
	    "  --socket PATH  mviewd's socket (default: $MVIEW_SOCKET, else the "
	    "system one)\n"
	    "  --prefix P     names of the demo's segments and views "
	    "(default: demo/)\n");
}

int
main(int argc, char **argv)
{
	struct demo	 d = { .role = "mview-demo", .prefix = "demo/" };
	const char	*mode = "both";
	int		 i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc)
			d.socket = argv[++i];
		else if (strcmp(argv[i], "--prefix") == 0 && i + 1 < argc)
			d.prefix = argv[++i];
		else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] != '-' && i == argc - 1)
			mode = argv[i];
		else {
			usage(stderr);
			return 2;
		}
	}
	if (strcmp(mode, "producer") == 0)
		return demo_run(&d, true);
	if (strcmp(mode, "consumer") == 0)
		return demo_run(&d, false);
	if (strcmp(mode, "both") == 0)
		return demo_both(&d);
	usage(stderr);
	return 2;
}
