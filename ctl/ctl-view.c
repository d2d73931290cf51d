/* SPDX-License-Identifier: MIT */
/* mviewctl commands on views: publish, unpublish, views, dump and set. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"

#define CTL_MAX_KEYS	(MVIEW_MAX_NDIM + 1)

static void
json_desc(struct json *j, const struct mview_desc *d)
{
	json_u64(j, "segment_id", d->segment_id);
	json_i64(j, "offset", d->offset);
	json_string(j, "format", d->format);
	json_i64(j, "itemsize", d->itemsize);
	json_i64(j, "ndim", d->ndim);
	json_i64_array(j, "shape", d->shape, d->ndim);
	json_i64_array(j, "strides", d->strides, d->ndim);
	json_bool(j, "readonly", d->readonly);
}

void
json_view(struct json *j, const char *key, const struct mview_view_info *v)
{
	json_object_open(j, key);
	json_string(j, "name", v->name);
	json_desc(j, &v->desc);
	json_u64(j, "uid", v->uid);
	json_i64(j, "ctime_ns", v->ctime_ns);
	json_object_close(j);
}

void
ctl_table_views(const struct mview_view_info *v, size_t n)
{
	static const char *const headers[] = { "VIEW", "SEGMENT", "FORMAT",
	    "SHAPE", "STRIDES", "OFFSET", "MODE", "PUBLISHER", "CREATED" };
	struct table	t;

	if (table_init(&t, 9, 1u << 1 | 1u << 5, headers) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct mview_desc *d = &v[i].desc;
		char	seg[24], shape[256], strides[256], off[24], user[64],
			ctime[32];

		snprintf(seg, sizeof(seg), "%" PRIu64, d->segment_id);
		snprintf(off, sizeof(off), "%" PRId64, d->offset);
		table_add(&t, (const char *const[]){ v[i].name, seg, d->format,
		    fmt_tuple(d->shape, d->ndim, shape, sizeof(shape)),
		    fmt_tuple(d->strides, d->ndim, strides, sizeof(strides)),
		    off, d->readonly ? "ro" : "rw",
		    fmt_user(v[i].uid, user, sizeof(user)),
		    fmt_time(v[i].ctime_ns, ctime, sizeof(ctime)) });
	}
	table_print(&t, stdout);
	table_free(&t);
}

int
cmd_views(struct ctl *ctl, int argc, char **argv)
{
	struct mview_view_info	*views;
	struct json		 j;
	size_t			 n;
	int			 r;

	if ((r = ctl_simple_args(ctl, argc, argv, 0, 1)) != 0)
		return r < 0 ? CTL_EXIT_OK : r;
	if ((r = ctl_connect(ctl)) != 0)
		return r;
	r = mview_view_list(ctl->client, optind < argc ? argv[optind] : NULL,
	    &views, &n);
	if (r < 0)
		return ctl_fail(ctl, r, "list views");
	if (ctl->json) {
		json_begin(&j, stdout);
		json_object_open(&j, NULL);
		json_array_open(&j, "views");
		for (size_t i = 0; i < n; i++)
			json_view(&j, NULL, &views[i]);
		json_array_close(&j);
		json_object_close(&j);
		json_end(&j);
	} else
		ctl_table_views(views, n);
	free(views);
	return CTL_EXIT_OK;
}

int
cmd_unpublish(struct ctl *ctl, int argc, char **argv)
{
	int	r;

	if ((r = ctl_simple_args(ctl, argc, argv, 1, 1)) != 0)
		return r < 0 ? CTL_EXIT_OK : r;
	if ((r = ctl_connect(ctl)) != 0)
		return r;
	if ((r = mview_view_unpublish(ctl->client, argv[optind])) < 0)
		return ctl_fail(ctl, r, "unpublish %s", argv[optind]);
	return ctl_done(ctl, "unpublished", argv[optind], 0);
}

/* A published view NAME, else segment NAME as bytes. */
int
ctl_open_view(struct ctl *ctl, const char *name, bool write,
    struct mview_view **ret_view)
{
	struct mview_segment	*seg;
	unsigned		 flags = write ? MVIEW_OPEN_WRITE : 0;
	int			 r, r2;

	if ((r = mview_view_lookup(ctl->client, name, flags, ret_view)) != -ENOENT)
		return r < 0 ? ctl_fail(ctl, r, "%s", name) : 0;
	if ((r2 = mview_segment_open(ctl->client, name, flags, &seg)) == -ENOENT) {
		ctl_print_error(ctl, r, NULL, "no view or segment of that name",
		    name);
		return CTL_EXIT_FAILED;
	}
	if (r2 < 0)
		return ctl_fail(ctl, r2, "open segment %s", name);
	r = mview_view_from_segment(seg, ret_view);
	mview_segment_close(seg);
	return r < 0 ? ctl_fail(ctl, r, "%s", name) : 0;
}

/*
 * Replace *v by v[key]. When the key selects one element, its address
 * goes to *ret_item (and *v stays) if ret_item is not NULL, else that is
 * an error: it is not a view.
 */
int
ctl_apply_slice(struct ctl *ctl, struct mview_view **v, const char *key,
    void **ret_item)
{
	struct mview_key	 keys[CTL_MAX_KEYS];
	struct mview_error	 e = { 0 };
	struct mview_view	*nv;
	size_t			 n;
	unsigned		 flags;
	void			*item;
	int			 r;

	r = mview_key_parse(key, keys, CTL_MAX_KEYS, &n, &flags, &e);
	if (r < 0)
		return ctl_fail_view(ctl, r, &e, "--slice");
	r = mview_view_subscript(*v, keys, n, flags, &nv, &item, &e);
	if (r < 0)
		return ctl_fail_view(ctl, r, &e, "--slice");
	if (r == MVIEW_SUB_ITEM && ret_item == NULL)
		return ctl_fail(ctl, -EINVAL, "--slice %s selects one element", key);
	if (r == MVIEW_SUB_ITEM) {
		*ret_item = item;
		return 0;
	}
	mview_view_release(*v);
	*v = nv;
	return 0;
}

/* Replace *v by v.cast(FMT[, SHAPE]) for spec "FMT[:A,B]". */
static int
ctl_apply_cast(struct ctl *ctl, struct mview_view **v, const char *spec)
{
	struct mview_error	 e = { 0 };
	struct mview_view	*nv;
	int64_t			 shape[MVIEW_MAX_NDIM];
	int			 ndim = -1, r;
	char			 fmt[MVIEW_FORMAT_MAX];
	const char		*colon = strchr(spec, ':');
	size_t			 flen = colon ? (size_t)(colon - spec) : strlen(spec);

	if (flen == 0 || flen >= sizeof(fmt))
		return ctl_usage(ctl, "bad --cast '%s'", spec);
	memcpy(fmt, spec, flen);
	fmt[flen] = '\0';
	if (colon != NULL &&
	    parse_i64_list(colon + 1, shape, MVIEW_MAX_NDIM, &ndim) < 0)
		return ctl_usage(ctl, "bad shape in --cast '%s'", spec);
	if ((r = mview_view_cast(*v, fmt, ndim, shape, &nv, &e)) < 0)
		return ctl_fail_view(ctl, r, &e, "--cast");
	mview_view_release(*v);
	*v = nv;
	return 0;
}

/* Options of publish. */
struct publish_args {
	const char	*format, *shape, *strides, *offset;
	const char	*from, *slice, *cast;
	bool		 readonly, replace;
};

static int
publish_options(struct ctl *ctl, int argc, char **argv, struct publish_args *a)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "shape", required_argument, NULL, 's' },
		{ "strides", required_argument, NULL, 'S' },
		{ "offset", required_argument, NULL, 'o' },
		{ "from", required_argument, NULL, 'F' },
		{ "slice", required_argument, NULL, 'k' },
		{ "cast", required_argument, NULL, 'c' },
		{ "readonly", no_argument, NULL, 'r' },
		{ "replace", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int	c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "f:s:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': a->format = optarg; break;
		case 's': a->shape = optarg; break;
		case 'S': a->strides = optarg; break;
		case 'o': a->offset = optarg; break;
		case 'F': a->from = optarg; break;
		case 'k': a->slice = optarg; break;
		case 'c': a->cast = optarg; break;
		case 'r': a->readonly = true; break;
		case 'R': a->replace = true; break;
		case 'h':
			ctl_help_command(ctl);
			return -1;
		default:
			return ctl_bad_option(ctl, argv);
		}
	}
	if (a->from != NULL && (a->format || a->shape || a->strides || a->offset))
		return ctl_usage(ctl, "--from takes --slice and --cast, not a layout");
	if (a->from == NULL && (a->slice || a->cast))
		return ctl_usage(ctl, "--slice and --cast need --from");
	if (a->from == NULL && (a->format == NULL || a->shape == NULL))
		return ctl_usage(ctl, "--format and --shape are required");
	return ctl_check_args(ctl, argc, a->from ? 1 : 2, a->from ? 1 : 2);
}

/* The view a publish names: a layout over a segment. */
static int
publish_layout(struct ctl *ctl, const struct publish_args *a,
    const char *segname, struct mview_view **ret_view)
{
	struct mview_segment	*seg;
	struct mview_error	 e = { 0 };
	int64_t			 shape[MVIEW_MAX_NDIM], strides[MVIEW_MAX_NDIM];
	uint64_t		 off = 0;
	int			 ndim, nstrides = 0, r;

	if (parse_i64_list(a->shape, shape, MVIEW_MAX_NDIM, &ndim) < 0)
		return ctl_usage(ctl, "bad --shape '%s'", a->shape);
	if (a->strides != NULL && (parse_i64_list(a->strides, strides,
	    MVIEW_MAX_NDIM, &nstrides) < 0 || nstrides != ndim))
		return ctl_usage(ctl, "bad --strides '%s' (one per axis)", a->strides);
	if (a->offset != NULL && (mview_size_parse(a->offset, &off) < 0 ||
	    off > INT64_MAX))
		return ctl_usage(ctl, "bad --offset '%s'", a->offset);
	r = mview_segment_open(ctl->client, segname, MVIEW_OPEN_WRITE, &seg);
	if (r == -EACCES || r == -EPERM)
		r = mview_segment_open(ctl->client, segname, 0, &seg);
	if (r < 0)
		return ctl_fail(ctl, r, "open segment %s", segname);
	r = mview_view_new(seg, a->format, ndim, shape,
	    a->strides ? strides : NULL, (int64_t)off, ret_view, &e);
	mview_segment_close(seg);
	return r < 0 ? ctl_fail_view(ctl, r, &e, "publish") : 0;
}

/* The view a publish names: derived from another published view. */
static int
publish_derived(struct ctl *ctl, const struct publish_args *a,
    struct mview_view **ret_view)
{
	struct mview_view	*v;
	int			 r;

	r = mview_view_lookup(ctl->client, a->from, MVIEW_OPEN_WRITE, &v);
	if (r < 0)
		return ctl_fail(ctl, r, "lookup %s", a->from);
	if ((a->slice && (r = ctl_apply_slice(ctl, &v, a->slice, NULL)) != 0) ||
	    (a->cast && (r = ctl_apply_cast(ctl, &v, a->cast)) != 0)) {
		mview_view_release(v);
		return r;
	}
	*ret_view = v;
	return 0;
}

static void
publish_print(struct ctl *ctl, const char *name, const struct mview_desc *d)
{
	struct json	j;
	char		shape[256], strides[256];

	if (!ctl->json) {
		printf("published %s: '%s' %s strides %s at offset %" PRId64
		    " of segment %" PRIu64 "%s\n", name, d->format,
		    fmt_tuple(d->shape, d->ndim, shape, sizeof(shape)),
		    fmt_tuple(d->strides, d->ndim, strides, sizeof(strides)),
		    d->offset, d->segment_id, d->readonly ? ", read-only" : "");
		return;
	}
	json_begin(&j, stdout);
	json_object_open(&j, NULL);
	json_string(&j, "done", "published");
	json_string(&j, "name", name);
	json_desc(&j, d);
	json_object_close(&j);
	json_end(&j);
}

int
cmd_publish(struct ctl *ctl, int argc, char **argv)
{
	struct publish_args	 a = { 0 };
	const struct mview_desc	*d = NULL;
	struct mview_view	*v, *ro;
	const char		*name;
	int			 r;

	if ((r = publish_options(ctl, argc, argv, &a)) != 0)
		return r < 0 ? CTL_EXIT_OK : r;
	name = argv[optind];
	if ((r = ctl_connect(ctl)) != 0)
		return r;
	r = a.from ? publish_derived(ctl, &a, &v) :
	    publish_layout(ctl, &a, argv[optind + 1], &v);
	if (r != 0)
		return r;
	if (a.readonly && (r = mview_view_toreadonly(v, &ro)) == 0) {
		mview_view_release(v);
		v = ro;
	}
	/* The descriptor first: out of memory then publishes nothing. */
	if (r == 0 && (d = mview_view_desc(v)) == NULL)
		r = -ENOMEM;
	if (r == 0)
		r = mview_view_publish(ctl->client, name, v,
		    a.replace ? MVIEW_PUBLISH_REPLACE : 0);
	if (r < 0) {
		mview_view_release(v);
		return ctl_fail(ctl, r, "publish %s", name);
	}
	publish_print(ctl, name, d);
	mview_view_release(v);
	return CTL_EXIT_OK;
}
