/* SPDX-License-Identifier: MIT */
/* Events: mview.Watch, the iterator over a client's watches, and the wait. */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <time.h>

#include "mviewmodule.h"

#define WATCH_SLICE_MS	100	/* longest wait without looking at the queue */

struct watch_object {
	PyObject_HEAD
	struct client_object	*client;
};

static double
watch_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Ask the library for the next event, waiting up to ms under the lock
 * (ms 0: just the queue and the socket; disconnected, this reconnects). */
static int
watch_ask(struct client_object *c, int ms, struct mview_event *ev,
    int *ret_fd, struct mv_request_error *err)
{
	int	r;

	Py_BEGIN_ALLOW_THREADS
	PyThread_acquire_lock(c->lock, WAIT_LOCK);
	if (c->client == NULL)
		r = -EBADF;
	else {
		r = mview_client_next_event(c->client, ms, ev);
		*ret_fd = mview_client_fd(c->client);
		if (r < 0 && r != -EAGAIN && r != -EINTR)
			mv_client_save_error(c, err);
	}
	PyThread_release_lock(c->lock);
	Py_END_ALLOW_THREADS
	return r;
}

/* Wait for the socket without holding the client, so that other threads
 * may use it meanwhile. */
static int
watch_wait(int fd, int ms)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLIN };
	int		r;

	Py_BEGIN_ALLOW_THREADS
	r = poll(&pfd, 1, ms) < 0 ? -errno : 0;
	Py_END_ALLOW_THREADS
	return r;
}

/*
 * The next event within timeout seconds (Py_None: forever): an Event, or
 * None on timeout. When the client is closed: ValueError, or with closed
 * non-NULL, *closed = 1 and NULL without an exception. Waits happen in
 * slices, checking for signals between them.
 */
static PyObject *
watch_next(struct client_object *c, PyObject *timeout, int *closed)
{
	struct mview_event	ev;
	double			secs = -1, deadline = 0, left;
	int			r, fd = -1, ms = 0;
	struct mv_request_error	errbuf;

	if (timeout != Py_None) {
		if ((secs = PyFloat_AsDouble(timeout)) == -1 && PyErr_Occurred())
			return NULL;
		if (!(secs >= 0)) {
			PyErr_SetString(PyExc_ValueError,
			    "timeout must be None or >= 0");
			return NULL;
		}
		deadline = watch_now() + secs;
	}
	for (;;) {
		/* Connected: look without waiting, then poll unlocked. */
		r = watch_ask(c, fd < 0 ? ms : 0, &ev, &fd, &errbuf);
		if (r == 0)
			return mv_event_new(&ev);
		if (r == -EBADF) {
			if (closed != NULL) {
				*closed = 1;
				return NULL;
			}
			mv_client_check(c);
			return NULL;
		}
		if (r != -EAGAIN && r != -EINTR)
			return mv_raise_request(r, &errbuf, NULL);
		if (PyErr_CheckSignals() < 0)
			return NULL;
		ms = WATCH_SLICE_MS;
		if (secs >= 0) {
			if ((left = deadline - watch_now()) <= 0)
				Py_RETURN_NONE;
			if (left * 1000 < ms)
				ms = (int)ceil(left * 1000);
		}
		if (fd >= 0 && (r = watch_wait(fd, ms)) < 0 && r != -EINTR)
			return mv_raise_errno(r, NULL, NULL);
		if (PyErr_CheckSignals() < 0)
			return NULL;
	}
}

PyObject *
mv_client_next_event(struct client_object *c, PyObject *timeout)
{
	if (mv_client_check(c) < 0)
		return NULL;
	return watch_next(c, timeout, NULL);
}

PyObject *
mv_watch_new(struct client_object *c)
{
	struct watch_object	*w;

	w = PyObject_New(struct watch_object, &mv_watch_type);
	if (w == NULL)
		return NULL;
	w->client = (struct client_object *)Py_NewRef((PyObject *)c);
	return (PyObject *)w;
}

static void
watch_dealloc(struct watch_object *self)
{
	Py_XDECREF(self->client);
	PyObject_Free(self);
}

static PyObject *
watch_iternext(struct watch_object *self)
{
	PyObject	*ev;
	int		 closed = 0;

	/* NULL without an exception ends the iteration. */
	ev = watch_next(self->client, Py_None, &closed);
	return closed ? NULL : ev;
}

PyDoc_STRVAR(watch_get_doc,
"get(timeout=None)\n--\n\n"
"The next Event, waiting up to timeout seconds (None: forever, 0: just\n"
"poll); None when none came in time.");

static PyObject *
watch_get(struct watch_object *self, PyObject *args, PyObject *kwds)
{
	static const char	*kwlist[] = { "timeout", NULL };
	PyObject	*timeout = Py_None;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O:get", (char **)kwlist,
	    &timeout))
		return NULL;
	return mv_client_next_event(self->client, timeout);
}

PyDoc_STRVAR(watch_fileno_doc,
"fileno()\n--\n\n"
"The client's socket: readable when events may be waiting (see\n"
"Client.fileno()). Drain with get(0) until it returns None.");

static PyObject *
watch_fileno(struct watch_object *self, PyObject *unused)
{
	return PyObject_CallMethod((PyObject *)self->client, "fileno", NULL);
}

static PyObject *
watch_get_client(struct watch_object *self, void *closure)
{
	return Py_NewRef((PyObject *)self->client);
}

static PyMethodDef watch_methods[] = {
	{ "get", (PyCFunction)(void (*)(void))watch_get,
	  METH_VARARGS | METH_KEYWORDS, watch_get_doc },
	{ "fileno", (PyCFunction)watch_fileno, METH_NOARGS, watch_fileno_doc },
	{ NULL }
};

static PyGetSetDef watch_getset[] = {
	{ "client", (getter)watch_get_client, NULL,
	  "The Client whose watches this iterates.", NULL },
	{ NULL }
};

PyDoc_STRVAR(watch_doc,
"The events of a client's watches (Client.watch() returns one).\n\n"
"Iterating blocks until the next Event; the iteration ends when the client\n"
"is closed, and raises DisconnectedError when the daemon went away (events\n"
"may have been lost: iterate again to reconnect and rescan).\n"
"For select/asyncio: wait for fileno() to be readable, then drain with\n"
"get(0).");

PyTypeObject mv_watch_type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "mview.Watch",
	.tp_basicsize = sizeof(struct watch_object),
	.tp_dealloc = (destructor)watch_dealloc,
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = watch_doc,
	.tp_iter = PyObject_SelfIter,
	.tp_iternext = (iternextfunc)watch_iternext,
	.tp_methods = watch_methods,
	.tp_getset = watch_getset,
};
