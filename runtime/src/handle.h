/* Handle and TimerHandle: asyncio's callback handles as C types.
 *
 * A Handle is a callback with its arguments and the contextvars.Context it
 * runs in.  A TimerHandle is a Handle with a deadline; while it waits it is
 * linked into its loop's timer heap through `node`.  Both behave like
 * asyncio's (cancel, cancelled, get_context, when, repr, ordering).
 */
#ifndef TA_HANDLE_H
#define TA_HANDLE_H

#include "ta_state.h"
#include "ta_heap.h"

typedef struct {
    PyObject_HEAD
    PyObject *callback; /* NULL once cancelled */
    PyObject *args;     /* a tuple; NULL once cancelled */
    PyObject *context;  /* a contextvars.Context */
    PyObject *loop;
    PyObject *source_traceback; /* only in debug mode, else NULL */
    PyObject *weakreflist;
    ta_state *state; /* borrowed: the loop's module keeps it alive */
    char cancelled;
} TaHandleObject;

typedef struct {
    TaHandleObject base;
    ta_heap_node node; /* linked while the timer waits in a loop's heap */
    char scheduled;
} TaTimerHandleObject;

#define TA_TIMER_FROM_NODE(n)                                                 \
    ((TaTimerHandleObject *)((char *)(n)-offsetof(TaTimerHandleObject, node)))

extern PyType_Spec ta_handle_spec;
extern PyType_Spec ta_timer_handle_spec;

/* Create a handle.  `context` may be NULL or None for a copy of the current
 * context.  Returns a new reference, or NULL with an exception set. */
TaHandleObject *
ta_handle_new(ta_state *st, PyObject *callback, PyObject *args, PyObject *loop,
              PyObject *context);

TaTimerHandleObject *
ta_timer_handle_new(ta_state *st, double when, PyObject *callback,
                    PyObject *args, PyObject *loop, PyObject *context);

/* Mark cancelled and drop the callback and its arguments.  Idempotent. */
void
ta_handle_mark_cancelled(TaHandleObject *h);

/* Run the callback in its context.  An ordinary exception is reported to
 * loop.call_exception_handler() and 0 is returned; SystemExit and
 * KeyboardInterrupt (and errors raised by the handler itself) propagate:
 * -1 with the exception set. */
int
ta_handle_run(TaHandleObject *h);

#endif
