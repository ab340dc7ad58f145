/* trioaio._core: module state, type creation and configuration. */
#include "module.h"

#include "fault.h"
#include "handle.h"
#include "loop.h"
#include "loop_tasks.h"
#include "stream.h"
#include "udp.h"

static PyObject *
ta_import_attr(const char *module, const char *name)
{
    /* ta_exec makes several of these calls before it checks them: after a
     * failure, keep that error instead of calling into the import system
     * with it set (which may clear it, and ta_exec would then fail without
     * an exception). */
    if (PyErr_Occurred()) {
        return NULL;
    }
    PyObject *mod = PyImport_ImportModule(module);
    if (mod == NULL) {
        return NULL;
    }
    PyObject *attr = PyObject_GetAttrString(mod, name);
    Py_DECREF(mod);
    return attr;
}

/* _configure(reschedule, system_clock, sniffio_local, rewrite_bad_yield,
 * step_wrapper_type): hand the C core the Trio and sniffio objects it
 * calls, so that importing the extension does not import Trio, and what
 * trioaio/_internals.py found (None: not usable, see internals.h). */
static PyObject *
ta_configure(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError,
                        "_configure(reschedule, system_clock, sniffio_local, "
                        "rewrite_bad_yield, step_wrapper_type)");
        return NULL;
    }
    ta_state *st = PyModule_GetState(module);
    Py_XSETREF(st->reschedule, Py_NewRef(args[0]));
    Py_XSETREF(st->system_clock,
               args[1] == Py_None ? NULL : Py_NewRef(args[1]));
    Py_XSETREF(st->sniffio_local,
               args[2] == Py_None ? NULL : Py_NewRef(args[2]));
    Py_XSETREF(st->rewrite_bad_yield,
               args[3] == Py_None ? NULL : Py_NewRef(args[3]));
    Py_XSETREF(st->step_wrapper_type,
               args[4] == Py_None ? NULL : Py_NewRef(args[4]));
    Py_RETURN_NONE;
}

/* Live objects per kind; the debug tests check that they balance. */
static PyObject *
ta_live_counts(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    ta_state *st = PyModule_GetState(module);
    return Py_BuildValue("{s:n,s:n,s:n,s:n,s:n,s:n,s:n}", "handles",
                         st->live_handles, "loops", st->live_loops, "polls",
                         st->live_polls, "udp", st->live_udp, "udp_sends",
                         st->live_udp_sends, "streams", st->live_streams,
                         "stream_writes", st->live_stream_writes);
}

static PyMethodDef ta_module_methods[] = {
    {"_configure", (PyCFunction)(void (*)(void))ta_configure, METH_FASTCALL,
     NULL},
    {"_live_counts", (PyCFunction)ta_live_counts, METH_NOARGS,
     "Return the number of live handles, loops, fd watchers, UDP handles, "
     "queued datagrams, stream handles and stream writes in flight."},
    TA_FAULT_METHODS{NULL},
};

#define TA_INTERN(field, text)                                                \
    do {                                                                      \
        st->field = PyUnicode_InternFromString(text);                         \
        if (st->field == NULL) {                                              \
            return -1;                                                        \
        }                                                                     \
    } while (0)

/* One of this module's types.  When an allocation fails, CPython 3.11's
 * PyType_FromModuleAndSpec can return NULL without an exception (found by
 * tests/runtime/test_out_of_memory.py): say what happened. */
static PyTypeObject *
ta_new_type(PyObject *module, PyType_Spec *spec, PyTypeObject *base)
{
    PyObject *type = PyType_FromModuleAndSpec(module, spec, (PyObject *)base);
    if (type == NULL && !PyErr_Occurred()) {
        PyErr_NoMemory();
    }
    return (PyTypeObject *)type;
}

static int
ta_exec(PyObject *module)
{
    ta_state *st = PyModule_GetState(module);

    st->HandleType = ta_new_type(module, &ta_handle_spec, NULL);
    if (st->HandleType == NULL) {
        return -1;
    }
    st->TimerHandleType =
        ta_new_type(module, &ta_timer_handle_spec, st->HandleType);
    if (st->TimerHandleType == NULL) {
        return -1;
    }
    st->LoopType = ta_new_type(module, &ta_loop_spec, NULL);
    if (st->LoopType == NULL) {
        return -1;
    }
    if (PyModule_AddType(module, st->HandleType) < 0 ||
        PyModule_AddType(module, st->TimerHandleType) < 0 ||
        PyModule_AddType(module, st->LoopType) < 0) {
        return -1;
    }
    /* None where asyncio's transport classes have another layout: the
     * loop then makes asyncio's own datagram transports. */
    st->UDPTransportType = ta_udp_type_new(module, st);
    if (st->UDPTransportType == NULL && PyErr_Occurred()) {
        return -1;
    }
    if (PyModule_AddObjectRef(module, "UDPTransport",
                              st->UDPTransportType
                                  ? (PyObject *)st->UDPTransportType
                                  : Py_None) < 0) {
        return -1;
    }
    /* The stream transport shares the datagram one's layout check. */
    if (st->UDPTransportType != NULL) {
        st->StreamTransportType = ta_stream_type_new(module, st);
        if (st->StreamTransportType == NULL ||
            ta_pipe_types_new(module, st) < 0) {
            return -1;
        }
    }
    if (PyModule_AddObjectRef(module, "StreamTransport",
                              st->StreamTransportType
                                  ? (PyObject *)st->StreamTransportType
                                  : Py_None) < 0) {
        return -1;
    }
    if (PyModule_AddObjectRef(module, "ReadPipeTransport",
                              st->ReadPipeTransportType
                                  ? (PyObject *)st->ReadPipeTransportType
                                  : Py_None) < 0 ||
        PyModule_AddObjectRef(module, "WritePipeTransport",
                              st->WritePipeTransportType
                                  ? (PyObject *)st->WritePipeTransportType
                                  : Py_None) < 0) {
        return -1;
    }
    st->format_callback_source =
        ta_import_attr("asyncio.format_helpers", "_format_callback_source");
    st->extract_stack =
        ta_import_attr("asyncio.format_helpers", "extract_stack");
    st->get_running_loop = ta_import_attr("_asyncio", "_get_running_loop");
    st->set_running_loop = ta_import_attr("_asyncio", "_set_running_loop");
    st->logger = ta_import_attr("asyncio.log", "logger");
    if (st->format_callback_source == NULL || st->extract_stack == NULL ||
        st->get_running_loop == NULL || st->set_running_loop == NULL ||
        st->logger == NULL) {
        return -1;
    }
    /* How asyncio names a handle in its slow-callback warning (a task's
     * step as the task); optional, since the name is private. */
    st->format_handle =
        ta_import_attr("asyncio.base_events", "_format_handle");
    if (st->format_handle == NULL) {
        PyErr_Clear();
    }
    TA_INTERN(str_asyncio, "asyncio");
    TA_INTERN(str_cancelled, "cancelled");
    TA_INTERN(str_name, "name");
    TA_INTERN(str_call_exception_handler, "call_exception_handler");
    TA_INTERN(str_current_time, "current_time");
    TA_INTERN(str_offset, "offset");
    TA_INTERN(str_timer_handle_cancelled, "_timer_handle_cancelled");
    TA_INTERN(str_check_thread, "_check_thread");
    TA_INTERN(str_slow_callback_duration, "slow_callback_duration");
    TA_INTERN(str_read_task, "read_task");
    TA_INTERN(str_datagram_received, "datagram_received");
    TA_INTERN(str_error_received, "error_received");
    TA_INTERN(str_data_received, "data_received");
    TA_INTERN(str_buffer_updated, "buffer_updated");
    TA_INTERN(str_eof_received, "eof_received");
    TA_INTERN(str_connection_lost, "connection_lost");
    TA_INTERN(str_pipe, "pipe");
    return ta_loop_tasks_init(st);
}

#define TA_STATE_FIELDS(X)                                                    \
    X(HandleType)                                                             \
    X(TimerHandleType)                                                        \
    X(LoopType)                                                               \
    X(UDPTransportType)                                                       \
    X(StreamTransportType)                                                    \
    X(ReadPipeTransportType)                                                  \
    X(WritePipeTransportType)                                                 \
    X(str_pipe)                                                               \
    X(buffered_protocol)                                                      \
    X(str_data_received)                                                      \
    X(str_buffer_updated)                                                     \
    X(str_eof_received)                                                       \
    X(str_connection_lost)                                                    \
    X(flow_control_init)                                                      \
    X(transport_socket)                                                       \
    X(set_result_unless_cancelled)                                            \
    X(getaddrinfo)                                                            \
    X(str_datagram_received)                                                  \
    X(str_error_received)                                                     \
    X(format_callback_source)                                                 \
    X(get_running_loop)                                                       \
    X(set_running_loop)                                                       \
    X(extract_stack)                                                          \
    X(logger)                                                                 \
    X(format_handle)                                                          \
    X(reschedule)                                                             \
    X(system_clock)                                                           \
    X(sniffio_local)                                                          \
    X(rewrite_bad_yield)                                                      \
    X(step_wrapper_type)                                                      \
    X(str_asyncio)                                                            \
    X(str_cancelled)                                                          \
    X(str_name)                                                               \
    X(str_call_exception_handler)                                             \
    X(str_current_time)                                                       \
    X(str_offset)                                                             \
    X(str_timer_handle_cancelled)                                             \
    X(str_check_thread)                                                       \
    X(str_slow_callback_duration)                                             \
    X(str_read_task)                                                          \
    X(futures_module)                                                         \
    X(tasks_module)                                                           \
    X(base_create_task)                                                       \
    X(str_Future)                                                             \
    X(str_Task)                                                               \
    X(str_context)                                                            \
    X(str_task_factory)                                                       \
    X(kw_loop)                                                                \
    X(kw_loop_name)                                                           \
    X(kw_loop_context)                                                        \
    X(kw_loop_name_context)

static int
ta_traverse(PyObject *module, visitproc visit, void *arg)
{
    ta_state *st = PyModule_GetState(module);
#define TA_VISIT(field) Py_VISIT(st->field);
    TA_STATE_FIELDS(TA_VISIT)
#undef TA_VISIT
    return 0;
}

static int
ta_clear(PyObject *module)
{
    ta_state *st = PyModule_GetState(module);
#define TA_CLEAR(field) Py_CLEAR(st->field);
    TA_STATE_FIELDS(TA_CLEAR)
#undef TA_CLEAR
    return 0;
}

static void
ta_free(void *module)
{
    ta_clear((PyObject *)module);
}

static PyModuleDef_Slot ta_slots[] = {
    {Py_mod_exec, ta_exec},
    {0, NULL},
};

PyModuleDef ta_module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "trioaio._core",
    .m_doc = "The C core of trioaio: handles, ready queue, timer heap and "
             "libuv I/O of an asyncio loop that runs as a Trio task.",
    .m_size = sizeof(ta_state),
    .m_methods = ta_module_methods,
    .m_slots = ta_slots,
    .m_traverse = ta_traverse,
    .m_clear = ta_clear,
    .m_free = ta_free,
};

PyMODINIT_FUNC
PyInit__core(void)
{
    return PyModuleDef_Init(&ta_module_def);
}
