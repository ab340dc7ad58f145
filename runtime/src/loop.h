/* The loop core: ready queue, timer heap, libuv I/O, and the pass that runs
 * them.
 *
 * `TaLoopObject` is the first base of trioaio's Python loop classes.  It
 * owns the hot paths (call_soon & co., time(), add/remove reader/writer)
 * and `_core_burst()`, which runs passes in C until the loop is idle, its
 * time budget is spent, Trio has other runnable tasks, or stop() was
 * requested.  The Python side decides how to wait between bursts.
 */
#ifndef TA_LOOP_H
#define TA_LOOP_H

#include "ta_state.h"
#include "ta_heap.h"
#include "ta_queue.h"
#include "handle.h"

#include <uv.h>

/* One watched file descriptor.  Freed by libuv's close callback. */
typedef struct {
    uv_poll_t poll; /* poll.data is the owning TaLoopObject (borrowed) */
    int fd;
    int events;       /* UV_READABLE | UV_WRITABLE currently started */
    PyObject *reader; /* TaHandleObject or NULL */
    PyObject *writer; /* TaHandleObject or NULL */
} ta_poll;

typedef struct TaLoopObject {
    PyObject_HEAD
    ta_state *state; /* borrowed: `module` keeps it alive */
    PyObject *module;
    /* Ready handles, FIFO; each item is a strong reference. */
    ta_queue ready;
    /* Waiting TimerHandles ordered by (when, seq); each a strong ref. */
    ta_heap timers;
    uv_loop_t *uv;
    uv_async_t *async; /* wakes a parked loop from other threads */
    ta_poll **polls;   /* indexed by fd; NULL where not watched */
    size_t polls_capacity;
    size_t polls_active;
    /* Set while attached to a running Trio task (see _core_attach). */
    PyObject *task;      /* the Trio task running the loop */
    PyObject *watcher;   /* the Trio task waiting on libuv's backend fd */
    PyObject *runq;      /* Trio's run queue, to see if others wait; or NULL */
    PyObject *clock;     /* Trio's clock */
    double clock_offset; /* valid when clock_is_system */
    unsigned long thread_id;
    double budget;        /* seconds of callbacks between Trio checkpoints */
    double park_deadline; /* when the parked loop wants to wake up */
    char clock_is_system;
    char attached;
    char parked;          /* the loop task waits in wait_task_rescheduled */
    char watcher_waiting; /* the watcher waits for us to drain libuv */
    char stop_requested;
    char in_burst;     /* a burst is running (no re-entry) */
    char inline_mode;  /* a Trio task runs a burst for the parked loop */
    char inline_woken; /* a wake was requested during that burst */
    char closed;       /* asyncio's _closed */
    char debug;        /* asyncio's _debug */
    PyObject *weakreflist;
    PyObject *dict;
} TaLoopObject;

extern PyType_Spec ta_loop_spec;

/* Take a cancelled TimerHandle out of the heap (and drop the heap's
 * reference).  A timer in no heap is ignored. */
void
ta_loop_timer_cancelled(TaLoopObject *self, TaTimerHandleObject *timer);

#endif
