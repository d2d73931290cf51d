/* SPDX-License-Identifier: MIT */
/* mview.Segment: an open segment handle, and views made over it. */
#include <errno.h>
#include <string.h>

#include "mviewmodule.h"

static const char seg_closed_msg[] = "operation on a closed segment";

/* Closing may tell the daemon: under the client's lock, like any request. */
static void
segment_close_locked(struct client_object *c, struct mview_segment *s)
{
	mv_client_lock(c);
	Py_BEGIN_ALLOW_THREADS
	mview_segment_close(s);
	Py_END_ALLOW_THREADS
	mv_client_unlock(c);
}

PyObject *
mv_segment_new(struct client_object *c, struct mview_segment *s)
{
	const struct mview_segment_info	*info = mview_segment_info(s);
	struct segment_object		*self;

	self = PyObject_New(struct segment_object, &mv_segment_type);
	if (self == NULL)
		goto fail;
	self->weakreflist = NULL;
	self->segment = s;
	self->client = (struct client_object *)Py_NewRef((PyObject *)c);
	self->id = info->id;
	self->size = mview_segment_size(s);
	self->readonly = !info->writable;
	if (info->name != NULL)
		self->name = PyUnicode_DecodeUTF8(info->name,
		    (Py_ssize_t)strlen(info->name), "replace");
	else
		self->name = Py_NewRef(Py_None);
	if (self->name == NULL) {
		Py_DECREF(self);
		return NULL;
	}
	return (PyObject *)self;

fail:
	segment_close_locked(c, s);
	return NULL;
}

static void
segment_close_handle(struct segment_object *self)
{
	struct mview_segment	*s = self->segment;

	if (s == NULL)
		return;
	self->segment = NULL;
	segment_close_locked(self->client, s);
}

static void
segment_dealloc(struct segment_object *self)
{
	if (self->weakreflist != NULL)
		PyObject_ClearWeakRefs((PyObject *)self);
	if (self->client != NULL)
		segment_close_handle(self);
	Py_XDECREF(self->name);
	Py_XDECREF(self->client);
	PyObject_Free(self);
}

static int
segment_check(struct segment_object *self)
{
	if (self->segment != NULL)
		return 0;
	PyErr_SetString(PyExc_ValueError, seg_closed_msg);
	return -1;
}

/* A shape or strides argument: an int or a sequence of ints. */
static int
segment_dims(PyObject *obj, const char *what, int64_t *out, int *ret_n)
{
	PyObject	*seq;
	Py_ssize_t	 i, n;

	if (PyIndex_Check(obj)) {
		out[0] = PyNumber_AsSsize_t(obj, PyExc_OverflowError);
		if (out[0] == -1 && PyErr_Occurred())
			return -1;
		*ret_n = 1;
		return 0;
	}
	if ((seq = PySequence_Fast(obj, "")) == NULL) {
		PyErr_Format(PyExc_TypeError,
		    "%s must be an int or a sequence of ints", what);
		return -1;
	}
	if ((n = PySequence_Fast_GET_SIZE(seq)) > MVIEW_MAX_NDIM) {
		PyErr_Format(PyExc_ValueError,
		    "%s: number of dimensions must not exceed %d", what,
		    MVIEW_MAX_NDIM);
		goto fail;
	}
	for (i = 0; i < n; i++) {
		out[i] = PyNumber_AsSsize_t(PySequence_Fast_GET_ITEM(seq, i),
		    PyExc_OverflowError);
		if (out[i] == -1 && PyErr_Occurred())
			goto fail;
	}
	Py_DECREF(seq);
	*ret_n = (int)n;
	return 0;

fail:
	Py_DECREF(seq);
	return -1;
}

/* Without a shape: as many items as fit between offset and the end. */
static int
segment_default_shape(struct segment_object *self, const char *format,
    int64_t offset, int64_t *ret_len)
{
	struct mview_layout	 layout;
	struct mview_view	*probe = NULL;
	struct mview_error	 e = { 0 };
	int64_t			 zero = 0, itemsize, room;
	int			 r;

	r = mview_view_new(self->segment, format, 1, &zero, NULL, 0, &probe,
	    &e);
	if (r < 0) {
		mv_raise_view_error(r, &e);
		return -1;
	}
	mview_view_layout(probe, &layout);
	itemsize = layout.itemsize;
	mv_view_release_handle(self->client, probe);
	if (offset < 0 || (uint64_t)offset > self->size) {
		PyErr_SetString(PyExc_ValueError,
		    "offset must be within the segment");
		return -1;
	}
	room = (int64_t)(self->size - (uint64_t)offset);
	if (itemsize <= 0 || room % itemsize != 0) {
		PyErr_SetString(PyExc_ValueError, "segment size minus offset "
		    "is not a multiple of the item size: give a shape");
		return -1;
	}
	*ret_len = room / itemsize;
	return 0;
}

static PyObject	*segment_view_make(struct segment_object *self,
		    const char *format, PyObject *shapeobj,
		    PyObject *stridesobj, long long offset);

PyDoc_STRVAR(segment_view_doc,
"view(format='B', shape=None, strides=None, offset=0)\n--\n\n"
"A View over this segment: format is a struct-module format ('B', '<i',\n"
"'Zf'), a NumPy typestr ('<f4') or, with NumPy, a dtype, scalar type or\n"
"dtype name (numpy.float32, 'complex64'); shape a\n"
"tuple of extents (None: a 1-D view of everything from offset to the\n"
"end), strides byte strides of any sign (None: C order), offset the byte\n"
"offset of element [0, ..., 0]. Every byte it can reach must lie inside\n"
"the segment. Read-only when the segment is mapped read-only.");

static PyObject *
segment_view(struct segment_object *self, PyObject *args, PyObject *kwds)
{
	static const char	*kwlist[] = { "format", "shape", "strides",
				    "offset", NULL };
	PyObject		*shapeobj = Py_None, *stridesobj = Py_None;
	PyObject		*formatobj = NULL, *res;
	const char		*format;
	long long		 offset = 0;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "|OOOL:view", (char **)kwlist,
	    &formatobj, &shapeobj, &stridesobj, &offset))
		return NULL;
	if (segment_check(self) < 0 ||
	    (formatobj = mv_format_arg(formatobj)) == NULL)
		return NULL;
	if ((format = PyUnicode_AsUTF8(formatobj)) == NULL)
		res = NULL;
	else
		res = segment_view_make(self, format, shapeobj, stridesobj,
		    offset);
	Py_DECREF(formatobj);
	return res;
}

static PyObject *
segment_view_make(struct segment_object *self, const char *format,
    PyObject *shapeobj, PyObject *stridesobj, long long offset)
{
	struct mview_view	*v = NULL;
	struct mview_error	 e = { 0 };
	int64_t			 shape[MVIEW_MAX_NDIM], strides[MVIEW_MAX_NDIM];
	int			 ndim = 1, nstrides = 0, r;

	if (shapeobj != Py_None) {
		if (segment_dims(shapeobj, "shape", shape, &ndim) < 0)
			return NULL;
	} else if (stridesobj != Py_None) {
		PyErr_SetString(PyExc_TypeError, "strides need a shape");
		return NULL;
	} else if (segment_default_shape(self, format, offset, &shape[0]) < 0)
		return NULL;
	if (stridesobj != Py_None) {
		if (segment_dims(stridesobj, "strides", strides, &nstrides) < 0)
			return NULL;
		if (nstrides != ndim) {
			PyErr_SetString(PyExc_ValueError,
			    "strides must have one entry per dimension");
			return NULL;
		}
	}
	r = mview_view_new(self->segment, format, ndim, shape,
	    stridesobj != Py_None ? strides : NULL, offset, &v, &e);
	if (r < 0)
		return mv_raise_view_error(r, &e);
	return mv_view_new(v, self->client, (PyObject *)self);
}

PyDoc_STRVAR(segment_close_doc,
"close()\n--\n\n"
"Drop this handle. Views made from it stay valid; the memory is unmapped\n"
"when the last of them goes. Idempotent.");

static PyObject *
segment_close(struct segment_object *self, PyObject *unused)
{
	segment_close_handle(self);
	Py_RETURN_NONE;
}

static PyObject *
segment_enter(struct segment_object *self, PyObject *unused)
{
	if (segment_check(self) < 0)
		return NULL;
	return Py_NewRef((PyObject *)self);
}

static PyObject *
segment_exit(struct segment_object *self, PyObject *args)
{
	segment_close_handle(self);
	Py_RETURN_FALSE;
}

/* Client.method(id) on this segment: by id, never by a name that may
 * have passed to another segment since. */
static PyObject *
segment_call_client(struct segment_object *self, const char *method)
{
	PyObject	*key, *res;

	if ((key = PyLong_FromUnsignedLongLong(self->id)) == NULL)
		return NULL;
	res = PyObject_CallMethod((PyObject *)self->client, method, "O", key);
	Py_DECREF(key);
	return res;
}

PyDoc_STRVAR(segment_freeze_doc,
"freeze()\n--\n\n"
"Seal this segment against new writable mappings (as Client.freeze()).");

static PyObject *
segment_freeze(struct segment_object *self, PyObject *unused)
{
	return segment_call_client(self, "freeze");
}

PyDoc_STRVAR(segment_delete_doc,
"delete()\n--\n\n"
"Delete this segment (as Client.delete()): its name and views go now, its\n"
"memory when the last holder lets go; this handle stays usable.");

static PyObject *
segment_delete(struct segment_object *self, PyObject *unused)
{
	return segment_call_client(self, "delete");
}

PyDoc_STRVAR(segment_stat_doc,
"stat()\n--\n\n"
"The daemon's current SegmentInfo on this segment.");

static PyObject *
segment_stat(struct segment_object *self, PyObject *unused)
{
	return segment_call_client(self, "stat");
}

static PyObject *
segment_get_closed(struct segment_object *self, void *closure)
{
	return PyBool_FromLong(self->segment == NULL);
}

static PyObject *
segment_get_info(struct segment_object *self, void *closure)
{
	if (segment_check(self) < 0)
		return NULL;
	return mv_segment_info_new(mview_segment_info(self->segment));
}

static PyObject *
segment_repr(struct segment_object *self)
{
	return PyUnicode_FromFormat("<mview.Segment %R id=%llu size=%llu%s%s>",
	    self->name, (unsigned long long)self->id,
	    (unsigned long long)self->size, self->readonly ? " readonly" : "",
	    self->segment == NULL ? " closed" : "");
}

static PyMethodDef segment_methods[] = {
	{ "view", (PyCFunction)(void (*)(void))segment_view,
	  METH_VARARGS | METH_KEYWORDS, segment_view_doc },
	{ "close", (PyCFunction)segment_close, METH_NOARGS, segment_close_doc },
	{ "freeze", (PyCFunction)segment_freeze, METH_NOARGS,
	  segment_freeze_doc },
	{ "delete", (PyCFunction)segment_delete, METH_NOARGS,
	  segment_delete_doc },
	{ "stat", (PyCFunction)segment_stat, METH_NOARGS, segment_stat_doc },
	{ "__enter__", (PyCFunction)segment_enter, METH_NOARGS, NULL },
	{ "__exit__", (PyCFunction)segment_exit, METH_VARARGS, NULL },
	{ "__reduce__", (PyCFunction)mv_segment_reduce, METH_NOARGS,
	  "Pickle by socket path and id: the receiving process opens the\n"
	  "segment again through its own connection." },
	{ NULL }
};

/* What the handle was made with, read-only. */
static PyMemberDef segment_members[] = {
	{ "name", T_OBJECT_EX, offsetof(struct segment_object, name), READONLY,
	  "The segment's name, or None when anonymous." },
	{ "id", T_ULONGLONG, offsetof(struct segment_object, id), READONLY,
	  "The segment's id (never reused by a daemon)." },
	{ "size", T_ULONGLONG, offsetof(struct segment_object, size), READONLY,
	  "Size in bytes." },
	{ "readonly", T_BOOL, offsetof(struct segment_object, readonly),
	  READONLY, "True when mapped read-only." },
	{ "client", T_OBJECT_EX, offsetof(struct segment_object, client),
	  READONLY, "The Client this segment was opened through." },
	{ NULL }
};

static PyGetSetDef segment_getset[] = {
	{ "closed", (getter)segment_get_closed, NULL,
	  "True once close() was called.", NULL },
	{ "info", (getter)segment_get_info, NULL,
	  "SegmentInfo as of opening (stat() asks the daemon again).", NULL },
	{ NULL }
};

PyDoc_STRVAR(segment_doc,
"An open shared-memory segment, mapped once in this process.\n\n"
"Client.create() and Client.open() return one. view() makes typed Views\n"
"over it; they keep the memory mapped on their own, so closing the\n"
"segment (or the client) never invalidates them. Also a context manager\n"
"that closes the handle.");

PyTypeObject mv_segment_type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "mview.Segment",
	.tp_basicsize = sizeof(struct segment_object),
	.tp_dealloc = (destructor)segment_dealloc,
	.tp_repr = (reprfunc)segment_repr,
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = segment_doc,
	.tp_weaklistoffset = offsetof(struct segment_object, weakreflist),
	.tp_methods = segment_methods,
	.tp_members = segment_members,
	.tp_getset = segment_getset,
};
