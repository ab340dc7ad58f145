/* create_future and create_task of the C loop (see loop_tasks.h). */
#include "loop_tasks.h"

int
ta_loop_tasks_init(ta_state *st)
{
    st->futures_module = PyImport_ImportModule("asyncio.futures");
    st->tasks_module = PyImport_ImportModule("asyncio.tasks");
    if (st->futures_module == NULL || st->tasks_module == NULL) {
        return -1;
    }
    PyObject *base = PyImport_ImportModule("asyncio.base_events");
    if (base == NULL) {
        return -1;
    }
    PyObject *cls = PyObject_GetAttrString(base, "BaseEventLoop");
    Py_DECREF(base);
    if (cls == NULL) {
        return -1;
    }
    st->base_create_task = PyObject_GetAttrString(cls, "create_task");
    Py_DECREF(cls);
    st->str_Future = PyUnicode_InternFromString("Future");
    st->str_Task = PyUnicode_InternFromString("Task");
    st->str_context = PyUnicode_InternFromString("context");
    st->str_task_factory = PyUnicode_InternFromString("_task_factory");
    if (st->base_create_task == NULL || st->str_Future == NULL ||
        st->str_Task == NULL || st->str_context == NULL ||
        st->str_task_factory == NULL) {
        return -1;
    }
    /* The keyword names of the Future and Task calls, one tuple per
     * combination, so that no call builds one. */
    st->kw_loop = Py_BuildValue("(s)", "loop");
    st->kw_loop_name = Py_BuildValue("(ss)", "loop", "name");
    st->kw_loop_context = Py_BuildValue("(ss)", "loop", "context");
    st->kw_loop_name_context =
        Py_BuildValue("(sss)", "loop", "name", "context");
    if (st->kw_loop == NULL || st->kw_loop_name == NULL ||
        st->kw_loop_context == NULL || st->kw_loop_name_context == NULL) {
        return -1;
    }
    return 0;
}

/* Looked up on every call, as asyncio's own code does, so that a patched
 * asyncio.futures.Future or asyncio.tasks.Task is honoured. */
PyObject *
ta_loop_create_future(TaLoopObject *self, PyObject *Py_UNUSED(unused))
{
    ta_state *st = self->state;
    PyObject *cls = PyObject_GetAttr(st->futures_module, st->str_Future);
    if (cls == NULL) {
        return NULL;
    }
    PyObject *argv[1] = {(PyObject *)self};
    PyObject *fut = PyObject_Vectorcall(cls, argv, 0, st->kw_loop);
    Py_DECREF(cls);
    return fut;
}

/* asyncio's own method, for whatever the fast path does not take: it
 * raises its own errors and keeps each Python version's behaviour. */
static PyObject *
create_task_slow(TaLoopObject *self, PyObject *const *args, Py_ssize_t nargs,
                 PyObject *kwnames)
{
    Py_ssize_t total = nargs + (kwnames ? PyTuple_GET_SIZE(kwnames) : 0);
    PyObject *small[8];
    PyObject **argv = small;
    if (total + 1 > (Py_ssize_t)(sizeof(small) / sizeof(small[0]))) {
        argv = PyMem_Malloc((size_t)(total + 1) * sizeof(PyObject *));
        if (argv == NULL) {
            return PyErr_NoMemory();
        }
    }
    argv[0] = (PyObject *)self;
    for (Py_ssize_t i = 0; i < total; i++) {
        argv[i + 1] = args[i];
    }
    PyObject *res = PyObject_Vectorcall(self->state->base_create_task, argv,
                                        nargs + 1, kwnames);
    if (argv != small) {
        PyMem_Free(argv);
    }
    return res;
}

static int
is_keyword(PyObject *key, PyObject *interned)
{
    return key == interned || PyUnicode_Compare(key, interned) == 0;
}

/* The fast path is asyncio's own first branch (no task factory), outside
 * debug mode (where asyncio trims the task's creation traceback) and on
 * an open loop. */
PyObject *
ta_loop_create_task(TaLoopObject *self, PyObject *const *args,
                    Py_ssize_t nargs, PyObject *kwnames)
{
    ta_state *st = self->state;
    PyObject *name = NULL, *context = NULL;
    if (nargs != 1 || self->closed || self->debug) {
        return create_task_slow(self, args, nargs, kwnames);
    }
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    for (Py_ssize_t i = 0; i < nkw; i++) {
        PyObject *key = PyTuple_GET_ITEM(kwnames, i);
        PyObject *value = args[nargs + i];
        if (is_keyword(key, st->str_name)) {
            name = value;
        }
        else if (is_keyword(key, st->str_context)) {
            context = value;
        }
        else {
            return create_task_slow(self, args, nargs, kwnames);
        }
    }
    PyObject *factory =
        PyObject_GetAttr((PyObject *)self, st->str_task_factory);
    if (factory == NULL) {
        PyErr_Clear();
        return create_task_slow(self, args, nargs, kwnames);
    }
    int has_factory = factory != Py_None;
    Py_DECREF(factory);
    if (has_factory) {
        return create_task_slow(self, args, nargs, kwnames);
    }
    name = name == Py_None ? NULL : name;
    context = context == Py_None ? NULL : context;
    PyObject *argv[4] = {args[0], (PyObject *)self, NULL, NULL};
    PyObject *kw = st->kw_loop;
    if (name != NULL && context != NULL) {
        argv[2] = name;
        argv[3] = context;
        kw = st->kw_loop_name_context;
    }
    else if (name != NULL) {
        argv[2] = name;
        kw = st->kw_loop_name;
    }
    else if (context != NULL) {
        argv[2] = context;
        kw = st->kw_loop_context;
    }
    PyObject *cls = PyObject_GetAttr(st->tasks_module, st->str_Task);
    if (cls == NULL) {
        return NULL;
    }
    PyObject *task = PyObject_Vectorcall(cls, argv, 1, kw);
    Py_DECREF(cls);
    return task;
}
