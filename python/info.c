/* SPDX-License-Identifier: MIT */
/* Plain records: SegmentInfo, ViewInfo, Status and Event (struct sequences). */
#include <string.h>

#include "mviewmodule.h"

PyTypeObject	mv_segment_info_type, mv_view_info_type, mv_status_type,
		mv_event_type;

static PyStructSequence_Field segment_info_fields[] = {
	{ "id", "segment id, never reused" },
	{ "name", "name, or None when anonymous" },
	{ "size", "size in bytes" },
	{ "uid", "owner's uid" },
	{ "gid", "owner's gid" },
	{ "mode", "permission bits (e.g. 0o640)" },
	{ "lifetime", "'persistent' or 'session'" },
	{ "frozen", "sealed against new writable mappings" },
	{ "hugetlb", "backed by huge pages" },
	{ "deleted", "deleted, waiting for its last holder" },
	{ "writable", "for an open handle: mapped read-write" },
	{ "ctime_ns", "creation time, ns since the epoch" },
	{ "nattached", "sessions holding it" },
	{ "nviews", "views published on it" },
	{ "holders_pay", "deleted (or orphaned) and held: its holders pay "
	  "for it, its owner's quota is free of it" },
	{ "nheld_charged", "holding connections that pay its size from their "
	  "uid's held pool" },
	{ NULL }
};

static PyStructSequence_Desc segment_info_desc = {
	"mview.SegmentInfo", "What the daemon knows about a segment.",
	segment_info_fields, 16
};

static PyStructSequence_Field view_info_fields[] = {
	{ "name", "published name" },
	{ "segment_id", "the segment's id" },
	{ "offset", "byte offset of element [0, ..., 0] in the segment" },
	{ "format", "struct-module format" },
	{ "itemsize", "bytes per element" },
	{ "shape", "tuple of extents" },
	{ "strides", "tuple of byte strides" },
	{ "readonly", "published read-only" },
	{ "uid", "publisher's uid" },
	{ "ctime_ns", "publication time, ns since the epoch" },
	{ NULL }
};

static PyStructSequence_Desc view_info_desc = {
	"mview.ViewInfo", "A published view's descriptor.",
	view_info_fields, 10
};

static PyStructSequence_Field status_fields[] = {
	{ "server_version", NULL }, { "pid", NULL }, { "uptime_ns", NULL },
	{ "segments", NULL }, { "views", NULL }, { "bytes", NULL },
	{ "sessions", NULL }, { "next_id", NULL },
	{ "max_segment_size", NULL }, { "max_total_bytes", NULL },
	{ "max_bytes_per_uid", NULL }, { "max_segments", NULL },
	{ "max_segments_per_uid", NULL }, { "max_views", NULL },
	{ "max_conns_per_uid", NULL }, { "max_packet", NULL },
	{ "max_name", NULL }, { "max_ndim", NULL },
	{ "max_watch_events", NULL },
	{ "uid_bytes", "bytes the caller's uid holds" },
	{ "uid_segments", "segments the caller's uid holds" },
	{ "uid_views", "views the caller's uid published" },
	{ "max_views_per_uid", NULL },
	{ "streams", "streams in the daemon (0 from one before streams)" },
	{ "uid_streams", "streams the caller's uid owns" },
	{ "max_streams", NULL }, { "max_streams_per_uid", NULL },
	{ "deleted_held_bytes", "bytes of deleted segments kept while held" },
	{ "deleted_held_segments", "deleted segments kept while held" },
	{ "deleted_owner_bytes", "of those bytes, what owners still pay for" },
	{ "uid_held_bytes", "bytes of segments the caller's uid holds without "
	  "paying for them as owner (its held pool)" },
	{ "max_held_bytes_per_uid", NULL },
	{ "uid_fds", "mviewd's fds charged to the caller's uid" },
	{ "max_fds_per_uid", NULL },
	{ NULL }
};

static PyStructSequence_Desc status_desc = {
	"mview.Status", "The daemon's counters and limits.",
	status_fields, 34
};

static PyStructSequence_Field event_fields[] = {
	{ "type", "'segment_created', 'segment_deleted', 'view_published', "
	  "'view_unpublished' or 'overflow' (events were dropped: rescan)" },
	{ "name", "the segment or view name ('' for overflow)" },
	{ "segment_id", "the segment concerned (0 for overflow)" },
	{ NULL }
};

static PyStructSequence_Desc event_desc = {
	"mview.Event", "A change under a watched prefix.", event_fields, 3
};

static const char *const event_names[] = {
	[MVIEW_EVENT_SEGMENT_CREATED] = "segment_created",
	[MVIEW_EVENT_SEGMENT_DELETED] = "segment_deleted",
	[MVIEW_EVENT_VIEW_PUBLISHED] = "view_published",
	[MVIEW_EVENT_VIEW_UNPUBLISHED] = "view_unpublished",
	[MVIEW_EVENT_OVERFLOW] = "overflow",
};

int
mv_info_init(PyObject *module)
{
	static struct {
		PyTypeObject		*type;
		PyStructSequence_Desc	*desc;
		const char		*name;
	} types[] = {
		{ &mv_segment_info_type, &segment_info_desc, "SegmentInfo" },
		{ &mv_view_info_type, &view_info_desc, "ViewInfo" },
		{ &mv_status_type, &status_desc, "Status" },
		{ &mv_event_type, &event_desc, "Event" },
	};
	size_t	i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (types[i].type->tp_name == NULL &&
		    PyStructSequence_InitType2(types[i].type,
		    types[i].desc) < 0)
			return -1;
		Py_INCREF(types[i].type);
		if (PyModule_AddObject(module, types[i].name,
		    (PyObject *)types[i].type) < 0) {
			Py_DECREF(types[i].type);
			return -1;
		}
	}
	return 0;
}

/* Fill a new struct sequence from Py_BuildValue items (one per field). */
static PyObject *
info_build(PyTypeObject *type, PyObject *values)
{
	PyObject	*res;
	Py_ssize_t	 i, n;

	if (values == NULL)
		return NULL;
	if ((res = PyStructSequence_New(type)) == NULL) {
		Py_DECREF(values);
		return NULL;
	}
	n = PyTuple_GET_SIZE(values);
	for (i = 0; i < n; i++)
		PyStructSequence_SET_ITEM(res, i,
		    Py_NewRef(PyTuple_GET_ITEM(values, i)));
	Py_DECREF(values);
	return res;
}

static PyObject *
info_lifetime_name(enum mview_lifetime lifetime)
{
	return PyUnicode_FromString(lifetime == MVIEW_LIFETIME_SESSION ?
	    "session" : "persistent");
}

PyObject *
mv_int64_tuple(const int64_t *v, int n)
{
	PyObject	*t, *x;
	int		 i;

	if ((t = PyTuple_New(n)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if ((x = PyLong_FromLongLong(v[i])) == NULL) {
			Py_DECREF(t);
			return NULL;
		}
		PyTuple_SET_ITEM(t, i, x);
	}
	return t;
}

static PyObject *
info_str_or_none(const char *s)
{
	if (s == NULL)
		Py_RETURN_NONE;
	return PyUnicode_DecodeUTF8(s, (Py_ssize_t)strlen(s), "replace");
}

PyObject *
mv_segment_info_new(const struct mview_segment_info *i)
{
	PyObject	*name, *life;

	if ((name = info_str_or_none(i->name)) == NULL)
		return NULL;
	if ((life = info_lifetime_name(i->lifetime)) == NULL) {
		Py_DECREF(name);
		return NULL;
	}
	return info_build(&mv_segment_info_type, Py_BuildValue(
	    "(KNKIIINNNNNLIINI)", (unsigned long long)i->id, name,
	    (unsigned long long)i->size, i->uid, i->gid, i->mode, life,
	    PyBool_FromLong(i->frozen), PyBool_FromLong(i->hugetlb),
	    PyBool_FromLong(i->deleted), PyBool_FromLong(i->writable),
	    (long long)i->ctime_ns, i->nattached, i->nviews,
	    PyBool_FromLong(i->holders_pay), i->nheld_charged));
}

PyObject *
mv_view_info_new(const struct mview_view_info *i)
{
	const struct mview_desc	*d = &i->desc;
	PyObject		*name, *shape, *strides;

	name = info_str_or_none(i->name);
	shape = mv_int64_tuple(d->shape, d->ndim);
	strides = mv_int64_tuple(d->strides, d->ndim);
	if (name == NULL || shape == NULL || strides == NULL) {
		Py_XDECREF(name);
		Py_XDECREF(shape);
		Py_XDECREF(strides);
		return NULL;
	}
	return info_build(&mv_view_info_type, Py_BuildValue(
	    "(NKLsLNNNIL)", name, (unsigned long long)d->segment_id,
	    (long long)d->offset, d->format, (long long)d->itemsize, shape,
	    strides, PyBool_FromLong(d->readonly), i->uid,
	    (long long)i->ctime_ns));
}

PyObject *
mv_status_new(const struct mview_status *s)
{
	return info_build(&mv_status_type, Py_BuildValue(
	    "(sILKKKKKKKKKKKIIIIIKKKKKKKKKKKKKKK)", s->server_version, s->pid,
	    (long long)s->uptime_ns,
	    (unsigned long long)s->segments, (unsigned long long)s->views,
	    (unsigned long long)s->bytes, (unsigned long long)s->sessions,
	    (unsigned long long)s->next_id,
	    (unsigned long long)s->max_segment_size,
	    (unsigned long long)s->max_total_bytes,
	    (unsigned long long)s->max_bytes_per_uid,
	    (unsigned long long)s->max_segments,
	    (unsigned long long)s->max_segments_per_uid,
	    (unsigned long long)s->max_views,
	    s->max_conns_per_uid, s->max_packet, s->max_name, s->max_ndim,
	    s->max_watch_events, (unsigned long long)s->uid_bytes,
	    (unsigned long long)s->uid_segments,
	    (unsigned long long)s->uid_views,
	    (unsigned long long)s->max_views_per_uid,
	    (unsigned long long)s->streams,
	    (unsigned long long)s->uid_streams,
	    (unsigned long long)s->max_streams,
	    (unsigned long long)s->max_streams_per_uid,
	    (unsigned long long)s->deleted_held_bytes,
	    (unsigned long long)s->deleted_held_segments,
	    (unsigned long long)s->deleted_owner_bytes,
	    (unsigned long long)s->uid_held_bytes,
	    (unsigned long long)s->max_held_bytes_per_uid,
	    (unsigned long long)s->uid_fds,
	    (unsigned long long)s->max_fds_per_uid));
}

PyObject *
mv_event_new(const struct mview_event *e)
{
	const char	*type = "unknown";

	if ((unsigned)e->type < sizeof(event_names) / sizeof(event_names[0]) &&
	    event_names[e->type] != NULL)
		type = event_names[e->type];
	return info_build(&mv_event_type, Py_BuildValue("(sNK)", type,
	    info_str_or_none(e->name), (unsigned long long)e->segment_id));
}
