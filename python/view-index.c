/* SPDX-License-Identifier: MIT */
/* v[key] and v[key] = value: Python keys and values to the algebra's. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "mviewmodule.h"

#define KEYS_STACK	8

enum key_class {
	KEY_INDEX,	/* has __index__ */
	KEY_SLICE,
	KEY_ELLIPSIS,
	KEY_OTHER,
};

/* A Python subscript as the algebra's keys. */
struct keys {
	struct mview_key	*k;
	struct mview_key	 stack[KEYS_STACK];
	size_t			 n;
	unsigned		 flags;
	bool			 all_index, all_slice, any_other;
};

static enum key_class
key_classify(PyObject *obj)
{
	if (obj == Py_Ellipsis)
		return KEY_ELLIPSIS;
	if (PySlice_Check(obj))
		return KEY_SLICE;
	if (PyIndex_Check(obj))
		return KEY_INDEX;
	return KEY_OTHER;
}

static void
keys_free(struct keys *ks)
{
	if (ks->k != ks->stack)
		PyMem_Free(ks->k);
}

/* The classes of key (a tuple: of each item), before converting any. */
static int
keys_prepare(struct keys *ks, PyObject *key)
{
	Py_ssize_t	 i, n = 1;
	enum key_class	 c;

	memset(ks, 0, sizeof(*ks));
	ks->k = ks->stack;
	ks->all_index = ks->all_slice = true;
	if (PyTuple_Check(key)) {
		ks->flags = MVIEW_SUBSCRIPT_TUPLE;
		n = PyTuple_GET_SIZE(key);
	}
	if (n > KEYS_STACK &&
	    (ks->k = PyMem_Calloc((size_t)n, sizeof(*ks->k))) == NULL) {
		ks->k = ks->stack;
		PyErr_NoMemory();
		return -1;
	}
	ks->n = (size_t)n;
	for (i = 0; i < n; i++) {
		c = key_classify(ks->flags ? PyTuple_GET_ITEM(key, i) : key);
		ks->all_index &= c == KEY_INDEX;
		ks->all_slice &= c == KEY_SLICE;
		ks->any_other |= c == KEY_OTHER;
	}
	return 0;
}

static PyObject *
keys_item(PyObject *key, const struct keys *ks, size_t i)
{
	return ks->flags ? PyTuple_GET_ITEM(key, (Py_ssize_t)i) : key;
}

/*
 * Convert the items. Indices that do not fit a Py_ssize_t raise IndexError
 * "cannot fit ...", except (clamp) on memoryview's multi-index path, where
 * CPython looks each index up before converting the next one: there
 * *ret_overflow gets the first such position.
 */
static int
keys_convert(struct keys *ks, PyObject *key, bool clamp,
    Py_ssize_t *ret_overflow)
{
	struct mview_key	*k;
	PyObject		*obj;
	Py_ssize_t		 start, stop, step;
	size_t			 i;

	*ret_overflow = -1;
	for (i = 0; i < ks->n; i++) {
		k = &ks->k[i];
		obj = keys_item(key, ks, i);
		switch (key_classify(obj)) {
		case KEY_ELLIPSIS:
			k->kind = MVIEW_KEY_ELLIPSIS;
			break;
		case KEY_SLICE:
			if (PySlice_Unpack(obj, &start, &stop, &step) < 0)
				return -1;
			k->kind = MVIEW_KEY_SLICE;
			k->start = start;
			k->stop = stop;
			k->step = step;
			k->has_start = k->has_stop = k->has_step = true;
			break;
		case KEY_INDEX:
			k->kind = MVIEW_KEY_INDEX;
			k->index = PyNumber_AsSsize_t(obj,
			    clamp ? NULL : PyExc_IndexError);
			if (k->index == -1 && PyErr_Occurred())
				return -1;
			if (clamp && *ret_overflow < 0 &&
			    (k->index == PY_SSIZE_T_MAX ||
			    k->index == PY_SSIZE_T_MIN) &&
			    PyNumber_AsSsize_t(obj, PyExc_IndexError) == -1 &&
			    PyErr_Occurred()) {
				PyErr_Clear();
				*ret_overflow = (Py_ssize_t)i;
			}
			break;
		default:
			PyErr_SetString(PyExc_TypeError,
			    "memoryview: invalid slice key");
			return -1;
		}
	}
	return 0;
}

/* After an index that did not fit: CPython reports an earlier index out
 * of bounds first (the algebra's message), else the conversion error. */
static bool
keys_overflow_is_first(const struct keys *ks, const struct mview_layout *d,
    Py_ssize_t overflow)
{
	Py_ssize_t	i;
	int64_t		x;

	if ((int)ks->n > d->ndim)
		return false;	/* the tuple length is checked first */
	for (i = 0; i < overflow; i++) {
		x = ks->k[i].index;
		if (x < -d->shape[i] || x >= d->shape[i])
			return false;
	}
	return true;
}

/* The subscript: MVIEW_SUB_VIEW and *ret_view, MVIEW_SUB_ITEM and
 * *ret_item, or -1 (raised). */
static int
keys_subscript(struct view_object *self, const struct keys *ks,
    struct mview_view **ret_view, void **ret_item)
{
	struct mview_error	e = { 0 };
	int			r;

	r = mview_view_subscript(self->view, ks->k, ks->n, ks->flags, ret_view,
	    ret_item, &e);
	if (r < 0) {
		mv_raise_view_error(r, &e);
		return -1;
	}
	return r;
}

/*
 * A tuple of slices, or of indices and slices, without an Ellipsis and
 * with more entries than dimensions: NumPy fails too ("too many indices"), so memoryview's error
 * wins (NotImplementedError for slices only, else TypeError); -1 raised.
 */
static int
keys_too_many(const struct keys *ks, PyObject *key, int ndim,
    const char *slices_msg)
{
	size_t	i, n = 0;

	if (!ks->flags || ks->all_index)
		return 0;
	for (i = 0; i < ks->n; i++)
		if (keys_item(key, ks, i) == Py_Ellipsis)
			return 0;	/* NumPy's, whatever it says */
	if ((n = ks->n) <= (size_t)ndim)
		return 0;
	if (ks->all_slice)
		PyErr_SetString(PyExc_NotImplementedError, slices_msg);
	else
		PyErr_SetString(PyExc_TypeError,
		    "memoryview: invalid slice key");
	return -1;
}

/*
 * Convert the keys, then keys_subscript(). A key's __index__ may release
 * the view: a slice (keep_released) is still taken from what the view
 * held, as memoryview does; anything else raises.
 */
static int
keys_apply(struct view_object *self, PyObject *key, struct keys *ks,
    bool memoryview_path, bool keep_released, struct mview_view **ret_view,
    void **ret_item)
{
	const struct mview_layout	*d = &self->layout;
	Py_ssize_t		 overflow;
	int			 r;

	self->busy++;
	r = keys_convert(ks, key, memoryview_path, &overflow);
	self->busy--;
	if (r < 0)
		return -1;
	if (self->released && !keep_released) {
		mv_view_settle(self);
		return mv_view_check(self);
	}
	if (overflow >= 0 && keys_overflow_is_first(ks, d, overflow)) {
		PyNumber_AsSsize_t(keys_item(key, ks, (size_t)overflow),
		    PyExc_IndexError);
		r = -1;
	} else
		r = keys_subscript(self, ks, ret_view, ret_item);
	mv_view_settle(self);
	return r;
}

/* A 0-dim view: v[()] and v[...]; anything else is the algebra's error. */
static int
keys_zero_dim(struct keys *ks, PyObject *key)
{
	if (key == Py_Ellipsis) {
		ks->n = 1;
		ks->flags = 0;
		ks->k[0].kind = MVIEW_KEY_ELLIPSIS;
	} else if (PyTuple_Check(key) && PyTuple_GET_SIZE(key) == 0) {
		ks->n = 0;
		ks->flags = MVIEW_SUBSCRIPT_TUPLE;
	} else {
		ks->n = 1;
		ks->flags = 0;
		memset(&ks->k[0], 0, sizeof(ks->k[0]));
		ks->k[0].kind = MVIEW_KEY_INDEX;
		return 0;
	}
	return 1;
}

static int
keys_zero_dim_apply(struct view_object *self, PyObject *key,
    struct keys *ks, struct mview_view **ret_view, void **ret_item)
{
	ks->k = ks->stack;
	if (keys_zero_dim(ks, key) == 1 && ks->n == 0 &&
	    mv_view_adjust_format(self) == NULL)
		return -1;
	return keys_subscript(self, ks, ret_view, ret_item);
}

/* ----------------------------------------------------------------- values */

static PyObject *
value_to_object(const struct mview_value *val)
{
	switch (val->type) {
	case MVIEW_VALUE_INT:
		return PyLong_FromLongLong(val->i);
	case MVIEW_VALUE_UINT:
		return PyLong_FromUnsignedLongLong(val->u);
	case MVIEW_VALUE_FLOAT:
		return PyFloat_FromDouble(val->f);
	case MVIEW_VALUE_BOOL:
		return PyBool_FromLong(val->b);
	case MVIEW_VALUE_BYTE:
		return PyBytes_FromStringAndSize((const char *)&val->c, 1);
	case MVIEW_VALUE_BIGINT:	/* inputs only */
	case MVIEW_VALUE_BYTES:
	case MVIEW_VALUE_OTHER:
		break;
	}
	PyErr_SetString(PyExc_SystemError, "mview: unknown value type");
	return NULL;
}

PyObject *
mv_view_item_at(struct view_object *self, const void *item)
{
	struct mview_value	val;
	struct mview_error	e = { 0 };
	int			r;

	if ((r = mview_view_get_item(self->view, item, &val, &e)) < 0)
		return mv_raise_view_error(r, &e);
	return value_to_object(&val);
}

/*
 * Python values as the algebra's inputs. Only Python's own exceptions are
 * raised here; what cannot be stored (wrong type, out of range) goes to the
 * algebra as OTHER, BIGINT or BYTES, which answers with CPython's messages
 * ("memoryview: invalid type for format 'h'") in CPython's order.
 */
static void
value_other(struct mview_value *out)
{
	out->type = MVIEW_VALUE_OTHER;
	out->b = true;
}

/* A TypeError while converting means "invalid type"; others propagate. */
static int
value_type_failed(struct mview_value *out)
{
	if (!PyErr_ExceptionMatches(PyExc_TypeError))
		return -1;
	PyErr_Clear();
	value_other(out);
	return 0;
}

static void
value_bigint(PyObject *num, int sign, struct mview_value *out)
{
	out->type = MVIEW_VALUE_BIGINT;
	out->f = PyLong_AsDouble(num);
	if (out->f == -1.0 && PyErr_Occurred()) {	/* beyond a double */
		PyErr_Clear();
		out->f = sign < 0 ? -HUGE_VAL : HUGE_VAL;
	}
}

/* An int (integer formats: anything with __index__; 'P': an int). */
static int
value_int(PyObject *obj, bool pointer, struct mview_value *out)
{
	PyObject	*num;
	long long	 ll;
	int		 overflow;

	if (pointer && !PyLong_Check(obj)) {
		value_other(out);
		return 0;
	}
	if ((num = pointer ? Py_NewRef(obj) : PyNumber_Index(obj)) == NULL)
		return value_type_failed(out);
	ll = PyLong_AsLongLongAndOverflow(num, &overflow);
	if (overflow == 0) {
		out->type = MVIEW_VALUE_INT;
		out->i = ll;
		if (pointer && ll < 0) {	/* PyLong_AsVoidPtr wraps */
			out->type = MVIEW_VALUE_UINT;
			out->u = (uint64_t)ll;
		}
	} else if (overflow > 0 &&
	    ((out->u = PyLong_AsUnsignedLongLong(num)) != (uint64_t)-1 ||
	    !PyErr_Occurred())) {
		out->type = MVIEW_VALUE_UINT;
	} else {
		PyErr_Clear();
		value_bigint(num, overflow, out);
	}
	Py_DECREF(num);
	return 0;
}

/* A float (e f d): anything PyFloat_AsDouble takes. */
static int
value_float(PyObject *obj, struct mview_value *out)
{
	out->type = MVIEW_VALUE_FLOAT;
	out->f = PyFloat_AsDouble(obj);
	if (!(out->f == -1.0 && PyErr_Occurred()))
		return 0;
	if (PyErr_ExceptionMatches(PyExc_OverflowError)) {
		PyErr_Clear();
		out->type = MVIEW_VALUE_BIGINT;	/* an int too large */
		out->f = HUGE_VAL;
		return 0;
	}
	return value_type_failed(out);
}

/* CPython's pack_single() conversions of obj for the (adjusted) format. */
static int
value_from_object(PyObject *obj, const char *fmt, struct mview_value *out)
{
	int	b;

	memset(out, 0, sizeof(*out));
	switch (fmt[0]) {
	case 'b': case 'h': case 'i': case 'l': case 'q': case 'n':
	case 'B': case 'H': case 'I': case 'L': case 'Q': case 'N':
		return value_int(obj, false, out);
	case 'P':
		return value_int(obj, true, out);
	case 'e': case 'f': case 'd':
		return value_float(obj, out);
	case '?':
		if ((b = PyObject_IsTrue(obj)) < 0)
			return -1;
		out->type = MVIEW_VALUE_BOOL;
		out->b = b;
		return 0;
	case 'c':
		if (!PyBytes_Check(obj))
			value_other(out);
		else if (PyBytes_GET_SIZE(obj) != 1) {
			out->type = MVIEW_VALUE_BYTES;
			out->n = (size_t)PyBytes_GET_SIZE(obj);
		} else {
			out->type = MVIEW_VALUE_BYTE;
			out->c = (unsigned char)PyBytes_AS_STRING(obj)[0];
		}
		return 0;
	default:	/* the algebra says the format is not supported */
		value_other(out);
		return 0;
	}
}

/* ------------------------------------------------------------ v[key] */

PyObject *
mv_view_subscript(struct view_object *self, PyObject *key)
{
	const struct mview_layout	*d;
	struct mview_view	*v = NULL;
	struct keys		 ks;
	PyObject		*res;
	void			*item = NULL;
	int			 r, ndim;
	bool			 mvpath;

	if ((d = mv_view_layout(self)) == NULL)
		return NULL;
	ndim = d->ndim;
	if (ndim == 0 && key == Py_Ellipsis)	/* memoryview: the view itself */
		return Py_NewRef((PyObject *)self);
	if (ndim == 0)
		r = keys_zero_dim_apply(self, key, &ks, &v, &item);
	else {
		if (keys_prepare(&ks, key) < 0)
			return NULL;
		/* memoryview checks the format before looking at ints; it
		 * looks a full tuple of ints up one index at a time. */
		mvpath = ks.flags && ks.all_index && (int)ks.n >= ndim;
		if (ks.all_index && mv_view_adjust_format(self) == NULL)
			r = -1;
		else if (ks.any_other) {
			PyErr_SetString(PyExc_TypeError,
			    "memoryview: invalid slice key");
			r = -1;
		} else if (keys_too_many(&ks, key, ndim,
		    "multi-dimensional slicing is not implemented") < 0)
			r = -1;
		else
			r = keys_apply(self, key, &ks, mvpath, ks.all_slice, &v,
			    &item);
		keys_free(&ks);
	}
	if (r < 0)
		res = NULL;
	else if (r == MVIEW_SUB_ITEM)
		res = mv_view_item_at(self, item);
	else
		res = mv_view_derive(self, v);
	return res;
}

/* ---------------------------------------------------- v[key] = value */

/* A Py_buffer as a descriptor for mview_view_assign(). */
static void
store_buffer_desc(const Py_buffer *src, struct mview_desc *ret)
{
	const char	*fmt = src->format != NULL ? src->format : "B";
	int		 i;
	int64_t		 stride;

	memset(ret, 0, sizeof(*ret));
	snprintf(ret->format, sizeof(ret->format), "%s", fmt);
	ret->itemsize = src->itemsize;
	ret->ndim = src->ndim <= MVIEW_MAX_NDIM ? src->ndim : MVIEW_MAX_NDIM;
	ret->readonly = true;
	if (src->shape == NULL) {	/* a simple buffer: bytes */
		ret->ndim = 1;
		ret->shape[0] = src->len / (src->itemsize ? src->itemsize : 1);
		ret->strides[0] = src->itemsize;
		return;
	}
	stride = src->itemsize;
	for (i = ret->ndim - 1; i >= 0; i--) {
		ret->shape[i] = src->shape[i];
		ret->strides[i] = src->strides != NULL ? src->strides[i] : stride;
		stride *= src->shape[i];
	}
}

/* dst[...] = src, with src a buffer of the same format and shape. */
static int
store_assign(struct view_object *self, struct mview_view *dst,
    Py_buffer *src)
{
	struct mview_desc	sd;
	struct mview_error	e = { 0 };
	int			r;

	if (mv_view_check(self) < 0)	/* the exporter may have run code */
		return -1;
	store_buffer_desc(src, &sd);
	if ((r = mview_view_assign(dst, src->buf, &sd, &e)) < 0) {
		mv_raise_view_error(r, &e);
		return -1;
	}
	return 0;
}

/* An element store: value converted by the format's rules. */
static int
store_item(struct view_object *self, void *item, const char *fmt,
    PyObject *value)
{
	struct mview_value	val;
	struct mview_error	e = { 0 };
	int			r;

	if (value_from_object(value, fmt, &val) < 0)
		return -1;
	if (mv_view_check(self) < 0)	/* __index__ may have released it */
		return -1;
	if ((r = mview_view_set_item(self->view, item, &val, &e)) < 0) {
		mv_raise_view_error(r, &e);
		return -1;
	}
	return 0;
}

/* The NumPy path: a buffer is copied in, anything else fills. */
static int
store_numpy(struct view_object *self, struct mview_view *dst,
    const char *fmt, PyObject *value)
{
	struct mview_value	 val;
	struct mview_error	 e = { 0 };
	Py_buffer		 src;
	int			 r;

	if (PyObject_CheckBuffer(value)) {
		if (PyObject_GetBuffer(value, &src, PyBUF_RECORDS_RO) < 0)
			return -1;
		r = store_assign(self, dst, &src);
		PyBuffer_Release(&src);
		return r;
	}
	if (PyList_Check(value) || PyTuple_Check(value)) {
		PyErr_Format(PyExc_TypeError, "mview: a sub-view is assigned "
		    "from a buffer of its shape (a View, memoryview or NumPy "
		    "array) or from a single value, not from a %.200s",
		    Py_TYPE(value)->tp_name);
		return -1;
	}
	if (value_from_object(value, fmt, &val) < 0 || mv_view_check(self) < 0)
		return -1;
	if ((r = mview_view_fill(dst, &val, &e)) < 0) {
		mv_raise_view_error(r, &e);
		return -1;
	}
	return 0;
}

/* memoryview's one-dimensional slice assignment: the rvalue must be a
 * buffer, asked for before the slice is even looked at. */
static int
store_slice_1d(struct view_object *self, PyObject *key, struct keys *ks,
    PyObject *value)
{
	struct mview_view	*dst = NULL;
	Py_buffer		 src;
	void			*item;
	int			 r;

	if (PyObject_GetBuffer(value, &src, PyBUF_RECORDS_RO) < 0)
		return -1;
	r = keys_apply(self, key, ks, false, false, &dst, &item);
	if (r == MVIEW_SUB_VIEW || r == MVIEW_SUB_FILL)
		r = store_assign(self, dst, &src);
	else if (r == MVIEW_SUB_ITEM) {
		PyErr_SetString(PyExc_SystemError, "mview: slice gave an item");
		r = -1;
	}
	mv_view_release_handle(self->client, dst);
	PyBuffer_Release(&src);
	return r;
}

/* Store value where the subscript r led: an element, or a view (then
 * released). */
static int
store_at(struct view_object *self, int r, struct mview_view *dst, void *item,
    const char *fmt, PyObject *value)
{
	if (r == MVIEW_SUB_ITEM && fmt == NULL)	/* memoryview's answer */
		return mv_view_adjust_format(self) != NULL ? 0 : -1;
	if (r == MVIEW_SUB_ITEM)
		return store_item(self, item, fmt, value);
	if (r == MVIEW_SUB_VIEW || r == MVIEW_SUB_FILL) {
		r = store_numpy(self, dst, fmt, value);
		mv_view_release_handle(self->client, dst);
	}
	return r;
}

int
mv_view_ass_subscript(struct view_object *self, PyObject *key,
    PyObject *value)
{
	const struct mview_layout	*d;
	struct mview_view	*dst = NULL;
	struct keys		 ks;
	const char		*fmt;
	void			*item = NULL;
	int			 r;

	if ((d = mv_view_layout(self)) == NULL)
		return -1;
	/* Where memoryview gives up on the format, a buffer is still copied
	 * in, as NumPy does (no element is converted). */
	if ((fmt = mv_view_adjust_format(self)) == NULL) {
		if (!PyErr_ExceptionMatches(PyExc_NotImplementedError) ||
		    value == NULL || !PyObject_CheckBuffer(value))
			return -1;
		PyErr_Clear();
	}
	if (d->readonly) {
		PyErr_SetString(PyExc_TypeError,
		    "cannot modify read-only memory");
		return -1;
	}
	if (value == NULL) {
		PyErr_SetString(PyExc_TypeError, "cannot delete memory");
		return -1;
	}
	if (d->ndim == 0) {	/* v[...] of a 0-dim view: the view itself */
		r = keys_zero_dim_apply(self, key, &ks, &dst, &item);
		return store_at(self, r, dst, item, fmt, value);
	}
	if (keys_prepare(&ks, key) < 0)
		return -1;
	if (ks.any_other) {
		PyErr_SetString(PyExc_TypeError,
		    "memoryview: invalid slice key");
		r = -1;
	} else if (keys_too_many(&ks, key, d->ndim, "memoryview slice "
	    "assignments are currently restricted to ndim = 1") < 0)
		r = -1;
	else if (!ks.flags && ks.all_slice && d->ndim == 1)
		r = store_slice_1d(self, key, &ks, value);
	else {
		r = keys_apply(self, key, &ks,
		    ks.flags && ks.all_index && (int)ks.n >= d->ndim, false,
		    &dst, &item);
		r = store_at(self, r, dst, item, fmt, value);
	}
	keys_free(&ks);
	return r;
}
