/* SPDX-License-Identifier: MIT */
/* NumPy's words: dtype arguments, and Client.share() of an array. */
#include <string.h>

#include "mviewmodule.h"

/* What a struct format (or a typestr without '|') is written with. */
static const char struct_chars[] = "@=<>!xcbB?hHiIlLqQnNefdspPZ0123456789 ";

/*
 * A format argument as the str the library takes: struct formats and
 * typestrs as they are; NumPy dtypes, scalar types and names ("float32",
 * numpy.complex64) through numpy.dtype(...).str when NumPy is importable.
 */
PyObject *
mv_format_arg(PyObject *obj)
{
	PyObject	*np, *dt, *res;
	const char	*s;
	Py_ssize_t	 len;

	if (obj == NULL)
		return PyUnicode_FromString("B");
	if (PyUnicode_Check(obj)) {
		if ((s = PyUnicode_AsUTF8AndSize(obj, &len)) == NULL)
			return NULL;
		if (strlen(s) != (size_t)len) {
			PyErr_SetString(PyExc_ValueError,
			    "embedded null character");
			return NULL;
		}
		if (s[0] != '\0' && s[strspn(s, struct_chars)] == '\0')
			return Py_NewRef(obj);
	}
	if ((np = PyImport_ImportModule("numpy")) == NULL) {
		if (!PyErr_ExceptionMatches(PyExc_ImportError))
			return NULL;
		PyErr_Clear();
		if (PyUnicode_Check(obj))	/* the library says what is wrong */
			return Py_NewRef(obj);
		return PyErr_Format(PyExc_TypeError, "format must be a str "
		    "(a struct format or NumPy typestr), not %.200s; dtypes "
		    "need NumPy", Py_TYPE(obj)->tp_name);
	}
	dt = PyObject_CallMethod(np, "dtype", "O", obj);
	Py_DECREF(np);
	if (dt == NULL) {
		if (!PyUnicode_Check(obj))
			return NULL;
		PyErr_Clear();
		return Py_NewRef(obj);
	}
	res = PyObject_GetAttrString(dt, "str");
	Py_DECREF(dt);
	return res;
}

static PyObject *
share_publish(struct client_object *self, PyObject *name, PyObject *view,
    int replace)
{
	PyObject	*meth, *args, *kw, *r = NULL;

	meth = PyObject_GetAttrString((PyObject *)self, "publish");
	args = Py_BuildValue("(OO)", name, view);
	kw = Py_BuildValue("{s:O}", "replace", replace ? Py_True : Py_False);
	if (meth != NULL && args != NULL && kw != NULL)
		r = PyObject_Call(meth, args, kw);
	Py_XDECREF(meth);
	Py_XDECREF(args);
	Py_XDECREF(kw);
	return r;
}

/* Create, copy, publish; the segment handle is dropped either way. */
static PyObject *
share_into(struct client_object *self, Py_buffer *buf, PyObject *name,
    PyObject *mode, PyObject *lifetime, int replace)
{
	PyObject	*seg, *shape, *view = NULL, *r;

	seg = PyObject_CallMethod((PyObject *)self, "create", "OnOO", name,
	    buf->len > 0 ? buf->len : (Py_ssize_t)1, mode, lifetime);
	if (seg == NULL)
		return NULL;
	if ((shape = PyTuple_New(buf->ndim)) == NULL)
		goto fail;
	for (int i = 0; i < buf->ndim; i++)
		PyTuple_SET_ITEM(shape, i, PyLong_FromSsize_t(buf->shape[i]));
	view = PyObject_CallMethod(seg, "view", "sN",
	    buf->format != NULL ? buf->format : "B", shape);
	if (view == NULL)
		goto fail;
	if (buf->len > 0 && PyBuffer_ToContiguous(mview_view_data(
	    ((struct view_object *)view)->view), buf, buf->len, 'C') < 0)
		goto fail;
	if ((r = share_publish(self, name, view, replace)) == NULL)
		goto fail;
	Py_DECREF(r);
	if ((r = PyObject_CallMethod(seg, "close", NULL)) == NULL)
		goto fail;
	Py_DECREF(r);
	Py_DECREF(seg);
	return view;

fail:
	/* Leave no half-made segment behind (keep the first error). */
	Py_XDECREF(view);
	{
		PyObject	*t, *v, *tb;

		PyErr_Fetch(&t, &v, &tb);
		if ((r = PyObject_CallMethod(seg, "delete", NULL)) == NULL)
			PyErr_Clear();
		Py_XDECREF(r);
		if ((r = PyObject_CallMethod(seg, "close", NULL)) == NULL)
			PyErr_Clear();
		Py_XDECREF(r);
		PyErr_Restore(t, v, tb);
	}
	Py_DECREF(seg);
	return NULL;
}

const char mv_client_share_doc[] =
"share(array, name, mode=0o600, lifetime='persistent', *, replace=False)\n\n"
"Share an array: create a segment named name of the array's size, copy\n"
"the array into it once (C order), publish a View of its format and\n"
"shape under the same name, and return that View. array is anything\n"
"with the buffer protocol (a NumPy array, array.array, bytes, a View).\n"
"On failure nothing is left behind.";

PyObject *
mv_client_share(struct client_object *self, PyObject *args, PyObject *kwds)
{
	static const char	*kwlist[] = { "array", "name", "mode",
				    "lifetime", "replace", NULL };
	PyObject		*array, *name, *res;
	PyObject		*mode = NULL, *lifetime = NULL;
	Py_buffer		 buf;
	int			 replace = 0;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO|OO$p:share",
	    (char **)kwlist, &array, &name, &mode, &lifetime, &replace))
		return NULL;
	if (!PyUnicode_Check(name)) {
		PyErr_SetString(PyExc_TypeError, "share() needs a name (str)");
		return NULL;
	}
	if (PyObject_GetBuffer(array, &buf, PyBUF_RECORDS_RO) < 0)
		return NULL;
	if (mode == NULL)
		mode = PyLong_FromLong(0600);
	else
		Py_INCREF(mode);
	if (lifetime == NULL)
		lifetime = PyUnicode_FromString("persistent");
	else
		Py_INCREF(lifetime);
	res = mode != NULL && lifetime != NULL ?
	    share_into(self, &buf, name, mode, lifetime, replace) : NULL;
	Py_XDECREF(mode);
	Py_XDECREF(lifetime);
	PyBuffer_Release(&buf);
	return res;
}
