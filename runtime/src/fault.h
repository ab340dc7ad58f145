/* Fault injection for the instrumented builds (TA_FAULT_INJECTION: the
 * builds of `make coverage` and `make asan`, see setup.py).
 *
 * The error paths behind libc allocations and libuv calls on a valid
 * descriptor cannot be reached from Python: _testcapi.set_nomemory only
 * fails CPython's allocators, and the kernel refuses an epoll fd or a
 * socket registration only under resource exhaustion.  Each such call is
 * wrapped in a macro naming its site; a test arms one site through
 * `_core._fault_arm(site, errno, after)` and the site then fails once,
 * as the call itself would fail:
 *
 *   TA_FAULT_UV(site, call)     a libuv call: returns -errno
 *   TA_FAULT_ERRNO(site, call)  a libc call: sets errno, returns -1
 *   TA_FAULT_ALLOC(site, call)  malloc/calloc/realloc: returns NULL
 *   TA_FAULT_FAIL(site, call)   the core's containers: return -1
 *   TA_FAULT_PY(site, failed, call)
 *                               a Python C API call: RuntimeError naming
 *                               the site, and `failed`
 *   TA_FAULT_PY_AFTER(site, failed, call)
 *                               the same after making the call, for calls
 *                               that must happen (leaving a context: a
 *                               skipped PyContext_Exit would leave the
 *                               thread in the wrong one)
 *
 * A site that fires skips the call, arguments and all: write the call's
 * arguments without side effects (no Py_NewRef inside).  In the release
 * build every macro is the plain call: it costs nothing.
 */
#ifndef TA_FAULT_H
#define TA_FAULT_H

#include "ta_state.h"

/* Every site, once: the enum and the names tests arm come from here. */
#define TA_FAULT_SITES(X)                                                     \
    X(LOOP_IO_ALLOC, "loop_io_alloc")                                         \
    X(UV_LOOP_INIT, "uv_loop_init")                                           \
    X(UV_ASYNC_INIT, "uv_async_init")                                         \
    X(POLL_TABLE_ALLOC, "poll_table_alloc")                                   \
    X(POLL_ALLOC, "poll_alloc")                                               \
    X(UV_POLL_START, "uv_poll_start")                                         \
    X(READY_INIT, "ready_init")                                               \
    X(READY_PUSH_SOON, "ready_push_soon")                                     \
    X(READY_PUSH_TIMER, "ready_push_timer")                                   \
    X(READY_PUSH_IO, "ready_push_io")                                         \
    X(READY_PUSH_HANDLE, "ready_push_handle")                                 \
    X(TIMER_INSERT, "timer_insert")                                           \
    X(HANDLE_CONTEXT_EXIT, "handle_context_exit")                             \
    X(UDP_DUP, "udp_dup")                                                     \
    X(UDP_ALLOC, "udp_alloc")                                                 \
    X(UV_UDP_INIT, "uv_udp_init")                                             \
    X(UV_UDP_OPEN, "uv_udp_open")                                             \
    X(UV_UDP_RECV_START, "uv_udp_recv_start")                                 \
    X(UV_UDP_RECV_RESUME, "uv_udp_recv_resume")                               \
    X(UDP_SEND_ALLOC, "udp_send_alloc")                                       \
    X(UV_UDP_SEND, "uv_udp_send")                                             \
    X(UV_UDP_TRY_SEND, "uv_udp_try_send")                                     \
    X(UDP_RECV_CONTEXT_ENTER, "udp_recv_context_enter")                       \
    X(UDP_RECV_CONTEXT_EXIT, "udp_recv_context_exit")                         \
    X(UDP_SENT_CONTEXT_ENTER, "udp_sent_context_enter")                       \
    X(UDP_SENT_CONTEXT_EXIT, "udp_sent_context_exit")                         \
    X(PIPE_PEER_DUP, "pipe_peer_dup")                                         \
    X(PIPE_PEER_ALLOC, "pipe_peer_alloc")                                     \
    X(UV_PIPE_POLL_INIT, "uv_pipe_poll_init")                                 \
    X(UV_PIPE_POLL_START, "uv_pipe_poll_start")                               \
    X(PIPE_PEER_CONTEXT_ENTER, "pipe_peer_context_enter")                     \
    X(STREAM_DUP, "stream_dup")                                               \
    X(STREAM_ALLOC, "stream_alloc")                                           \
    X(UV_STREAM_INIT, "uv_stream_init")                                       \
    X(UV_STREAM_OPEN, "uv_stream_open")                                       \
    X(STREAM_NODELAY, "stream_nodelay")                                       \
    X(UV_READ_START, "uv_read_start")                                         \
    X(STREAM_RECV_BUF, "stream_recv_buf")                                     \
    X(STREAM_ALLOC_CONTEXT_ENTER, "stream_alloc_context_enter")               \
    X(STREAM_ALLOC_CONTEXT_EXIT, "stream_alloc_context_exit")                 \
    X(STREAM_READ_CONTEXT_ENTER, "stream_read_context_enter")                 \
    X(STREAM_READ_CONTEXT_EXIT, "stream_read_context_exit")                   \
    X(UV_TRY_WRITE, "uv_try_write")                                           \
    X(STREAM_PEND_ALLOC, "stream_pend_alloc")                                 \
    X(STREAM_WRITE_ALLOC, "stream_write_alloc")                               \
    X(UV_WRITE, "uv_write")                                                   \
    X(UV_WRITE_STATUS, "uv_write_status")                                     \
    X(STREAM_WRITTEN_CONTEXT_ENTER, "stream_written_context_enter")           \
    X(STREAM_WRITTEN_CONTEXT_EXIT, "stream_written_context_exit")             \
    X(STREAM_SHUTDOWN, "stream_shutdown")

#ifdef TA_FAULT_INJECTION

typedef enum {
#define TA_FAULT_ENUM(id, name) TA_FAULT_##id,
    TA_FAULT_SITES(TA_FAULT_ENUM)
#undef TA_FAULT_ENUM
        TA_FAULT_SITE_COUNT
} ta_fault_site;

/* Is the armed fault due at this reach of `site`?  Then it fires (and
 * disarms): the caller fails with ta_fault_errno(). */
int
ta_fault_fires(ta_fault_site site);

/* The positive errno of the fault that fired last. */
int
ta_fault_errno(void);

/* ta_fault_fires(), with a RuntimeError naming the site set if it did. */
int
ta_fault_fires_raising(ta_fault_site site);

#define TA_FAULT_UV(site, call)                                               \
    (ta_fault_fires(TA_FAULT_##site) ? -ta_fault_errno() : (call))
#define TA_FAULT_ERRNO(site, call)                                            \
    (ta_fault_fires(TA_FAULT_##site) ? (errno = ta_fault_errno(), -1) : (call))
#define TA_FAULT_ALLOC(site, call)                                            \
    (ta_fault_fires(TA_FAULT_##site) ? NULL : (call))
#define TA_FAULT_FAIL(site, call)                                             \
    (ta_fault_fires(TA_FAULT_##site) ? -1 : (call))
#define TA_FAULT_PY(site, failed, call)                                       \
    (ta_fault_fires_raising(TA_FAULT_##site) ? (failed) : (call))
#define TA_FAULT_PY_AFTER(site, failed, call)                                 \
    ta_fault_after((call), TA_FAULT_##site, (failed))

/* What TA_FAULT_PY_AFTER returns: the call's result, or `failed`. */
static inline int
ta_fault_after(int result, ta_fault_site site, int failed)
{
    return ta_fault_fires_raising(site) ? failed : result;
}

/* The module's functions for the tests (module.c lists them):
 * _fault_arm(site, errno, after=0) and _fault_disarm(). */
PyObject *
ta_fault_arm(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
PyObject *
ta_fault_disarm(PyObject *module, PyObject *ignored);

#define TA_FAULT_METHODS                                                      \
    {"_fault_arm", (PyCFunction)(void (*)(void))ta_fault_arm, METH_FASTCALL,  \
     "_fault_arm(site, errno, after=0): make the site fail once with errno, " \
     "at its after+1-th reach from now."},                                    \
        {"_fault_disarm", (PyCFunction)ta_fault_disarm, METH_NOARGS,          \
         "Disarm; return the site that fired since _fault_arm(), or None."},

#else

#define TA_FAULT_UV(site, call) (call)
#define TA_FAULT_ERRNO(site, call) (call)
#define TA_FAULT_ALLOC(site, call) (call)
#define TA_FAULT_FAIL(site, call) (call)
#define TA_FAULT_PY(site, failed, call) (call)
#define TA_FAULT_PY_AFTER(site, failed, call) (call)
#define TA_FAULT_METHODS

#endif

#endif
