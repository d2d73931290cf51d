/* SPDX-License-Identifier: MIT */
/* mview.Client: a connection to mviewd, and the requests made through it. */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "mviewmodule.h"

static const char closed_msg[] = "operation on a closed mview client";

/* Take the lock, waiting (if at all) without the GIL. */
void
mv_client_lock(struct client_object *c)
{
	if (PyThread_acquire_lock(c->lock, NOWAIT_LOCK))
		return;
	Py_BEGIN_ALLOW_THREADS
	PyThread_acquire_lock(c->lock, WAIT_LOCK);
	Py_END_ALLOW_THREADS
}

void
mv_client_unlock(struct client_object *c)
{
	PyThread_release_lock(c->lock);
}

int
mv_client_check(struct client_object *c)
{
	if (c->client != NULL)
		return 0;
	PyErr_SetString(PyExc_ValueError, closed_msg);
	return -1;
}

/* Under the lock: copy the daemon's message before anyone else asks. */
void
mv_client_save_error(struct client_object *c, struct mv_request_error *e)
{
	const char	*msg = mview_client_last_error(c->client);

	snprintf(e->msg, sizeof(e->msg), "%s", msg != NULL ? msg : "");
	e->disconnected = mview_client_fd(c->client) < 0;
}

static PyObject *
client_fail(int r, const struct mv_request_error *e, PyObject *name)
{
	if (r == MV_CLIENT_CLOSED) {
		PyErr_SetString(PyExc_ValueError, closed_msg);
		return NULL;
	}
	return mv_raise_request(r, e, name);
}

/* A name argument: a str without NUL. */
static int
client_name(PyObject *obj, const char **ret_name)
{
	Py_ssize_t	 len;
	const char	*s;

	if (!PyUnicode_Check(obj)) {
		PyErr_Format(PyExc_TypeError, "name must be str, not %.100s",
		    Py_TYPE(obj)->tp_name);
		return -1;
	}
	if ((s = PyUnicode_AsUTF8AndSize(obj, &len)) == NULL)
		return -1;
	if (strlen(s) != (size_t)len) {
		PyErr_SetString(PyExc_ValueError, "embedded null character");
		return -1;
	}
	*ret_name = s;
	return 0;
}

/* A segment named by str or by int id. */
static int
client_name_or_id(PyObject *obj, const char **ret_name, uint64_t *ret_id)
{
	if (PyLong_Check(obj)) {
		*ret_name = NULL;
		*ret_id = PyLong_AsUnsignedLongLong(obj);
		return *ret_id == (uint64_t)-1 && PyErr_Occurred() ? -1 : 0;
	}
	return client_name(obj, ret_name);
}

/* A method's one argument, prefix (fmt names the method); None or absent
 * means all. */
static int
client_prefix_arg(PyObject *args, PyObject *kwds, const char *fmt,
    PyObject **ret_obj, const char **ret_prefix)
{
	static const char	*kwlist[] = { "prefix", NULL };

	*ret_obj = NULL;
	if (!PyArg_ParseTupleAndKeywords(args, kwds, fmt, (char **)kwlist,
	    ret_obj))
		return -1;
	if (*ret_obj == NULL || *ret_obj == Py_None) {
		*ret_prefix = "";
		return 0;
	}
	return client_name(*ret_obj, ret_prefix);
}

/* A timeout argument in ms: None is -1 (forever). */
static int
client_timeout_ms(PyObject *obj, int *ret_ms)
{
	double	secs;

	if (obj == Py_None) {
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
	*ret_ms = (int)(secs * 1000);
	return 0;
}

/* ------------------------------------------------------------- lifecycle */

static PyObject *
client_connect(PyTypeObject *type, PyObject *pathobj, int reconnect,
    int timeout_ms)
{
	struct client_object	*self;
	struct mview_client	*c = NULL;
	PyObject		*fspath = NULL;
	const char		*path = NULL;
	char			 errbuf[512] = "";
	unsigned		 flags = reconnect ? 0 : MVIEW_CONNECT_NO_RECONNECT;
	int			 r;

	if (pathobj != Py_None) {
		if (!PyUnicode_FSConverter(pathobj, &fspath))
			return NULL;
		path = PyBytes_AS_STRING(fspath);
	}
	Py_BEGIN_ALLOW_THREADS
	r = mview_client_connect_timeout(path, flags, timeout_ms, &c, errbuf,
	    sizeof(errbuf));
	Py_END_ALLOW_THREADS
	Py_XDECREF(fspath);
	if (r < 0) {
		mview_client_close(c);
		return mv_raise_connect(r, errbuf, pathobj);
	}
	if ((self = (struct client_object *)type->tp_alloc(type, 0)) == NULL)
		goto fail;
	self->timeout_ms = timeout_ms;
	if ((self->lock = PyThread_allocate_lock()) == NULL) {
		PyErr_NoMemory();
		goto fail_self;
	}
	self->path = PyUnicode_DecodeFSDefault(mview_client_path(c));
	if (self->path == NULL)
		goto fail_self;
	self->client = c;
	return (PyObject *)self;

fail_self:
	Py_DECREF(self);
fail:
	mview_client_close(c);
	return NULL;
}

static PyObject *
client_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
	static const char	*kwlist[] = { "path", "reconnect", "timeout", NULL };
	PyObject	*path = Py_None, *timeout = NULL;
	int		 reconnect = 1, ms = 30 * 1000;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O$pO:connect", (char **)kwlist,
	    &path, &reconnect, &timeout))
		return NULL;
	if (timeout != NULL && client_timeout_ms(timeout, &ms) < 0)
		return NULL;
	return client_connect(type, path, reconnect, ms);
}

PyObject *
mv_connect(PyObject *module, PyObject *args, PyObject *kwds)
{
	return client_new(&mv_client_type, args, kwds);
}

static void
client_close_handle(struct client_object *self)
{
	struct mview_client	*c;

	mv_client_lock(self);
	c = self->client;
	self->client = NULL;
	mv_client_unlock(self);
	if (c == NULL)
		return;
	Py_BEGIN_ALLOW_THREADS
	mview_client_close(c);
	Py_END_ALLOW_THREADS
}

static void
client_dealloc(struct client_object *self)
{
	if (self->weakreflist != NULL)
		PyObject_ClearWeakRefs((PyObject *)self);
	if (self->lock != NULL) {
		client_close_handle(self);
		PyThread_free_lock(self->lock);
	}
	Py_XDECREF(self->path);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

PyDoc_STRVAR(client_close_doc,
"close()\n--\n\n"
"Disconnect. Segments and views obtained through this client stay valid\n"
"(their memory stays mapped) until they are closed or released. Idempotent.");

static PyObject *
client_close(struct client_object *self, PyObject *unused)
{
	client_close_handle(self);
	Py_RETURN_NONE;
}

static PyObject *
client_enter(struct client_object *self, PyObject *unused)
{
	if (mv_client_check(self) < 0)
		return NULL;
	return Py_NewRef((PyObject *)self);
}

static PyObject *
client_exit(struct client_object *self, PyObject *args)
{
	client_close_handle(self);
	Py_RETURN_FALSE;
}

PyDoc_STRVAR(client_fileno_doc,
"fileno()\n--\n\n"
"The socket's file descriptor, to wait for events with select/poll or\n"
"asyncio's add_reader(); then drain them with next_event(0). It changes\n"
"after a reconnect, and events that arrived during another request are\n"
"queued without making it readable: drain after every request.");

static PyObject *
client_fileno(struct client_object *self, PyObject *unused)
{
	int	 fd;

	mv_client_lock(self);
	fd = self->client != NULL ? mview_client_fd(self->client) : -2;
	mv_client_unlock(self);
	if (fd == -2)
		return client_fail(MV_CLIENT_CLOSED, NULL, NULL);
	if (fd < 0)
		return mv_raise_errno(ENOTCONN, "not connected to mviewd", NULL);
	return PyLong_FromLong(fd);
}

/* -------------------------------------------------------------- segments */

/* No "--" signature line: inspect would show mode=0o600 as 384. */
PyDoc_STRVAR(client_create_doc,
"create(name, size, mode=0o600, lifetime='persistent', *, hugetlb=False,\n"
"       exist_ok=False)\n\n"
"Create a segment of size bytes and map it read-write.\n\n"
"name: a unique name, or None for an anonymous segment (reach it by id).\n"
"mode: permission bits for the owner, group and others, as for a file.\n"
"lifetime: 'persistent' (until deleted) or 'session' (freed when this\n"
"connection ends and nobody holds it). hugetlb: back it with huge pages.\n"
"Raises ExistsError when the name is taken, unless exist_ok is true and\n"
"that segment has this size: then it is opened read-write (its mode and\n"
"lifetime stay as they are).");

static int
client_lifetime(PyObject *obj, enum mview_lifetime *ret)
{
	const char	*s;

	if (PyUnicode_Check(obj) && (s = PyUnicode_AsUTF8(obj)) != NULL) {
		if (strcmp(s, "persistent") == 0) {
			*ret = MVIEW_LIFETIME_PERSISTENT;
			return 0;
		}
		if (strcmp(s, "session") == 0) {
			*ret = MVIEW_LIFETIME_SESSION;
			return 0;
		}
	}
	if (!PyErr_Occurred())
		PyErr_SetString(PyExc_ValueError,
		    "lifetime must be 'persistent' or 'session'");
	return -1;
}

static PyObject *
client_create(struct client_object *self, PyObject *args, PyObject *kwds)
{
	static const char	*kwlist[] = { "name", "size", "mode", "lifetime",
				    "hugetlb", "exist_ok", NULL };
	struct mview_segment	*seg = NULL;
	PyObject		*nameobj, *lifeobj = NULL;
	const char		*name = NULL;
	long long		 size;
	unsigned int		 mode = 0600, flags;
	enum mview_lifetime	 lifetime = MVIEW_LIFETIME_PERSISTENT;
	int			 hugetlb = 0, exist_ok = 0, r;
	struct mv_request_error	 errbuf;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "OL|IO$pp:create",
	    (char **)kwlist, &nameobj, &size, &mode, &lifeobj, &hugetlb,
	    &exist_ok))
		return NULL;
	if (size < 0) {
		PyErr_Format(PyExc_ValueError,
		    "segment size must not be negative, not %lld", size);
		return NULL;
	}
	flags = (hugetlb ? MVIEW_CREATE_HUGETLB : 0) |
	    (exist_ok ? MVIEW_CREATE_EXIST_OK : 0);
	if (nameobj != Py_None && client_name(nameobj, &name) < 0)
		return NULL;
	if (lifeobj != NULL && client_lifetime(lifeobj, &lifetime) < 0)
		return NULL;
	MV_CLIENT_REQUEST(self, r, errbuf, mview_segment_create(self->client,
	    name, (uint64_t)size, mode, lifetime, flags, &seg));
	if (r < 0)
		return client_fail(r, &errbuf, nameobj);
	return mv_segment_new(self, seg);
}

PyDoc_STRVAR(client_open_doc,
"open(name, write=False)\n--\n\n"
"Open a segment by name (str) or id (int) and map it, read-only unless\n"
"write is true and the segment's mode allows it (AccessError otherwise).");

static PyObject *
client_open(struct client_object *self, PyObject *args, PyObject *kwds)
{
	static const char	*kwlist[] = { "name", "write", NULL };
	struct mview_segment	*seg = NULL;
	PyObject		*nameobj;
	const char		*name;
	uint64_t		 id = 0;
	unsigned		 flags;
	int			 write = 0, r;
	struct mv_request_error	 errbuf;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|p:open", (char **)kwlist,
	    &nameobj, &write))
		return NULL;
	if (client_name_or_id(nameobj, &name, &id) < 0)
		return NULL;
	flags = write ? MVIEW_OPEN_WRITE : 0;
	if (name != NULL)
		MV_CLIENT_REQUEST(self, r, errbuf, mview_segment_open(
		    self->client, name, flags, &seg));
	else
		MV_CLIENT_REQUEST(self, r, errbuf, mview_segment_open_id(
		    self->client, id, flags, &seg));
	if (r < 0)
		return client_fail(r, &errbuf, nameobj);
	return mv_segment_new(self, seg);
}

PyDoc_STRVAR(client_delete_doc,
"delete(name)\n--\n\n"
"Delete a segment by name (str) or id (int): its name and views go now,\n"
"its memory when the last holder lets go. Owner or root only.");

/* A request on a segment by name (str) or id (int) that answers nothing. */
static PyObject *
client_ref_request(struct client_object *self, PyObject *nameobj,
    int (*by_name)(struct mview_client *, const char *),
    int (*by_id)(struct mview_client *, uint64_t))
{
	const char	*name;
	uint64_t	 id = 0;
	int		 r;
	struct mv_request_error	 errbuf;

	if (client_name_or_id(nameobj, &name, &id) < 0)
		return NULL;
	if (name != NULL)
		MV_CLIENT_REQUEST(self, r, errbuf, by_name(self->client, name));
	else
		MV_CLIENT_REQUEST(self, r, errbuf, by_id(self->client, id));
	if (r < 0)
		return client_fail(r, &errbuf, nameobj);
	Py_RETURN_NONE;
}

static PyObject *
client_delete(struct client_object *self, PyObject *nameobj)
{
	return client_ref_request(self, nameobj, mview_segment_delete,
	    mview_segment_delete_id);
}

PyDoc_STRVAR(client_freeze_doc,
"freeze(name)\n--\n\n"
"Seal a segment, by name (str) or id (int), against new writable mappings\n"
"(existing ones keep working). Owner or root only.");

static PyObject *
client_freeze(struct client_object *self, PyObject *nameobj)
{
	return client_ref_request(self, nameobj, mview_segment_freeze,
	    mview_segment_freeze_id);
}

PyDoc_STRVAR(client_stat_doc,
"stat(name)\n--\n\n"
"The daemon's current SegmentInfo on a segment, by name (str) or id (int).");

static PyObject *
client_stat(struct client_object *self, PyObject *nameobj)
{
	struct mview_segment_info	*info = NULL;
	PyObject			*res;
	const char			*name;
	uint64_t			 id = 0;
	int				 r;
	struct mv_request_error	 errbuf;

	if (client_name_or_id(nameobj, &name, &id) < 0)
		return NULL;
	if (name == NULL)
		MV_CLIENT_REQUEST(self, r, errbuf, mview_segment_stat_id(
		    self->client, id, &info));
	else
		MV_CLIENT_REQUEST(self, r, errbuf, mview_segment_stat(
		    self->client, name, &info));
	if (r < 0)
		return client_fail(r, &errbuf, nameobj);
	res = mv_segment_info_new(info);
	free(info);
	return res;
}

/* A list of conv() of each of the n entries (size bytes each) at infos;
 * NULL with an exception set on failure. */
static PyObject *
client_info_list(const void *infos, size_t n, size_t size,
    PyObject *(*conv)(const void *))
{
	PyObject	*list, *item;

	if ((list = PyList_New((Py_ssize_t)n)) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if ((item = conv((const char *)infos + i * size)) == NULL) {
			Py_DECREF(list);
			return NULL;
		}
		PyList_SET_ITEM(list, (Py_ssize_t)i, item);
	}
	return list;
}

static PyObject *
segment_info_entry(const void *p)
{
	return mv_segment_info_new(p);
}

static PyObject *
view_info_entry(const void *p)
{
	return mv_view_info_new(p);
}

PyDoc_STRVAR(client_segments_doc,
"segments(prefix=None)\n--\n\n"
"SegmentInfo for every segment whose name starts with prefix (None: all,\n"
"anonymous ones included) that the caller may read.");

static PyObject *
client_segments(struct client_object *self, PyObject *args, PyObject *kwds)
{
	struct mview_segment_info	*infos = NULL;
	PyObject			*prefixobj, *list;
	const char			*prefix;
	size_t				 n = 0;
	int				 r;
	struct mv_request_error	 errbuf;

	if (client_prefix_arg(args, kwds, "|O:segments", &prefixobj,
	    &prefix) < 0)
		return NULL;
	MV_CLIENT_REQUEST(self, r, errbuf, mview_segment_list(self->client,
	    prefix, &infos, &n));
	if (r < 0)
		return client_fail(r, &errbuf, prefixobj);
	list = client_info_list(infos, n, sizeof(*infos), segment_info_entry);
	free(infos);
	return list;
}

/* ----------------------------------------------------------------- views */

PyDoc_STRVAR(client_publish_doc,
"publish(name, view, *, replace=False)\n--\n\n"
"Publish a View under name for other processes to lookup(). The daemon\n"
"checks it against its segment. ExistsError when the name is taken,\n"
"unless replace is true.");

static PyObject *
client_publish(struct client_object *self, PyObject *args, PyObject *kwds)
{
	static const char	*kwlist[] = { "name", "view", "replace", NULL };
	struct view_object	*v;
	PyObject		*nameobj;
	const char		*name;
	int			 replace = 0, r;
	struct mv_request_error	 errbuf;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO!|$p:publish", (char **)kwlist,
	    &nameobj, &mv_view_type, &v, &replace))
		return NULL;
	if (client_name(nameobj, &name) < 0 || mv_view_check(v) < 0)
		return NULL;
	MV_CLIENT_REQUEST(self, r, errbuf, mview_view_publish(self->client,
	    name, v->view, replace ? MVIEW_PUBLISH_REPLACE : 0));
	if (r < 0)
		return client_fail(r, &errbuf, nameobj);
	Py_RETURN_NONE;
}

PyDoc_STRVAR(client_lookup_doc,
"lookup(name, write=False, *, private=False)\n--\n\n"
"The View published under name, mapped in this process without a copy;\n"
"read-only unless write is true and the caller may write the segment.\n"
"With private=True the View is writable with read access alone: a\n"
"copy-on-write mapping of its own, whose writes stay in this process\n"
"and never reach the segment (other processes, and this one's other\n"
"Views of it, keep seeing the segment's bytes). Not with write=True.");

static PyObject *
client_lookup(struct client_object *self, PyObject *args, PyObject *kwds)
{
	static const char	*kwlist[] = { "name", "write", "private", NULL };
	struct mview_view	*v = NULL;
	PyObject		*nameobj;
	const char		*name;
	int			 write = 0, private = 0, r;
	struct mv_request_error	 errbuf;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|p$p:lookup",
	    (char **)kwlist, &nameobj, &write, &private) ||
	    client_name(nameobj, &name) < 0)
		return NULL;
	if (write && private) {
		PyErr_SetString(PyExc_ValueError, "lookup(): write and private "
		    "exclude each other (a private view is writable already)");
		return NULL;
	}
	MV_CLIENT_REQUEST(self, r, errbuf, mview_view_lookup(self->client, name,
	    private ? MVIEW_OPEN_PRIVATE : write ? MVIEW_OPEN_WRITE : 0, &v));
	if (r < 0)
		return client_fail(r, &errbuf, nameobj);
	return mv_view_new(v, self, NULL);
}

PyDoc_STRVAR(client_unpublish_doc,
"unpublish(name)\n--\n\n"
"Remove a published name (publisher, segment owner or root). Views already\n"
"looked up stay valid.");

static PyObject *
client_unpublish(struct client_object *self, PyObject *nameobj)
{
	const char	*name;
	int		 r;
	struct mv_request_error	 errbuf;

	if (client_name(nameobj, &name) < 0)
		return NULL;
	MV_CLIENT_REQUEST(self, r, errbuf, mview_view_unpublish(self->client,
	    name));
	if (r < 0)
		return client_fail(r, &errbuf, nameobj);
	Py_RETURN_NONE;
}

PyDoc_STRVAR(client_views_doc,
"views(prefix=None)\n--\n\n"
"ViewInfo for every published view whose name starts with prefix that the\n"
"caller may read.");

static PyObject *
client_views(struct client_object *self, PyObject *args, PyObject *kwds)
{
	struct mview_view_info	*infos = NULL;
	PyObject		*prefixobj, *list;
	const char		*prefix;
	size_t			 n = 0;
	int			 r;
	struct mv_request_error	 errbuf;

	if (client_prefix_arg(args, kwds, "|O:views", &prefixobj, &prefix) < 0)
		return NULL;
	MV_CLIENT_REQUEST(self, r, errbuf, mview_view_list(self->client, prefix,
	    &infos, &n));
	if (r < 0)
		return client_fail(r, &errbuf, prefixobj);
	list = client_info_list(infos, n, sizeof(*infos), view_info_entry);
	free(infos);
	return list;
}

/* ----------------------------------------------------- status and events */

PyDoc_STRVAR(client_status_doc,
"status()\n--\n\n"
"The daemon's counters and limits, and the caller's own use, as a Status.");

static PyObject *
client_status(struct client_object *self, PyObject *unused)
{
	struct mview_status	st;
	int			r;
	struct mv_request_error	 errbuf;

	memset(&st, 0, sizeof(st));
	MV_CLIENT_REQUEST(self, r, errbuf, mview_client_status(self->client,
	    &st));
	if (r < 0)
		return client_fail(r, &errbuf, NULL);
	return mv_status_new(&st);
}

PyDoc_STRVAR(client_watch_doc,
"watch(prefix='')\n--\n\n"
"Receive events for names starting with prefix ('' for all), in addition\n"
"to earlier watches, and return a Watch: iterate it to block for events,\n"
"or use its fileno() and get(0) with select/asyncio. Events for segments\n"
"the caller may not open are not reported.");

/* watch()/unwatch(): parse the prefix (fmt names the method), run fn on
 * it. 0, or -1 with an exception set. */
static int
client_prefix_request(struct client_object *self, PyObject *args,
    PyObject *kwds, const char *fmt,
    int (*fn)(struct mview_client *, const char *))
{
	PyObject	*prefixobj;
	const char	*prefix;
	int		 r;
	struct mv_request_error	 errbuf;

	if (client_prefix_arg(args, kwds, fmt, &prefixobj, &prefix) < 0)
		return -1;
	MV_CLIENT_REQUEST(self, r, errbuf, fn(self->client, prefix));
	if (r < 0) {
		client_fail(r, &errbuf, prefixobj);
		return -1;
	}
	return 0;
}

static PyObject *
client_watch(struct client_object *self, PyObject *args, PyObject *kwds)
{
	if (client_prefix_request(self, args, kwds, "|O:watch",
	    mview_client_watch) < 0)
		return NULL;
	return mv_watch_new(self);
}

PyDoc_STRVAR(client_unwatch_doc,
"unwatch(prefix='')\n--\n\n"
"Stop the watch on exactly prefix, as given to watch(). Events already\n"
"received stay queued. NotFoundError when not watching it.");

static PyObject *
client_unwatch(struct client_object *self, PyObject *args, PyObject *kwds)
{
	if (client_prefix_request(self, args, kwds, "|O:unwatch",
	    mview_client_unwatch) < 0)
		return NULL;
	Py_RETURN_NONE;
}

PyDoc_STRVAR(client_next_event_doc,
"next_event(timeout=None)\n--\n\n"
"The next Event of this client's watches, waiting up to timeout seconds\n"
"(None: forever, 0: just poll); None when none came in time.");

static PyObject *
client_next_event(struct client_object *self, PyObject *args, PyObject *kwds)
{
	static const char	*kwlist[] = { "timeout", NULL };
	PyObject	*timeout = Py_None;

	if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O:next_event", (char **)kwlist,
	    &timeout))
		return NULL;
	return mv_client_next_event(self, timeout);
}

/* ------------------------------------------------------------ attributes */

static PyObject *
client_get_closed(struct client_object *self, void *closure)
{
	return PyBool_FromLong(self->client == NULL);
}

static PyObject *
client_get_path(struct client_object *self, void *closure)
{
	return Py_NewRef(self->path);
}

static PyObject *
client_get_timeout(struct client_object *self, void *closure)
{
	if (self->timeout_ms < 0)
		Py_RETURN_NONE;
	return PyFloat_FromDouble(self->timeout_ms / 1000.0);
}

static int
client_set_timeout(struct client_object *self, PyObject *value, void *closure)
{
	int	ms, r;
	struct mv_request_error	 errbuf;

	if (value == NULL) {
		PyErr_SetString(PyExc_AttributeError, "cannot delete timeout");
		return -1;
	}
	if (client_timeout_ms(value, &ms) < 0)
		return -1;
	MV_CLIENT_REQUEST(self, r, errbuf, mview_client_set_timeout(
	    self->client, ms));
	if (r < 0) {
		client_fail(r, NULL, NULL);
		return -1;
	}
	self->timeout_ms = ms;
	return 0;
}

static PyObject *
client_repr(struct client_object *self)
{
	return PyUnicode_FromFormat("<mview.Client %R%s>", self->path,
	    self->client == NULL ? " closed" : "");
}

static PyMethodDef client_methods[] = {
	{ "close", (PyCFunction)client_close, METH_NOARGS, client_close_doc },
	{ "__enter__", (PyCFunction)client_enter, METH_NOARGS, NULL },
	{ "__exit__", (PyCFunction)client_exit, METH_VARARGS, NULL },
	{ "fileno", (PyCFunction)client_fileno, METH_NOARGS, client_fileno_doc },
	{ "create", (PyCFunction)(void (*)(void))client_create,
	  METH_VARARGS | METH_KEYWORDS, client_create_doc },
	{ "open", (PyCFunction)(void (*)(void))client_open,
	  METH_VARARGS | METH_KEYWORDS, client_open_doc },
	{ "delete", (PyCFunction)client_delete, METH_O, client_delete_doc },
	{ "freeze", (PyCFunction)client_freeze, METH_O, client_freeze_doc },
	{ "stat", (PyCFunction)client_stat, METH_O, client_stat_doc },
	{ "segments", (PyCFunction)(void (*)(void))client_segments,
	  METH_VARARGS | METH_KEYWORDS, client_segments_doc },
	{ "publish", (PyCFunction)(void (*)(void))client_publish,
	  METH_VARARGS | METH_KEYWORDS, client_publish_doc },
	{ "share", (PyCFunction)(void (*)(void))mv_client_share,
	  METH_VARARGS | METH_KEYWORDS, mv_client_share_doc },
	{ "lookup", (PyCFunction)(void (*)(void))client_lookup,
	  METH_VARARGS | METH_KEYWORDS, client_lookup_doc },
	{ "unpublish", (PyCFunction)client_unpublish, METH_O,
	  client_unpublish_doc },
	{ "views", (PyCFunction)(void (*)(void))client_views,
	  METH_VARARGS | METH_KEYWORDS, client_views_doc },
	{ "status", (PyCFunction)client_status, METH_NOARGS, client_status_doc },
	{ "watch", (PyCFunction)(void (*)(void))client_watch,
	  METH_VARARGS | METH_KEYWORDS, client_watch_doc },
	{ "unwatch", (PyCFunction)(void (*)(void))client_unwatch,
	  METH_VARARGS | METH_KEYWORDS, client_unwatch_doc },
	{ "next_event", (PyCFunction)(void (*)(void))client_next_event,
	  METH_VARARGS | METH_KEYWORDS, client_next_event_doc },
	/* streams: stream.c */
	{ "create_stream", (PyCFunction)(void (*)(void))mv_client_create_stream,
	  METH_VARARGS | METH_KEYWORDS, mv_client_create_stream_doc },
	{ "open_stream", (PyCFunction)(void (*)(void))mv_client_open_stream,
	  METH_VARARGS | METH_KEYWORDS, mv_client_open_stream_doc },
	{ "delete_stream", (PyCFunction)mv_client_delete_stream, METH_O,
	  "delete_stream(name)\n--\n\nRemove stream name (its memory goes "
	  "when nobody uses it)." },
	{ "stream_stat", (PyCFunction)mv_client_stream_stat, METH_O,
	  "stream_stat(name)\n--\n\nThe daemon's StreamInfo on stream name." },
	{ "streams", (PyCFunction)(void (*)(void))mv_client_streams,
	  METH_VARARGS | METH_KEYWORDS,
	  "streams(prefix=None)\n--\n\nStreamInfo of the streams whose name "
	  "starts with prefix that the caller may read." },
	{ NULL }
};

static PyGetSetDef client_getset[] = {
	{ "closed", (getter)client_get_closed, NULL,
	  "True once close() was called.", NULL },
	{ "path", (getter)client_get_path, NULL,
	  "The socket path this client connected to.", NULL },
	{ "timeout", (getter)client_get_timeout, (setter)client_set_timeout,
	  "Seconds a request waits for the daemon's reply (None: forever).",
	  NULL },
	{ NULL }
};

PyDoc_STRVAR(client_doc,
"Client(path=None, *, reconnect=True, timeout=30.0)\n--\n\n"
"A connection to mviewd (mview.connect() makes one).\n\n"
"path: the daemon's socket; None means $MVIEW_SOCKET, else the user\n"
"instance's socket under $XDG_RUNTIME_DIR when it exists, else the system\n"
"one. reconnect: after the daemon went away, reconnect on the next request\n"
"(mappings are never affected). timeout: seconds a request waits for a\n"
"reply (None: forever).\n\n"
"Use one client per thread, or share one: calls are serialised. A client\n"
"does not survive fork(): connect again in the child. Also a context\n"
"manager that closes it.");

PyTypeObject mv_client_type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "mview.Client",
	.tp_basicsize = sizeof(struct client_object),
	.tp_dealloc = (destructor)client_dealloc,
	.tp_repr = (reprfunc)client_repr,
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = client_doc,
	.tp_weaklistoffset = offsetof(struct client_object, weakreflist),
	.tp_methods = client_methods,
	.tp_getset = client_getset,
	.tp_new = client_new,
};
