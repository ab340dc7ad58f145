/* The C core's reliance on other projects' private details, all here.
 *
 * trioaio/_internals.py probes each detail once and hands the core the
 * objects it found (`_core._configure()`), or None when a new Trio or
 * CPython no longer works that way.  Each function below takes the public
 * path in that case: correct, if slower.  tests/runtime/test_internals.py
 * names the detail when a probe fails, and runs the fallbacks.
 *
 * The core also imports four private names of CPython's asyncio at module
 * init (module.c): `_asyncio._get_running_loop`, `_asyncio._set_running_loop`
 * (asyncio's hooks for loop implementations),
 * `asyncio.format_helpers._format_callback_source` (asyncio's own repr of
 * a callback) and `asyncio.base_events._format_handle` (how debug mode
 * names a slow callback: a task's step as the task; without it, the
 * handle's repr); test_internals.py checks that they exist.
 */
#ifndef TA_INTERNALS_H
#define TA_INTERNALS_H

#include "ta_state.h"

#include <time.h>

/* --- Trio's SystemClock ------------------------------------------------
 * Its current_time() is `self.offset + time.perf_counter()`, and
 * perf_counter reads CLOCK_MONOTONIC on Linux (both checked by
 * _internals.SYSTEM_CLOCK).  The core computes it without a Python call.
 */
static inline double
ta_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Is `clock` Trio's SystemClock (exactly: a subclass may override
 * current_time)?  Then store its offset.  0 with *offset untouched if
 * not (or if _configure got no SystemClock): the caller then calls
 * clock.current_time().  -1 with an exception set on error. */
static inline int
ta_system_clock_offset(ta_state *st, PyObject *clock, double *offset)
{
    if (st->system_clock == NULL ||
        !Py_IS_TYPE(clock, (PyTypeObject *)st->system_clock)) {
        return 0;
    }
    PyObject *off = PyObject_GetAttr(clock, st->str_offset);
    if (off == NULL) {
        return -1;
    }
    double value = PyFloat_AsDouble(off);
    Py_DECREF(off);
    if (value == -1.0 && PyErr_Occurred()) {
        return -1;
    }
    *offset = value;
    return 1;
}

/* --- asyncio's "bad yield" error ---------------------------------------
 * A Task whose coroutine yields something foreign (a Trio trap) schedules
 * its next step with a RuntimeError, through call_soon(..., context=).
 * The pure-Python Task passes the error as the callback's argument; the C
 * Task hides it inside its step wrapper (`_asyncio.TaskStepMethWrapper`),
 * which only tp_traverse reveals.  With the wrapper's type known
 * (st->step_wrapper_type), only wrappers are looked into; without it,
 * every callback scheduled with a context is.  Python's rewrite function
 * checks the message, so looking at too many callbacks is only slower.
 */
static int
ta_visit_runtime_error(PyObject *obj, void *arg)
{
    if (Py_IS_TYPE(obj, (PyTypeObject *)PyExc_RuntimeError)) {
        *(PyObject **)arg = obj;
    }
    return 0;
}

/* The RuntimeError that call_soon(args..., context=) may carry, borrowed,
 * or NULL.  Only called when a context keyword was given. */
static inline PyObject *
ta_find_step_error(ta_state *st, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *error = NULL;
    if (nargs == 0) {
        return NULL;
    }
    if (nargs == 2 &&
        Py_IS_TYPE(args[1], (PyTypeObject *)PyExc_RuntimeError)) {
        return args[1]; /* the pure-Python Task */
    }
    PyTypeObject *tp = Py_TYPE(args[0]);
    if (nargs == 1 && tp->tp_traverse != NULL && PyObject_IS_GC(args[0]) &&
        (st->step_wrapper_type == NULL ||
         tp == (PyTypeObject *)st->step_wrapper_type)) {
        tp->tp_traverse(args[0], ta_visit_runtime_error, &error);
    }
    return error;
}

#endif
