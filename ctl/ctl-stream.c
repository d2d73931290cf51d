/* SPDX-License-Identifier: MIT */
/* mviewctl stream create|stat|rm|tail, and the streams of ls and stat. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"

static volatile sig_atomic_t	tail_stop;

static void
tail_signal_cb(int sig)
{
	(void)sig;
	tail_stop = 1;
}

void
json_stream(struct json *j, const char *key, const struct mview_stream_info *s)
{
	json_object_open(j, key);
	json_u64(j, "id", s->id);
	json_string(j, "name", s->name);
	json_access(j, s->uid, s->gid, s->mode, s->lifetime);
	json_u64(j, "slots", s->slots);
	json_u64(j, "capacity", s->capacity);
	json_u64(j, "max_consumers", s->max_consumers);
	json_u64(j, "max_holds", s->max_holds);
	json_i64(j, "ctime_ns", s->ctime_ns);
	json_bool(j, "has_producer", s->has_producer);
	json_bool(j, "deleted", s->deleted);
	json_u64(j, "consumers", s->consumers);
	json_u64(j, "head", s->head);
	json_u64(j, "published", s->published);
	json_u64(j, "holds", s->holds);
	json_u64(j, "dropped", s->dropped);
	json_object_open(j, "layout");
	json_string(j, "format", s->layout.format);
	json_i64_array(j, "shape", s->layout.shape, s->layout.ndim);
	json_i64_array(j, "strides", s->layout.strides, s->layout.ndim);
	json_i64(j, "offset", s->layout.offset);
	json_object_close(j);
	json_object_close(j);
}

static const char *
stream_layout_text(const struct mview_stream_info *s, char *buf, size_t len)
{
	char	shape[256];

	snprintf(buf, len, "%s %s", s->layout.format,
	    fmt_tuple(s->layout.shape, s->layout.ndim, shape, sizeof(shape)));
	return buf;
}

void
ctl_table_streams(const struct mview_stream_info *s, size_t n)
{
	static const char *const headers[] = { "ID", "NAME", "SLOTS", "SLOT SIZE",
	    "LAYOUT", "MODE", "OWNER", "PRODUCER", "CONSUMERS", "HEAD" };
	struct table	t;

	if (table_init(&t, 10, 1u << 0 | 1u << 2 | 1u << 3 | 1u << 8 | 1u << 9,
	    headers) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		char	id[24], slots[16], cap[32], lay[320], mode[8], user[64],
			cons[16], head[24];

		snprintf(id, sizeof(id), "%" PRIu64, s[i].id);
		snprintf(slots, sizeof(slots), "%" PRIu32, s[i].slots);
		snprintf(mode, sizeof(mode), "%04o", (unsigned)s[i].mode);
		snprintf(cons, sizeof(cons), "%" PRIu32 "/%" PRIu32,
		    s[i].consumers, s[i].max_consumers);
		snprintf(head, sizeof(head), "%" PRIu64, s[i].head);
		table_add(&t, (const char *const[]){ id, s[i].name, slots,
		    fmt_size(s[i].capacity, cap, sizeof(cap)),
		    stream_layout_text(&s[i], lay, sizeof(lay)), mode,
		    fmt_user(s[i].uid, user, sizeof(user)),
		    s[i].has_producer ? "yes" : "no", cons, head });
	}
	table_print(&t, stdout);
	table_free(&t);
}

/* Print one stream's stat (text or JSON); 0. */
int
ctl_print_stream(struct ctl *ctl, const struct mview_stream_info *s)
{
	struct json	j;
	char		a[32], b[64], lay[320];

	if (ctl->json) {
		json_begin(&j, stdout);
		json_stream(&j, NULL, s);
		json_end(&j);
		return CTL_EXIT_OK;
	}
	printf("stream:    %s\n", s->name);
	printf("id:        %" PRIu64 "\n", s->id);
	printf("slots:     %" PRIu32 " of %s (%" PRIu64 " bytes)\n", s->slots,
	    fmt_size(s->capacity, a, sizeof(a)), s->capacity);
	printf("layout:    %s at offset %" PRId64 "\n",
	    stream_layout_text(s, lay, sizeof(lay)), s->layout.offset);
	printf("owner:     %s (uid %" PRIu32 ", gid %" PRIu32 ")\n",
	    fmt_user(s->uid, b, sizeof(b)), s->uid, s->gid);
	printf("mode:      %04o\n", (unsigned)s->mode);
	printf("lifetime:  %s%s\n", fmt_lifetime(s->lifetime),
	    s->deleted ? " (deleted)" : "");
	printf("producer:  %s\n", s->has_producer ? "yes" : "no");
	printf("consumers: %" PRIu32 " of %" PRIu32 ", each holding at most %"
	    PRIu32 " frame%s\n", s->consumers, s->max_consumers, s->max_holds,
	    fmt_s(s->max_holds));
	printf("holds:     %" PRIu32 " frame%s held by consumers\n", s->holds,
	    fmt_s(s->holds));
	printf("head:      %" PRIu64 "\n", s->head);
	printf("published: %" PRIu64 " frame%s\n", s->published,
	    fmt_s(s->published));
	printf("dropped:   %" PRIu64 " frame%s skipped by latest-policy "
	    "consumers\n", s->dropped, fmt_s(s->dropped));
	printf("created:   %s\n", fmt_time(s->ctime_ns, b, sizeof(b)));
	return CTL_EXIT_OK;
}

static int
stream_u32(struct ctl *ctl, const char *what, const char *s, uint32_t *ret)
{
	unsigned long	 v;
	char		*end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (end == s || *end != '\0' || errno != 0 || v > UINT32_MAX ||
	    s[0] == '-')
		return ctl_usage(ctl, "bad %s '%s'", what, s);
	*ret = (uint32_t)v;
	return 0;
}

static int
stream_create(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "slots", required_argument, NULL, 'n' },
		{ "format", required_argument, NULL, 'f' },
		{ "shape", required_argument, NULL, 's' },
		{ "strides", required_argument, NULL, 'T' },
		{ "offset", required_argument, NULL, 'o' },
		{ "capacity", required_argument, NULL, 'c' },
		{ "mode", required_argument, NULL, 'm' },
		{ "lifetime", required_argument, NULL, 'l' },
		{ "max-consumers", required_argument, NULL, 'C' },
		{ "max-holds", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mview_stream_params	p;
	struct mview_stream_info	*i;
	int64_t		shape[MVIEW_MAX_NDIM], strides[MVIEW_MAX_NDIM];
	int		ns = -1, nt = -1, c, r;
	uint64_t	size;
	char		*end;
	const char	*name;

	memset(&p, 0, sizeof(p));
	p.slots = 4;
	p.mode = 0600;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "n:f:s:o:c:m:l:h", opts,
	    NULL)) != -1) {
		switch (c) {
		case 'n':
			if ((r = stream_u32(ctl, "slots", optarg, &p.slots)) != 0)
				return r;
			break;
		case 'f':
			p.format = optarg;
			break;
		case 's':
			if (parse_i64_list(optarg, shape, MVIEW_MAX_NDIM, &ns) < 0)
				return ctl_usage(ctl, "bad shape '%s'", optarg);
			break;
		case 'T':
			if (parse_i64_list(optarg, strides, MVIEW_MAX_NDIM,
			    &nt) < 0)
				return ctl_usage(ctl, "bad strides '%s'", optarg);
			break;
		case 'o':
			errno = 0;
			p.offset = strtoll(optarg, &end, 0);
			if (end == optarg || *end != '\0' || errno != 0)
				return ctl_usage(ctl, "bad offset '%s'", optarg);
			break;
		case 'c':
			if (mview_size_parse(optarg, &size) < 0)
				return ctl_usage(ctl, "bad capacity '%s'", optarg);
			p.capacity = size;
			break;
		case 'm':
			errno = 0;
			size = strtoull(optarg, &end, 8);
			if (end == optarg || *end != '\0' || errno != 0 ||
			    size > UINT32_MAX || optarg[0] == '-')
				return ctl_usage(ctl, "bad mode '%s'", optarg);
			p.mode = (uint32_t)size;
			break;
		case 'l':
			if (strcmp(optarg, "persistent") == 0)
				p.lifetime = MVIEW_LIFETIME_PERSISTENT;
			else if (strcmp(optarg, "session") == 0)
				p.lifetime = MVIEW_LIFETIME_SESSION;
			else
				return ctl_usage(ctl, "bad lifetime '%s'", optarg);
			break;
		case 'C':
			if ((r = stream_u32(ctl, "max-consumers", optarg,
			    &p.max_consumers)) != 0)
				return r;
			break;
		case 'H':
			if ((r = stream_u32(ctl, "max-holds", optarg,
			    &p.max_holds)) != 0)
				return r;
			break;
		case 'h':
			ctl_help_command(ctl);
			return CTL_EXIT_OK;
		default:
			return ctl_bad_option(ctl, argv);
		}
	}
	if ((r = ctl_check_args(ctl, argc, 1, 1)) != 0)
		return r;
	name = argv[optind];
	if (ns < 0 && (p.format != NULL || nt >= 0))
		return ctl_usage(ctl, "--format and --strides need --shape");
	if (ns < 0 && p.capacity == 0)
		return ctl_usage(ctl, "give --shape or --capacity");
	if (nt >= 0 && nt != ns)
		return ctl_usage(ctl, "--strides needs as many entries as --shape");
	if (ns >= 0) {
		p.format = p.format != NULL ? p.format : "B";
		p.ndim = ns;
		p.shape = shape;
		p.strides = nt >= 0 ? strides : NULL;
	}
	if ((r = ctl_connect(ctl)) != 0)
		return r;
	if ((r = mview_stream_create(ctl->client, name, &p, NULL)) < 0)
		return ctl_fail(ctl, r, "stream create %s", name);
	if ((r = mview_stream_stat(ctl->client, name, &i)) < 0)
		return ctl_fail(ctl, r, "stream stat %s", name);
	if (ctl->json)
		ctl_print_stream(ctl, i);
	else {
		char	a[32], lay[320];

		printf("created stream %s: id %" PRIu64 ", %" PRIu32 " slots of "
		    "%s, %s, mode %04o, %s\n", i->name, i->id, i->slots,
		    fmt_size(i->capacity, a, sizeof(a)),
		    stream_layout_text(i, lay, sizeof(lay)), (unsigned)i->mode,
		    fmt_lifetime(i->lifetime));
	}
	free(i);
	return CTL_EXIT_OK;
}

static int
stream_stat(struct ctl *ctl, int argc, char **argv)
{
	struct mview_stream_info	*i;
	int				 r;

	if ((r = ctl_simple_args(ctl, argc, argv, 1, 1)) != 0)
		return r < 0 ? CTL_EXIT_OK : r;
	if ((r = ctl_connect(ctl)) != 0)
		return r;
	if ((r = mview_stream_stat(ctl->client, argv[optind], &i)) < 0)
		return ctl_fail(ctl, r, "stream stat %s", argv[optind]);
	ctl_print_stream(ctl, i);
	free(i);
	return CTL_EXIT_OK;
}

static int
stream_rm(struct ctl *ctl, int argc, char **argv)
{
	int	r;

	if ((r = ctl_simple_args(ctl, argc, argv, 1, 1)) != 0)
		return r < 0 ? CTL_EXIT_OK : r;
	if ((r = ctl_connect(ctl)) != 0)
		return r;
	if ((r = mview_stream_delete(ctl->client, argv[optind])) < 0)
		return ctl_fail(ctl, r, "stream rm %s", argv[optind]);
	return ctl_done(ctl, "deleted", argv[optind], 0);
}

static int
stream_ls(struct ctl *ctl, int argc, char **argv)
{
	struct mview_stream_info	*s = NULL;
	size_t				 n = 0;
	struct json			 j;
	int				 r;

	if ((r = ctl_simple_args(ctl, argc, argv, 0, 1)) != 0)
		return r < 0 ? CTL_EXIT_OK : r;
	if ((r = ctl_connect(ctl)) != 0)
		return r;
	if ((r = mview_stream_list(ctl->client, optind < argc ? argv[optind] :
	    NULL, &s, &n)) < 0)
		return ctl_fail(ctl, r, "list streams");
	if (ctl->json) {
		json_begin(&j, stdout);
		json_array_open(&j, NULL);
		for (size_t k = 0; k < n; k++)
			json_stream(&j, NULL, &s[k]);
		json_array_close(&j);
		json_end(&j);
	} else
		ctl_table_streams(s, n);
	free(s);
	return CTL_EXIT_OK;
}

/* One frame of tail: sequence, timestamp, rate, drops and a preview. */
static void
tail_print(struct ctl *ctl, const struct mview_view *f,
    const struct mview_frame_info *fi, double rate, unsigned limit)
{
	struct mview_error	 e;
	struct json		 j;
	char			*text = NULL;

	if (limit > 0 && mview_view_tolist_text(f, ctl->json ?
	    MVIEW_TEXT_JSON : 0, limit, &text, &e) < 0)
		text = NULL;
	if (ctl->json) {
		json_begin(&j, stdout);
		json_object_open(&j, NULL);
		json_u64(&j, "seq", fi->seq);
		json_u64(&j, "timestamp_ns", fi->timestamp_ns);
		json_u64(&j, "dropped", fi->dropped);
		json_u64(&j, "slot", fi->slot);
		if (rate >= 0) {
			char	rb[32];

			snprintf(rb, sizeof(rb), "%.3f", rate);
			json_raw(&j, "rate_hz", rb);
		} else
			json_null(&j, "rate_hz");
		if (text != NULL)
			json_raw(&j, "preview", text);
		json_object_close(&j);
		json_end(&j);
	} else {
		printf("%8" PRIu64 "  %" PRIu64 ".%09" PRIu64 "  ", fi->seq,
		    fi->timestamp_ns / 1000000000u,
		    fi->timestamp_ns % 1000000000u);
		if (rate >= 0)
			printf("%8.2f Hz", rate);
		else
			printf("%8s   ", "-");
		printf("  dropped %" PRIu64 "  %s\n", fi->dropped,
		    text != NULL ? text : "");
	}
	free(text);
	fflush(stdout);
}

static int
stream_tail(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "lossless", no_argument, NULL, 'L' },
		{ "preview", required_argument, NULL, 'p' },
		{ "wait", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mview_stream	*st;
	struct mview_view	*f;
	struct mview_frame_info	 fi;
	struct sigaction	 sa;
	uint64_t		 count = 0, seen = 0, last = 0, first_seq = 0,
				 first_ts = 0;
	uint32_t		 preview = 8, wait_s = 0;
	unsigned		 flags = 0;
	char			*end;
	int			 c, r, waited_ms = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "n:p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			errno = 0;
			count = strtoull(optarg, &end, 10);
			if (end == optarg || *end != '\0' || errno != 0 ||
			    optarg[0] == '-')
				return ctl_usage(ctl, "bad count '%s'", optarg);
			break;
		case 'L':
			flags |= MVIEW_STREAM_LOSSLESS;
			break;
		case 'p':
			if ((r = stream_u32(ctl, "preview", optarg, &preview)) != 0)
				return r;
			break;
		case 'w':
			if ((r = stream_u32(ctl, "wait", optarg, &wait_s)) != 0)
				return r;
			if (wait_s > INT32_MAX / 1000)
				return ctl_usage(ctl, "bad wait '%s'", optarg);
			break;
		case 'h':
			ctl_help_command(ctl);
			return CTL_EXIT_OK;
		default:
			return ctl_bad_option(ctl, argv);
		}
	}
	if ((r = ctl_check_args(ctl, argc, 1, 1)) != 0)
		return r;
	if ((r = ctl_connect(ctl)) != 0)
		return r;
	if ((r = mview_stream_open(ctl->client, argv[optind], flags, &st)) < 0)
		return ctl_fail(ctl, r, "stream tail %s", argv[optind]);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tail_signal_cb;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	r = CTL_EXIT_OK;
	while (!tail_stop && (count == 0 || seen < count)) {
		double	rate = -1;
		int	n;

		/* Short waits, so that a signal ends the loop promptly. */
		n = mview_stream_next(st, last, 200, &f, &fi);
		if (n == -ETIMEDOUT || n == -EAGAIN || n == -EINTR ||
		    n == -EBADMSG) {
			waited_ms += 200;
			if (wait_s > 0 && waited_ms >= (int)wait_s * 1000) {
				char	what[320];

				snprintf(what, sizeof(what), "stream tail %s",
				    argv[optind]);
				ctl_print_error(ctl, -ETIMEDOUT, NULL,
				    "no frame came in time", what);
				r = CTL_EXIT_FAILED;
				break;
			}
			continue;
		}
		if (n < 0) {
			r = ctl_fail(ctl, n, "stream tail %s", argv[optind]);
			break;
		}
		waited_ms = 0;
		if (seen == 0) {
			first_seq = fi.seq;
			first_ts = fi.timestamp_ns;
		} else if (fi.timestamp_ns > first_ts)
			rate = (double)(fi.seq - first_seq) * 1e9 /
			    (double)(fi.timestamp_ns - first_ts);
		tail_print(ctl, f, &fi, rate, preview);
		mview_view_release(f);
		last = fi.seq;
		seen++;
	}
	mview_stream_close(st);
	return r;
}

static const struct {
	const char	*name;
	int		(*fn)(struct ctl *, int, char **);
} stream_cmds[] = {
	{ "create", stream_create },
	{ "stat", stream_stat },
	{ "rm", stream_rm },
	{ "ls", stream_ls },
	{ "tail", stream_tail },
};

int
cmd_stream(struct ctl *ctl, int argc, char **argv)
{
	if (argc < 2)
		return ctl_usage(ctl, "missing subcommand (create, stat, rm, "
		    "ls or tail)");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return ctl_help_command(ctl);
	for (size_t i = 0; i < sizeof(stream_cmds) / sizeof(stream_cmds[0]);
	    i++) {
		if (strcmp(stream_cmds[i].name, argv[1]) != 0)
			continue;
		optind = 0;
		return stream_cmds[i].fn(ctl, argc - 1, argv + 1);
	}
	return ctl_usage(ctl, "unknown subcommand '%s'", argv[1]);
}
