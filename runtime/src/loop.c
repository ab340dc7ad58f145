#include "loop.h"

#include "fault.h"
#include "internals.h"
#include "loop_shared.h"
#include "loop_io.h"
#include "loop_tasks.h"
#include "module.h"

#include <math.h>
#include <string.h>
#include <structmember.h>
#include <time.h>

enum {
    TA_BURST_IDLE = 0,    /* nothing ready: park until woken */
    TA_BURST_MORE = 1,    /* work is ready: checkpoint, then burst again */
    TA_BURST_STOPPED = 2, /* stop() was processed */
};

/* The loop's clock: Trio's, read without a Python call when it is Trio's
 * SystemClock (see internals.h). */
static int
ta_loop_now(TaLoopObject *self, double *now)
{
    if (self->clock_is_system || self->clock == NULL) {
        *now = self->clock_offset + ta_monotonic();
        return 0;
    }
    PyObject *res =
        PyObject_CallMethodNoArgs(self->clock, self->state->str_current_time);
    if (res == NULL) {
        return -1;
    }
    *now = PyFloat_AsDouble(res);
    Py_DECREF(res);
    if (*now == -1.0 && PyErr_Occurred()) {
        return -1;
    }
    return 0;
}

static int
ta_loop_check_open(TaLoopObject *self)
{
    if (self->closed) {
        PyErr_SetString(PyExc_RuntimeError, "Event loop is closed");
        return -1;
    }
    return 0;
}

/* asyncio's _check_callback(), without importing inspect on the hot path:
 * coroutine objects and `async def` functions are refused by name. */
static int
ta_check_callback(PyObject *callback, const char *method)
{
    if (PyCoro_CheckExact(callback) ||
        (PyFunction_Check(callback) &&
         (((PyCodeObject *)PyFunction_GET_CODE(callback))->co_flags &
          CO_COROUTINE))) {
        PyErr_Format(PyExc_TypeError, "coroutines cannot be used with %s()",
                     method);
        return -1;
    }
    if (!PyCallable_Check(callback)) {
        PyErr_Format(PyExc_TypeError,
                     "a callable object was expected by %s(), got %R", method,
                     callback);
        return -1;
    }
    return 0;
}

/* Debug-mode checks shared by the call_* methods. */
static int
ta_loop_debug_checks(TaLoopObject *self, TaHandleObject *h)
{
    PyObject *res = PyObject_CallMethodNoArgs((PyObject *)self,
                                              self->state->str_check_thread);
    if (res == NULL) {
        return -1;
    }
    Py_DECREF(res);
    PyObject *frame = (PyObject *)PyEval_GetFrame();
    res = PyObject_CallOneArg(self->state->extract_stack,
                              frame ? frame : Py_None);
    if (res == NULL) {
        return -1;
    }
    Py_XSETREF(h->source_traceback, res);
    return 0;
}

/* Split call_*(..., callback, *args, context=None).  `skip` positional
 * arguments come before the callback. */
static int
ta_parse_call(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
              Py_ssize_t skip, const char *method, PyObject **callback,
              PyObject **cbargs, PyObject **context)
{
    *context = NULL;
    if (kwnames != NULL) {
        Py_ssize_t nkw = PyTuple_GET_SIZE(kwnames);
        for (Py_ssize_t i = 0; i < nkw; i++) {
            PyObject *name = PyTuple_GET_ITEM(kwnames, i);
            if (!PyUnicode_Check(name) ||
                PyUnicode_CompareWithASCIIString(name, "context") != 0) {
                PyErr_Format(PyExc_TypeError,
                             "%s() got an unexpected keyword argument %R",
                             method, name);
                return -1;
            }
            *context = args[nargs + i];
        }
    }
    if (nargs < skip + 1) {
        PyErr_Format(PyExc_TypeError, "%s() missing required argument",
                     method);
        return -1;
    }
    *callback = args[skip];
    if (ta_check_callback(*callback, method) < 0) {
        return -1;
    }
    *cbargs = PyTuple_New(nargs - skip - 1);
    if (*cbargs == NULL) {
        return -1;
    }
    for (Py_ssize_t i = skip + 1; i < nargs; i++) {
        PyTuple_SET_ITEM(*cbargs, i - skip - 1, Py_NewRef(args[i]));
    }
    return 0;
}

static PyObject *
ta_loop_push_soon(TaLoopObject *self, PyObject *const *args, Py_ssize_t nargs,
                  PyObject *kwnames, const char *method)
{
    PyObject *callback, *cbargs, *context;
    if (ta_loop_check_open(self) < 0 ||
        ta_parse_call(args, nargs, kwnames, 0, method, &callback, &cbargs,
                      &context) < 0) {
        return NULL;
    }
    TaHandleObject *h = ta_handle_new(self->state, callback, cbargs,
                                      (PyObject *)self, context);
    Py_DECREF(cbargs);
    if (h == NULL) {
        return NULL;
    }
    /* call_soon_threadsafe() is the one call that other threads may make,
     * so debug mode's same-thread check does not apply to it (compared
     * only in debug mode: not a cost of every call_soon). */
    if (self->debug && strcmp(method, "call_soon") == 0 &&
        ta_loop_debug_checks(self, h) < 0) {
        Py_DECREF(h);
        return NULL;
    }
    Py_INCREF(h); /* the queue's reference */
    if (TA_FAULT_FAIL(READY_PUSH_SOON, ta_queue_push(&self->ready, h)) < 0) {
        Py_DECREF(h);
        Py_DECREF(h);
        return PyErr_NoMemory();
    }
    return (PyObject *)h;
}

/* asyncio reports a foreign (Trio) yield by scheduling the task's next step
 * with a RuntimeError, always with a context= keyword: hand that error to
 * _boundary.rewrite_bad_yield so it names the shim. */
static int
ta_loop_name_the_shim(TaLoopObject *self, PyObject *const *args,
                      Py_ssize_t nargs)
{
    ta_state *st = self->state;
    if (st->rewrite_bad_yield == NULL) {
        return 0;
    }
    PyObject *error = ta_find_step_error(st, args, nargs);
    if (error == NULL) {
        return 0;
    }
    PyObject *res = PyObject_CallOneArg(st->rewrite_bad_yield, error);
    Py_XDECREF(res);
    return res == NULL ? -1 : 0;
}

static PyObject *
loop_call_soon(TaLoopObject *self, PyObject *const *args, Py_ssize_t nargs,
               PyObject *kwnames)
{
    /* Only calls with a context (asyncio's Tasks and Futures) are looked
     * at: a plain call_soon(callback) pays one comparison for this. */
    if (kwnames != NULL && ta_loop_name_the_shim(self, args, nargs) < 0) {
        return NULL;
    }
    PyObject *h = ta_loop_push_soon(self, args, nargs, kwnames, "call_soon");
    if (h != NULL && ta_loop_wake(self) < 0) {
        Py_DECREF(h);
        return NULL;
    }
    return h;
}

static PyObject *
loop_call_soon_threadsafe(TaLoopObject *self, PyObject *const *args,
                          Py_ssize_t nargs, PyObject *kwnames)
{
    /* The GIL serialises this push with the loop thread's pops. */
    PyObject *h =
        ta_loop_push_soon(self, args, nargs, kwnames, "call_soon_threadsafe");
    if (h == NULL) {
        return NULL;
    }
    /* Always through libuv, even from the loop's own thread: this may run
     * in a signal handler, in the middle of Trio's scheduler, where
     * rescheduling a task directly is not safe.  (The flag is read under
     * the GIL, which this thread holds.) */
    self->poll_due = 1;
    if (self->async != NULL) {
        uv_async_send(self->async);
    }
    return h;
}

static int
ta_loop_schedule_timer(TaLoopObject *self, TaTimerHandleObject *t)
{
    if (TA_FAULT_FAIL(TIMER_INSERT, ta_heap_insert(&self->timers, &t->node)) <
        0) {
        PyErr_NoMemory();
        return -1;
    }
    Py_INCREF(t); /* the heap's reference */
    t->scheduled = 1;
    if (self->parked && t->node.when < self->park_deadline) {
        return ta_loop_wake(self);
    }
    return 0;
}

static PyObject *
ta_loop_push_timer(TaLoopObject *self, double when, PyObject *const *args,
                   Py_ssize_t nargs, PyObject *kwnames, const char *method)
{
    PyObject *callback, *cbargs, *context;
    if (ta_parse_call(args, nargs, kwnames, 1, method, &callback, &cbargs,
                      &context) < 0) {
        return NULL;
    }
    TaTimerHandleObject *t = ta_timer_handle_new(
        self->state, when, callback, cbargs, (PyObject *)self, context);
    Py_DECREF(cbargs);
    if (t == NULL) {
        return NULL;
    }
    if ((self->debug && ta_loop_debug_checks(self, &t->base) < 0) ||
        ta_loop_schedule_timer(self, t) < 0) {
        Py_DECREF(t);
        return NULL;
    }
    return (PyObject *)t;
}

static int
ta_parse_time(PyObject *value, const char *what, double *out)
{
    if (value == Py_None) {
        PyErr_Format(PyExc_TypeError, "%s must not be None", what);
        return -1;
    }
    *out = PyFloat_AsDouble(value);
    if (*out == -1.0 && PyErr_Occurred()) {
        return -1;
    }
    if (isnan(*out)) {
        PyErr_Format(PyExc_ValueError, "%s must not be NaN", what);
        return -1;
    }
    return 0;
}

static PyObject *
loop_call_later(TaLoopObject *self, PyObject *const *args, Py_ssize_t nargs,
                PyObject *kwnames)
{
    double delay, now;
    if (ta_loop_check_open(self) < 0) {
        return NULL;
    }
    if (nargs < 1) {
        PyErr_SetString(PyExc_TypeError,
                        "call_later() missing required argument 'delay'");
        return NULL;
    }
    if (ta_parse_time(args[0], "delay", &delay) < 0 ||
        ta_loop_now(self, &now) < 0) {
        return NULL;
    }
    return ta_loop_push_timer(self, now + delay, args, nargs, kwnames,
                              "call_later");
}

static PyObject *
loop_call_at(TaLoopObject *self, PyObject *const *args, Py_ssize_t nargs,
             PyObject *kwnames)
{
    double when;
    if (ta_loop_check_open(self) < 0) {
        return NULL;
    }
    if (nargs < 1) {
        PyErr_SetString(PyExc_TypeError,
                        "call_at() missing required argument 'when'");
        return NULL;
    }
    if (ta_parse_time(args[0], "when", &when) < 0) {
        return NULL;
    }
    return ta_loop_push_timer(self, when, args, nargs, kwnames, "call_at");
}

void
ta_loop_timer_cancelled(TaLoopObject *self, TaTimerHandleObject *t)
{
    if (!ta_heap_node_linked(&t->node)) {
        return;
    }
    ta_heap_remove(&self->timers, &t->node);
    t->scheduled = 0;
    Py_DECREF(t); /* the heap's reference; the caller still holds one */
}

static PyObject *
loop_time(TaLoopObject *self, PyObject *Py_UNUSED(ignored))
{
    double now;
    if (ta_loop_now(self, &now) < 0) {
        return NULL;
    }
    return PyFloat_FromDouble(now);
}

/* Move every timer due by `now` to the ready queue, in heap order. */
static int
ta_loop_move_due_timers(TaLoopObject *self)
{
    ta_heap_node *node = ta_heap_min(&self->timers);
    if (node == NULL) {
        return 0;
    }
    double now;
    if (ta_loop_now(self, &now) < 0) {
        return -1;
    }
    while ((node = ta_heap_min(&self->timers)) != NULL && node->when <= now) {
        ta_heap_pop(&self->timers);
        TaTimerHandleObject *t = TA_TIMER_FROM_NODE(node);
        t->scheduled = 0;
        /* The heap's reference moves to the ready queue. */
        if (TA_FAULT_FAIL(READY_PUSH_TIMER, ta_queue_push(&self->ready, t)) <
            0) {
            Py_DECREF(t);
            PyErr_NoMemory();
            return -1;
        }
    }
    return 0;
}

/* Log a slow callback as asyncio's debug mode does. */
static int
ta_loop_warn_slow(TaLoopObject *self, TaHandleObject *h, double dt)
{
    PyObject *limit = PyObject_GetAttr(
        (PyObject *)self, self->state->str_slow_callback_duration);
    if (limit == NULL) {
        return -1;
    }
    double max = PyFloat_AsDouble(limit);
    Py_DECREF(limit);
    if (max == -1.0 && PyErr_Occurred()) {
        return -1;
    }
    if (dt < max) {
        return 0;
    }
    /* asyncio names a task's step by the task, so that the user sees which
     * coroutine was slow. */
    PyObject *what =
        self->state->format_handle == NULL
            ? PyObject_Str((PyObject *)h)
            : PyObject_CallOneArg(self->state->format_handle, (PyObject *)h);
    if (what == NULL) {
        return -1;
    }
    PyObject *res =
        PyObject_CallMethod(self->state->logger, "warning", "sOd",
                            "Executing %s took %.3f seconds", what, dt);
    Py_DECREF(what);
    Py_XDECREF(res);
    return res == NULL ? -1 : 0;
}

/* Run the n oldest ready handles (asyncio's `ntodo` rule: callbacks added
 * meanwhile wait for the next pass). */
static int
ta_loop_run_ready(TaLoopObject *self, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        TaHandleObject *h = ta_queue_pop(&self->ready);
        if (h == NULL) {
            break;
        }
        int rc;
        if (self->debug) {
            double t0 = ta_monotonic();
            rc = ta_handle_run(h);
            if (rc == 0) {
                rc = ta_loop_warn_slow(self, h, ta_monotonic() - t0);
            }
        }
        else {
            rc = ta_handle_run(h);
        }
        Py_DECREF(h);
        if (rc < 0) {
            return -1;
        }
    }
    return 0;
}

/* Does Trio have other tasks waiting to run? */
static int
ta_loop_trio_busy(TaLoopObject *self)
{
    if (self->runq == NULL) {
        return 0;
    }
    Py_ssize_t n = PyObject_Length(self->runq);
    if (n < 0) {
        PyErr_Clear();
        return 0;
    }
    return n > 0;
}

/* The dict behind sniffio.thread_local in this thread, or NULL (no error)
 * to use attribute access.  Reading and writing `name` in it directly costs
 * a few dozen instructions where each attribute access on a
 * threading.local finds the thread's dict again (about 1,000).  Cached
 * only while attached, and only for the loop's own thread: a Trio run
 * stays in one thread, and a thread's dict stays the same while it lives. */
static PyObject *
ta_loop_sniffio_dict(TaLoopObject *self)
{
    ta_state *st = self->state;
    if (!self->attached || self->thread_id != PyThread_get_thread_ident()) {
        return NULL;
    }
    if (self->sniffio_dict != NULL) {
        return self->sniffio_dict;
    }
    /* A data descriptor named `name` on the class would take precedence
     * over the instance dict: then keep to attribute access. */
    PyObject *attr = _PyType_Lookup(Py_TYPE(st->sniffio_local), st->str_name);
    if (attr != NULL && Py_TYPE(attr)->tp_descr_set != NULL) {
        return NULL;
    }
    PyObject *d = PyObject_GetAttrString(st->sniffio_local, "__dict__");
    if (d == NULL || !PyDict_CheckExact(d)) {
        PyErr_Clear();
        Py_XDECREF(d);
        return NULL;
    }
    self->sniffio_dict = d;
    return d;
}

/* Make asyncio and sniffio see this loop for the duration of a burst.
 * *lib_dict is the sniffio dict used (a new reference) or NULL. */
static int
ta_loop_enter_asyncio(TaLoopObject *self, PyObject **prev_loop,
                      PyObject **prev_lib, PyObject **lib_dict)
{
    ta_state *st = self->state;
    *prev_lib = NULL;
    *lib_dict = NULL;
    *prev_loop = PyObject_CallNoArgs(st->get_running_loop);
    if (*prev_loop == NULL) {
        return -1;
    }
    PyObject *res =
        PyObject_CallOneArg(st->set_running_loop, (PyObject *)self);
    if (res == NULL) {
        Py_CLEAR(*prev_loop);
        return -1;
    }
    Py_DECREF(res);
    if (st->sniffio_local == NULL) {
        return 0;
    }
    PyObject *d = ta_loop_sniffio_dict(self);
    if (d != NULL) {
        PyObject *prev = PyDict_GetItemWithError(d, st->str_name);
        if (prev == NULL && PyErr_Occurred()) {
            return -1;
        }
        /* Not set in this thread: the class default, None. */
        *prev_lib = Py_NewRef(prev != NULL ? prev : Py_None);
        *lib_dict = Py_NewRef(d);
        return PyDict_SetItem(d, st->str_name, st->str_asyncio);
    }
    *prev_lib = PyObject_GetAttr(st->sniffio_local, st->str_name);
    if (*prev_lib == NULL) {
        PyErr_Clear();
        *prev_lib = Py_NewRef(Py_None);
    }
    return PyObject_SetAttr(st->sniffio_local, st->str_name, st->str_asyncio);
}

static void
ta_loop_leave_asyncio(TaLoopObject *self, PyObject *prev_loop,
                      PyObject *prev_lib, PyObject *lib_dict)
{
    ta_state *st = self->state;
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    if (prev_loop != NULL) {
        PyObject *res = PyObject_CallOneArg(st->set_running_loop, prev_loop);
        if (res == NULL) {
            PyErr_WriteUnraisable((PyObject *)self);
        }
        Py_XDECREF(res);
        Py_DECREF(prev_loop);
    }
    if (prev_lib != NULL) {
        int rc =
            lib_dict != NULL
                ? PyDict_SetItem(lib_dict, st->str_name, prev_lib)
                : PyObject_SetAttr(st->sniffio_local, st->str_name, prev_lib);
        if (rc < 0) {
            PyErr_WriteUnraisable((PyObject *)self);
        }
        Py_DECREF(prev_lib);
    }
    Py_XDECREF(lib_dict);
    PyErr_Restore(type, value, tb);
}

static int
ta_loop_burst_passes(TaLoopObject *self)
{
    double start = ta_monotonic();
    if (self->stop_requested) {
        self->stop_requested = 0;
        return TA_BURST_STOPPED;
    }
    for (;;) {
        int polled = 0;
        if (self->polls_active + self->uv_active > 0) {
            if (ta_loop_poll_io(self) < 0) {
                return -1;
            }
            polled = 1;
        }
        if (ta_loop_move_due_timers(self) < 0) {
            return -1;
        }
        size_t n = ta_queue_length(&self->ready);
        if (n == 0) {
            /* Before going idle, let libuv dispatch what it has (this also
             * drains the cross-thread wakeup). */
            if (!polled && self->poll_due) {
                if (ta_loop_poll_io(self) < 0 ||
                    ta_loop_move_due_timers(self) < 0) {
                    return -1;
                }
                if (ta_queue_length(&self->ready) > 0) {
                    continue;
                }
            }
            if (!self->io_ran) {
                return TA_BURST_IDLE;
            }
            /* A transport's callbacks ran in libuv (a datagram answered
             * from datagram_received queues no handle): what they sent
             * may be ready already, so poll again -- within the budget. */
            self->io_ran = 0;
            if (self->stop_requested) {
                self->stop_requested = 0;
                return TA_BURST_STOPPED;
            }
            if (ta_loop_trio_busy(self) ||
                ta_monotonic() - start >= self->budget) {
                return TA_BURST_MORE;
            }
            continue;
        }
        if (ta_loop_run_ready(self, n) < 0) {
            return -1;
        }
        if (self->stop_requested) {
            self->stop_requested = 0;
            return TA_BURST_STOPPED;
        }
        /* With nothing queued and no fd to poll, the next pass goes idle
         * (parking is cheaper than a checkpoint and another burst).
         * Otherwise yield when Trio has work or the budget is spent --
         * checked even with an empty queue, as a level-triggered fd can
         * keep the loop busy through libuv alone. */
        if (ta_queue_length(&self->ready) == 0 &&
            self->polls_active + self->uv_active == 0) {
            continue;
        }
        if (ta_loop_trio_busy(self) ||
            ta_monotonic() - start >= self->budget) {
            return TA_BURST_MORE;
        }
    }
}

/* One burst with asyncio and sniffio pointed at this loop. */
static int
ta_loop_run_burst(TaLoopObject *self)
{
    PyObject *prev_loop, *prev_lib, *lib_dict;
    if (self->in_burst) {
        PyErr_SetString(PyExc_RuntimeError,
                        "the loop's callbacks are already running");
        return -1;
    }
    self->in_burst = 1;
    if (ta_loop_enter_asyncio(self, &prev_loop, &prev_lib, &lib_dict) < 0) {
        ta_loop_leave_asyncio(self, prev_loop, prev_lib, lib_dict);
        self->in_burst = 0;
        return -1;
    }
    int status = ta_loop_burst_passes(self);
    ta_loop_leave_asyncio(self, prev_loop, prev_lib, lib_dict);
    self->in_burst = 0;
    return status;
}

/* Inline bursts.  A Trio task that hands the parked loop work it will
 * wait for (run_aio_coroutine) can run the burst itself instead of waking
 * the loop task: one Trio scheduling round per call instead of two.
 *
 *   _core_inline_enter(): True (and wakes are held back) if the loop is
 *       parked in this thread; False otherwise (use the normal path).
 *   _core_inline_run(): run one burst now and leave inline mode.
 *   _core_inline_abort(): leave inline mode without running.
 *
 * On leaving, the parked loop task is woken only if work remains, a timer
 * now falls before its deadline, or stop() was processed. */
static PyObject *
loop_core_inline_enter(TaLoopObject *self, PyObject *Py_UNUSED(ignored))
{
    if (!self->attached || !self->parked || self->in_burst ||
        self->inline_mode || PyThread_get_thread_ident() != self->thread_id) {
        Py_RETURN_FALSE;
    }
    self->inline_mode = 1;
    self->inline_woken = 0;
    Py_RETURN_TRUE;
}

static int
ta_loop_inline_leave(TaLoopObject *self, int wake)
{
    self->inline_mode = 0;
    if (self->inline_woken) {
        ta_heap_node *next = ta_heap_min(&self->timers);
        if (ta_queue_length(&self->ready) > 0 ||
            (next != NULL && next->when < self->park_deadline)) {
            wake = 1;
        }
    }
    if (!wake) {
        return 0;
    }
    /* Keep an exception raised by the burst across the wakeup call. */
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    int rc = ta_loop_wake(self);
    if (type != NULL) {
        if (rc < 0) {
            PyErr_WriteUnraisable((PyObject *)self);
        }
        PyErr_Restore(type, value, tb);
        return -1;
    }
    return rc;
}

/* Returns whether the caller, if it does not block, should still yield to
 * Trio (a schedule point): when Trio has other tasks ready or the budget
 * has passed since the last time it was told to.  A Trio round costs more
 * than the whole call (about 36,000 instructions), and Trio's checkpoints
 * may skip the schedule point when nothing else waits; the budget keeps
 * fd readiness and deadlines, which Trio only sees in a round, as timely
 * as a burst keeps them. */
static PyObject *
loop_core_inline_run(TaLoopObject *self, PyObject *Py_UNUSED(ignored))
{
    if (!self->inline_mode) {
        PyErr_SetString(PyExc_RuntimeError, "not in inline mode");
        return NULL;
    }
    int status = ta_loop_run_burst(self);
    if (status == TA_BURST_STOPPED) {
        self->stop_requested = 1; /* for the loop task to act on */
    }
    if (ta_loop_inline_leave(self, status != TA_BURST_IDLE) < 0 ||
        status < 0) {
        return NULL;
    }
    double now = ta_monotonic();
    if (status != TA_BURST_IDLE || ta_loop_trio_busy(self) ||
        now - self->inline_yielded_at >= self->budget) {
        self->inline_yielded_at = now;
        Py_RETURN_TRUE;
    }
    Py_RETURN_FALSE;
}

static PyObject *
loop_core_inline_abort(TaLoopObject *self, PyObject *Py_UNUSED(ignored))
{
    if (self->inline_mode && ta_loop_inline_leave(self, 0) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
loop_core_burst(TaLoopObject *self, PyObject *Py_UNUSED(ignored))
{
    if (!self->attached) {
        PyErr_SetString(PyExc_RuntimeError,
                        "this loop is not running in a Trio task");
        return NULL;
    }
    int status = ta_loop_run_burst(self);
    if (status < 0) {
        return NULL;
    }
    if (status == TA_BURST_IDLE) {
        ta_heap_node *next = ta_heap_min(&self->timers);
        self->park_deadline = next ? next->when : INFINITY;
        self->parked = 1;
    }
    return PyLong_FromLong(status);
}

static PyObject *
loop_core_deadline(TaLoopObject *self, PyObject *Py_UNUSED(ignored))
{
    ta_heap_node *next = ta_heap_min(&self->timers);
    return PyFloat_FromDouble(next ? next->when : INFINITY);
}

/* After every park.  Still parked means nothing in the core woke the loop
 * task: Trio's I/O did, so libuv has something for the next burst. */
static PyObject *
loop_core_unpark(TaLoopObject *self, PyObject *Py_UNUSED(ignored))
{
    if (self->parked) {
        self->poll_due = 1;
    }
    self->parked = 0;
    Py_RETURN_NONE;
}

/* _core_set_io_waiter(waiter or None): see TaLoopObject.io_waiter. */
static PyObject *
loop_core_set_io_waiter(TaLoopObject *self, PyObject *waiter)
{
    Py_XSETREF(self->io_waiter, waiter == Py_None ? NULL : Py_NewRef(waiter));
    Py_RETURN_NONE;
}

/* Wake the parked loop task; True if this call rescheduled it (or Trio's
 * I/O had), False if it was not parked. */
static PyObject *
loop_core_wake(TaLoopObject *self, PyObject *Py_UNUSED(ignored))
{
    int woken = self->parked && !self->inline_mode;
    if (ta_loop_wake(self) < 0) {
        return NULL;
    }
    return PyBool_FromLong(woken);
}

/* Queue an existing Handle (signal handlers, Trio-side hand-offs). */
static PyObject *
loop_core_push(TaLoopObject *self, PyObject *handle)
{
    if (!PyObject_TypeCheck(handle, self->state->HandleType)) {
        PyErr_Format(PyExc_TypeError, "expected a trioaio Handle, got %R",
                     handle);
        return NULL;
    }
    if (ta_loop_check_open(self) < 0) {
        return NULL;
    }
    Py_INCREF(handle); /* the queue's reference */
    if (TA_FAULT_FAIL(READY_PUSH_HANDLE, ta_queue_push(&self->ready, handle)) <
        0) {
        Py_DECREF(handle);
        return PyErr_NoMemory();
    }
    if (ta_loop_wake(self) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
loop_core_request_stop(TaLoopObject *self, PyObject *Py_UNUSED(ignored))
{
    self->stop_requested = 1;
    Py_RETURN_NONE;
}

/* _core_attach(task, watcher, clock, runq): bind to the running Trio task. */
static PyObject *
loop_core_attach(TaLoopObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError,
                        "_core_attach(task, watcher, clock, runq)");
        return NULL;
    }
    if (self->attached) {
        PyErr_SetString(PyExc_RuntimeError,
                        "this loop is already running in a Trio task");
        return NULL;
    }
    PyObject *clock = args[2];
    double offset = 0.0;
    int is_system = ta_system_clock_offset(self->state, clock, &offset);
    if (is_system < 0) {
        return NULL;
    }
    Py_XSETREF(self->task, Py_NewRef(args[0]));
    Py_XSETREF(self->watcher, args[1] == Py_None ? NULL : Py_NewRef(args[1]));
    Py_XSETREF(self->clock, Py_NewRef(clock));
    Py_XSETREF(self->runq, args[3] == Py_None ? NULL : Py_NewRef(args[3]));
    Py_CLEAR(self->sniffio_dict); /* found again in this thread */
    self->clock_is_system = (char)is_system;
    self->clock_offset = offset;
    self->thread_id = PyThread_get_thread_ident();
    self->attached = 1;
    self->parked = 0;
    /* watcher_waiting is left alone: the watcher may already have seen the
     * backend fd readable (left over from an earlier run) and be waiting
     * for us to drain libuv. */
    self->stop_requested = 0;
    self->poll_due = 1; /* wakeups sent while the loop was stopped */
    Py_RETURN_NONE;
}

/* Forget the Trio tasks; the clock stays so that time() keeps working. */
static PyObject *
loop_core_detach(TaLoopObject *self, PyObject *Py_UNUSED(ignored))
{
    self->attached = 0;
    self->parked = 0;
    self->watcher_waiting = 0;
    Py_CLEAR(self->task);
    Py_CLEAR(self->watcher);
    Py_CLEAR(self->io_waiter);
    Py_CLEAR(self->runq);
    Py_CLEAR(self->sniffio_dict);
    Py_RETURN_NONE;
}

static PyObject *
loop_core_set_budget(TaLoopObject *self, PyObject *arg)
{
    double budget = PyFloat_AsDouble(arg);
    if (budget == -1.0 && PyErr_Occurred()) {
        return NULL;
    }
    if (!(budget >= 0.0)) {
        PyErr_SetString(PyExc_ValueError, "budget must be >= 0 seconds");
        return NULL;
    }
    self->budget = budget;
    Py_RETURN_NONE;
}

static void
ta_loop_drop_queues(TaLoopObject *self)
{
    TaHandleObject *h;
    while ((h = ta_queue_pop(&self->ready)) != NULL) {
        Py_DECREF(h);
    }
    ta_heap_node *node;
    while ((node = ta_heap_pop(&self->timers)) != NULL) {
        TaTimerHandleObject *t = TA_TIMER_FROM_NODE(node);
        t->scheduled = 0;
        Py_DECREF(t);
    }
}

/* Drop every queued callback and timer and release libuv (asyncio's close()
 * clears _ready and _scheduled the same way). */
static PyObject *
loop_core_close(TaLoopObject *self, PyObject *Py_UNUSED(ignored))
{
    self->closed = 1;
    ta_loop_drop_queues(self);
    ta_loop_io_close(self);
    Py_RETURN_NONE;
}

static PyObject *
loop_core_stats(TaLoopObject *self, PyObject *Py_UNUSED(ignored))
{
    return Py_BuildValue("{s:n,s:n,s:n,s:i,s:i,s:i,s:i}", "ready",
                         (Py_ssize_t)ta_queue_length(&self->ready), "timers",
                         (Py_ssize_t)ta_heap_length(&self->timers), "fds",
                         (Py_ssize_t)self->polls_active, "attached",
                         (int)self->attached, "parked", (int)self->parked,
                         "watcher_waiting", (int)self->watcher_waiting,
                         "in_burst", (int)self->in_burst);
}

/* asyncio's get_debug(), without a Python frame: every Future and Task
 * asks it when created. */
static PyObject *
loop_get_debug(TaLoopObject *self, PyObject *Py_UNUSED(ignored))
{
    return PyBool_FromLong(self->debug);
}

static PyObject *
loop_timer_count(TaLoopObject *self, PyObject *Py_UNUSED(ignored))
{
    return PyLong_FromSize_t(ta_heap_length(&self->timers));
}

/* ------------------------------------------------------------- lifecycle */

/* A loop that could not be made is closed: a Python subclass's __del__
 * (asyncio's BaseEventLoop.__del__) still runs on it, and must find
 * nothing to close. */
static PyObject *
loop_new_failed(TaLoopObject *self)
{
    self->closed = 1;
    Py_DECREF(self);
    return NULL;
}

static PyObject *
loop_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *module = PyType_GetModuleByDef(type, &ta_module_def);
    if (module == NULL) {
        return NULL;
    }
    TaLoopObject *self = (TaLoopObject *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->module = Py_NewRef(module);
    self->state = PyModule_GetState(module);
    /* Counted from here on: dealloc uncounts a loop whose construction
     * fails below (found by the fault-injection tests). */
    self->state->live_loops++;
    self->budget = 0.001;
    self->park_deadline = INFINITY;
    self->clock_offset = 0.0;
    if (TA_FAULT_FAIL(READY_INIT, ta_queue_init(&self->ready)) < 0) {
        PyErr_NoMemory();
        return loop_new_failed(self);
    }
    ta_heap_init(&self->timers);
    if (ta_loop_io_init(self) < 0) {
        return loop_new_failed(self);
    }
    return (PyObject *)self;
}

static int
loop_traverse(TaLoopObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->module);
    Py_VISIT(self->task);
    Py_VISIT(self->watcher);
    Py_VISIT(self->io_waiter);
    Py_VISIT(self->runq);
    Py_VISIT(self->sniffio_dict);
    Py_VISIT(self->clock);
    Py_VISIT(self->dict);
    /* Handles held only by the C containers are still ours to report. */
    for (size_t i = 0; i < ta_queue_length(&self->ready); i++) {
        Py_VISIT((PyObject *)ta_queue_at(&self->ready, i));
    }
    for (size_t i = 0; i < ta_heap_length(&self->timers); i++) {
        Py_VISIT((PyObject *)TA_TIMER_FROM_NODE(self->timers.nodes[i]));
    }
    return ta_loop_io_traverse(self, visit, arg);
}

static int
loop_clear(TaLoopObject *self)
{
    Py_CLEAR(self->task);
    Py_CLEAR(self->watcher);
    Py_CLEAR(self->io_waiter);
    Py_CLEAR(self->runq);
    Py_CLEAR(self->sniffio_dict);
    Py_CLEAR(self->clock);
    Py_CLEAR(self->dict);
    if (self->ready.items != NULL) {
        ta_loop_drop_queues(self);
    }
    ta_loop_io_clear(self);
    return 0;
}

static void
loop_dealloc(TaLoopObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    if (self->weakreflist != NULL) {
        PyObject_ClearWeakRefs((PyObject *)self);
    }
    loop_clear(self);
    ta_loop_io_close(self);
    ta_queue_free(&self->ready);
    ta_heap_free(&self->timers);
    if (self->state != NULL && self->module != NULL) {
        self->state->live_loops--;
    }
    Py_CLEAR(self->module);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyMethodDef loop_methods[] = {
    {"call_soon", (PyCFunction)(void (*)(void))loop_call_soon,
     METH_FASTCALL | METH_KEYWORDS,
     "call_soon(callback, *args, context=None)\n--\n\n"
     "Run callback(*args) on the next pass; return a Handle."},
    {"call_soon_threadsafe",
     (PyCFunction)(void (*)(void))loop_call_soon_threadsafe,
     METH_FASTCALL | METH_KEYWORDS,
     "call_soon_threadsafe(callback, *args, context=None)\n--\n\n"
     "Like call_soon(), from any thread; wakes the loop."},
    {"call_later", (PyCFunction)(void (*)(void))loop_call_later,
     METH_FASTCALL | METH_KEYWORDS,
     "call_later(delay, callback, *args, context=None)\n--\n\n"
     "Run callback(*args) after delay seconds; return a TimerHandle."},
    {"call_at", (PyCFunction)(void (*)(void))loop_call_at,
     METH_FASTCALL | METH_KEYWORDS,
     "call_at(when, callback, *args, context=None)\n--\n\n"
     "Run callback(*args) at loop time when; return a TimerHandle."},
    {"create_future", (PyCFunction)ta_loop_create_future, METH_NOARGS,
     "Create a Future object attached to the loop."},
    {"create_task", (PyCFunction)(void (*)(void))ta_loop_create_task,
     METH_FASTCALL | METH_KEYWORDS,
     "Schedule a coroutine object.\n\n"
     "Return a task object."},
    {"get_debug", (PyCFunction)loop_get_debug, METH_NOARGS,
     "Return whether the loop is in debug mode."},
    {"time", (PyCFunction)loop_time, METH_NOARGS,
     "Return the loop's time: Trio's clock (trio.current_time())."},
    {"_core_burst", (PyCFunction)loop_core_burst, METH_NOARGS, NULL},
    {"_core_inline_enter", (PyCFunction)loop_core_inline_enter, METH_NOARGS,
     NULL},
    {"_core_inline_run", (PyCFunction)loop_core_inline_run, METH_NOARGS, NULL},
    {"_core_inline_abort", (PyCFunction)loop_core_inline_abort, METH_NOARGS,
     NULL},
    {"_core_deadline", (PyCFunction)loop_core_deadline, METH_NOARGS, NULL},
    {"_core_unpark", (PyCFunction)loop_core_unpark, METH_NOARGS, NULL},
    {"_core_wake", (PyCFunction)loop_core_wake, METH_NOARGS, NULL},
    {"_core_set_io_waiter", (PyCFunction)loop_core_set_io_waiter, METH_O,
     NULL},
    {"_core_push", (PyCFunction)loop_core_push, METH_O, NULL},
    {"_core_request_stop", (PyCFunction)loop_core_request_stop, METH_NOARGS,
     NULL},
    {"_core_attach", (PyCFunction)(void (*)(void))loop_core_attach,
     METH_FASTCALL, NULL},
    {"_core_detach", (PyCFunction)loop_core_detach, METH_NOARGS, NULL},
    {"_core_set_budget", (PyCFunction)loop_core_set_budget, METH_O, NULL},
    {"_core_close", (PyCFunction)loop_core_close, METH_NOARGS, NULL},
    {"_core_stats", (PyCFunction)loop_core_stats, METH_NOARGS, NULL},
    {"_timer_count", (PyCFunction)loop_timer_count, METH_NOARGS,
     "Number of timers waiting in the heap (cancelled ones are removed)."},
    TA_LOOP_IO_METHODS{NULL},
};

static PyMemberDef loop_members[] = {
    {"_closed", T_BOOL, offsetof(TaLoopObject, closed), 0, NULL},
    {"_debug", T_BOOL, offsetof(TaLoopObject, debug), 0, NULL},
    {"__weaklistoffset__", T_PYSSIZET, offsetof(TaLoopObject, weakreflist),
     READONLY, NULL},
    {"__dictoffset__", T_PYSSIZET, offsetof(TaLoopObject, dict), READONLY,
     NULL},
    {NULL},
};

static PyType_Slot loop_slots[] = {
    {Py_tp_doc, "The C core of trioaio's event loops (not used alone)."},
    {Py_tp_new, loop_new},
    {Py_tp_dealloc, loop_dealloc},
    {Py_tp_traverse, loop_traverse},
    {Py_tp_clear, loop_clear},
    {Py_tp_methods, loop_methods},
    {Py_tp_members, loop_members},
    {0, NULL},
};

PyType_Spec ta_loop_spec = {
    .name = "trioaio._core.Loop",
    .basicsize = sizeof(TaLoopObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_BASETYPE,
    .slots = loop_slots,
};
