/* SPDX-License-Identifier: MIT */
/* The mview extension's internal declarations: object layouts and helpers. */
#ifndef MVIEW_PYTHON_MODULE_H
#define MVIEW_PYTHON_MODULE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pythread.h>
#include <structmember.h>

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "mview.h"

/* The buffer protocol hands out the descriptor's arrays as Py_ssize_t. */
_Static_assert(sizeof(Py_ssize_t) == sizeof(int64_t),
    "the mview module needs a 64-bit Py_ssize_t");
/* Read-only fields are PyMemberDefs: T_ULONGLONG and T_BOOL read these. */
_Static_assert(sizeof(uint64_t) == sizeof(unsigned long long),
    "T_ULONGLONG reads a uint64_t");
_Static_assert(sizeof(bool) == sizeof(char), "T_BOOL reads a bool");

#if PY_VERSION_HEX < 0x030A0000
static inline PyObject *
Py_NewRef(PyObject *o)
{
	Py_INCREF(o);
	return o;
}
#endif

#define MV_RELEASED_MSG	"operation forbidden on released memoryview object"

/*
 * A connection. The library allows one thread at a time per client (and
 * per segment or view obtained through it), and releasing a view may talk
 * to the daemon, so every library call that can touch the client runs
 * under lock, with the GIL released.
 */
struct client_object {
	PyObject_HEAD
	struct mview_client	*client;	/* NULL once closed */
	PyThread_type_lock	 lock;
	PyObject		*path;		/* str */
	int			 timeout_ms;
	PyObject		*weakreflist;
};

struct segment_object {
	PyObject_HEAD
	struct mview_segment	*segment;	/* NULL once closed */
	struct client_object	*client;
	PyObject		*name;		/* str, or None when anonymous */
	uint64_t		 id;
	uint64_t		 size;
	bool			 readonly;
	PyObject		*weakreflist;
};

struct view_object {
	PyObject_HEAD
	struct mview_view	*view;		/* NULL once released */
	struct client_object	*client;
	PyObject		*segment;	/* the Segment, or NULL until asked for */
	Py_ssize_t		 exports;	/* live Py_buffer exports */
	bool			 released;	/* release() called: every operation fails */
	bool			 interface_out;	/* __array_interface__ handed out a raw address */
	int			 busy;		/* subscripts converting keys: keep view */
	Py_hash_t		 hash;		/* -1 until hashed */
	struct mview_layout	 layout;	/* the view's, read once: it never changes */
	PyObject		*weakreflist;
};

extern PyTypeObject	 mv_client_type;
extern PyTypeObject	 mv_segment_type;
extern PyTypeObject	 mv_view_type;
extern PyTypeObject	 mv_watch_type;
extern PyTypeObject	 mv_event_type;
extern PyTypeObject	 mv_segment_info_type;
extern PyTypeObject	 mv_view_info_type;
extern PyTypeObject	 mv_status_type;
extern PyBufferProcs	 mv_view_as_buffer;
extern PyMethodDef	 mv_view_export_methods[];
extern PyGetSetDef	 mv_view_export_getset[];

struct mv_request_error;

/* errors.c */
extern PyObject		*mv_Error, *mv_NotFoundError, *mv_ExistsError,
			*mv_AccessError, *mv_DisconnectedError,
			*mv_TimedOutError, *mv_AxisError;
int		 mv_errors_init(PyObject *module);
PyObject	*mv_raise_errno(int err, const char *detail, PyObject *filename);
PyObject	*mv_raise_request(int err, const struct mv_request_error *e,
		    PyObject *filename);
PyObject	*mv_raise_connect(int err, const char *detail, PyObject *path);
PyObject	*mv_raise_view_error(int err, const struct mview_error *e);
PyObject	*mv_raise_released(void);

/* client.c */
void		 mv_client_lock(struct client_object *c);
void		 mv_client_unlock(struct client_object *c);
int		 mv_client_check(struct client_object *c);
/* A failed request: the daemon's message, and whether the connection is
 * down (then the failure is the connection's, whatever the code). */
struct mv_request_error {
	char	 msg[256];
	bool	 disconnected;
};
void		 mv_client_save_error(struct client_object *c,
		    struct mv_request_error *e);

#define MV_CLIENT_CLOSED	INT_MIN	/* "r" of a request on a closed client */

/*
 * Run call (an expression using (c)->client) under the client's lock with
 * the GIL released; on failure keep the daemon's message in errbuf.
 */
#define MV_CLIENT_REQUEST(c, r, errbuf, call) do {			\
	Py_BEGIN_ALLOW_THREADS						\
	PyThread_acquire_lock((c)->lock, WAIT_LOCK);			\
	if ((c)->client == NULL)					\
		(r) = MV_CLIENT_CLOSED;					\
	else if (((r) = (call)) < 0)					\
		mv_client_save_error((c), &(errbuf));			\
	PyThread_release_lock((c)->lock);				\
	Py_END_ALLOW_THREADS						\
} while (0)

PyObject	*mv_connect(PyObject *module, PyObject *args, PyObject *kwds);

/* info.c */
int		 mv_info_init(PyObject *module);
PyObject	*mv_segment_info_new(const struct mview_segment_info *i);
PyObject	*mv_view_info_new(const struct mview_view_info *i);
PyObject	*mv_status_new(const struct mview_status *s);
PyObject	*mv_event_new(const struct mview_event *e);
PyObject	*mv_int64_tuple(const int64_t *v, int n);

/* watch.c */
PyObject	*mv_watch_new(struct client_object *c);
PyObject	*mv_client_next_event(struct client_object *c, PyObject *timeout);

/* segment.c */
PyObject	*mv_segment_new(struct client_object *c, struct mview_segment *s);

/* view.c */
int		 mv_view_type_init(void);
PyObject	*mv_view_new(struct mview_view *v, struct client_object *c,
		    PyObject *segment);
PyObject	*mv_view_derive(struct view_object *parent, struct mview_view *v);
void		 mv_view_release_handle(struct client_object *c,
		    struct mview_view *v);
int		 mv_view_check(struct view_object *self);
void		 mv_view_settle(struct view_object *self);
const struct mview_layout *mv_view_layout(struct view_object *self);
const char	*mv_view_adjust_format(struct view_object *self);

/* view-index.c */
PyObject	*mv_view_item_at(struct view_object *self, const void *item);
PyObject	*mv_view_subscript(struct view_object *self, PyObject *key);
int		 mv_view_ass_subscript(struct view_object *self, PyObject *key,
		    PyObject *value);

/* numpy.c */
PyObject	*mv_format_arg(PyObject *obj);
PyObject	*mv_client_share(struct client_object *self, PyObject *args,
		    PyObject *kwds);
extern const char mv_client_share_doc[];

/* pickle.c */
extern PyMethodDef	 mv_view_pickle_methods[];
PyObject	*mv_segment_reduce(struct segment_object *self,
		    PyObject *unused);
PyObject	*mv_pickle_segment(PyObject *module, PyObject *args);
PyObject	*mv_pickle_view(PyObject *module, PyObject *args);

/* stream.c */
extern const char	 mv_client_create_stream_doc[], mv_client_open_stream_doc[];
int		 mv_stream_init(PyObject *module);
PyObject	*mv_client_create_stream(struct client_object *c, PyObject *args,
		    PyObject *kwds);
PyObject	*mv_client_open_stream(struct client_object *c, PyObject *args,
		    PyObject *kwds);
PyObject	*mv_client_delete_stream(struct client_object *c, PyObject *name);
PyObject	*mv_client_stream_stat(struct client_object *c, PyObject *name);
PyObject	*mv_client_streams(struct client_object *c, PyObject *args,
		    PyObject *kwds);
PyObject	*mv_frame_info(PyObject *module, PyObject *view);

/* view-methods.c */
extern PyMethodDef	 mv_view_algebra_methods[];
extern PyGetSetDef	 mv_view_algebra_getset[];

#endif /* MVIEW_PYTHON_MODULE_H */
