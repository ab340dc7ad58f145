/* What the C transports (udp.c, stream.c) share: turning the current
 * exception or a libuv error into an exception object, and asyncio's way
 * of reporting a transport's errors (`_fatal_error()` and an exception in
 * a callback run from libuv).
 */
#ifndef TA_TRANSPORT_H
#define TA_TRANSPORT_H

#include "loop.h"
#include "ta_state.h"

/* The current exception, normalized, with its traceback (new
 * reference); the error indicator is cleared. */
PyObject *
ta_fetch_exception(void);

/* The OSError for a libuv error code (new reference). */
PyObject *
ta_uv_exception(int err);

/* loop.call_exception_handler() with asyncio's context for a transport:
 * message, exception, transport, protocol (None if NULL). */
int
ta_transport_report(PyObject *loop, ta_state *st, PyObject *transport,
                    PyObject *protocol, PyObject *exc, const char *message);

/* A protocol callback run from libuv failed (the exception is set):
 * report it as asyncio reports an exception in a callback.  SystemExit
 * and KeyboardInterrupt, and an exception handler that fails, are kept
 * for the loop to raise once uv_run() returns. */
void
ta_transport_callback_failed(TaLoopObject *loop, ta_state *st,
                             PyObject *transport, PyObject *protocol,
                             const char *message);

/* The report half of asyncio's _fatal_error(): `quiet` errors are only
 * logged, in debug mode; the others go to call_exception_handler().
 * Through the Python-visible `_loop`.  -1 with an exception set if a step
 * failed. */
int
ta_transport_fatal_report(PyObject *transport, ta_state *st,
                          PyObject *protocol, PyObject *exc,
                          const char *message, int quiet);

/* asyncio's _fatal_error(): log (an OSError, in debug mode) or report,
 * then transport._force_close(exc).  Through the Python-visible `_loop`,
 * as asyncio's code (after connection_lost it is None, and that fails as
 * asyncio's does).  -1 with an exception set if a step failed. */
int
ta_transport_fatal_error(PyObject *transport, ta_state *st, PyObject *protocol,
                         PyObject *exc, const char *message);

#endif
