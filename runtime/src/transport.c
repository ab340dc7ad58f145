#include "transport.h"

#include "loop_io.h"

PyObject *
ta_fetch_exception(void)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (tb != NULL) {
        PyException_SetTraceback(value, tb);
    }
    Py_XDECREF(type);
    Py_XDECREF(tb);
    return value;
}

PyObject *
ta_uv_exception(int err)
{
    ta_set_uv_error(err);
    return ta_fetch_exception();
}

int
ta_transport_report(PyObject *loop, ta_state *st, PyObject *transport,
                    PyObject *protocol, PyObject *exc, const char *message)
{
    PyObject *context = Py_BuildValue(
        "{s:s,s:O,s:O,s:O}", "message", message, "exception", exc, "transport",
        transport, "protocol", protocol ? protocol : Py_None);
    if (context == NULL) {
        return -1;
    }
    PyObject *res = PyObject_CallMethodOneArg(
        loop, st->str_call_exception_handler, context);
    Py_DECREF(context);
    Py_XDECREF(res);
    return res == NULL ? -1 : 0;
}

void
ta_transport_callback_failed(TaLoopObject *loop, ta_state *st,
                             PyObject *transport, PyObject *protocol,
                             const char *message)
{
    if (PyErr_ExceptionMatches(PyExc_SystemExit) ||
        PyErr_ExceptionMatches(PyExc_KeyboardInterrupt)) {
        ta_loop_io_defer_error(loop);
        return;
    }
    PyObject *exc = ta_fetch_exception();
    int rc = ta_transport_report((PyObject *)loop, st, transport, protocol,
                                 exc, message);
    Py_DECREF(exc);
    if (rc < 0) {
        ta_loop_io_defer_error(loop);
    }
}

/* In debug mode, an OSError is logged, not reported (asyncio's
 * _fatal_error). */
static int
ta_transport_log_os_error(PyObject *loop, ta_state *st, PyObject *transport,
                          PyObject *exc, const char *message)
{
    PyObject *res = PyObject_CallMethod(loop, "get_debug", NULL);
    int debug = res ? PyObject_IsTrue(res) : -1;
    Py_XDECREF(res);
    if (debug <= 0) {
        return debug;
    }
    PyObject *kw = Py_BuildValue("{s:O}", "exc_info", exc);
    PyObject *meth = PyObject_GetAttrString(st->logger, "debug");
    PyObject *args = Py_BuildValue("(sOs)", "%r: %s", transport, message);
    res = (kw && meth && args) ? PyObject_Call(meth, args, kw) : NULL;
    Py_XDECREF(kw);
    Py_XDECREF(meth);
    Py_XDECREF(args);
    Py_XDECREF(res);
    return res == NULL ? -1 : 0;
}

int
ta_transport_fatal_report(PyObject *transport, ta_state *st,
                          PyObject *protocol, PyObject *exc,
                          const char *message, int quiet)
{
    PyObject *loop = PyObject_GetAttrString(transport, "_loop");
    if (loop == NULL) {
        return -1;
    }
    int rc =
        quiet
            ? ta_transport_log_os_error(loop, st, transport, exc, message)
            : ta_transport_report(loop, st, transport, protocol, exc, message);
    Py_DECREF(loop);
    return rc;
}

int
ta_transport_fatal_error(PyObject *transport, ta_state *st, PyObject *protocol,
                         PyObject *exc, const char *message)
{
    if (ta_transport_fatal_report(
            transport, st, protocol, exc, message,
            PyErr_GivenExceptionMatches(exc, PyExc_OSError)) < 0) {
        return -1;
    }
    PyObject *r = PyObject_CallMethod(transport, "_force_close", "O", exc);
    Py_XDECREF(r);
    return r == NULL ? -1 : 0;
}
