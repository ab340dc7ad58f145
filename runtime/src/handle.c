#include "handle.h"

#include "fault.h"
#include "loop.h"
#include "module.h"

#include <structmember.h>

/* Fill in a freshly allocated handle.  On failure the caller deallocates
 * it, and dealloc reads every field: so all of them are set before anything
 * can fail. */
static int
ta_handle_init_fields(TaHandleObject *h, ta_state *st, PyObject *callback,
                      PyObject *args, PyObject *loop, PyObject *context)
{
    h->callback = h->args = h->loop = h->context = NULL;
    h->source_traceback = h->weakreflist = NULL;
    h->state = NULL; /* not counted yet: dealloc must not uncount it */
    h->cancelled = 0;
    if (context == NULL || context == Py_None) {
        context = PyContext_CopyCurrent();
        if (context == NULL) {
            return -1;
        }
    }
    else {
        Py_INCREF(context);
    }
    h->context = context;
    h->callback = Py_NewRef(callback);
    h->args = Py_NewRef(args);
    h->loop = Py_NewRef(loop);
    h->state = st;
    st->live_handles++;
    return 0;
}

/* Allocate an object of `type`, untracked by the GC.  The core's own types
 * take the fast path; a Python subclass, which may add a __dict__ or
 * slots, goes through its tp_alloc (which tracks it: untrack until the
 * fields are set). */
static PyObject *
ta_handle_alloc(PyTypeObject *type, PyTypeObject *own)
{
    if (type == own) {
        return PyObject_GC_New(PyObject, type);
    }
    PyObject *obj = type->tp_alloc(type, 0);
    if (obj != NULL) {
        PyObject_GC_UnTrack(obj);
    }
    return obj;
}

static TaHandleObject *
ta_handle_new_of_type(ta_state *st, PyTypeObject *type, PyObject *callback,
                      PyObject *args, PyObject *loop, PyObject *context)
{
    TaHandleObject *h =
        (TaHandleObject *)ta_handle_alloc(type, st->HandleType);
    if (h == NULL) {
        return NULL;
    }
    if (ta_handle_init_fields(h, st, callback, args, loop, context) < 0) {
        Py_DECREF(h);
        return NULL;
    }
    PyObject_GC_Track(h);
    return h;
}

static TaTimerHandleObject *
ta_timer_handle_new_of_type(ta_state *st, PyTypeObject *type, double when,
                            PyObject *callback, PyObject *args, PyObject *loop,
                            PyObject *context)
{
    TaTimerHandleObject *t =
        (TaTimerHandleObject *)ta_handle_alloc(type, st->TimerHandleType);
    if (t == NULL) {
        return NULL;
    }
    ta_heap_node_init(&t->node, when);
    t->scheduled = 0;
    if (ta_handle_init_fields(&t->base, st, callback, args, loop, context) <
        0) {
        Py_DECREF(t);
        return NULL;
    }
    PyObject_GC_Track(t);
    return t;
}

TaHandleObject *
ta_handle_new(ta_state *st, PyObject *callback, PyObject *args, PyObject *loop,
              PyObject *context)
{
    return ta_handle_new_of_type(st, st->HandleType, callback, args, loop,
                                 context);
}

TaTimerHandleObject *
ta_timer_handle_new(ta_state *st, double when, PyObject *callback,
                    PyObject *args, PyObject *loop, PyObject *context)
{
    return ta_timer_handle_new_of_type(st, st->TimerHandleType, when, callback,
                                       args, loop, context);
}

void
ta_handle_mark_cancelled(TaHandleObject *h)
{
    h->cancelled = 1;
    Py_CLEAR(h->callback);
    Py_CLEAR(h->args);
}

/* Report an exception raised by a callback the way asyncio does.  The
 * message names the callback as asyncio's does (not the handle's repr);
 * callback and args are the caller's references, as the callback may have
 * cancelled its own handle. */
static int
ta_handle_report(TaHandleObject *h, PyObject *callback, PyObject *args,
                 PyObject *exc)
{
    ta_state *st = h->state;
    PyObject *context = NULL, *message = NULL, *res = NULL, *source = NULL;
    int rc = -1;

    source = PyObject_CallFunctionObjArgs(st->format_callback_source, callback,
                                          args, NULL);
    if (source == NULL) {
        goto done;
    }
    message = PyUnicode_FromFormat("Exception in callback %U", source);
    if (message == NULL) {
        goto done;
    }
    context = PyDict_New();
    if (context == NULL ||
        PyDict_SetItemString(context, "message", message) < 0 ||
        PyDict_SetItemString(context, "exception", exc) < 0 ||
        PyDict_SetItemString(context, "handle", (PyObject *)h) < 0) {
        goto done;
    }
    if (h->source_traceback != NULL &&
        PyDict_SetItemString(context, "source_traceback",
                             h->source_traceback) < 0) {
        goto done;
    }
    res = PyObject_CallMethodOneArg(h->loop, st->str_call_exception_handler,
                                    context);
    if (res != NULL) {
        rc = 0;
    }
done:
    Py_XDECREF(res);
    Py_XDECREF(context);
    Py_XDECREF(message);
    Py_XDECREF(source);
    return rc;
}

int
ta_handle_run(TaHandleObject *h)
{
    if (h->cancelled || h->callback == NULL) {
        return 0;
    }
    /* The callback may cancel this handle (dropping the references), so
     * hold our own for the duration of the call. */
    PyObject *callback = Py_NewRef(h->callback);
    PyObject *args = Py_NewRef(h->args);
    PyObject *context = Py_NewRef(h->context);
    PyObject *res = NULL;
    int rc = 0;

    /* A context that cannot be entered (it is entered elsewhere) or left
     * fails as the callback would: asyncio's Handle._run calls
     * context.run() inside its try, and reports the RuntimeError. */
    if (PyContext_Enter(context) == 0) {
        res = PyObject_Vectorcall(callback, &PyTuple_GET_ITEM(args, 0),
                                  PyTuple_GET_SIZE(args), NULL);
        if (TA_FAULT_PY_AFTER(HANDLE_CONTEXT_EXIT, -1,
                              PyContext_Exit(context)) < 0) {
            Py_CLEAR(res);
        }
    }
    if (res == NULL) {
        if (PyErr_ExceptionMatches(PyExc_SystemExit) ||
            PyErr_ExceptionMatches(PyExc_KeyboardInterrupt)) {
            rc = -1;
            goto done;
        }
        PyObject *type, *exc, *tb;
        PyErr_Fetch(&type, &exc, &tb);
        PyErr_NormalizeException(&type, &exc, &tb);
        if (tb != NULL) {
            PyException_SetTraceback(exc, tb);
        }
        rc = ta_handle_report(h, callback, args, exc);
        Py_XDECREF(type);
        Py_XDECREF(exc);
        Py_XDECREF(tb);
    }
done:
    Py_XDECREF(res);
    Py_DECREF(context);
    Py_DECREF(args);
    Py_DECREF(callback);
    return rc;
}

/* ------------------------------------------------------------ Python API */

/* The module state of a handle type.  A Python subclass has no module of
 * its own, so look for the base this module created (asyncio's Handle may
 * be subclassed, and so may ours). */
static ta_state *
ta_handle_type_state(PyTypeObject *type)
{
    PyObject *module = PyType_GetModuleByDef(type, &ta_module_def);
    return module == NULL ? NULL : PyModule_GetState(module);
}

static PyObject *
handle_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"callback", "args", "loop", "context", NULL};
    PyObject *callback, *cbargs, *loop, *context = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOO|O:Handle", kwlist,
                                     &callback, &cbargs, &loop, &context)) {
        return NULL;
    }
    ta_state *st = ta_handle_type_state(type);
    if (st == NULL) {
        return NULL;
    }
    PyObject *tuple =
        cbargs == Py_None ? PyTuple_New(0) : PySequence_Tuple(cbargs);
    if (tuple == NULL) {
        return NULL;
    }
    TaHandleObject *h =
        ta_handle_new_of_type(st, type, callback, tuple, loop, context);
    Py_DECREF(tuple);
    return (PyObject *)h;
}

static PyObject *
timer_handle_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"when", "callback", "args",
                             "loop", "context",  NULL};
    double when;
    PyObject *callback, *cbargs, *loop, *context = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "dOOO|O:TimerHandle", kwlist,
                                     &when, &callback, &cbargs, &loop,
                                     &context)) {
        return NULL;
    }
    ta_state *st = ta_handle_type_state(type);
    if (st == NULL) {
        return NULL;
    }
    PyObject *tuple =
        cbargs == Py_None ? PyTuple_New(0) : PySequence_Tuple(cbargs);
    if (tuple == NULL) {
        return NULL;
    }
    TaTimerHandleObject *t = ta_timer_handle_new_of_type(
        st, type, when, callback, tuple, loop, context);
    Py_DECREF(tuple);
    return (PyObject *)t;
}

static int
handle_traverse(TaHandleObject *h, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(h));
    Py_VISIT(h->callback);
    Py_VISIT(h->args);
    Py_VISIT(h->context);
    Py_VISIT(h->loop);
    Py_VISIT(h->source_traceback);
    return 0;
}

static int
handle_clear(TaHandleObject *h)
{
    Py_CLEAR(h->callback);
    Py_CLEAR(h->args);
    Py_CLEAR(h->context);
    Py_CLEAR(h->loop);
    Py_CLEAR(h->source_traceback);
    return 0;
}

static void
handle_dealloc(TaHandleObject *h)
{
    PyTypeObject *tp = Py_TYPE(h);
    PyObject_GC_UnTrack(h);
    if (h->weakreflist != NULL) {
        PyObject_ClearWeakRefs((PyObject *)h);
    }
    if (h->state != NULL) {
        h->state->live_handles--;
    }
    handle_clear(h);
    tp->tp_free(h);
    Py_DECREF(tp);
}

static PyObject *
handle_cancel(TaHandleObject *h, PyObject *Py_UNUSED(ignored))
{
    if (!h->cancelled) {
        ta_handle_mark_cancelled(h);
    }
    Py_RETURN_NONE;
}

static PyObject *
handle_cancelled(TaHandleObject *h, PyObject *Py_UNUSED(ignored))
{
    return PyBool_FromLong(h->cancelled);
}

static PyObject *
handle_get_context(TaHandleObject *h, PyObject *Py_UNUSED(ignored))
{
    return Py_NewRef(h->context ? h->context : Py_None);
}

static PyObject *
handle_run_py(TaHandleObject *h, PyObject *Py_UNUSED(ignored))
{
    if (ta_handle_run(h) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* The parts of asyncio's Handle._repr_info(), as a list of strings. */
static PyObject *
handle_repr_info(TaHandleObject *h, PyObject *Py_UNUSED(ignored))
{
    PyObject *info = PyList_New(0);
    PyObject *item = NULL;
    if (info == NULL) {
        return NULL;
    }
    item = PyType_GetName(Py_TYPE(h));
    if (item == NULL || PyList_Append(info, item) < 0) {
        goto error;
    }
    Py_CLEAR(item);
    if (h->cancelled && PyList_Append(info, h->state->str_cancelled) < 0) {
        goto error;
    }
    if (PyObject_TypeCheck(h, h->state->TimerHandleType)) {
        TaTimerHandleObject *t = (TaTimerHandleObject *)h;
        PyObject *when = PyFloat_FromDouble(t->node.when);
        if (when == NULL) {
            goto error;
        }
        item = PyUnicode_FromFormat("when=%R", when);
        Py_DECREF(when);
        if (item == NULL || PyList_Append(info, item) < 0) {
            goto error;
        }
        Py_CLEAR(item);
    }
    if (h->callback != NULL) {
        item = PyObject_CallFunctionObjArgs(h->state->format_callback_source,
                                            h->callback, h->args, NULL);
        if (item == NULL || PyList_Append(info, item) < 0) {
            goto error;
        }
        Py_CLEAR(item);
    }
    if (h->source_traceback != NULL && PySequence_Check(h->source_traceback) &&
        PySequence_Size(h->source_traceback) > 0) {
        PyObject *frame = PySequence_GetItem(h->source_traceback, -1);
        if (frame == NULL) {
            goto error;
        }
        PyObject *file = PySequence_GetItem(frame, 0);
        PyObject *line = PySequence_GetItem(frame, 1);
        Py_DECREF(frame);
        if (file != NULL && line != NULL) {
            item = PyUnicode_FromFormat("created at %S:%S", file, line);
        }
        Py_XDECREF(file);
        Py_XDECREF(line);
        if (item == NULL || PyList_Append(info, item) < 0) {
            goto error;
        }
        Py_CLEAR(item);
    }
    return info;
error:
    Py_XDECREF(item);
    Py_DECREF(info);
    return NULL;
}

static PyObject *
handle_repr(TaHandleObject *h)
{
    PyObject *info = handle_repr_info(h, NULL);
    if (info == NULL) {
        return NULL;
    }
    PyObject *sep = PyUnicode_FromString(" ");
    PyObject *joined = sep ? PyUnicode_Join(sep, info) : NULL;
    Py_XDECREF(sep);
    Py_DECREF(info);
    if (joined == NULL) {
        return NULL;
    }
    PyObject *res = PyUnicode_FromFormat("<%U>", joined);
    Py_DECREF(joined);
    return res;
}

static PyObject *
handle_get_cancelled_attr(TaHandleObject *h, void *Py_UNUSED(closure))
{
    return PyBool_FromLong(h->cancelled);
}

static PyObject *
handle_get_callback(TaHandleObject *h, void *Py_UNUSED(closure))
{
    return Py_NewRef(h->callback ? h->callback : Py_None);
}

static PyObject *
handle_get_args(TaHandleObject *h, void *Py_UNUSED(closure))
{
    return Py_NewRef(h->args ? h->args : Py_None);
}

static PyObject *
handle_get_source_traceback(TaHandleObject *h, void *Py_UNUSED(closure))
{
    return Py_NewRef(h->source_traceback ? h->source_traceback : Py_None);
}

static int
handle_set_source_traceback(TaHandleObject *h, PyObject *value,
                            void *Py_UNUSED(closure))
{
    Py_XSETREF(h->source_traceback,
               value == NULL || value == Py_None ? NULL : Py_NewRef(value));
    return 0;
}

static PyGetSetDef handle_getset[] = {
    {"_cancelled", (getter)handle_get_cancelled_attr, NULL, NULL, NULL},
    {"_callback", (getter)handle_get_callback, NULL, NULL, NULL},
    {"_args", (getter)handle_get_args, NULL, NULL, NULL},
    {"_source_traceback", (getter)handle_get_source_traceback,
     (setter)handle_set_source_traceback, NULL, NULL},
    {NULL},
};

static PyMemberDef handle_members[] = {
    {"_loop", T_OBJECT, offsetof(TaHandleObject, loop), READONLY, NULL},
    {"_context", T_OBJECT, offsetof(TaHandleObject, context), READONLY, NULL},
    {"__weaklistoffset__", T_PYSSIZET, offsetof(TaHandleObject, weakreflist),
     READONLY, NULL},
    {NULL},
};

static PyMethodDef handle_methods[] = {
    {"cancel", (PyCFunction)handle_cancel, METH_NOARGS,
     "Cancel the callback; a no-op if it already ran or was cancelled."},
    {"cancelled", (PyCFunction)handle_cancelled, METH_NOARGS,
     "Return True if the callback was cancelled."},
    {"get_context", (PyCFunction)handle_get_context, METH_NOARGS,
     "Return the contextvars.Context the callback runs in."},
    {"_run", (PyCFunction)handle_run_py, METH_NOARGS,
     "Run the callback now, as the loop would."},
    {"_repr_info", (PyCFunction)handle_repr_info, METH_NOARGS, NULL},
    {NULL},
};

static PyType_Slot handle_slots[] = {
    {Py_tp_doc, "Handle(callback, args, loop, context=None)\n--\n\n"
                "A callback scheduled on a trioaio loop, as asyncio.Handle."},
    {Py_tp_new, handle_new},
    {Py_tp_dealloc, handle_dealloc},
    {Py_tp_traverse, handle_traverse},
    {Py_tp_clear, handle_clear},
    {Py_tp_repr, handle_repr},
    {Py_tp_methods, handle_methods},
    {Py_tp_members, handle_members},
    {Py_tp_getset, handle_getset},
    {0, NULL},
};

PyType_Spec ta_handle_spec = {
    .name = "trioaio._core.Handle",
    .basicsize = sizeof(TaHandleObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_BASETYPE |
             Py_TPFLAGS_IMMUTABLETYPE,
    .slots = handle_slots,
};

/* ------------------------------------------------------------ TimerHandle */

static PyObject *
timer_handle_when(TaTimerHandleObject *t, PyObject *Py_UNUSED(ignored))
{
    return PyFloat_FromDouble(t->node.when);
}

static PyObject *
timer_handle_cancel(TaTimerHandleObject *t, PyObject *Py_UNUSED(ignored))
{
    TaHandleObject *h = &t->base;
    if (h->cancelled) {
        Py_RETURN_NONE;
    }
    if (h->loop != NULL && PyObject_TypeCheck(h->loop, h->state->LoopType)) {
        ta_loop_timer_cancelled((TaLoopObject *)h->loop, t);
    }
    else if (h->loop != NULL && t->scheduled) {
        PyObject *res = PyObject_CallMethodOneArg(
            h->loop, h->state->str_timer_handle_cancelled, (PyObject *)t);
        if (res == NULL) {
            return NULL;
        }
        Py_DECREF(res);
    }
    ta_handle_mark_cancelled(h);
    Py_RETURN_NONE;
}

static Py_hash_t
timer_handle_hash(TaTimerHandleObject *t)
{
    PyObject *when = PyFloat_FromDouble(t->node.when);
    if (when == NULL) {
        return -1;
    }
    Py_hash_t hash = PyObject_Hash(when);
    Py_DECREF(when);
    return hash;
}

static PyObject *
timer_handle_richcompare(TaTimerHandleObject *a, PyObject *other, int op)
{
    if (!PyObject_TypeCheck(other, Py_TYPE(a)) &&
        !PyObject_TypeCheck(other, a->base.state->TimerHandleType)) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    TaTimerHandleObject *b = (TaTimerHandleObject *)other;
    double x = a->node.when, y = b->node.when;
    int equal = 0;
    if (op == Py_EQ || op == Py_NE || op == Py_LE || op == Py_GE) {
        equal = x == y && a->base.cancelled == b->base.cancelled;
        if (equal) {
            PyObject *l = a->base.callback ? a->base.callback : Py_None;
            PyObject *r = b->base.callback ? b->base.callback : Py_None;
            int eq = PyObject_RichCompareBool(l, r, Py_EQ);
            if (eq < 0) {
                return NULL;
            }
            if (eq) {
                l = a->base.args ? a->base.args : Py_None;
                r = b->base.args ? b->base.args : Py_None;
                eq = PyObject_RichCompareBool(l, r, Py_EQ);
                if (eq < 0) {
                    return NULL;
                }
            }
            equal = eq;
        }
    }
    switch (op) {
    case Py_LT:
        return PyBool_FromLong(x < y);
    case Py_GT:
        return PyBool_FromLong(x > y);
    case Py_LE:
        return PyBool_FromLong(x < y || equal);
    case Py_GE:
        return PyBool_FromLong(x > y || equal);
    case Py_EQ:
        return PyBool_FromLong(equal);
    default:
        return PyBool_FromLong(!equal);
    }
}

static PyObject *
timer_handle_get_when(TaTimerHandleObject *t, void *Py_UNUSED(closure))
{
    return PyFloat_FromDouble(t->node.when);
}

static PyObject *
timer_handle_get_scheduled(TaTimerHandleObject *t, void *Py_UNUSED(closure))
{
    return PyBool_FromLong(t->scheduled);
}

static PyGetSetDef timer_handle_getset[] = {
    {"_when", (getter)timer_handle_get_when, NULL, NULL, NULL},
    {"_scheduled", (getter)timer_handle_get_scheduled, NULL, NULL, NULL},
    {NULL},
};

static PyMethodDef timer_handle_methods[] = {
    {"when", (PyCFunction)timer_handle_when, METH_NOARGS,
     "Return the scheduled time, in the loop's clock (loop.time())."},
    {"cancel", (PyCFunction)timer_handle_cancel, METH_NOARGS,
     "Cancel the timer and take it out of the loop's timer heap."},
    {NULL},
};

static PyType_Slot timer_handle_slots[] = {
    {Py_tp_doc, "TimerHandle(when, callback, args, loop, context=None)\n--\n\n"
                "A callback scheduled for a time, as asyncio.TimerHandle."},
    {Py_tp_new, timer_handle_new},
    {Py_tp_dealloc, handle_dealloc},
    {Py_tp_traverse, handle_traverse},
    {Py_tp_clear, handle_clear},
    {Py_tp_hash, timer_handle_hash},
    {Py_tp_richcompare, timer_handle_richcompare},
    {Py_tp_methods, timer_handle_methods},
    {Py_tp_getset, timer_handle_getset},
    {0, NULL},
};

PyType_Spec ta_timer_handle_spec = {
    .name = "trioaio._core.TimerHandle",
    .basicsize = sizeof(TaTimerHandleObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_BASETYPE |
             Py_TPFLAGS_IMMUTABLETYPE,
    .slots = timer_handle_slots,
};
