/* SPDX-License-Identifier: MIT */
/* The buffer protocol (PEP 3118) of mview.View, with memoryview's rules. */
#include "mviewmodule.h"

/* memoryview's memory_getbuf(): the same checks, in the same order. */
static int
view_getbuffer(struct view_object *self, Py_buffer *buf, int flags)
{
	const struct mview_layout	*d;
	const char		*msg = NULL;

	if ((d = mv_view_layout(self)) == NULL)
		return -1;
	if ((flags & PyBUF_WRITABLE) == PyBUF_WRITABLE && d->readonly)
		msg = "memoryview: underlying buffer is not writable";
	else if ((flags & PyBUF_C_CONTIGUOUS) == PyBUF_C_CONTIGUOUS &&
	    !mview_view_is_contiguous(self->view, 'C'))
		msg = "memoryview: underlying buffer is not C-contiguous";
	else if ((flags & PyBUF_F_CONTIGUOUS) == PyBUF_F_CONTIGUOUS &&
	    !mview_view_is_contiguous(self->view, 'F'))
		msg = "memoryview: underlying buffer is not Fortran contiguous";
	else if ((flags & PyBUF_ANY_CONTIGUOUS) == PyBUF_ANY_CONTIGUOUS &&
	    !mview_view_is_contiguous(self->view, 'A'))
		msg = "memoryview: underlying buffer is not contiguous";
	else if ((flags & PyBUF_STRIDES) != PyBUF_STRIDES &&
	    !mview_view_is_contiguous(self->view, 'C'))
		msg = "memoryview: underlying buffer is not C-contiguous";
	else if ((flags & PyBUF_ND) != PyBUF_ND &&
	    (flags & PyBUF_FORMAT) == PyBUF_FORMAT)
		msg = "memoryview: cannot cast to unsigned bytes if the format "
		    "flag is present";
	if (msg != NULL) {
		PyErr_SetString(PyExc_BufferError, msg);
		return -1;
	}
	buf->buf = mview_view_data(self->view);
	buf->len = (Py_ssize_t)mview_view_nbytes(self->view);
	buf->readonly = d->readonly;
	buf->itemsize = (Py_ssize_t)d->itemsize;
	buf->format = (flags & PyBUF_FORMAT) == PyBUF_FORMAT ?
	    (char *)d->format : NULL;
	buf->ndim = d->ndim;
	buf->shape = (Py_ssize_t *)d->shape;
	buf->strides = (flags & PyBUF_STRIDES) == PyBUF_STRIDES ?
	    (Py_ssize_t *)d->strides : NULL;
	buf->suboffsets = NULL;
	buf->internal = NULL;
	if (d->ndim == 0) {	/* the C-API: no arrays for a scalar */
		buf->shape = NULL;
		buf->strides = NULL;
	}
	if ((flags & PyBUF_ND) != PyBUF_ND) {
		/* PyBUF_SIMPLE: the bytes, seen as unsigned bytes. */
		buf->ndim = 1;
		buf->shape = NULL;
	}
	buf->obj = Py_NewRef((PyObject *)self);
	self->exports++;
	return 0;
}

static void
view_releasebuffer(struct view_object *self, Py_buffer *buf)
{
	self->exports--;
}

PyBufferProcs mv_view_as_buffer = {
	.bf_getbuffer = (getbufferproc)view_getbuffer,
	.bf_releasebuffer = (releasebufferproc)view_releasebuffer,
};
