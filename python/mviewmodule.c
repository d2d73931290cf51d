/* SPDX-License-Identifier: MIT */
/* The mview module: its functions, constants and types. */
#include "mviewmodule.h"

PyDoc_STRVAR(connect_doc,
"connect(path=None, *, reconnect=True, timeout=30.0)\n--\n\n"
"Connect to mviewd and return a Client.\n\n"
"path: the daemon's socket; None means $MVIEW_SOCKET, else\n"
"$XDG_RUNTIME_DIR/mview/mviewd.sock when it exists (non-root), else\n"
"/run/mview/mviewd.sock. Raises DisconnectedError when no daemon listens.\n"
"timeout: seconds to wait for the daemon (None: forever), for connecting\n"
"and the hello as for every request after; TimedOutError (a TimeoutError)\n"
"says what went unanswered.");

PyDoc_STRVAR(strerror_doc,
"strerror(code)\n--\n\n"
"libmviewclient's text for an errno code (positive or negative).");

static PyObject *
module_strerror(PyObject *module, PyObject *arg)
{
	long	code = PyLong_AsLong(arg);

	if (code == -1 && PyErr_Occurred())
		return NULL;
	if (code > INT32_MAX || code < -INT32_MAX) {
		PyErr_SetString(PyExc_OverflowError, "code out of range");
		return NULL;
	}
	return PyUnicode_FromString(mview_strerror((int)code));
}

static PyMethodDef module_methods[] = {
	{ "connect", (PyCFunction)(void (*)(void))mv_connect,
	  METH_VARARGS | METH_KEYWORDS, connect_doc },
	{ "strerror", (PyCFunction)module_strerror, METH_O, strerror_doc },
	{ "_unpickle_segment", mv_pickle_segment, METH_VARARGS, NULL },
	{ "_unpickle_view", mv_pickle_view, METH_VARARGS, NULL },
	{ "frame_info", (PyCFunction)mv_frame_info, METH_O,
	  "frame_info(view)\n--\n\nThe FrameInfo (seq, timestamp_ns, dropped, "
	  "slot) of a stream frame\nor of a View derived from one." },
	{ NULL }
};

PyDoc_STRVAR(module_doc,
"Python's memoryview, stretched across processes.\n\n"
"mviewd owns shared-memory segments and a registry of named, typed views\n"
"onto them; this module talks to it through libmviewclient. Processes map\n"
"a segment once and slice, index, cast and reshape it locally, with\n"
"memoryview's exact behaviour (and NumPy's where memoryview gives up),\n"
"without copying a byte:\n\n"
"    import mview\n"
"    c = mview.connect()\n"
"    seg = c.create('frames', 480 * 640 * 3, mode=0o640)\n"
"    v = seg.view('B', shape=(480, 640, 3))\n"
"    c.publish('frames/latest', v)\n"
"    # another process:\n"
"    w = mview.connect().lookup('frames/latest')\n"
"    numpy.asarray(w[100:200, ::2])   # no copy\n\n"
"Daemon errors are OSErrors: NotFoundError (also FileNotFoundError),\n"
"ExistsError (FileExistsError), AccessError (PermissionError),\n"
"DisconnectedError (ConnectionError), TimedOutError (TimeoutError), and\n"
"Error for the rest, all with .errno.");

static struct PyModuleDef module_def = {
	PyModuleDef_HEAD_INIT,
	.m_name = "mview",
	.m_doc = module_doc,
	.m_size = -1,
	.m_methods = module_methods,
};

static int
module_add_type(PyObject *m, const char *name, PyTypeObject *type)
{
	if (PyType_Ready(type) < 0)
		return -1;
	Py_INCREF(type);
	if (PyModule_AddObject(m, name, (PyObject *)type) < 0) {
		Py_DECREF(type);
		return -1;
	}
	return 0;
}

static int
module_add_constants(PyObject *m)
{
	if (PyModule_AddStringConstant(m, "__version__", PACKAGE_VERSION) < 0 ||
	    PyModule_AddIntConstant(m, "MAX_NDIM", MVIEW_MAX_NDIM) < 0 ||
	    PyModule_AddIntConstant(m, "NAME_MAX", MVIEW_NAME_MAX) < 0 ||
	    PyModule_AddStringConstant(m, "SOCKET_SYSTEM",
	    MVIEW_SOCKET_SYSTEM) < 0)
		return -1;
	return 0;
}

PyMODINIT_FUNC PyInit_mview(void);

PyMODINIT_FUNC
PyInit_mview(void)
{
	PyObject	*m;

	if ((m = PyModule_Create(&module_def)) == NULL)
		return NULL;
	/* View's tables are joined (and the type readied) first. */
	if (mv_view_type_init() < 0 ||
	    module_add_type(m, "View", &mv_view_type) < 0 ||
	    module_add_type(m, "Client", &mv_client_type) < 0 ||
	    module_add_type(m, "Segment", &mv_segment_type) < 0 ||
	    module_add_type(m, "Watch", &mv_watch_type) < 0 ||
	    mv_info_init(m) < 0 || mv_errors_init(m) < 0 ||
	    mv_stream_init(m) < 0 ||
	    module_add_constants(m) < 0)
		goto fail;
	return m;

fail:
	Py_DECREF(m);
	return NULL;
}
