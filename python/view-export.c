/* SPDX-License-Identifier: MIT */
/* Zero-copy exports beyond PEP 3118: DLPack capsules, __array_interface__. */
#include <stdlib.h>
#include <string.h>

#include "mviewmodule.h"
#include "dlpack.h"

#if PY_VERSION_HEX >= 0x030D0000
#define MV_FINALIZING()	Py_IsFinalizing()
#else
#define MV_FINALIZING()	_Py_IsFinalizing()
#endif

/* What an element is, for the other array protocols. */
struct export_type {
	uint8_t		code;		/* DLDataTypeCode, 0xff: none */
	char		kind;		/* NumPy's typestr kind */
	char		order;		/* '<', '>' or '|' */
	bool		native;		/* in this machine's byte order */
};

static const struct {
	char		fmt;
	uint8_t		code;
	char		kind;
} export_kinds[] = {
	{ 'b', kDLInt, 'i' }, { 'h', kDLInt, 'i' }, { 'i', kDLInt, 'i' },
	{ 'l', kDLInt, 'i' }, { 'q', kDLInt, 'i' }, { 'n', kDLInt, 'i' },
	{ 'B', kDLUInt, 'u' }, { 'H', kDLUInt, 'u' }, { 'I', kDLUInt, 'u' },
	{ 'L', kDLUInt, 'u' }, { 'Q', kDLUInt, 'u' }, { 'N', kDLUInt, 'u' },
	{ 'P', 0xff, 'u' }, { '?', kDLBool, 'b' }, { 'c', 0xff, 'S' },
	{ 'e', kDLFloat, 'f' }, { 'f', kDLFloat, 'f' }, { 'd', kDLFloat, 'f' },
};

/* One element of a single-item struct format ("h", "<f", "!q", "Zd"),
 * with the byte order its prefix says; false for anything else. */
static bool
export_type_of(const struct mview_layout *d, struct export_type *ret)
{
	const char	*f = d->format;
	bool		 little = PY_LITTLE_ENDIAN, complex = false;
	size_t		 i;

	if (*f != '\0' && strchr("@=<>!", *f) != NULL) {
		if (*f == '<' || *f == '>' || *f == '!')
			little = *f == '<';
		f++;
	}
	if (f[0] == 'Z') {
		complex = true;
		f++;
		if (f[0] != 'f' && f[0] != 'd')
			return false;
	}
	if (f[0] == '\0' || f[1] != '\0')
		return false;
	for (i = 0; i < sizeof(export_kinds) / sizeof(export_kinds[0]); i++) {
		if (export_kinds[i].fmt != f[0])
			continue;
		ret->code = complex ? kDLComplex : export_kinds[i].code;
		ret->kind = complex ? 'c' : export_kinds[i].kind;
		ret->native = little == PY_LITTLE_ENDIAN;
		ret->order = d->itemsize == 1 ? '|' : little ? '<' : '>';
		return true;
	}
	return false;
}

/* ---------------------------------------------------------------- DLPack */

/* Owns what a capsule points into: a View holding the mapping (or a
 * private copy), and the shape and strides arrays. */
struct dlpack_ctx {
	PyObject	*holder;
	void		*copy;
	int64_t		 shape[MVIEW_MAX_NDIM];
	int64_t		 strides[MVIEW_MAX_NDIM];
	union {
		DLManagedTensor			legacy;
		DLManagedTensorVersioned	versioned;
	} t;
};

/* Consumers call the deleter from any thread, with or without the GIL. */
static void
dlpack_ctx_free(struct dlpack_ctx *ctx)
{
	PyGILState_STATE	st;

	if (ctx->holder != NULL && Py_IsInitialized() && !MV_FINALIZING()) {
		st = PyGILState_Ensure();
		Py_DECREF(ctx->holder);
		PyGILState_Release(st);
	}
	free(ctx->copy);
	free(ctx);
}

static void
dlpack_legacy_deleter(DLManagedTensor *m)
{
	dlpack_ctx_free(m->manager_ctx);
}

static void
dlpack_versioned_deleter(DLManagedTensorVersioned *m)
{
	dlpack_ctx_free(m->manager_ctx);
}

/* A capsule nobody consumed frees its tensor. */
static void
dlpack_capsule_destructor(PyObject *cap)
{
	PyObject	*type, *value, *tb;
	void		*p;

	if (PyCapsule_IsValid(cap, "used_dltensor") ||
	    PyCapsule_IsValid(cap, "used_dltensor_versioned"))
		return;
	PyErr_Fetch(&type, &value, &tb);
	if ((p = PyCapsule_GetPointer(cap, "dltensor")) != NULL)
		((DLManagedTensor *)p)->deleter(p);
	else {
		PyErr_Clear();
		p = PyCapsule_GetPointer(cap, "dltensor_versioned");
		if (p != NULL)
			((DLManagedTensorVersioned *)p)->deleter(p);
		else
			PyErr_WriteUnraisable(cap);
	}
	PyErr_Restore(type, value, tb);
}

static int
dlpack_check_device(PyObject *dev)
{
	long	type, id;

	if (dev == Py_None)
		return 0;
	if (!PyTuple_Check(dev) || PyTuple_GET_SIZE(dev) != 2) {
		PyErr_SetString(PyExc_ValueError,
		    "dl_device must be a (device_type, device_id) tuple");
		return -1;
	}
	type = PyLong_AsLong(PyTuple_GET_ITEM(dev, 0));
	id = PyLong_AsLong(PyTuple_GET_ITEM(dev, 1));
	if (PyErr_Occurred())
		return -1;
	if (type != kDLCPU || id != 0) {
		PyErr_SetString(PyExc_BufferError,
		    "mview views are in CPU memory: only dl_device=(1, 0)");
		return -1;
	}
	return 0;
}

/* max_version: None (legacy capsule) or a (major, minor) tuple. */
static int
dlpack_versioned(PyObject *max_version, bool *ret)
{
	long	major;

	*ret = false;
	if (max_version == Py_None)
		return 0;
	if (!PyTuple_Check(max_version) || PyTuple_GET_SIZE(max_version) != 2) {
		PyErr_SetString(PyExc_TypeError,
		    "max_version must be None or a (major, minor) tuple");
		return -1;
	}
	major = PyLong_AsLong(PyTuple_GET_ITEM(max_version, 0));
	if (major == -1 && PyErr_Occurred())
		return -1;
	*ret = major >= DLPACK_MAJOR_VERSION;
	return 0;
}

/* Point t at the view's memory (or a C-ordered copy of it). */
static int
dlpack_fill(struct view_object *self, const struct mview_layout *d,
    struct dlpack_ctx *ctx, DLTensor *t, const struct export_type *et,
    bool copy)
{
	struct mview_view	*dup = NULL;
	struct mview_error	 e = { 0 };
	uint64_t		 n = mview_view_nbytes(self->view);
	int64_t			 stride = 1;
	int			 i, r;

	for (i = d->ndim - 1; i >= 0; i--) {
		ctx->shape[i] = d->shape[i];
		if (copy) {
			ctx->strides[i] = stride;
			stride *= d->shape[i];
		} else if (d->strides[i] % d->itemsize != 0) {
			PyErr_SetString(PyExc_BufferError, "DLPack strides are "
			    "in elements: a byte stride is not a multiple of "
			    "the itemsize");
			return -1;
		} else
			ctx->strides[i] = d->strides[i] / d->itemsize;
	}
	if (copy) {
		if ((ctx->copy = malloc(n ? n : 1)) == NULL) {
			PyErr_NoMemory();
			return -1;
		}
		r = mview_view_tobytes(self->view, 'C', ctx->copy, n, &e);
		if (r < 0) {
			mv_raise_view_error(r, &e);
			return -1;
		}
		t->data = ctx->copy;
	} else {
		if ((r = mview_view_dup(self->view, &dup)) < 0) {
			mv_raise_errno(r, NULL, NULL);
			return -1;
		}
		ctx->holder = mv_view_derive(self, dup);
		if (ctx->holder == NULL)
			return -1;
		t->data = mview_view_data(self->view);
	}
	t->device.device_type = kDLCPU;
	t->device.device_id = 0;
	t->ndim = d->ndim;
	t->dtype.code = et->code;
	t->dtype.bits = (uint8_t)(d->itemsize * 8);
	t->dtype.lanes = 1;
	t->shape = ctx->shape;
	t->strides = ctx->strides;
	t->byte_offset = 0;
	return 0;
}

PyDoc_STRVAR(view_dlpack_doc,
"__dlpack__(*, stream=None, max_version=None, dl_device=None, copy=None)\n"
"--\n\n"
"Export as a DLPack capsule without copying (numpy.from_dlpack(v)). With\n"
"max_version >= (1, 0), a versioned capsule that can carry the read-only\n"
"flag; otherwise the legacy capsule, which refuses read-only views\n"
"(BufferError). copy=True exports a private copy. The memory stays mapped\n"
"until the consumer is done with it, whatever happens to this view.");

/* stream, dl_device, max_version and copy, as the array API asks. */
static int
dlpack_args(PyObject *stream, PyObject *maxv, PyObject *dev,
    PyObject *copyobj, bool *ret_versioned, bool *ret_copy)
{
	int	copy = 0;

	if (stream != Py_None) {
		PyErr_SetString(PyExc_ValueError,
		    "mview views are in CPU memory: stream must be None");
		return -1;
	}
	if (dlpack_check_device(dev) < 0 ||
	    dlpack_versioned(maxv, ret_versioned) < 0)
		return -1;
	if (copyobj != Py_None && (copy = PyObject_IsTrue(copyobj)) < 0)
		return -1;
	*ret_copy = copy;
	return 0;
}

/* The capsule owning ctx (freed with it on failure). */
static PyObject *
dlpack_capsule(struct dlpack_ctx *ctx, bool versioned, uint64_t flags)
{
	PyObject	*cap;

	if (versioned) {
		ctx->t.versioned.version.major = DLPACK_MAJOR_VERSION;
		ctx->t.versioned.version.minor = DLPACK_MINOR_VERSION;
		ctx->t.versioned.manager_ctx = ctx;
		ctx->t.versioned.deleter = dlpack_versioned_deleter;
		ctx->t.versioned.flags = flags;
		cap = PyCapsule_New(&ctx->t.versioned, "dltensor_versioned",
		    dlpack_capsule_destructor);
	} else {
		ctx->t.legacy.manager_ctx = ctx;
		ctx->t.legacy.deleter = dlpack_legacy_deleter;
		cap = PyCapsule_New(&ctx->t.legacy, "dltensor",
		    dlpack_capsule_destructor);
	}
	if (cap == NULL)
		dlpack_ctx_free(ctx);
	return cap;
}

static PyObject *
view_dlpack(struct view_object *self, PyObject *args, PyObject *kwds)
{
	static const char		*kwlist[] = { "stream", "max_version",
					    "dl_device", "copy", NULL };
	const struct mview_layout		*d;
	struct export_type		 et;
	struct dlpack_ctx		*ctx;
	PyObject			*stream = Py_None, *maxv = Py_None,
					*dev = Py_None, *copyobj = Py_None;
	bool				 versioned, copy;

	/* The arguments' conversions may run code that releases the view. */
	if (!PyArg_ParseTupleAndKeywords(args, kwds, "|$OOOO:__dlpack__",
	    (char **)kwlist, &stream, &maxv, &dev, &copyobj) ||
	    mv_view_check(self) < 0 ||
	    dlpack_args(stream, maxv, dev, copyobj, &versioned, &copy) < 0 ||
	    (d = mv_view_layout(self)) == NULL)
		return NULL;
	if (!export_type_of(d, &et) || et.code == 0xff || !et.native) {
		PyErr_Format(PyExc_BufferError,
		    "format '%s' has no DLPack data type", d->format);
		return NULL;
	}
	if (d->readonly && !versioned && !copy) {
		PyErr_SetString(PyExc_BufferError, "a read-only view needs the "
		    "versioned DLPack capsule: pass max_version=(1, 0)");
		return NULL;
	}
	if ((ctx = calloc(1, sizeof(*ctx))) == NULL)
		return PyErr_NoMemory();
	if (dlpack_fill(self, d, ctx, versioned ? &ctx->t.versioned.dl_tensor :
	    &ctx->t.legacy.dl_tensor, &et, copy) < 0) {
		dlpack_ctx_free(ctx);
		return NULL;
	}
	return dlpack_capsule(ctx, versioned,
	    copy ? DLPACK_FLAG_BITMASK_IS_COPIED :
	    d->readonly ? DLPACK_FLAG_BITMASK_READ_ONLY : 0);
}

PyDoc_STRVAR(view_dlpack_device_doc,
"__dlpack_device__()\n--\n\n"
"(1, 0): CPU memory, device 0.");

static PyObject *
view_dlpack_device(struct view_object *self, PyObject *unused)
{
	if (mv_view_check(self) < 0)
		return NULL;
	return Py_BuildValue("(ii)", kDLCPU, 0);
}

/* --------------------------------------------------- __array_interface__ */

static PyObject *
view_get_array_interface(struct view_object *self, void *closure)
{
	const struct mview_layout		*d;
	struct export_type		 et;
	PyObject			*shape, *strides, *res;
	char				 typestr[8];

	if ((d = mv_view_layout(self)) == NULL)
		return NULL;
	if (!export_type_of(d, &et)) {
		PyErr_Format(PyExc_TypeError,
		    "format '%s' has no __array_interface__ typestr", d->format);
		return NULL;
	}
	snprintf(typestr, sizeof(typestr), "%c%c%d", et.order, et.kind,
	    (int)d->itemsize);
	shape = mv_int64_tuple(d->shape, d->ndim);
	if (mview_view_is_contiguous(self->view, 'C'))
		strides = Py_NewRef(Py_None);
	else
		strides = mv_int64_tuple(d->strides, d->ndim);
	if (shape == NULL || strides == NULL) {
		Py_XDECREF(shape);
		Py_XDECREF(strides);
		return NULL;
	}
	res = Py_BuildValue("{s:i,s:N,s:s,s:[(ss)],s:(NO),s:N}",
	    "version", 3, "shape", shape, "typestr", typestr,
	    "descr", "", typestr,
	    "data", PyLong_FromVoidPtr(mview_view_data(self->view)),
	    d->readonly ? Py_True : Py_False, "strides", strides);
	/* The address is now out of our sight: keep it mapped while this
	 * object lives, even after release(). */
	if (res != NULL)
		self->interface_out = true;
	return res;
}

PyMethodDef mv_view_export_methods[] = {
	{ "__dlpack__", (PyCFunction)(void (*)(void))view_dlpack,
	  METH_VARARGS | METH_KEYWORDS, view_dlpack_doc },
	{ "__dlpack_device__", (PyCFunction)view_dlpack_device, METH_NOARGS,
	  view_dlpack_device_doc },
	{ NULL }
};

/* The element as NumPy sees it: numpy.dtype(typestr), or the typestr
 * itself when NumPy cannot be imported. */
static PyObject *
view_get_dtype(struct view_object *self, void *closure)
{
	const struct mview_layout	*d;
	struct export_type		 et;
	PyObject			*np, *res;
	char				 typestr[8];

	if ((d = mv_view_layout(self)) == NULL)
		return NULL;
	if (!export_type_of(d, &et))
		return PyErr_Format(PyExc_TypeError,
		    "format '%s' has no NumPy dtype", d->format);
	snprintf(typestr, sizeof(typestr), "%c%c%d", et.order, et.kind,
	    (int)d->itemsize);
	if ((np = PyImport_ImportModule("numpy")) == NULL) {
		if (!PyErr_ExceptionMatches(PyExc_ImportError))
			return NULL;
		PyErr_Clear();
		return PyUnicode_FromString(typestr);
	}
	res = PyObject_CallMethod(np, "dtype", "s", typestr);
	Py_DECREF(np);
	return res;
}

PyGetSetDef mv_view_export_getset[] = {
	{ "dtype", (getter)view_get_dtype, NULL,
	  "The element type as a NumPy dtype (numpy.dtype('<f4') for 'f');\n"
	  "its typestr ('<f4') when NumPy is not installed.", NULL },
	{ "__array_interface__", (getter)view_get_array_interface, NULL,
	  "NumPy's array interface (version 3): the address of element\n"
	  "[0, ..., 0], the read-only flag, typestr, shape and strides. The\n"
	  "memory stays mapped while this View object lives.", NULL },
	{ NULL }
};
