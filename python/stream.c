/* SPDX-License-Identifier: MIT */
/* mview.Stream, its Loan and frame iterator, StreamInfo and FrameInfo. */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "mviewmodule.h"

/*
 * A stream handle. The library lets one thread at a time use a handle, so
 * every call on it runs under the stream's lock with the GIL released;
 * requests to the daemon (open, close) also take the client's lock, always
 * after the stream's. Frames are Views whose segment is this Stream: they
 * keep it alive, and their release (under the client's lock) gives the
 * hold back.
 */
struct stream_object {
	PyObject_HEAD
	struct mview_stream	*stream;	/* NULL once closed */
	struct client_object	*client;
	PyThread_type_lock	 lock;
	PyObject		*name;		/* str */
	bool			 producer;
	bool			 loaned;	/* a loan is out */
	uint64_t		 loan_gen;	/* which Loan is current */
	uint64_t		 last_seq;	/* consumer: the last frame taken */
	PyObject		*weakreflist;
};

struct loan_object {
	PyObject_HEAD
	struct stream_object	*stream;
	PyObject		*frame;		/* the loaned View */
	uint64_t		 gen;
	uint64_t		 seq;		/* once published */
};

struct frames_object {
	PyObject_HEAD
	struct stream_object	*stream;
	PyObject		*timeout;
};

static PyTypeObject	mv_stream_type, mv_loan_type, mv_frames_type,
			mv_stream_info_type, mv_frame_info_type;

static const char	stream_closed_msg[] = "operation on a closed stream";

/* Waits happen in slices of this many ms, checking for signals between. */
#define STREAM_SLICE_MS	100

/* ------------------------------------------------------------ records */

static PyStructSequence_Field stream_info_fields[] = {
	{ "id", "stream id" },
	{ "name", "name" },
	{ "uid", "owner's uid (0 from Stream.info())" },
	{ "gid", "owner's gid (0 from Stream.info())" },
	{ "mode", "permission bits (0 from Stream.info())" },
	{ "lifetime", "'persistent' or 'session'" },
	{ "slots", "frames in the ring" },
	{ "capacity", "bytes of a slot" },
	{ "max_consumers", "consumer positions" },
	{ "max_holds", "frames one consumer may hold at once" },
	{ "ctime_ns", "creation time, ns since the epoch (0 from Stream.info())" },
	{ "has_producer", "the producer role is taken (Stream.info(): this "
	  "handle is the producer)" },
	{ "deleted", "deleted, waiting for its last user" },
	{ "consumers", "consumer positions taken" },
	{ "head", "sequence of the last published frame (0: none)" },
	{ "published", "frames published since create (Stream.info())" },
	{ "holds", "frames held (a consumer: its own) (Stream.info())" },
	{ "dropped", "frames skipped (a consumer: its own) (Stream.info())" },
	{ "seen", "frames taken by this consumer (Stream.info())" },
	{ "rate_hz", "frames per second since the handle opened (Stream.info())" },
	{ "format", "the default frame layout's format" },
	{ "shape", "the default frame layout's shape" },
	{ "strides", "the default frame layout's strides" },
	{ "offset", "the default frame layout's offset in its slot" },
	{ NULL }
};

static PyStructSequence_Desc stream_info_desc = {
	"mview.StreamInfo", "A stream as the daemon or a handle sees it.",
	stream_info_fields, 24
};

static PyStructSequence_Field frame_info_fields[] = {
	{ "seq", "the frame's sequence number (1, 2, 3, ...)" },
	{ "timestamp_ns", "the producer's CLOCK_MONOTONIC time at publish" },
	{ "dropped", "frames a latest-policy consumer skipped just before it" },
	{ "slot", "the ring slot it lives in" },
	{ NULL }
};

static PyStructSequence_Desc frame_info_desc = {
	"mview.FrameInfo", "A frame's sequence, timestamp and drops.",
	frame_info_fields, 4
};

static PyObject *
stream_info_new(const struct mview_stream_info *i)
{
	PyObject	*t;
	const struct mview_desc	*d = &i->layout;
	int		 n = 0;

	if ((t = PyStructSequence_New(&mv_stream_info_type)) == NULL)
		return NULL;
#define SET(k, expr) do {						\
	PyObject *o_ = (expr);						\
	if (o_ == NULL) { Py_DECREF(t); return NULL; }			\
	PyStructSequence_SET_ITEM(t, (k), o_);				\
} while (0)
	SET(n++, PyLong_FromUnsignedLongLong(i->id));
	SET(n++, PyUnicode_FromString(i->name != NULL ? i->name : ""));
	SET(n++, PyLong_FromUnsignedLong(i->uid));
	SET(n++, PyLong_FromUnsignedLong(i->gid));
	SET(n++, PyLong_FromUnsignedLong(i->mode));
	SET(n++, PyUnicode_FromString(i->lifetime == MVIEW_LIFETIME_SESSION ?
	    "session" : "persistent"));
	SET(n++, PyLong_FromUnsignedLong(i->slots));
	SET(n++, PyLong_FromUnsignedLongLong(i->capacity));
	SET(n++, PyLong_FromUnsignedLong(i->max_consumers));
	SET(n++, PyLong_FromUnsignedLong(i->max_holds));
	SET(n++, PyLong_FromLongLong(i->ctime_ns));
	SET(n++, PyBool_FromLong(i->has_producer));
	SET(n++, PyBool_FromLong(i->deleted));
	SET(n++, PyLong_FromUnsignedLong(i->consumers));
	SET(n++, PyLong_FromUnsignedLongLong(i->head));
	SET(n++, PyLong_FromUnsignedLongLong(i->published));
	SET(n++, PyLong_FromUnsignedLong(i->holds));
	SET(n++, PyLong_FromUnsignedLongLong(i->dropped));
	SET(n++, PyLong_FromUnsignedLongLong(i->seen));
	SET(n++, PyFloat_FromDouble(i->rate_hz));
	SET(n++, PyUnicode_FromString(d->format));
	SET(n++, mv_int64_tuple(d->shape, d->ndim));
	SET(n++, mv_int64_tuple(d->strides, d->ndim));
	SET(n++, PyLong_FromLongLong(d->offset));
#undef SET
	return t;
}

static PyObject *
frame_info_new(const struct mview_frame_info *i)
{
	PyObject	*t;

	if ((t = PyStructSequence_New(&mv_frame_info_type)) == NULL)
		return NULL;
	PyStructSequence_SET_ITEM(t, 0, PyLong_FromUnsignedLongLong(i->seq));
	PyStructSequence_SET_ITEM(t, 1,
	    PyLong_FromUnsignedLongLong(i->timestamp_ns));
	PyStructSequence_SET_ITEM(t, 2,
	    PyLong_FromUnsignedLongLong(i->dropped));
	PyStructSequence_SET_ITEM(t, 3, PyLong_FromUnsignedLong(i->slot));
	for (int k = 0; k < 4; k++)
		if (PyStructSequence_GET_ITEM(t, k) == NULL) {
			Py_DECREF(t);
			return NULL;
		}
	return t;
}

/* ------------------------------------------------------------ helpers */

/* A timeout in seconds (None: forever) as ms, -1 for forever. */
static int
stream_timeout_ms(PyObject *obj, int *ret_ms)
{
	double	secs;

	if (obj == NULL || obj == Py_None) {
		*ret_ms = -1;
		return 0;
	}
	if ((secs = PyFloat_AsDouble(obj)) == -1 && PyErr_Occurred())
		return -1;
	if (!(secs >= 0) || secs > INT_MAX / 1000) {
		PyErr_SetString(PyExc_ValueError,
		    "timeout must be None or between 0 and 2147483 seconds");
		return -1;
	}
	*ret_ms = (int)ceil(secs * 1000);
	return 0;
}

static int
stream_check(struct stream_object *self)
{
	if (self->stream != NULL)
		return 0;
	PyErr_SetString(PyExc_ValueError, stream_closed_msg);
	return -1;
}

static int
stream_role(struct stream_object *self, bool producer, const char *what)
{
	if (stream_check(self) < 0)
		return -1;
	if (self->producer == producer)
		return 0;
	PyErr_Format(PyExc_ValueError, "%s: only for a %s", what,
	    producer ? "producer" : "consumer");
	return -1;
}

static double
stream_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------ Stream */

static PyObject *
stream_new_object(struct client_object *c, struct mview_stream *st,
    PyObject *name, bool producer)
{
	struct stream_object	*self;

	self = PyObject_New(struct stream_object, &mv_stream_type);
	if (self == NULL)
		goto fail;
	if ((self->lock = PyThread_allocate_lock()) == NULL) {
		PyObject_Free(self);
		PyErr_NoMemory();
		goto fail;
	}
	self->stream = st;
	self->client = (struct client_object *)Py_NewRef((PyObject *)c);
	self->name = Py_NewRef(name);
	self->producer = producer;
	self->loaned = false;
	self->loan_gen = 0;
	self->last_seq = 0;
	self->weakreflist = NULL;
	return (PyObject *)self;

fail:
	mv_client_lock(c);
	mview_stream_close(st);
	mv_client_unlock(c);
	return NULL;
}

static void
stream_close_handle(struct stream_object *self)
{
	struct mview_stream	*st;

	Py_BEGIN_ALLOW_THREADS
	PyThread_acquire_lock(self->lock, WAIT_LOCK);
	st = self->stream;
	self->stream = NULL;
	if (st != NULL) {
		mv_client_lock(self->client);
		mview_stream_close(st);
		mv_client_unlock(self->client);
	}
	PyThread_release_lock(self->lock);
	Py_END_ALLOW_THREADS
}

static void
stream_dealloc(struct stream_object *self)
{
	if (self->weakreflist != NULL)
		PyObject_ClearWeakRefs((PyObject *)self);
	stream_close_handle(self);
	PyThread_free_lock(self->lock);
	Py_XDECREF(self->name);
	Py_XDECREF(self->client);
	PyObject_Free(self);
}

PyDoc_STRVAR(stream_close_doc,
"close()\n--\n\n"
"Give the role back (the producer role, or this consumer's position) and\n"
"close the handle. Frames still alive stay readable but are no longer\n"
"protected from the producer: drop them first. Idempotent; also when the\n"
"Stream and its frames are garbage collected.");

static PyObject *
stream_close(struct stream_object *self, PyObject *unused)
{
	stream_close_handle(self);
	Py_RETURN_NONE;
}

static PyObject *
stream_enter(struct stream_object *self, PyObject *unused)
{
	if (stream_check(self) < 0)
		return NULL;
	return Py_NewRef((PyObject *)self);
}

static PyObject *
stream_exit(struct stream_object *self, PyObject *args)
{
	return stream_close(self, NULL);
}

/* A frame View of v (taken); its segment is this Stream. */
static PyObject *
stream_frame(struct stream_object *self, struct mview_view *v,
    const struct mview_frame_info *fi)
{
	if (fi != NULL && fi->seq > self->last_seq)
		self->last_seq = fi->seq;
	return mv_view_new(v, self->client, (PyObject *)self);
}

/* -------------------------------------------------------------- producer */

PyDoc_STRVAR(stream_loan_doc,
"loan(timeout=0)\n--\n\n"
"Producer: loan the next free slot as a Loan. As a context manager it\n"
"gives the frame, a writable View of the stream's layout, and publishes\n"
"it when the block ends normally (cancels it when the block raises):\n\n"
"    with s.loan() as f:\n"
"        numpy.asarray(f)[:] = image\n\n"
"No free slot (all held, or unread by a lossless consumer): waits up to\n"
"timeout seconds (None: forever); TimedOutError when 0 or the time ran\n"
"out. One loan at a time.");

static PyObject *
stream_loan(struct stream_object *self, PyObject *args, PyObject *kwds)
{
	static const char	*kwlist[] = { "timeout", NULL };
	PyObject		*timeout = NULL, *frame;
	struct mview_view	*v = NULL;
	struct loan_object	*ln;
	int			 ms = 0, r;
	double			 deadline = 0;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O:loan",
	    (char **)kwlist, &timeout))
		return NULL;
	if (timeout != NULL && stream_timeout_ms(timeout, &ms) < 0)
		return NULL;
	if (stream_role(self, true, "loan") < 0)
		return NULL;
	if (self->loaned) {
		PyErr_SetString(PyExc_BufferError,
		    "a frame is already loaned: publish or cancel it first");
		return NULL;
	}
	deadline = stream_now() + ms / 1000.0;
	for (;;) {
		int slice = ms < 0 || ms > STREAM_SLICE_MS ? STREAM_SLICE_MS : ms;

		Py_BEGIN_ALLOW_THREADS
		PyThread_acquire_lock(self->lock, WAIT_LOCK);
		r = self->stream == NULL ? -EBADF :
		    mview_stream_loan(self->stream, slice, &v);
		PyThread_release_lock(self->lock);
		Py_END_ALLOW_THREADS
		if (r == 0)
			break;
		if (r == -EBADF)
			return stream_check(self) < 0 ? NULL :
			    mv_raise_errno(r, NULL, NULL);
		if (r != -ETIMEDOUT && r != -EBUSY && r != -EINTR)
			return mv_raise_errno(r, NULL, self->name);
		if (PyErr_CheckSignals() < 0)
			return NULL;
		if (ms >= 0) {
			double left = deadline - stream_now();

			if (ms == 0 || left <= 0)
				return mv_raise_errno(ETIMEDOUT,
				    "no free slot in the stream", self->name);
			ms = (int)ceil(left * 1000);
		}
	}
	if ((frame = mv_view_new(v, self->client, (PyObject *)self)) == NULL) {
		mview_stream_cancel(self->stream);
		return NULL;
	}
	if ((ln = PyObject_New(struct loan_object, &mv_loan_type)) == NULL) {
		Py_DECREF(frame);
		mview_stream_cancel(self->stream);
		return NULL;
	}
	ln->stream = (struct stream_object *)Py_NewRef((PyObject *)self);
	ln->frame = frame;
	ln->gen = ++self->loan_gen;
	ln->seq = 0;
	self->loaned = true;
	return (PyObject *)ln;
}

/* Publish the current loan; layout a View derived from it, or NULL. */
static PyObject *
stream_do_publish(struct stream_object *self, PyObject *layout,
    uint64_t *ret_seq)
{
	const struct mview_view	*lv = NULL;
	uint64_t		 seq = 0;
	int			 r;

	if (stream_role(self, true, "publish") < 0)
		return NULL;
	if (!self->loaned) {
		PyErr_SetString(PyExc_ValueError, "publish: no frame is loaned");
		return NULL;
	}
	if (layout != NULL && layout != Py_None) {
		struct view_object *vo;

		if (!PyObject_TypeCheck(layout, &mv_view_type)) {
			PyErr_Format(PyExc_TypeError,
			    "layout must be an mview.View, not %.100s",
			    Py_TYPE(layout)->tp_name);
			return NULL;
		}
		vo = (struct view_object *)layout;
		if (mv_view_check(vo) < 0)
			return NULL;
		lv = vo->view;
	}
	PyThread_acquire_lock(self->lock, WAIT_LOCK);
	r = mview_stream_publish(self->stream, lv, &seq);
	PyThread_release_lock(self->lock);
	if (r == -EINVAL && lv != NULL) {
		PyErr_SetString(PyExc_ValueError, "publish: the layout is not a "
		    "view of the loaned frame inside its slot");
		return NULL;
	}
	if (r < 0)
		return mv_raise_errno(r, NULL, self->name);
	self->loaned = false;
	if (ret_seq != NULL)
		*ret_seq = seq;
	return PyLong_FromUnsignedLongLong(seq);
}

static PyObject *
stream_do_cancel(struct stream_object *self)
{
	int	r;

	if (stream_role(self, true, "cancel") < 0)
		return NULL;
	if (!self->loaned) {
		PyErr_SetString(PyExc_ValueError, "cancel: no frame is loaned");
		return NULL;
	}
	PyThread_acquire_lock(self->lock, WAIT_LOCK);
	r = mview_stream_cancel(self->stream);
	PyThread_release_lock(self->lock);
	if (r < 0)
		return mv_raise_errno(r, NULL, self->name);
	self->loaned = false;
	Py_RETURN_NONE;
}

PyDoc_STRVAR(stream_publish_doc,
"publish(layout=None)\n--\n\n"
"Producer: publish the loaned frame and return its sequence number.\n"
"layout: a View derived from the loaned frame (a slice, a cast...) whose\n"
"format, shape and strides the frame gets; None: the stream's layout.\n"
"The frame must not be written afterwards.");

static PyObject *
stream_publish(struct stream_object *self, PyObject *args, PyObject *kwds)
{
	static const char	*kwlist[] = { "layout", NULL };
	PyObject		*layout = NULL;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O:publish",
	    (char **)kwlist, &layout))
		return NULL;
	return stream_do_publish(self, layout, NULL);
}

PyDoc_STRVAR(stream_cancel_doc,
"cancel()\n--\n\n"
"Producer: give the loaned slot back unpublished.");

static PyObject *
stream_cancel(struct stream_object *self, PyObject *unused)
{
	return stream_do_cancel(self);
}

/* -------------------------------------------------------------- consumer */

/* The next frame after after (0: after the last one taken), waiting up to
 * ms (-1: forever) in slices; None on timeout. */
static PyObject *
stream_next_frame(struct stream_object *self, uint64_t after, int ms)
{
	struct mview_view	*v = NULL;
	struct mview_frame_info	 fi;
	double			 deadline = stream_now() + (ms > 0 ? ms : 0) / 1000.0;
	int			 r;

	if (stream_role(self, false, "next") < 0)
		return NULL;
	for (;;) {
		int slice = ms < 0 || ms > STREAM_SLICE_MS ? STREAM_SLICE_MS : ms;
		uint64_t a = after != 0 ? after : self->last_seq;

		Py_BEGIN_ALLOW_THREADS
		PyThread_acquire_lock(self->lock, WAIT_LOCK);
		r = self->stream == NULL ? -EBADF :
		    mview_stream_next(self->stream, a, slice, &v, &fi);
		PyThread_release_lock(self->lock);
		Py_END_ALLOW_THREADS
		if (r == 0)
			return stream_frame(self, v, &fi);
		if (r == -EBADF)
			return stream_check(self) < 0 ? NULL :
			    mv_raise_errno(r, NULL, NULL);
		if (r == -ENOBUFS)
			return mv_raise_errno(r, "this consumer holds as many "
			    "frames as it may: drop some", self->name);
		if (r == -EBADMSG)
			continue;	/* a bad layout: that frame is skipped */
		if (r != -ETIMEDOUT && r != -EAGAIN && r != -EINTR)
			return mv_raise_errno(r, NULL, self->name);
		if (PyErr_CheckSignals() < 0)
			return NULL;
		if (ms >= 0) {
			double left = deadline - stream_now();

			if (ms == 0 || left <= 0)
				Py_RETURN_NONE;
			ms = (int)ceil(left * 1000);
		}
	}
}

PyDoc_STRVAR(stream_next_doc,
"next(timeout=None, after=0)\n--\n\n"
"Consumer: the next frame, a View, waiting up to timeout seconds (None:\n"
"forever, 0: no wait); None when the time ran out. 'latest' policy: the\n"
"newest frame once one newer than the last taken (or than sequence after)\n"
"exists; 'lossless': every frame in order. The frame is held (the\n"
"producer leaves its slot alone) until the View and every export of it\n"
"(memoryview, NumPy array, DLPack capsule) are gone.");

static PyObject *
stream_next(struct stream_object *self, PyObject *args, PyObject *kwds)
{
	static const char	*kwlist[] = { "timeout", "after", NULL };
	PyObject		*timeout = NULL;
	unsigned long long	 after = 0;
	int			 ms;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "|OK:next",
	    (char **)kwlist, &timeout, &after))
		return NULL;
	if (stream_timeout_ms(timeout, &ms) < 0)
		return NULL;
	return stream_next_frame(self, after, ms);
}

PyDoc_STRVAR(stream_latest_doc,
"latest()\n--\n\n"
"Consumer: the newest published frame without waiting, or None.");

static PyObject *
stream_latest(struct stream_object *self, PyObject *unused)
{
	struct mview_view	*v = NULL;
	struct mview_frame_info	 fi;
	int			 r;

	if (stream_role(self, false, "latest") < 0)
		return NULL;
	PyThread_acquire_lock(self->lock, WAIT_LOCK);
	r = mview_stream_latest(self->stream, &v, &fi);
	PyThread_release_lock(self->lock);
	if (r == -EAGAIN)
		Py_RETURN_NONE;
	if (r < 0)
		return mv_raise_errno(r, NULL, self->name);
	return stream_frame(self, v, &fi);
}

PyDoc_STRVAR(stream_frames_doc,
"frames(timeout=None)\n--\n\n"
"Consumer: an iterator of frames (as next()); it ends when no frame came\n"
"within timeout seconds (None: never).");

static PyObject *
stream_frames(struct stream_object *self, PyObject *args, PyObject *kwds)
{
	static const char	*kwlist[] = { "timeout", NULL };
	PyObject		*timeout = Py_None;
	struct frames_object	*it;
	int			 ms;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O:frames",
	    (char **)kwlist, &timeout))
		return NULL;
	if (stream_timeout_ms(timeout, &ms) < 0 ||
	    stream_role(self, false, "frames") < 0)
		return NULL;
	if ((it = PyObject_New(struct frames_object, &mv_frames_type)) == NULL)
		return NULL;
	it->stream = (struct stream_object *)Py_NewRef((PyObject *)self);
	it->timeout = Py_NewRef(timeout);
	return (PyObject *)it;
}

PyDoc_STRVAR(stream_fileno_doc,
"fileno()\n--\n\n"
"Consumer: an fd that polls readable when a frame newer than the last one\n"
"taken is published (for selectors, asyncio, epoll). Take frames with\n"
"next(0) until it returns None, which also rearms the fd. Owned by the\n"
"Stream.");

static PyObject *
stream_fileno(struct stream_object *self, PyObject *unused)
{
	int	fd;

	if (stream_role(self, false, "fileno") < 0)
		return NULL;
	Py_BEGIN_ALLOW_THREADS
	PyThread_acquire_lock(self->lock, WAIT_LOCK);
	fd = mview_stream_fd(self->stream);
	PyThread_release_lock(self->lock);
	Py_END_ALLOW_THREADS
	if (fd < 0)
		return mv_raise_errno(fd, NULL, self->name);
	return PyLong_FromLong(fd);
}

PyDoc_STRVAR(stream_set_spin_doc,
"set_spin(ns)\n--\n\n"
"Consumer: nanoseconds a wait spins before sleeping (0: never spin).");

static PyObject *
stream_set_spin(struct stream_object *self, PyObject *arg)
{
	unsigned long	ns = PyLong_AsUnsignedLong(arg);

	if (ns == (unsigned long)-1 && PyErr_Occurred())
		return NULL;
	if (ns > UINT32_MAX) {
		PyErr_SetString(PyExc_OverflowError, "spin is at most 2**32-1 ns");
		return NULL;
	}
	if (stream_role(self, false, "set_spin") < 0)
		return NULL;
	PyThread_acquire_lock(self->lock, WAIT_LOCK);
	mview_stream_set_spin(self->stream, (uint32_t)ns);
	PyThread_release_lock(self->lock);
	Py_RETURN_NONE;
}

/* ------------------------------------------------------------ both */

PyDoc_STRVAR(stream_info_doc,
"info()\n--\n\n"
"A StreamInfo read from shared memory, without a request: geometry,\n"
"layout, head, published, holds, drops, seen, rate_hz.");

static PyObject *
stream_info(struct stream_object *self, PyObject *unused)
{
	struct mview_stream_info	i;
	int				r;

	if (stream_check(self) < 0)
		return NULL;
	PyThread_acquire_lock(self->lock, WAIT_LOCK);
	r = mview_stream_info(self->stream, &i);
	PyThread_release_lock(self->lock);
	if (r < 0)
		return mv_raise_errno(r, NULL, self->name);
	return stream_info_new(&i);
}

PyDoc_STRVAR(stream_frame_info_doc,
"frame_info(frame)\n--\n\n"
"The FrameInfo (seq, timestamp_ns, dropped, slot) of a frame or of a\n"
"View derived from one.");

static PyObject *
stream_frame_info(PyObject *unused, PyObject *arg)
{
	struct view_object	*vo;
	struct mview_frame_info	 fi;

	if (!PyObject_TypeCheck(arg, &mv_view_type)) {
		PyErr_Format(PyExc_TypeError, "expected an mview.View, not %.100s",
		    Py_TYPE(arg)->tp_name);
		return NULL;
	}
	vo = (struct view_object *)arg;
	if (mv_view_check(vo) < 0)
		return NULL;
	if (mview_frame_info(vo->view, &fi) < 0) {
		PyErr_SetString(PyExc_ValueError, "not a view of a stream frame");
		return NULL;
	}
	return frame_info_new(&fi);
}

static PyObject *
stream_get_closed(struct stream_object *self, void *closure)
{
	return PyBool_FromLong(self->stream == NULL);
}

static PyObject *
stream_repr(struct stream_object *self)
{
	return PyUnicode_FromFormat("<mview.Stream %R %s%s>", self->name,
	    self->producer ? "producer" : "consumer",
	    self->stream == NULL ? " closed" : "");
}

static PyObject *
stream_iter(struct stream_object *self)
{
	PyObject	*args = PyTuple_New(0), *it;

	if (args == NULL)
		return NULL;
	it = stream_frames(self, args, NULL);
	Py_DECREF(args);
	return it;
}

static PyMethodDef stream_methods[] = {
	{ "close", (PyCFunction)stream_close, METH_NOARGS, stream_close_doc },
	{ "__enter__", (PyCFunction)stream_enter, METH_NOARGS, NULL },
	{ "__exit__", (PyCFunction)stream_exit, METH_VARARGS, NULL },
	{ "loan", (PyCFunction)(void (*)(void))stream_loan,
	  METH_VARARGS | METH_KEYWORDS, stream_loan_doc },
	{ "publish", (PyCFunction)(void (*)(void))stream_publish,
	  METH_VARARGS | METH_KEYWORDS, stream_publish_doc },
	{ "cancel", (PyCFunction)stream_cancel, METH_NOARGS, stream_cancel_doc },
	{ "next", (PyCFunction)(void (*)(void))stream_next,
	  METH_VARARGS | METH_KEYWORDS, stream_next_doc },
	{ "latest", (PyCFunction)stream_latest, METH_NOARGS, stream_latest_doc },
	{ "frames", (PyCFunction)(void (*)(void))stream_frames,
	  METH_VARARGS | METH_KEYWORDS, stream_frames_doc },
	{ "fileno", (PyCFunction)stream_fileno, METH_NOARGS, stream_fileno_doc },
	{ "set_spin", (PyCFunction)stream_set_spin, METH_O,
	  stream_set_spin_doc },
	{ "info", (PyCFunction)stream_info, METH_NOARGS, stream_info_doc },
	{ "frame_info", (PyCFunction)stream_frame_info, METH_O | METH_STATIC,
	  stream_frame_info_doc },
	{ NULL }
};

static PyMemberDef stream_members[] = {
	{ "name", T_OBJECT_EX, offsetof(struct stream_object, name), READONLY,
	  "The stream's name." },
	{ "producer", T_BOOL, offsetof(struct stream_object, producer),
	  READONLY, "True for the producer handle." },
	{ "seq", T_ULONGLONG, offsetof(struct stream_object, last_seq),
	  READONLY, "Consumer: the sequence of the last frame taken (0: none)." },
	{ "client", T_OBJECT_EX, offsetof(struct stream_object, client),
	  READONLY, "The Client." },
	{ NULL }
};

static PyGetSetDef stream_getset[] = {
	{ "closed", (getter)stream_get_closed, NULL,
	  "True once close() was called.", NULL },
	{ NULL }
};

PyDoc_STRVAR(stream_doc,
"A stream handle: the producer (Client.create_stream(), or\n"
"Client.open_stream(name, producer=True)) or a consumer\n"
"(Client.open_stream(name)). Frames are Views over the stream's shared\n"
"memory, read-only for consumers unless opened with write=True. Iterating\n"
"a consumer yields its frames (frames() without a timeout). A context\n"
"manager that closes it.");

static PyTypeObject mv_stream_type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "mview.Stream",
	.tp_basicsize = sizeof(struct stream_object),
	.tp_dealloc = (destructor)stream_dealloc,
	.tp_repr = (reprfunc)stream_repr,
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = stream_doc,
	.tp_weaklistoffset = offsetof(struct stream_object, weakreflist),
	.tp_iter = (getiterfunc)stream_iter,
	.tp_methods = stream_methods,
	.tp_members = stream_members,
	.tp_getset = stream_getset,
};

/* ------------------------------------------------------------ Loan */

static bool
loan_current(struct loan_object *self)
{
	return self->stream->loaned && self->stream->loan_gen == self->gen &&
	    self->stream->stream != NULL;
}

/* Drop the loan's frame View if nothing exports it. */
static void
loan_release_frame(struct loan_object *self)
{
	PyObject	*r;

	r = PyObject_CallMethod(self->frame, "release", NULL);
	if (r == NULL)
		PyErr_Clear();	/* exported: it goes with its exports */
	Py_XDECREF(r);
}

static void
loan_dealloc(struct loan_object *self)
{
	Py_XDECREF(self->frame);
	Py_XDECREF(self->stream);
	PyObject_Free(self);
}

static PyObject *
loan_enter(struct loan_object *self, PyObject *unused)
{
	return Py_NewRef(self->frame);
}

static PyObject *
loan_exit(struct loan_object *self, PyObject *args)
{
	PyObject	*exc_type = Py_None, *exc = NULL, *tb = NULL, *r = NULL;

	if (!PyArg_ParseTuple(args, "|OOO:__exit__", &exc_type, &exc, &tb))
		return NULL;
	if (loan_current(self)) {
		if (exc_type != Py_None)
			r = stream_do_cancel(self->stream);
		else
			r = stream_do_publish(self->stream, NULL, &self->seq);
		if (r == NULL)
			return NULL;
		Py_DECREF(r);
	}
	loan_release_frame(self);
	Py_RETURN_FALSE;
}

static PyObject *
loan_publish(struct loan_object *self, PyObject *args, PyObject *kwds)
{
	static const char	*kwlist[] = { "layout", NULL };
	PyObject		*layout = NULL;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O:publish",
	    (char **)kwlist, &layout))
		return NULL;
	if (!loan_current(self)) {
		PyErr_SetString(PyExc_ValueError,
		    "publish: this loan was published or cancelled");
		return NULL;
	}
	return stream_do_publish(self->stream, layout, &self->seq);
}

static PyObject *
loan_cancel(struct loan_object *self, PyObject *unused)
{
	if (!loan_current(self)) {
		PyErr_SetString(PyExc_ValueError,
		    "cancel: this loan was published or cancelled");
		return NULL;
	}
	return stream_do_cancel(self->stream);
}

static PyObject *
loan_get_pending(struct loan_object *self, void *closure)
{
	return PyBool_FromLong(loan_current(self));
}

static PyMethodDef loan_methods[] = {
	{ "__enter__", (PyCFunction)loan_enter, METH_NOARGS, NULL },
	{ "__exit__", (PyCFunction)loan_exit, METH_VARARGS, NULL },
	{ "publish", (PyCFunction)(void (*)(void))loan_publish,
	  METH_VARARGS | METH_KEYWORDS,
	  "publish(layout=None)\n--\n\nPublish this loan (as Stream.publish())." },
	{ "cancel", (PyCFunction)loan_cancel, METH_NOARGS,
	  "cancel()\n--\n\nGive this loan's slot back unpublished." },
	{ NULL }
};

static PyMemberDef loan_members[] = {
	{ "frame", T_OBJECT_EX, offsetof(struct loan_object, frame), READONLY,
	  "The loaned frame, a writable View." },
	{ "seq", T_ULONGLONG, offsetof(struct loan_object, seq), READONLY,
	  "The sequence it got once published (0 before)." },
	{ NULL }
};

static PyGetSetDef loan_getset[] = {
	{ "pending", (getter)loan_get_pending, NULL,
	  "Neither published nor cancelled yet.", NULL },
	{ NULL }
};

static PyTypeObject mv_loan_type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "mview.Loan",
	.tp_basicsize = sizeof(struct loan_object),
	.tp_dealloc = (destructor)loan_dealloc,
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "A loaned frame (Stream.loan()): a context manager whose block "
	    "fills .frame and publishes it on a normal exit, cancels it on an "
	    "exception.",
	.tp_methods = loan_methods,
	.tp_members = loan_members,
	.tp_getset = loan_getset,
};

/* ------------------------------------------------------------ frames() */

static void
frames_dealloc(struct frames_object *self)
{
	Py_XDECREF(self->stream);
	Py_XDECREF(self->timeout);
	PyObject_Free(self);
}

static PyObject *
frames_next(struct frames_object *self)
{
	PyObject	*f;
	int		 ms;

	if (self->stream->stream == NULL)
		return NULL;	/* closed: the iteration ends */
	if (stream_timeout_ms(self->timeout, &ms) < 0)
		return NULL;
	f = stream_next_frame(self->stream, 0, ms);
	if (f == Py_None) {
		Py_DECREF(f);
		return NULL;
	}
	return f;
}

static PyTypeObject mv_frames_type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "mview.StreamFrames",
	.tp_basicsize = sizeof(struct frames_object),
	.tp_dealloc = (destructor)frames_dealloc,
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "Stream.frames(): frames until none came in time.",
	.tp_iter = PyObject_SelfIter,
	.tp_iternext = (iternextfunc)frames_next,
};

/* ------------------------------------------------------------ Client */

/* A shape or strides argument: an int or a sequence of ints. */
static int
stream_dims(PyObject *obj, const char *what, int64_t *out, int *ret_n)
{
	PyObject	*seq;
	Py_ssize_t	 n;

	if (PyLong_Check(obj)) {
		if ((out[0] = PyLong_AsLongLong(obj)) == -1 && PyErr_Occurred())
			return -1;
		*ret_n = 1;
		return 0;
	}
	if ((seq = PySequence_Fast(obj, "")) == NULL) {
		PyErr_Format(PyExc_TypeError,
		    "%s must be an int or a sequence of ints", what);
		return -1;
	}
	n = PySequence_Fast_GET_SIZE(seq);
	if (n > MVIEW_MAX_NDIM) {
		Py_DECREF(seq);
		PyErr_Format(PyExc_ValueError,
		    "%s: at most %d dimensions", what, MVIEW_MAX_NDIM);
		return -1;
	}
	for (Py_ssize_t i = 0; i < n; i++) {
		out[i] = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(seq, i));
		if (out[i] == -1 && PyErr_Occurred()) {
			Py_DECREF(seq);
			return -1;
		}
	}
	Py_DECREF(seq);
	*ret_n = (int)n;
	return 0;
}

static int
stream_name_arg(PyObject *obj, const char **ret)
{
	Py_ssize_t	 len;

	if (!PyUnicode_Check(obj)) {
		PyErr_Format(PyExc_TypeError, "name must be str, not %.100s",
		    Py_TYPE(obj)->tp_name);
		return -1;
	}
	if ((*ret = PyUnicode_AsUTF8AndSize(obj, &len)) == NULL)
		return -1;
	if (strlen(*ret) != (size_t)len) {
		PyErr_SetString(PyExc_ValueError, "embedded null character");
		return -1;
	}
	return 0;
}

static PyObject *
stream_request_fail(struct client_object *c, int r,
    const struct mv_request_error *e, PyObject *name)
{
	if (r == MV_CLIENT_CLOSED) {
		PyErr_SetString(PyExc_ValueError,
		    "operation on a closed mview client");
		return NULL;
	}
	return mv_raise_request(r, e, name);
}

const char mv_client_create_stream_doc[] =
"create_stream(name, *, format='B', shape=None, slots=4, strides=None,\n"
"    offset=0, capacity=0, mode=0o600, lifetime='persistent',\n"
"    max_consumers=0, max_holds=0)\n--\n\n"
"Create stream name and return its producer Stream. Frames default to\n"
"the layout format/shape/strides at offset inside a slot; capacity: the\n"
"bytes of a slot (0: the layout's extent); without a shape the frame is\n"
"the whole slot as bytes and capacity is needed. slots >= 2, and at\n"
"least the frames all consumers hold at once + 2. max_consumers,\n"
"max_holds: 0 for the daemon's defaults. ExistsError when taken.";

PyObject *
mv_client_create_stream(struct client_object *self, PyObject *args,
    PyObject *kwds)
{
	static const char	*kwlist[] = { "name", "format", "shape",
				    "slots", "strides", "offset", "capacity",
				    "mode", "lifetime", "max_consumers",
				    "max_holds", NULL };
	struct mview_stream_params	p;
	struct mview_stream	*st = NULL;
	PyObject		*nameobj, *shapeobj = Py_None;
	PyObject		*stridesobj = Py_None, *lifeobj = NULL;
	const char		*name, *format = NULL, *life;
	int64_t			 shape[MVIEW_MAX_NDIM], strides[MVIEW_MAX_NDIM];
	int			 ndim = 0, nstrides = 0, r;
	unsigned int		 slots = 4, mode = 0600, maxc = 0, maxh = 0;
	long long		 offset = 0;
	unsigned long long	 capacity = 0;
	struct mv_request_error	 errbuf;

	if (!PyArg_ParseTupleAndKeywords(args, kwds,
	    "O|$zOIOLKIOII:create_stream", (char **)kwlist, &nameobj, &format,
	    &shapeobj, &slots, &stridesobj, &offset, &capacity, &mode,
	    &lifeobj, &maxc, &maxh))
		return NULL;
	if (stream_name_arg(nameobj, &name) < 0)
		return NULL;
	memset(&p, 0, sizeof(p));
	p.lifetime = MVIEW_LIFETIME_PERSISTENT;
	if (lifeobj != NULL) {
		if (!PyUnicode_Check(lifeobj) ||
		    (life = PyUnicode_AsUTF8(lifeobj)) == NULL ||
		    (strcmp(life, "persistent") != 0 &&
		    strcmp(life, "session") != 0)) {
			PyErr_Clear();
			PyErr_SetString(PyExc_ValueError,
			    "lifetime must be 'persistent' or 'session'");
			return NULL;
		}
		if (strcmp(life, "session") == 0)
			p.lifetime = MVIEW_LIFETIME_SESSION;
	}
	if (shapeobj != Py_None) {
		if (stream_dims(shapeobj, "shape", shape, &ndim) < 0)
			return NULL;
		p.format = format != NULL ? format : "B";
		p.ndim = ndim;
		p.shape = shape;
	} else if (format != NULL && strcmp(format, "B") != 0) {
		PyErr_SetString(PyExc_TypeError,
		    "create_stream: a format needs a shape");
		return NULL;
	} else if (capacity == 0) {
		PyErr_SetString(PyExc_TypeError,
		    "create_stream: give a shape or a capacity");
		return NULL;
	}
	if (stridesobj != Py_None) {
		if (shapeobj == Py_None) {
			PyErr_SetString(PyExc_TypeError, "strides need a shape");
			return NULL;
		}
		if (stream_dims(stridesobj, "strides", strides, &nstrides) < 0)
			return NULL;
		if (nstrides != ndim) {
			PyErr_SetString(PyExc_ValueError,
			    "strides must have as many entries as shape");
			return NULL;
		}
		p.strides = strides;
	}
	p.slots = slots;
	p.capacity = capacity;
	p.offset = offset;
	p.mode = mode;
	p.max_consumers = maxc;
	p.max_holds = maxh;
	MV_CLIENT_REQUEST(self, r, errbuf, mview_stream_create(self->client,
	    name, &p, &st));
	if (r < 0)
		return stream_request_fail(self, r, &errbuf, nameobj);
	return stream_new_object(self, st, nameobj, true);
}

const char mv_client_open_stream_doc[] =
"open_stream(name, policy='latest', *, write=False, producer=False)\n--\n\n"
"Open stream name as a consumer: policy 'latest' (may skip frames, never\n"
"slows the producer) or 'lossless' (every frame in order; the producer\n"
"waits for it); write maps the frames read-write (the mode must allow\n"
"it). producer=True takes the producer role instead (Error EBUSY while\n"
"another process has it); the sequence continues.";

PyObject *
mv_client_open_stream(struct client_object *self, PyObject *args,
    PyObject *kwds)
{
	static const char	*kwlist[] = { "name", "policy", "write",
				    "producer", NULL };
	struct mview_stream	*st = NULL;
	PyObject		*nameobj;
	const char		*name, *policy = "latest";
	int			 write = 0, producer = 0, r;
	unsigned		 flags = 0;
	struct mv_request_error	 errbuf;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|s$pp:open_stream",
	    (char **)kwlist, &nameobj, &policy, &write, &producer))
		return NULL;
	if (stream_name_arg(nameobj, &name) < 0)
		return NULL;
	if (strcmp(policy, "lossless") == 0)
		flags |= MVIEW_STREAM_LOSSLESS;
	else if (strcmp(policy, "latest") != 0) {
		PyErr_SetString(PyExc_ValueError,
		    "policy must be 'latest' or 'lossless'");
		return NULL;
	}
	if (write)
		flags |= MVIEW_STREAM_WRITE;
	if (producer) {
		if (flags != 0) {
			PyErr_SetString(PyExc_ValueError, "a producer takes "
			    "neither a policy nor write");
			return NULL;
		}
		flags = MVIEW_STREAM_PRODUCE;
	}
	MV_CLIENT_REQUEST(self, r, errbuf, mview_stream_open(self->client,
	    name, flags, &st));
	if (r < 0)
		return stream_request_fail(self, r, &errbuf, nameobj);
	return stream_new_object(self, st, nameobj, producer);
}

PyObject *
mv_client_delete_stream(struct client_object *self, PyObject *nameobj)
{
	const char		*name;
	int			 r;
	struct mv_request_error	 errbuf;

	if (stream_name_arg(nameobj, &name) < 0)
		return NULL;
	MV_CLIENT_REQUEST(self, r, errbuf, mview_stream_delete(self->client,
	    name));
	if (r < 0)
		return stream_request_fail(self, r, &errbuf, nameobj);
	Py_RETURN_NONE;
}

PyObject *
mv_client_stream_stat(struct client_object *self, PyObject *nameobj)
{
	struct mview_stream_info	*i = NULL;
	const char			*name;
	PyObject			*t;
	int				 r;
	struct mv_request_error		 errbuf;

	if (stream_name_arg(nameobj, &name) < 0)
		return NULL;
	MV_CLIENT_REQUEST(self, r, errbuf, mview_stream_stat(self->client,
	    name, &i));
	if (r < 0)
		return stream_request_fail(self, r, &errbuf, nameobj);
	t = stream_info_new(i);
	free(i);
	return t;
}

PyObject *
mv_client_streams(struct client_object *self, PyObject *args, PyObject *kwds)
{
	static const char	*kwlist[] = { "prefix", NULL };
	struct mview_stream_info	*infos = NULL;
	PyObject		*prefobj = Py_None, *list, *t;
	const char		*prefix = NULL;
	size_t			 n = 0;
	int			 r;
	struct mv_request_error	 errbuf;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O:streams",
	    (char **)kwlist, &prefobj))
		return NULL;
	if (prefobj != Py_None && stream_name_arg(prefobj, &prefix) < 0)
		return NULL;
	MV_CLIENT_REQUEST(self, r, errbuf, mview_stream_list(self->client,
	    prefix, &infos, &n));
	if (r < 0)
		return stream_request_fail(self, r, &errbuf, NULL);
	if ((list = PyList_New((Py_ssize_t)n)) == NULL)
		goto out;
	for (size_t k = 0; k < n; k++) {
		if ((t = stream_info_new(&infos[k])) == NULL) {
			Py_CLEAR(list);
			goto out;
		}
		PyList_SET_ITEM(list, (Py_ssize_t)k, t);
	}
out:
	free(infos);
	return list;
}

PyObject *
mv_frame_info(PyObject *module, PyObject *arg)
{
	return stream_frame_info(module, arg);
}

int
mv_stream_init(PyObject *module)
{
	static const struct { const char *name; PyTypeObject *type; } types[] = {
		{ "Stream", &mv_stream_type },
		{ "Loan", &mv_loan_type },
		{ "StreamFrames", &mv_frames_type },
	};

	if (PyStructSequence_InitType2(&mv_stream_info_type,
	    &stream_info_desc) < 0 ||
	    PyStructSequence_InitType2(&mv_frame_info_type,
	    &frame_info_desc) < 0)
		return -1;
	Py_INCREF(&mv_stream_info_type);
	if (PyModule_AddObject(module, "StreamInfo",
	    (PyObject *)&mv_stream_info_type) < 0) {
		Py_DECREF(&mv_stream_info_type);
		return -1;
	}
	Py_INCREF(&mv_frame_info_type);
	if (PyModule_AddObject(module, "FrameInfo",
	    (PyObject *)&mv_frame_info_type) < 0) {
		Py_DECREF(&mv_frame_info_type);
		return -1;
	}
	for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); k++) {
		if (PyType_Ready(types[k].type) < 0)
			return -1;
		Py_INCREF(types[k].type);
		if (PyModule_AddObject(module, types[k].name,
		    (PyObject *)types[k].type) < 0) {
			Py_DECREF(types[k].type);
			return -1;
		}
	}
	return 0;
}
