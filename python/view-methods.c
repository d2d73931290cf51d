/* SPDX-License-Identifier: MIT */
/* View methods over the algebra: cast, transpose, reshape, toreadonly,
 * tolist, tobytes, hex. */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "mviewmodule.h"

/* ------------------------------------------------------------------ cast */

/* cast()'s shape argument as Python passed it (mview_view_cast_ex()). */
struct cast_shape {
	struct mview_cast_shape	 cs;
	int64_t			*shape;
	uint8_t			*dims;
};

static int
cast_shape_parse(PyObject *shapeobj, struct cast_shape *a)
{
	PyObject	*x;
	Py_ssize_t	 i, n;

	memset(a, 0, sizeof(*a));
	a->cs.ndim = -1;
	if (shapeobj == NULL)
		return 0;
	if (!PyList_Check(shapeobj) && !PyTuple_Check(shapeobj)) {
		a->cs.ndim = 0;
		a->cs.not_sequence = true;
		return 0;
	}
	n = PySequence_Fast_GET_SIZE(shapeobj);
	if (n > INT_MAX)
		n = INT_MAX;	/* more than 64 either way */
	a->shape = PyMem_Calloc((size_t)n + 1, sizeof(*a->shape));
	a->dims = PyMem_Calloc((size_t)n + 1, sizeof(*a->dims));
	if (a->shape == NULL || a->dims == NULL) {
		PyErr_NoMemory();
		return -1;
	}
	for (i = 0; i < n; i++) {
		x = PySequence_Fast_GET_ITEM(shapeobj, i);
		a->dims[i] = MVIEW_DIM_NOT_INT;
		if (!PyLong_Check(x))
			continue;
		a->shape[i] = PyLong_AsSsize_t(x);
		a->dims[i] = MVIEW_DIM_INT;
		if (a->shape[i] == -1 && PyErr_Occurred()) {
			PyErr_Clear();
			a->dims[i] = MVIEW_DIM_TOO_BIG;
		}
	}
	a->cs.ndim = (int)n;
	a->cs.shape = a->shape;
	a->cs.dims = a->dims;
	return 0;
}

static void
cast_shape_free(struct cast_shape *a)
{
	PyMem_Free(a->shape);
	PyMem_Free(a->dims);
}

/*
 * A format that is not ASCII: CPython raises UnicodeEncodeError when it
 * encodes it, after its checks of the view and the shape, which a cast to
 * "B" of the same shape runs with arguments that pass everything else.
 */
static PyObject *
cast_not_ascii(struct view_object *self, PyObject *fmtobj,
    const struct cast_shape *a)
{
	struct mview_cast_shape	 cs = a->cs;
	const struct mview_layout	*d;
	struct mview_view	*v = NULL;
	struct mview_error	 e = { 0 };
	int64_t			 one[MVIEW_MAX_NDIM];
	uint8_t			 dims[MVIEW_MAX_NDIM] = { 0 };
	int			 i, r;

	if ((d = mv_view_layout(self)) == NULL)
		return NULL;
	if (cs.ndim == 0 && !cs.not_sequence && d->ndim == 1)
		cs.ndim = 1;	/* the same checks for a 1-D source */
	if (cs.ndim > 0 && cs.ndim <= MVIEW_MAX_NDIM) {
		for (i = 0; i < cs.ndim; i++)
			one[i] = 1;
		one[0] = (int64_t)mview_view_nbytes(self->view);
		cs.shape = one;
		cs.dims = dims;
	}
	r = mview_view_cast_ex(self->view, "B", &cs, &v, &e);
	mv_view_release_handle(self->client, v);
	if (r < 0)
		return mv_raise_view_error(r, &e);
	Py_XDECREF(PyUnicode_AsASCIIString(fmtobj));	/* raises */
	return NULL;
}

PyDoc_STRVAR(view_cast_doc,
"cast(format, shape=None)\n--\n\n"
"memoryview.cast(): the same bytes as a C-contiguous view of another\n"
"format (one of them must be a byte format: B, b or c) and optionally\n"
"another shape (1-D to N-D or N-D to 1-D). Same checks, in the same order,\n"
"with the same messages as memoryview.");

static PyObject *
view_cast(struct view_object *self, PyObject *args, PyObject *kwds)
{
	static const char	*kwlist[] = { "format", "shape", NULL };
	struct cast_shape	 a;
	struct mview_view	*v = NULL;
	struct mview_error	 e = { 0 };
	PyObject		*fmtobj, *shapeobj = NULL, *ascii, *res = NULL;
	int			 r;

#if PY_VERSION_HEX < 0x030A0000	/* memoryview's unnamed parse before 3.10 */
	if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|O",
#else
	if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|O:cast",
#endif
	    (char **)kwlist, &fmtobj, &shapeobj))
		return NULL;
	if (!PyUnicode_Check(fmtobj)) {
#if PY_VERSION_HEX < 0x030A0000	/* memoryview's words before 3.10 */
		PyErr_SetString(PyExc_TypeError,
		    "memoryview: format argument must be a string");
#else
		PyErr_Format(PyExc_TypeError, "cast() argument 'format' must "
		    "be str, not %.50s", Py_TYPE(fmtobj)->tp_name);
#endif
		return NULL;
	}
	if (mv_view_check(self) < 0 || cast_shape_parse(shapeobj, &a) < 0)
		return NULL;
	if ((ascii = PyUnicode_AsASCIIString(fmtobj)) == NULL) {
		PyErr_Clear();
		res = cast_not_ascii(self, fmtobj, &a);
	} else {
		r = mview_view_cast_ex(self->view, PyBytes_AS_STRING(ascii),
		    &a.cs, &v, &e);
		Py_DECREF(ascii);
		res = r < 0 ? mv_raise_view_error(r, &e) :
		    mv_view_derive(self, v);
	}
	cast_shape_free(&a);
	return res;
}

/* ---------------------------------------------------- transpose, reshape */

/* NumPy's axes argument: f(), f(None), f(seq) or f(a, b, ...). */
static PyObject *
methods_axes_arg(PyObject *args, bool *ret_none)
{
	PyObject	*arg;

	*ret_none = false;
	if (PyTuple_GET_SIZE(args) == 0) {
		*ret_none = true;
		return NULL;
	}
	if (PyTuple_GET_SIZE(args) == 1) {
		arg = PyTuple_GET_ITEM(args, 0);
		if (arg == Py_None) {
			*ret_none = true;
			return NULL;
		}
		if (!PyIndex_Check(arg))
			return PySequence_Fast(arg, "an integer or a sequence "
			    "of integers is required");
	}
	return Py_NewRef(args);
}

PyDoc_STRVAR(view_transpose_doc,
"transpose(*axes)\n--\n\n"
"NumPy's transpose(): the same memory with its axes permuted (default:\n"
"reversed); axes as separate ints or one sequence, negative counting from\n"
"the end. No copy; the offset is unchanged.");

static PyObject *
view_transpose(struct view_object *self, PyObject *args, PyObject *kwds)
{
	struct mview_view	*v = NULL;
	struct mview_error	 e = { 0 };
	PyObject		*seq;
	Py_ssize_t		 i, n = 0;
	int64_t			*perm = NULL;
	int			 r;
	bool			 none;

	if (kwds != NULL && PyDict_GET_SIZE(kwds) > 0) {
		PyErr_SetString(PyExc_TypeError,
		    "transpose() takes no keyword arguments");
		return NULL;
	}
	if (mv_view_check(self) < 0)
		return NULL;
	seq = methods_axes_arg(args, &none);
	if (seq == NULL && !none)
		return NULL;
	if (seq != NULL) {
		n = PySequence_Fast_GET_SIZE(seq);
		if (n > INT_MAX || (perm = PyMem_Calloc((size_t)n + 1,
		    sizeof(*perm))) == NULL) {
			Py_DECREF(seq);
			return PyErr_NoMemory();
		}
		for (i = 0; i < n; i++) {
			perm[i] = PyNumber_AsSsize_t(
			    PySequence_Fast_GET_ITEM(seq, i), NULL);
			if (perm[i] == -1 && PyErr_Occurred())
				break;
		}
		Py_DECREF(seq);
		if (PyErr_Occurred()) {
			PyMem_Free(perm);
			return NULL;
		}
		if (mv_view_check(self) < 0) {
			PyMem_Free(perm);
			return NULL;
		}
	}
	r = mview_view_transpose(self->view, perm, (int)n, &v, &e);
	PyMem_Free(perm);
	if (r < 0)
		return mv_raise_view_error(r, &e);
	return mv_view_derive(self, v);
}

static PyObject *
view_get_T(struct view_object *self, void *closure)
{
	struct mview_view	*v = NULL;
	struct mview_error	 e = { 0 };
	int			 r;

	if (mv_view_check(self) < 0)
		return NULL;
	if ((r = mview_view_transpose(self->view, NULL, 0, &v, &e)) < 0)
		return mv_raise_view_error(r, &e);
	return mv_view_derive(self, v);
}

PyDoc_STRVAR(view_reshape_doc,
"reshape(*shape)\n--\n\n"
"NumPy's reshape() of a C-contiguous view, without copying: extents as\n"
"separate ints or one sequence, one of them may be -1 (inferred).");

static PyObject *
view_reshape(struct view_object *self, PyObject *args, PyObject *kwds)
{
	struct mview_view	*v = NULL;
	struct mview_error	 e = { 0 };
	int64_t			 shape[MVIEW_MAX_NDIM];
	PyObject		*seq;
	Py_ssize_t		 i, n;
	int			 r;
	bool			 none;

	if (kwds != NULL && PyDict_GET_SIZE(kwds) > 0) {
		PyErr_SetString(PyExc_TypeError,
		    "reshape() takes no keyword arguments");
		return NULL;
	}
	if (mv_view_check(self) < 0)
		return NULL;
	if ((seq = methods_axes_arg(args, &none)) == NULL) {
		if (none)
			PyErr_SetString(PyExc_TypeError,
			    "reshape() needs a shape");
		return NULL;
	}
	if ((n = PySequence_Fast_GET_SIZE(seq)) > MVIEW_MAX_NDIM) {
		Py_DECREF(seq);
		PyErr_Format(PyExc_ValueError, "maximum supported dimension "
		    "for a view is %d, found %zd", MVIEW_MAX_NDIM, n);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		shape[i] = PyNumber_AsSsize_t(PySequence_Fast_GET_ITEM(seq, i),
		    PyExc_ValueError);
		if (shape[i] == -1 && PyErr_Occurred()) {
			Py_DECREF(seq);
			return NULL;
		}
	}
	Py_DECREF(seq);
	if (mv_view_check(self) < 0)
		return NULL;
	r = mview_view_reshape(self->view, (int)n, shape, &v, &e);
	if (r < 0)
		return mv_raise_view_error(r, &e);
	return mv_view_derive(self, v);
}

PyDoc_STRVAR(view_toreadonly_doc,
"toreadonly()\n--\n\n"
"A read-only view of the same memory (the flag can never be cleared on\n"
"it), as memoryview.toreadonly(). Publishing it publishes it read-only.");

static PyObject *
view_toreadonly(struct view_object *self, PyObject *unused)
{
	struct mview_view	*v = NULL;
	int			 r;

	if (mv_view_check(self) < 0)
		return NULL;
	if ((r = mview_view_toreadonly(self->view, &v)) < 0)
		return mv_raise_errno(r, NULL, NULL);
	return mv_view_derive(self, v);
}

/* ---------------------------------------------------------------- output */

static PyObject *
tolist_rec(struct view_object *self, const struct mview_layout *d, int dim,
    const char *p)
{
	PyObject	*list, *item;
	int64_t		 i;

	if (dim == d->ndim)
		return mv_view_item_at(self, p);
	if ((list = PyList_New((Py_ssize_t)d->shape[dim])) == NULL)
		return NULL;
	for (i = 0; i < d->shape[dim]; i++) {
		item = tolist_rec(self, d, dim + 1, p + i * d->strides[dim]);
		if (item == NULL) {
			Py_DECREF(list);
			return NULL;
		}
		PyList_SET_ITEM(list, (Py_ssize_t)i, item);
	}
	return list;
}

PyDoc_STRVAR(view_tolist_doc,
"tolist()\n--\n\n"
"The elements as (nested) lists of Python values, in C order, as\n"
"memoryview.tolist(); a 0-dim view gives its one value.");

static PyObject *
view_tolist(struct view_object *self, PyObject *unused)
{
	const struct mview_layout	*d;

	if ((d = mv_view_layout(self)) == NULL ||
	    mv_view_adjust_format(self) == NULL)
		return NULL;
	return tolist_rec(self, d, 0, mview_view_data(self->view));
}

PyDoc_STRVAR(view_tobytes_doc,
"tobytes(order='C')\n--\n\n"
"A copy of the bytes, in C order ('C', the default), Fortran order ('F')\n"
"or as laid out when contiguous ('A'), as memoryview.tobytes().");

/* The bytes in order 'C', 'F' or 'A' (anything else: the algebra's error). */
static PyObject *
view_bytes(struct view_object *self, char order)
{
	struct mview_error	 e = { 0 };
	PyObject		*res;
	uint64_t		 n;
	int			 r;

	if (mv_view_check(self) < 0)
		return NULL;
	n = mview_view_nbytes(self->view);
	if (n > PY_SSIZE_T_MAX)
		return PyErr_NoMemory();
	if ((res = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)n)) == NULL)
		return NULL;
	r = mview_view_tobytes(self->view, order, PyBytes_AS_STRING(res),
	    (size_t)n, &e);
	if (r < 0) {
		Py_DECREF(res);
		return mv_raise_view_error(r, &e);
	}
	return res;
}

static PyObject *
view_tobytes(struct view_object *self, PyObject *args, PyObject *kwds)
{
	static const char	*kwlist[] = { "order", NULL };
	PyObject		*orderobj = Py_None;
	const char		*order = "C";

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O:tobytes", (char **)kwlist,
	    &orderobj))
		return NULL;
	if (orderobj != Py_None && !PyUnicode_Check(orderobj)) {
#if PY_VERSION_HEX < 0x030A0000	/* memoryview's words before 3.10 */
		PyErr_Format(PyExc_TypeError, "argument 1 must be str or None, "
		    "not %.50s", Py_TYPE(orderobj)->tp_name);
#else
		PyErr_Format(PyExc_TypeError, "tobytes() argument 'order' must "
		    "be str or None, not %.50s", Py_TYPE(orderobj)->tp_name);
#endif
		return NULL;
	}
	if (orderobj != Py_None && (order = PyUnicode_AsUTF8(orderobj)) == NULL)
		return NULL;
	return view_bytes(self, strlen(order) == 1 ? order[0] : '?');
}

PyDoc_STRVAR(view_hex_doc,
"hex(sep=None, bytes_per_sep=1)\n--\n\n"
"The C-order bytes in hexadecimal, as memoryview.hex() and bytes.hex().");

static PyObject *
view_hex(struct view_object *self, PyObject *args, PyObject *kwds)
{
	PyObject	*bytes, *meth, *res;

	if ((bytes = view_bytes(self, 'C')) == NULL)
		return NULL;
	meth = PyObject_GetAttrString(bytes, "hex");
	Py_DECREF(bytes);
	if (meth == NULL)
		return NULL;
	res = PyObject_Call(meth, args, kwds);
	Py_DECREF(meth);
	return res;
}

PyMethodDef mv_view_algebra_methods[] = {
	{ "cast", (PyCFunction)(void (*)(void))view_cast,
	  METH_VARARGS | METH_KEYWORDS, view_cast_doc },
	{ "transpose", (PyCFunction)(void (*)(void))view_transpose,
	  METH_VARARGS | METH_KEYWORDS, view_transpose_doc },
	{ "reshape", (PyCFunction)(void (*)(void))view_reshape,
	  METH_VARARGS | METH_KEYWORDS, view_reshape_doc },
	{ "toreadonly", (PyCFunction)view_toreadonly, METH_NOARGS,
	  view_toreadonly_doc },
	{ "tolist", (PyCFunction)view_tolist, METH_NOARGS, view_tolist_doc },
	{ "tobytes", (PyCFunction)(void (*)(void))view_tobytes,
	  METH_VARARGS | METH_KEYWORDS, view_tobytes_doc },
	{ "hex", (PyCFunction)(void (*)(void))view_hex,
	  METH_VARARGS | METH_KEYWORDS, view_hex_doc },
	{ NULL }
};

PyGetSetDef mv_view_algebra_getset[] = {
	{ "T", (getter)view_get_T, NULL,
	  "The transposed view (axes reversed), as NumPy's .T.", NULL },
	{ NULL }
};
