/* SPDX-License-Identifier: MIT */
/*
 * Pickling Views and Segments (for multiprocessing): a pickle carries the
 * socket path, the segment id and the layout; unpickling looks the segment
 * up again through this process's own connection to that daemon and maps
 * it, so no byte is copied. Copies within a process stay refused, as for
 * memoryview.
 */
#include <unistd.h>

#include "mviewmodule.h"

/* One client per socket path per process, made on first need; a forked
 * child starts a table of its own (the parent's connections are not its). */
static PyObject	*pickle_clients;	/* dict: path -> Client */
static pid_t	 pickle_pid;

static PyObject *
pickle_client(PyObject *path)
{
	PyObject	*c, *args;

	if (pickle_clients == NULL || pickle_pid != getpid()) {
		Py_XDECREF(pickle_clients);
		if ((pickle_clients = PyDict_New()) == NULL)
			return NULL;
		pickle_pid = getpid();
	}
	c = PyDict_GetItemWithError(pickle_clients, path);
	if (c != NULL && ((struct client_object *)c)->client != NULL)
		return Py_NewRef(c);
	if (PyErr_Occurred())
		return NULL;
	if ((args = PyTuple_Pack(1, path)) == NULL)
		return NULL;
	c = mv_connect(NULL, args, NULL);
	Py_DECREF(args);
	if (c != NULL && PyDict_SetItem(pickle_clients, path, c) < 0)
		Py_CLEAR(c);
	return c;
}

/* The segment by id, through this process's client for path. */
static PyObject *
pickle_open(PyObject *path, PyObject *id, int write)
{
	PyObject	*c, *seg;

	if ((c = pickle_client(path)) == NULL)
		return NULL;
	seg = PyObject_CallMethod(c, "open", "OO", id,
	    write ? Py_True : Py_False);
	Py_DECREF(c);
	return seg;
}

PyObject *
mv_pickle_segment(PyObject *module, PyObject *args)
{
	PyObject	*path, *id;
	int		 write;

	if (!PyArg_ParseTuple(args, "UOp:_unpickle_segment", &path, &id,
	    &write))
		return NULL;
	return pickle_open(path, id, write);
}

PyObject *
mv_pickle_view(PyObject *module, PyObject *args)
{
	PyObject	*path, *id, *format, *shape, *strides, *offset;
	PyObject	*seg, *v, *ro;
	int		 readonly;

	if (!PyArg_ParseTuple(args, "UOUO!O!Op:_unpickle_view", &path, &id,
	    &format, &PyTuple_Type, &shape, &PyTuple_Type, &strides, &offset,
	    &readonly))
		return NULL;
	if ((seg = pickle_open(path, id, !readonly)) == NULL)
		return NULL;
	v = PyObject_CallMethod(seg, "view", "OOOO", format, shape, strides,
	    offset);
	Py_DECREF(seg);
	if (v == NULL || !readonly || ((struct view_object *)v)->layout.readonly)
		return v;
	ro = PyObject_CallMethod(v, "toreadonly", NULL);
	Py_DECREF(v);
	return ro;
}

static PyObject *
pickle_module_attr(const char *name)
{
	PyObject	*m, *f;

	if ((m = PyImport_ImportModule("mview")) == NULL)
		return NULL;
	f = PyObject_GetAttrString(m, name);
	Py_DECREF(m);
	return f;
}

/* Segment.__reduce__: by socket path and id; the receiving process opens
 * the segment again through its own connection (also for a closed handle:
 * the segment itself may well live on). */
PyObject *
mv_segment_reduce(struct segment_object *self, PyObject *unused)
{
	PyObject	*f;

	if ((f = pickle_module_attr("_unpickle_segment")) == NULL)
		return NULL;
	return Py_BuildValue("N(OKO)", f, self->client->path,
	    (unsigned long long)self->id, self->readonly ? Py_False : Py_True);
}

static PyObject *
view_reduce(struct view_object *self, PyObject *unused)
{
	const struct mview_layout	*d;
	struct mview_frame_info		 fi;
	PyObject			*f;

	if ((d = mv_view_layout(self)) == NULL)
		return NULL;
	if (mview_view_is_private(self->view)) {
		/* Its bytes are this process's own: the segment's id and layout
		 * would hand the receiver other bytes, or write access. */
		PyErr_SetString(PyExc_TypeError, "cannot pickle a private View: "
		    "its writes stay in this process (pickle a copy, e.g. "
		    "bytes(view) or numpy.array(view))");
		return NULL;
	}
	if (mview_frame_info(self->view, &fi) == 0) {
		/* A frame is this process's hold on a slot the producer reuses:
		 * another process mapping it by id would hold nothing. */
		PyErr_SetString(PyExc_TypeError, "cannot pickle a stream frame: "
		    "only this process holds it (pickle a copy, e.g. "
		    "bytes(frame) or numpy.array(frame), and "
		    "mview.frame_info(frame) for its sequence)");
		return NULL;
	}
	if ((f = pickle_module_attr("_unpickle_view")) == NULL)
		return NULL;
	return Py_BuildValue("N(OKsNNLO)", f, self->client->path,
	    (unsigned long long)d->segment_id, d->format,
	    mv_int64_tuple(d->shape, d->ndim),
	    mv_int64_tuple(d->strides, d->ndim), (long long)d->offset,
	    d->readonly ? Py_True : Py_False);
}

/* memoryview's answer to copy.copy(): the memory is not copyable. */
static PyObject *
view_copy(struct view_object *self, PyObject *args)
{
	PyErr_Format(PyExc_TypeError, "cannot copy '%.100s' object",
	    Py_TYPE(self)->tp_name);
	return NULL;
}

PyMethodDef mv_view_pickle_methods[] = {
	{ "__reduce__", (PyCFunction)view_reduce, METH_NOARGS,
	  "Pickle by socket path, segment id and layout: the receiving\n"
	  "process maps the same memory through its own connection (for\n"
	  "multiprocessing). copy.copy() and copy.deepcopy() are refused." },
	{ "__copy__", (PyCFunction)view_copy, METH_NOARGS, NULL },
	{ "__deepcopy__", (PyCFunction)view_copy, METH_O, NULL },
	{ NULL }
};
