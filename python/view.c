/* SPDX-License-Identifier: MIT */
/* mview.View: lifetime, attributes, len/iter/==, and the type itself. */
#include <errno.h>
#include <string.h>

#include "mviewmodule.h"

/* Takes v; on failure it is released. */
PyObject *
mv_view_new(struct mview_view *v, struct client_object *c, PyObject *segment)
{
	struct view_object	*self;

	self = PyObject_New(struct view_object, &mv_view_type);
	if (self == NULL) {
		mv_view_release_handle(c, v);
		return NULL;
	}
	self->view = v;
	mview_view_layout(v, &self->layout);
	self->client = (struct client_object *)Py_NewRef((PyObject *)c);
	self->segment = segment != NULL ? Py_NewRef(segment) : NULL;
	self->exports = 0;
	self->released = false;
	self->interface_out = false;
	self->busy = 0;
	self->hash = -1;
	self->weakreflist = NULL;
	return (PyObject *)self;
}

/* A view derived from parent (slice, cast, ...): same client and segment. */
PyObject *
mv_view_derive(struct view_object *parent, struct mview_view *v)
{
	return mv_view_new(v, parent->client, parent->segment);
}

/* Dropping a segment's last view tells the daemon through the client. */
void
mv_view_release_handle(struct client_object *c, struct mview_view *v)
{
	if (v == NULL)
		return;
	mv_client_lock(c);
	mview_view_release(v);
	mv_client_unlock(c);
}

int
mv_view_check(struct view_object *self)
{
	if (!self->released)
		return 0;
	mv_raise_released();
	return -1;
}

/* The layout of a live view, or NULL with ValueError set when it was
 * released (its format, shape and strides may be gone with the view). */
const struct mview_layout *
mv_view_layout(struct view_object *self)
{
	if (mv_view_check(self) < 0)
		return NULL;
	return &self->layout;
}

/* CPython's adjust_fmt(): a single character after an optional '@', or
 * NotImplementedError (before any other check of element access). */
const char *
mv_view_adjust_format(struct view_object *self)
{
	const struct mview_layout	*d;
	const char		*fmt, *f;

	if ((d = mv_view_layout(self)) == NULL)
		return NULL;
	fmt = d->format;
	f = fmt[0] == '@' ? fmt + 1 : fmt;
	if (f[0] != '\0' && f[1] == '\0')
		return f;
	PyErr_Format(PyExc_NotImplementedError,
	    "memoryview: unsupported format %s", fmt);
	return NULL;
}

static void
view_dealloc(struct view_object *self)
{
	if (self->weakreflist != NULL)
		PyObject_ClearWeakRefs((PyObject *)self);
	mv_view_release_handle(self->client, self->view);
	Py_XDECREF(self->segment);
	Py_XDECREF(self->client);
	PyObject_Free(self);
}

PyDoc_STRVAR(view_release_doc,
"release()\n--\n\n"
"Release this view, as memoryview.release(): afterwards every operation\n"
"raises ValueError; views derived from it stay valid. BufferError while\n"
"buffers exported from it (memoryview(v), numpy.asarray(v)) are alive.\n"
"Idempotent.");

static PyObject *
view_release(struct view_object *self, PyObject *unused)
{
	if (self->released)
		Py_RETURN_NONE;
	if (self->exports > 0) {
		PyErr_Format(PyExc_BufferError,
		    "memoryview has %zd exported buffer%s", self->exports,
		    self->exports == 1 ? "" : "s");
		return NULL;
	}
	self->released = true;
	mv_view_settle(self);
	Py_RETURN_NONE;
}

/*
 * Drop a released view's handle once nothing needs it: a subscript whose
 * key released the view still slices what it held (as memoryview does),
 * and a raw address from __array_interface__ may be in use by whoever
 * holds this object (then the memory goes with the object).
 */
void
mv_view_settle(struct view_object *self)
{
	struct mview_view	*v;

	if (!self->released || self->busy > 0 || self->interface_out)
		return;
	v = self->view;
	self->view = NULL;
	mv_view_release_handle(self->client, v);
}

static PyObject *
view_enter(struct view_object *self, PyObject *unused)
{
	if (mv_view_check(self) < 0)
		return NULL;
	return Py_NewRef((PyObject *)self);
}

static PyObject *
view_exit(struct view_object *self, PyObject *args)
{
	return view_release(self, NULL);
}

/* ------------------------------------------------------------ attributes */

static PyObject *
view_get_segment(struct view_object *self, void *closure)
{
	const struct mview_layout	*d;
	struct mview_segment	*s = NULL;
	PyObject		*seg;
	unsigned		 flags;
	int			 r;
	struct mv_request_error	 errbuf = { "", false };

	if ((d = mv_view_layout(self)) == NULL)
		return NULL;
	if (self->segment != NULL)
		return Py_NewRef(self->segment);
	/* A looked-up view: open its segment once, as writable as it is. */
	flags = d->readonly ? 0 : MVIEW_OPEN_WRITE;
	MV_CLIENT_REQUEST(self->client, r, errbuf, mview_segment_open_id(
	    self->client->client, d->segment_id, flags, &s));
	if (r == MV_CLIENT_CLOSED)
		r = -ENOTCONN;
	if (r < 0)
		return mv_raise_request(r, &errbuf, NULL);
	if ((seg = mv_segment_new(self->client, s)) == NULL)
		return NULL;
	if (self->segment == NULL)	/* another thread may have been first */
		self->segment = Py_NewRef(seg);
	Py_DECREF(seg);
	return Py_NewRef(self->segment);
}

static PyObject *
view_get_nbytes(struct view_object *self, void *closure)
{
	if (mv_view_check(self) < 0)
		return NULL;
	return PyLong_FromUnsignedLongLong(mview_view_nbytes(self->view));
}

static PyObject *
view_get_readonly(struct view_object *self, void *closure)
{
	const struct mview_layout	*d;

	if ((d = mv_view_layout(self)) == NULL)
		return NULL;
	return PyBool_FromLong(d->readonly);
}

static PyObject *
view_get_itemsize(struct view_object *self, void *closure)
{
	const struct mview_layout	*d;

	if ((d = mv_view_layout(self)) == NULL)
		return NULL;
	return PyLong_FromLongLong(d->itemsize);
}

static PyObject *
view_get_format(struct view_object *self, void *closure)
{
	const struct mview_layout	*d;

	if ((d = mv_view_layout(self)) == NULL)
		return NULL;
	return PyUnicode_FromString(d->format);
}

static PyObject *
view_get_ndim(struct view_object *self, void *closure)
{
	const struct mview_layout	*d;

	if ((d = mv_view_layout(self)) == NULL)
		return NULL;
	return PyLong_FromLong(d->ndim);
}

static PyObject *
view_get_shape(struct view_object *self, void *closure)
{
	const struct mview_layout	*d;

	if ((d = mv_view_layout(self)) == NULL)
		return NULL;
	return mv_int64_tuple(d->shape, d->ndim);
}

static PyObject *
view_get_strides(struct view_object *self, void *closure)
{
	const struct mview_layout	*d;

	if ((d = mv_view_layout(self)) == NULL)
		return NULL;
	return mv_int64_tuple(d->strides, d->ndim);
}

static PyObject *
view_get_suboffsets(struct view_object *self, void *closure)
{
	if (mv_view_check(self) < 0)
		return NULL;
	return PyTuple_New(0);
}

static PyObject *
view_get_contiguous(struct view_object *self, void *closure)
{
	if (mv_view_check(self) < 0)
		return NULL;
	return PyBool_FromLong(mview_view_is_contiguous(self->view,
	    *(const char *)closure));
}

static PyObject *
view_get_offset(struct view_object *self, void *closure)
{
	const struct mview_layout	*d;

	if ((d = mv_view_layout(self)) == NULL)
		return NULL;
	return PyLong_FromLongLong(d->offset);
}

static PyObject *
view_get_segment_id(struct view_object *self, void *closure)
{
	const struct mview_layout	*d;

	if ((d = mv_view_layout(self)) == NULL)
		return NULL;
	return PyLong_FromUnsignedLongLong(d->segment_id);
}

static PyObject *
view_get_released(struct view_object *self, void *closure)
{
	return PyBool_FromLong(self->released);
}

static PyObject *
view_get_client(struct view_object *self, void *closure)
{
	return Py_NewRef((PyObject *)self->client);
}

/* -------------------------------------------------- len, iter, ==, repr */

static Py_ssize_t
view_length(struct view_object *self)
{
	const struct mview_layout	*d;

	if ((d = mv_view_layout(self)) == NULL)
		return -1;
	if (d->ndim == 0) {
		PyErr_SetString(PyExc_TypeError, "0-dim memory has no length");
		return -1;
	}
	return (Py_ssize_t)d->shape[0];
}

/* The sequence protocol's item: reversed() and friends need it. */
static PyObject *
view_item(struct view_object *self, Py_ssize_t i)
{
	PyObject	*key, *res;

	if ((key = PyLong_FromSsize_t(i)) == NULL)
		return NULL;
	res = mv_view_subscript(self, key);
	Py_DECREF(key);
	return res;
}

struct viewiter_object {
	PyObject_HEAD
	struct view_object	*view;
	Py_ssize_t		 index, length;
};

static PyTypeObject viewiter_type;

static PyObject *
view_iter(struct view_object *self)
{
	const struct mview_layout	*d;
	struct viewiter_object	*it;

	if ((d = mv_view_layout(self)) == NULL)
		return NULL;
	if (d->ndim == 0) {
		PyErr_SetString(PyExc_TypeError,
		    "invalid indexing of 0-dim memory");
		return NULL;
	}
	/* 1-D: memoryview's iterator; N-D: NumPy's, over sub-views. */
	if (d->ndim == 1 && mv_view_adjust_format(self) == NULL)
		return NULL;
	if ((it = PyObject_New(struct viewiter_object, &viewiter_type)) == NULL)
		return NULL;
	it->view = (struct view_object *)Py_NewRef((PyObject *)self);
	it->index = 0;
	it->length = (Py_ssize_t)d->shape[0];
	return (PyObject *)it;
}

static void
viewiter_dealloc(struct viewiter_object *it)
{
	Py_XDECREF(it->view);
	PyObject_Free(it);
}

static PyObject *
viewiter_next(struct viewiter_object *it)
{
	PyObject	*res;

	if (it->view == NULL)
		return NULL;
	if (it->index >= it->length) {
		Py_CLEAR(it->view);
		return NULL;
	}
	if ((res = view_item(it->view, it->index)) != NULL)
		it->index++;
	return res;
}

static PyTypeObject viewiter_type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "mview.View_iterator",
	.tp_basicsize = sizeof(struct viewiter_object),
	.tp_dealloc = (destructor)viewiter_dealloc,
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_iter = PyObject_SelfIter,
	.tp_iternext = (iternextfunc)viewiter_next,
};

/* memoryview's ==, by a real memoryview over this view's buffer. */
static PyObject *
view_richcompare(PyObject *v, PyObject *w, int op)
{
	struct view_object	*self = (struct view_object *)v;
	PyObject		*mv, *res;

	if (op != Py_EQ && op != Py_NE)
		Py_RETURN_NOTIMPLEMENTED;
	if (!PyObject_TypeCheck(v, &mv_view_type))
		Py_RETURN_NOTIMPLEMENTED;
	if (self->released)
		return PyBool_FromLong((v == w) == (op == Py_EQ));
	if (v == w)
		return PyBool_FromLong(op == Py_EQ);
	if (PyObject_TypeCheck(w, &mv_view_type) &&
	    ((struct view_object *)w)->released)
		return PyBool_FromLong(op == Py_NE);
	if (!PyObject_CheckBuffer(w))
		Py_RETURN_NOTIMPLEMENTED;
	if ((mv = PyMemoryView_FromObject(v)) == NULL)
		return NULL;
	res = PyMemoryView_Type.tp_richcompare(mv, w, op);
	Py_DECREF(mv);
	return res;
}

static PyObject *
view_repr(struct view_object *self)
{
	const struct mview_layout	*d = &self->layout;
	PyObject		*shape, *res;

	if (self->released)
		return PyUnicode_FromFormat("<released memory mview.View at %p>",
		    self);
	if ((shape = mv_int64_tuple(d->shape, d->ndim)) == NULL)
		return NULL;
	res = PyUnicode_FromFormat("<mview.View format='%s' shape=%R "
	    "segment=%llu offset=%lld%s at %p>", d->format, shape,
	    (unsigned long long)d->segment_id, (long long)d->offset,
	    d->readonly ? " readonly" : "", self);
	Py_DECREF(shape);
	return res;
}

/* memoryview's hash: a read-only byte view hashes as the bytes it shows,
 * computed once (a released view keeps the hash it had). */
static Py_hash_t
view_hash(struct view_object *self)
{
	const struct mview_layout	*d;
	const char		*f;
	PyObject		*bytes;

	if (self->hash != -1)
		return self->hash;
	if ((d = mv_view_layout(self)) == NULL)
		return -1;
	if (!d->readonly) {
		PyErr_SetString(PyExc_ValueError,
		    "cannot hash writable memoryview object");
		return -1;
	}
	f = d->format[0] == '@' ? d->format + 1 : d->format;
	if (strcmp(f, "B") != 0 && strcmp(f, "b") != 0 && strcmp(f, "c") != 0) {
		PyErr_SetString(PyExc_ValueError,
		    "memoryview: hashing is restricted to formats 'B', 'b' or 'c'");
		return -1;
	}
	if ((bytes = PyObject_CallMethod((PyObject *)self, "tobytes", NULL)) ==
	    NULL)
		return -1;
	self->hash = PyObject_Hash(bytes);
	Py_DECREF(bytes);
	return self->hash;
}

/* ----------------------------------------------------------------- type */

static PyMethodDef view_core_methods[] = {
	{ "release", (PyCFunction)view_release, METH_NOARGS, view_release_doc },
	{ "__enter__", (PyCFunction)view_enter, METH_NOARGS, NULL },
	{ "__exit__", (PyCFunction)view_exit, METH_VARARGS, NULL },
	{ NULL }
};

static PyGetSetDef view_core_getset[] = {
	{ "segment", (getter)view_get_segment, NULL,
	  "The Segment under this view (for a looked-up view, opened on first\n"
	  "use, read-only unless the view is writable).", NULL },
	{ "obj", (getter)view_get_segment, NULL,
	  "memoryview's name for the underlying object: the Segment.", NULL },
	{ "nbytes", (getter)view_get_nbytes, NULL,
	  "product(shape) * itemsize: the bytes tobytes() would return.", NULL },
	{ "readonly", (getter)view_get_readonly, NULL,
	  "True when the view cannot be written through.", NULL },
	{ "itemsize", (getter)view_get_itemsize, NULL,
	  "Bytes per element.", NULL },
	{ "format", (getter)view_get_format, NULL,
	  "The element format, in struct-module syntax ('B', 'h', 'd', ...).",
	  NULL },
	{ "ndim", (getter)view_get_ndim, NULL,
	  "Number of dimensions (0 for a scalar view).", NULL },
	{ "shape", (getter)view_get_shape, NULL,
	  "Tuple of extents, one per dimension.", NULL },
	{ "strides", (getter)view_get_strides, NULL,
	  "Tuple of byte strides, one per dimension (any sign).", NULL },
	{ "suboffsets", (getter)view_get_suboffsets, NULL,
	  "Always () (no indirect arrays).", NULL },
	{ "c_contiguous", (getter)view_get_contiguous, NULL,
	  "True when the elements are in C order without gaps.", (void *)"C" },
	{ "f_contiguous", (getter)view_get_contiguous, NULL,
	  "True when the elements are in Fortran order without gaps.", (void *)"F" },
	{ "contiguous", (getter)view_get_contiguous, NULL,
	  "True when C- or Fortran-contiguous.", (void *)"A" },
	{ "offset", (getter)view_get_offset, NULL,
	  "Byte offset of element [0, ..., 0] from the segment's start.", NULL },
	{ "segment_id", (getter)view_get_segment_id, NULL,
	  "Id of the segment under this view.", NULL },
	{ "released", (getter)view_get_released, NULL,
	  "True once release() was called.", NULL },
	{ "client", (getter)view_get_client, NULL,
	  "The Client this view came through.", NULL },
	{ NULL }
};

PyDoc_STRVAR(view_doc,
"A typed window onto shared memory: Python's memoryview, across processes.\n"
"\n"
"Segment.view() and Client.lookup() return one. It behaves as a\n"
"memoryview of the same memory, with memoryview's exact results and error\n"
"messages: attributes (format, itemsize, ndim, shape, strides, nbytes,\n"
"readonly, c_contiguous, f_contiguous, contiguous, obj), v[i], v[a:b:c],\n"
"v[i, j], v[...], assignment, len(), iteration, ==, cast(), tolist(),\n"
"tobytes(), hex(), toreadonly(), release() and the with statement.\n"
"\n"
"Where memoryview raises NotImplementedError, a View follows NumPy's basic\n"
"indexing instead: v[1, ::2], v[..., 0], v[1] on an N-D view, N-D slice\n"
"assignment from a buffer of the same format and shape. It also has\n"
"transpose() / .T and reshape().\n"
"\n"
"Slicing, casting and the rest are local: no copy, no round trip. A View\n"
"exports the buffer protocol (memoryview(v), bytes(v), numpy.asarray(v)),\n"
"__array_interface__ and DLPack (numpy.from_dlpack(v)); the memory stays\n"
"mapped while any export is alive, whatever happens to the view, its\n"
"segment or its client.");

static PyMethodDef	*view_method_tables[] = {
	view_core_methods, NULL, NULL, NULL, NULL
};
static PyGetSetDef	*view_getset_tables[] = {
	view_core_getset, NULL, NULL, NULL
};

/* The type's method and attribute tables are split across files: join. */
static void *
view_join(void **tables, size_t elem, size_t ntables)
{
	size_t	 i, n = 0, k;
	char	*out, *p;

	for (i = 0; i < ntables && tables[i] != NULL; i++)
		for (k = 0; *(const char *const *)((char *)tables[i] + k * elem)
		    != NULL; k++)
			n++;
	if ((out = PyMem_Calloc(n + 1, elem)) == NULL)
		return NULL;
	p = out;
	for (i = 0; i < ntables && tables[i] != NULL; i++)
		for (k = 0; *(const char *const *)((char *)tables[i] + k * elem)
		    != NULL; k++, p += elem)
			memcpy(p, (char *)tables[i] + k * elem, elem);
	return out;
}

int
mv_view_type_init(void)
{
	view_method_tables[1] = mv_view_algebra_methods;
	view_method_tables[2] = mv_view_export_methods;
	view_method_tables[3] = mv_view_pickle_methods;
	view_getset_tables[1] = mv_view_algebra_getset;
	view_getset_tables[2] = mv_view_export_getset;
	mv_view_type.tp_methods = view_join((void **)view_method_tables,
	    sizeof(PyMethodDef), 5);
	mv_view_type.tp_getset = view_join((void **)view_getset_tables,
	    sizeof(PyGetSetDef), 4);
	if (mv_view_type.tp_methods == NULL || mv_view_type.tp_getset == NULL) {
		PyErr_NoMemory();
		return -1;
	}
	if (PyType_Ready(&viewiter_type) < 0)
		return -1;
	return PyType_Ready(&mv_view_type);
}

static PyMappingMethods view_as_mapping = {
	.mp_length = (lenfunc)view_length,
	.mp_subscript = (binaryfunc)mv_view_subscript,
	.mp_ass_subscript = (objobjargproc)mv_view_ass_subscript,
};

static PySequenceMethods view_as_sequence = {
	.sq_length = (lenfunc)view_length,
	.sq_item = (ssizeargfunc)view_item,
};

PyTypeObject mv_view_type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "mview.View",
	.tp_basicsize = sizeof(struct view_object),
	.tp_dealloc = (destructor)view_dealloc,
	.tp_repr = (reprfunc)view_repr,
	.tp_as_sequence = &view_as_sequence,
	.tp_as_mapping = &view_as_mapping,
	.tp_as_buffer = &mv_view_as_buffer,
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = view_doc,
	.tp_richcompare = view_richcompare,
	.tp_hash = (hashfunc)view_hash,
	.tp_weaklistoffset = offsetof(struct view_object, weakreflist),
	.tp_iter = (getiterfunc)view_iter,
};
