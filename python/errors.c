/* SPDX-License-Identifier: MIT */
/* Exceptions: errno codes and algebra errors to Python exception classes. */
#include <errno.h>
#include <string.h>

#include "mviewmodule.h"

PyObject	*mv_Error, *mv_NotFoundError, *mv_ExistsError, *mv_AccessError,
		*mv_DisconnectedError, *mv_TimedOutError, *mv_AxisError;

static PyObject *
errors_new(PyObject *module, const char *name, PyObject *bases,
    const char *doc)
{
	PyObject	*type;
	char		 qualified[64];

	snprintf(qualified, sizeof(qualified), "mview.%s", name);
	type = PyErr_NewExceptionWithDoc(qualified, doc, bases, NULL);
	if (type == NULL)
		return NULL;
	if (PyModule_AddObject(module, name, Py_NewRef(type)) < 0) {
		Py_DECREF(type);
		Py_DECREF(type);
		return NULL;
	}
	return type;
}

/* mview.Error and its subclasses, each also the builtin OSError subclass
 * Python itself would raise for the code, so either except clause works. */
int
mv_errors_init(PyObject *module)
{
	static const struct {
		PyObject	**type;
		const char	 *name;
		PyObject	 *builtin;
		const char	 *doc;
	} subs[] = {
		{ &mv_NotFoundError, "NotFoundError", NULL,
		  "No such segment or view (ENOENT); also a FileNotFoundError." },
		{ &mv_ExistsError, "ExistsError", NULL,
		  "The name is taken (EEXIST); also a FileExistsError." },
		{ &mv_AccessError, "AccessError", NULL,
		  "Not allowed (EACCES, EPERM); also a PermissionError." },
		{ &mv_DisconnectedError, "DisconnectedError", NULL,
		  "No daemon, or it went away; also a ConnectionError." },
		{ &mv_TimedOutError, "TimedOutError", NULL,
		  "The daemon did not answer in time; also a TimeoutError." },
	};
	PyObject	*builtins[] = { PyExc_FileNotFoundError,
			    PyExc_FileExistsError, PyExc_PermissionError,
			    PyExc_ConnectionError, PyExc_TimeoutError };
	PyObject	*bases;
	size_t		 i;

	mv_Error = errors_new(module, "Error", PyExc_OSError,
	    "An error reported by mviewd or libmviewclient.\n\n"
	    "An OSError: .errno is the code, .strerror the daemon's message,\n"
	    ".filename the segment or view name involved, if any.");
	if (mv_Error == NULL)
		return -1;
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		bases = PyTuple_Pack(2, mv_Error, builtins[i]);
		if (bases == NULL)
			return -1;
		*subs[i].type = errors_new(module, subs[i].name, bases,
		    subs[i].doc);
		Py_DECREF(bases);
		if (*subs[i].type == NULL)
			return -1;
	}
	bases = PyTuple_Pack(2, PyExc_ValueError, PyExc_IndexError);
	if (bases == NULL)
		return -1;
	mv_AxisError = errors_new(module, "AxisError", bases,
	    "An axis out of range (NumPy's AxisError: a ValueError and an "
	    "IndexError).");
	Py_DECREF(bases);
	return mv_AxisError == NULL ? -1 : 0;
}

static PyObject *
errors_class(int err)
{
	switch (err) {
	case ENOENT:
		return mv_NotFoundError;
	case EEXIST:
		return mv_ExistsError;
	case EPERM:
	case EACCES:
		return mv_AccessError;
	case ECONNREFUSED:
	case ECONNRESET:
	case ECONNABORTED:
	case EPIPE:
	case ENOTCONN:
	case ESHUTDOWN:
		return mv_DisconnectedError;
	case ETIMEDOUT:
		return mv_TimedOutError;
	default:
		return mv_Error;
	}
}

static PyObject *
errors_raise(PyObject *type, int err, const char *detail, PyObject *filename)
{
	PyObject	*exc;

	if (detail == NULL || detail[0] == '\0')
		detail = mview_strerror(err);
	if (filename != NULL && filename != Py_None)
		exc = PyObject_CallFunction(type, "isO", err, detail, filename);
	else
		exc = PyObject_CallFunction(type, "is", err, detail);
	if (exc != NULL) {
		PyErr_SetObject(type, exc);
		Py_DECREF(exc);
	}
	return NULL;
}

/* A failed request: -err with the daemon's message (detail) about the
 * name filename. A signal that interrupted it wins. */
PyObject *
mv_raise_errno(int err, const char *detail, PyObject *filename)
{
	if (err < 0)
		err = -err;
	if (err == EINTR && PyErr_CheckSignals() < 0)
		return NULL;
	if (err == ENOMEM && (detail == NULL || detail[0] == '\0'))
		return PyErr_NoMemory();
	return errors_raise(errors_class(err), err, detail, filename);
}

PyObject *
mv_raise_request(int err, const struct mv_request_error *e,
    PyObject *filename)
{
	if (err < 0)
		err = -err;
	if (e != NULL && e->disconnected && err != EINTR)
		return errors_raise(mv_DisconnectedError, err, e->msg, NULL);
	return mv_raise_errno(err, e != NULL ? e->msg : NULL, filename);
}

/* A failed connect: no socket and no listener both mean "no daemon". */
PyObject *
mv_raise_connect(int err, const char *detail, PyObject *path)
{
	PyObject	*type;

	if (err < 0)
		err = -err;
	type = err == ENOENT ? mv_DisconnectedError : errors_class(err);
	/* The library's explanation names the path already. */
	return errors_raise(type, err, detail,
	    detail != NULL && detail[0] != '\0' ? NULL : path);
}

/* An algebra error: its class and CPython's own message. */
PyObject *
mv_raise_view_error(int err, const struct mview_error *e)
{
	PyObject	*type;

	switch (e != NULL ? e->errclass : MVIEW_ERR_NONE) {
	case MVIEW_ERR_TYPE:	 type = PyExc_TypeError; break;
	case MVIEW_ERR_VALUE:	 type = PyExc_ValueError; break;
	case MVIEW_ERR_INDEX:	 type = PyExc_IndexError; break;
	case MVIEW_ERR_BUFFER:	 type = PyExc_BufferError; break;
	case MVIEW_ERR_NOTIMPL:	 type = PyExc_NotImplementedError; break;
	case MVIEW_ERR_OVERFLOW: type = PyExc_OverflowError; break;
	case MVIEW_ERR_AXIS:	 type = mv_AxisError; break;
	case MVIEW_ERR_MEMORY:	 return PyErr_NoMemory();
	default:
		return mv_raise_errno(err, NULL, NULL);
	}
	PyErr_SetString(type, e->message);
	return NULL;
}

PyObject *
mv_raise_released(void)
{
	PyErr_SetString(PyExc_ValueError, MV_RELEASED_MSG);
	return NULL;
}
