/* SPDX-License-Identifier: MIT */
/* mviewctl commands on the daemon and its segments: status, ls, stat, create, rm, freeze. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

void
json_segment(struct json *j, const char *key, const struct mview_segment_info *s)
{
	json_object_open(j, key);
	json_u64(j, "id", s->id);
	json_string(j, "name", s->name);
	json_u64(j, "size", s->size);
	json_access(j, s->uid, s->gid, s->mode, s->lifetime);
	json_bool(j, "frozen", s->frozen);
	json_bool(j, "hugetlb", s->hugetlb);
	json_bool(j, "deleted", s->deleted);
	json_bool(j, "recovered", s->recovered);
	json_u64(j, "seals", s->seals);
	json_i64(j, "ctime_ns", s->ctime_ns);
	json_u64(j, "nattached", s->nattached);
	json_u64(j, "nheld_charged", s->nheld_charged);
	json_string(j, "charged_to", s->holders_pay ? "holders" : "owner");
	json_u64(j, "nviews", s->nviews);
	json_object_close(j);
}

/* "frozen,hugetlb,deleted" or "-". */
static const char *
segment_flags(const struct mview_segment_info *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s", s->frozen ? "frozen," : "",
	    s->hugetlb ? "hugetlb," : "", s->deleted ? "deleted," : "",
	    s->recovered ? "recovered," : "");
	if (buf[0] == '\0')
		snprintf(buf, len, "-");
	else
		buf[strlen(buf) - 1] = '\0';
	return buf;
}

/* One table row of text for s. */
static int
segment_row(struct table *t, const struct mview_segment_info *s)
{
	char	id[24], size[32], mode[8], user[64], flags[48], att[16],
		nv[16], ctime[32];

	snprintf(id, sizeof(id), "%" PRIu64, s->id);
	snprintf(mode, sizeof(mode), "%04o", (unsigned)s->mode);
	snprintf(att, sizeof(att), "%" PRIu32, s->nattached);
	snprintf(nv, sizeof(nv), "%" PRIu32, s->nviews);
	return table_add(t, (const char *const[]){ id,
	    s->name != NULL ? s->name : "(anonymous)",
	    fmt_size(s->size, size, sizeof(size)), mode,
	    fmt_user(s->uid, user, sizeof(user)), fmt_lifetime(s->lifetime),
	    segment_flags(s, flags, sizeof(flags)), att, nv,
	    fmt_time(s->ctime_ns, ctime, sizeof(ctime)) });
}

void
ctl_table_segments(const struct mview_segment_info *s, size_t n)
{
	static const char *const headers[] = { "ID", "NAME", "SIZE", "MODE",
	    "OWNER", "LIFETIME", "FLAGS", "ATTACHED", "VIEWS", "CREATED" };
	struct table	t;

	if (table_init(&t, 10, 1u << 0 | 1u << 2 | 1u << 7 | 1u << 8, headers) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		segment_row(&t, &s[i]);
	table_print(&t, stdout);
	table_free(&t);
}

/* Who uses the streams the caller may list (status has only their count). */
struct status_streams {
	uint64_t	listed, producers, consumers, holds;
};

static int	ls_streams(struct ctl *, const char *,
		    struct mview_stream_info **, size_t *);

static int
status_streams(struct ctl *ctl, const struct mview_status *st,
    struct status_streams *ret)
{
	struct mview_stream_info	*v = NULL;
	size_t				 n = 0;
	int				 r;

	memset(ret, 0, sizeof(*ret));
	if (st->streams == 0)
		return 0;
	if ((r = ls_streams(ctl, NULL, &v, &n)) < 0)
		return r;
	ret->listed = n;
	for (size_t i = 0; i < n; i++) {
		ret->producers += v[i].has_producer;
		ret->consumers += v[i].consumers;
		ret->holds += v[i].holds;
	}
	free(v);
	return 0;
}

static void
status_json(struct ctl *ctl, const struct mview_status *st,
    const struct status_streams *ss)
{
	struct json	j;

	json_begin(&j, stdout);
	json_object_open(&j, NULL);
	json_string(&j, "socket", mview_client_path(ctl->client));
	json_string(&j, "server_version", st->server_version);
	json_u64(&j, "pid", st->pid);
	json_i64(&j, "uptime_ns", st->uptime_ns);
	json_u64(&j, "segments", st->segments);
	json_u64(&j, "views", st->views);
	json_u64(&j, "bytes", st->bytes);
	json_u64(&j, "sessions", st->sessions);
	json_u64(&j, "next_id", st->next_id);
	json_u64(&j, "uid_bytes", st->uid_bytes);
	json_u64(&j, "uid_segments", st->uid_segments);
	json_u64(&j, "uid_views", st->uid_views);
	json_u64(&j, "recovered_segments", st->recovered_segments);
	json_u64(&j, "notify_queued", st->notify_queued);
	json_u64(&j, "streams", st->streams);
	json_u64(&j, "uid_streams", st->uid_streams);
	json_object_open(&j, "stream_use");
	json_u64(&j, "listed", ss->listed);
	json_u64(&j, "producers", ss->producers);
	json_u64(&j, "consumers", ss->consumers);
	json_u64(&j, "frames_held", ss->holds);
	json_object_close(&j);
	json_u64(&j, "deleted_held_bytes", st->deleted_held_bytes);
	json_u64(&j, "deleted_held_segments", st->deleted_held_segments);
	json_u64(&j, "deleted_owner_bytes", st->deleted_owner_bytes);
	json_u64(&j, "uid_held_bytes", st->uid_held_bytes);
	json_u64(&j, "uid_fds", st->uid_fds);
	json_object_open(&j, "limits");
	json_u64(&j, "max_segment_size", st->max_segment_size);
	json_u64(&j, "max_total_bytes", st->max_total_bytes);
	json_u64(&j, "max_bytes_per_uid", st->max_bytes_per_uid);
	json_u64(&j, "max_segments", st->max_segments);
	json_u64(&j, "max_segments_per_uid", st->max_segments_per_uid);
	json_u64(&j, "max_views", st->max_views);
	json_u64(&j, "max_views_per_uid", st->max_views_per_uid);
	json_u64(&j, "max_streams", st->max_streams);
	json_u64(&j, "max_streams_per_uid", st->max_streams_per_uid);
	json_u64(&j, "max_conns_per_uid", st->max_conns_per_uid);
	json_u64(&j, "max_held_bytes_per_uid", st->max_held_bytes_per_uid);
	json_u64(&j, "max_fds_per_uid", st->max_fds_per_uid);
	json_u64(&j, "max_packet", st->max_packet);
	json_u64(&j, "max_name", st->max_name);
	json_u64(&j, "max_ndim", st->max_ndim);
	json_u64(&j, "max_watch_events", st->max_watch_events);
	json_object_close(&j);
	json_object_close(&j);
	json_end(&j);
}

static void
status_human(struct ctl *ctl, const struct mview_status *st,
    const struct status_streams *ss)
{
	char	a[32], b[32], c[32], d[32];

	printf("mviewd %s, pid %" PRIu32 ", up %s\n", st->server_version,
	    st->pid, fmt_duration(st->uptime_ns, a, sizeof(a)));
	printf("socket:       %s\n", mview_client_path(ctl->client));
	printf("segments:     %" PRIu64 " of %" PRIu64 " (yours: %" PRIu64
	    " of %" PRIu64 ")\n", st->segments, st->max_segments,
	    st->uid_segments, st->max_segments_per_uid);
	printf("memory:       %s of %s (yours: %s of %s)\n",
	    fmt_size(st->bytes, a, sizeof(a)),
	    fmt_size(st->max_total_bytes, b, sizeof(b)),
	    fmt_size(st->uid_bytes, c, sizeof(c)),
	    fmt_size(st->max_bytes_per_uid, d, sizeof(d)));
	printf("views:        %" PRIu64 " of %" PRIu64 " (yours: %" PRIu64
	    " of %" PRIu64 ")\n", st->views, st->max_views, st->uid_views,
	    st->max_views_per_uid);
	if (st->max_streams > 0)
		printf("streams:      %" PRIu64 " of %" PRIu64 " (yours: %" PRIu64
		    " of %" PRIu64 ")\n", st->streams, st->max_streams,
		    st->uid_streams, st->max_streams_per_uid);
	if (ss->listed > 0)
		printf("stream use:   %" PRIu64 " producer%s, %" PRIu64
		    " consumer%s holding %" PRIu64 " frame%s (of the %" PRIu64
		    " stream%s you may list)\n", ss->producers,
		    fmt_s(ss->producers), ss->consumers, fmt_s(ss->consumers),
		    ss->holds, fmt_s(ss->holds), ss->listed,
		    fmt_s(ss->listed));
	if (st->deleted_held_segments > 0)
		printf("deleted:      %" PRIu64 " segments, %s, kept while held "
		    "(owners pay %s, holders the rest)\n",
		    st->deleted_held_segments,
		    fmt_size(st->deleted_held_bytes, a, sizeof(a)),
		    fmt_size(st->deleted_owner_bytes, b, sizeof(b)));
	if (st->max_held_bytes_per_uid > 0)
		printf("held by you:  %s of %s (others' or deleted segments "
		    "your connections hold)\n",
		    fmt_size(st->uid_held_bytes, a, sizeof(a)),
		    fmt_size(st->max_held_bytes_per_uid, b, sizeof(b)));
	printf("sessions:     %" PRIu64 " (at most %" PRIu32 " per user)\n",
	    st->sessions, st->max_conns_per_uid);
	if (st->max_fds_per_uid > 0)
		printf("fds:          yours %" PRIu64 " of %" PRIu64 "\n",
		    st->uid_fds, st->max_fds_per_uid);
	if (st->recovered_segments > 0)
		printf("recovered:    %" PRIu64 " segments kept without their "
		    "journal record (owner root, unnamed)\n",
		    st->recovered_segments);
	if (st->notify_queued > 0)
		printf("notify:       %" PRIu64 " messages wait for the service "
		    "manager\n", st->notify_queued);
	printf("max segment:  %s\n", fmt_size(st->max_segment_size, a, sizeof(a)));
	printf("max packet:   %s; names up to %" PRIu32 " bytes, ndim up to %"
	    PRIu32 ", %" PRIu32 " queued events\n",
	    fmt_size(st->max_packet, a, sizeof(a)), st->max_name, st->max_ndim,
	    st->max_watch_events);
}

int
cmd_status(struct ctl *ctl, int argc, char **argv)
{
	struct mview_status	st;
	struct status_streams	ss;
	int			r;

	if ((r = ctl_simple_args(ctl, argc, argv, 0, 0)) != 0)
		return r < 0 ? CTL_EXIT_OK : r;
	if ((r = ctl_connect(ctl)) != 0)
		return r;
	if ((r = mview_client_status(ctl->client, &st)) < 0)
		return ctl_fail(ctl, r, "status");
	if ((r = status_streams(ctl, &st, &ss)) < 0)
		return ctl_fail(ctl, r, "list streams");
	if (ctl->json)
		status_json(ctl, &st, &ss);
	else
		status_human(ctl, &st, &ss);
	return CTL_EXIT_OK;
}

/* The streams for ls: none from a daemon that predates them. */
static int
ls_streams(struct ctl *ctl, const char *prefix,
    struct mview_stream_info **ret, size_t *ret_n)
{
	int	r = mview_stream_list(ctl->client, prefix, ret, ret_n);

	if (r == -EOPNOTSUPP) {
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	return r;
}

int
cmd_ls(struct ctl *ctl, int argc, char **argv)
{
	struct mview_segment_info	*segs = NULL;
	struct mview_view_info		*views = NULL;
	struct mview_stream_info	*streams = NULL;
	size_t				 nsegs = 0, nviews = 0, nstreams = 0;
	static const struct option	 opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char			*prefix;
	struct json			 j;
	bool				 all = false;
	int				 c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "ah", opts, NULL)) != -1) {
		if (c == 'h')
			return ctl_help_command(ctl);
		if (c != 'a')
			return ctl_bad_option(ctl, argv);
		all = true;
	}
	if ((r = ctl_check_args(ctl, argc, 0, 1)) != 0)
		return r;
	prefix = optind < argc ? argv[optind] : NULL;
	if ((r = ctl_connect(ctl)) != 0)
		return r;
	if ((r = mview_segment_list(ctl->client, prefix, &segs, &nsegs)) < 0)
		return ctl_fail(ctl, r, "list segments");
	if ((r = mview_view_list(ctl->client, prefix, &views, &nviews)) < 0) {
		free(segs);
		return ctl_fail(ctl, r, "list views");
	}
	if ((r = ls_streams(ctl, prefix, &streams, &nstreams)) < 0) {
		free(segs);
		free(views);
		return ctl_fail(ctl, r, "list streams");
	}
	if (ctl->json) {
		json_begin(&j, stdout);
		json_object_open(&j, NULL);
		json_array_open(&j, "segments");
		for (size_t i = 0; i < nsegs; i++)
			json_segment(&j, NULL, &segs[i]);
		json_array_close(&j);
		json_array_open(&j, "views");
		for (size_t i = 0; i < nviews; i++)
			json_view(&j, NULL, &views[i]);
		json_array_close(&j);
		json_array_open(&j, "streams");
		for (size_t i = 0; i < nstreams; i++)
			json_stream(&j, NULL, &streams[i]);
		json_array_close(&j);
		if (all && (r = ctl_deleted_held(ctl, &j)) < 0)
			json_null(&j, "deleted_held");
		json_object_close(&j);
		json_end(&j);
	} else {
		ctl_table_segments(segs, nsegs);
		printf("\n");
		ctl_table_views(views, nviews);
		if (nstreams > 0) {
			printf("\n");
			ctl_table_streams(streams, nstreams);
		}
		if (all)
			r = ctl_deleted_held(ctl, NULL);
	}
	free(segs);
	free(views);
	free(streams);
	if (all && r < 0)
		return ctl_fail(ctl, r, "ls --all: sessions");
	return CTL_EXIT_OK;
}

int
cmd_stat(struct ctl *ctl, int argc, char **argv)
{
	struct mview_segment_info	*s;
	struct json			 j;
	char				 a[32], b[64], f[48];
	int				 r;

	if ((r = ctl_simple_args(ctl, argc, argv, 1, 1)) != 0)
		return r < 0 ? CTL_EXIT_OK : r;
	if ((r = ctl_connect(ctl)) != 0)
		return r;
	if ((r = mview_segment_stat(ctl->client, argv[optind], &s)) == -ENOENT) {
		/* No such segment: a stream of that name, if any. */
		struct mview_stream_info	*si;

		if (mview_stream_stat(ctl->client, argv[optind], &si) == 0) {
			ctl_print_stream(ctl, si);
			free(si);
			return CTL_EXIT_OK;
		}
	}
	if (r < 0)
		return ctl_fail(ctl, r, "stat %s", argv[optind]);
	if (ctl->json) {
		json_begin(&j, stdout);
		json_segment(&j, NULL, s);
		json_end(&j);
		free(s);
		return CTL_EXIT_OK;
	}
	printf("name:      %s\n", s->name != NULL ? s->name : "(anonymous)");
	printf("id:        %" PRIu64 "\n", s->id);
	printf("size:      %s (%" PRIu64 " bytes)\n",
	    fmt_size(s->size, a, sizeof(a)), s->size);
	printf("owner:     %s (uid %" PRIu32 ", gid %" PRIu32 ")\n",
	    fmt_user(s->uid, b, sizeof(b)), s->uid, s->gid);
	printf("mode:      %04o\n", (unsigned)s->mode);
	printf("lifetime:  %s\n", fmt_lifetime(s->lifetime));
	printf("flags:     %s\n", segment_flags(s, f, sizeof(f)));
	printf("seals:     %#" PRIx32 "\n", s->seals);
	printf("attached:  %" PRIu32 " session(s)\n", s->nattached);
	if (s->holders_pay)
		printf("charged:   to its holders (%" PRIu32 " connection(s) "
		    "pay its size from their held pool)\n", s->nheld_charged);
	else
		printf("charged:   to its owner (and %" PRIu32 " holding "
		    "connection(s) of other uids, in their held pool)\n",
		    s->nheld_charged);
	printf("views:     %" PRIu32 "\n", s->nviews);
	printf("created:   %s\n", fmt_time(s->ctime_ns, b, sizeof(b)));
	free(s);
	return CTL_EXIT_OK;
}

/* Options of create. */
struct create_args {
	uint32_t		mode;
	enum mview_lifetime	lifetime;
	unsigned		flags;
};

static int
create_options(struct ctl *ctl, int argc, char **argv, struct create_args *a)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "lifetime", required_argument, NULL, 'l' },
		{ "hugetlb", no_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long	 v;
	char		*end;
	int		 c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "m:l:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			/* Any octal number; the library refuses bits beyond 0777. */
			errno = 0;
			v = strtoul(optarg, &end, 8);
			if (end == optarg || *end != '\0' || errno != 0 ||
			    v > UINT32_MAX || optarg[0] == '-')
				return ctl_usage(ctl, "bad mode '%s'", optarg);
			a->mode = (uint32_t)v;
			break;
		case 'l':
			if (strcmp(optarg, "persistent") == 0)
				a->lifetime = MVIEW_LIFETIME_PERSISTENT;
			else if (strcmp(optarg, "session") == 0)
				a->lifetime = MVIEW_LIFETIME_SESSION;
			else
				return ctl_usage(ctl, "bad lifetime '%s'", optarg);
			break;
		case 'H':
			a->flags |= MVIEW_CREATE_HUGETLB;
			break;
		case 'h':
			ctl_help_command(ctl);
			return -1;
		default:
			return ctl_bad_option(ctl, argv);
		}
	}
	return ctl_check_args(ctl, argc, 2, 2);
}

int
cmd_create(struct ctl *ctl, int argc, char **argv)
{
	struct create_args	 a = { .mode = 0600 };
	struct mview_segment	*seg;
	const struct mview_segment_info *i;
	struct json		 j;
	uint64_t		 size;
	char			 buf[32];
	int			 r;

	if ((r = create_options(ctl, argc, argv, &a)) != 0)
		return r < 0 ? CTL_EXIT_OK : r;
	if (mview_size_parse(argv[optind + 1], &size) < 0)
		return ctl_usage(ctl, "bad size '%s'", argv[optind + 1]);
	if ((r = ctl_connect(ctl)) != 0)
		return r;
	r = mview_segment_create(ctl->client, argv[optind], size, a.mode,
	    a.lifetime, a.flags, &seg);
	if (r < 0)
		return ctl_fail(ctl, r, "create %s", argv[optind]);
	i = mview_segment_info(seg);
	if (ctl->json) {
		json_begin(&j, stdout);
		json_segment(&j, NULL, i);
		json_end(&j);
	} else
		printf("created %s: id %" PRIu64 ", %s, mode %04o, %s\n",
		    i->name, i->id, fmt_size(i->size, buf, sizeof(buf)),
		    (unsigned)i->mode, fmt_lifetime(i->lifetime));
	mview_segment_close(seg);
	return CTL_EXIT_OK;
}

int
cmd_rm(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "id", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char	*id = NULL;
	uint64_t	 v = 0;
	char		*end;
	int		 c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h')
			return ctl_help_command(ctl);
		if (c != 'i')
			return ctl_bad_option(ctl, argv);
		id = optarg;
	}
	if ((r = ctl_check_args(ctl, argc, id ? 0 : 1, id ? 0 : 1)) != 0)
		return r;
	if (id != NULL) {
		errno = 0;
		v = strtoull(id, &end, 10);
		if (end == id || *end != '\0' || errno != 0)
			return ctl_usage(ctl, "bad id '%s'", id);
	}
	if ((r = ctl_connect(ctl)) != 0)
		return r;
	if (id != NULL && (r = mview_segment_delete_id(ctl->client, v)) < 0)
		return ctl_fail(ctl, r, "rm --id %s", id);
	if (id == NULL &&
	    (r = mview_segment_delete(ctl->client, argv[optind])) < 0)
		return ctl_fail(ctl, r, "rm %s", argv[optind]);
	return ctl_done(ctl, "deleted", id ? NULL : argv[optind], v);
}

int
cmd_freeze(struct ctl *ctl, int argc, char **argv)
{
	int	r;

	if ((r = ctl_simple_args(ctl, argc, argv, 1, 1)) != 0)
		return r < 0 ? CTL_EXIT_OK : r;
	if ((r = ctl_connect(ctl)) != 0)
		return r;
	if ((r = mview_segment_freeze(ctl->client, argv[optind])) < 0)
		return ctl_fail(ctl, r, "freeze %s", argv[optind]);
	return ctl_done(ctl, "frozen", argv[optind], 0);
}
