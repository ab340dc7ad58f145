/* What loop.c and loop_io.c share: the loop object's layout and the
 * same-thread wakeup of a parked loop task.
 *
 * Internal to the loop core.  Dependencies run one way: loop.c uses
 * loop_io.c (loop_io.h), and both use this header; loop_io.c never calls
 * into loop.c.  The rest of the extension sees only loop.h.
 */
#ifndef TA_LOOP_SHARED_H
#define TA_LOOP_SHARED_H

#include "loop.h"
#include "ta_heap.h"
#include "ta_queue.h"

#include <uv.h>

/* One watched file descriptor.  Freed by libuv's close callback. */
typedef struct {
    uv_poll_t poll; /* poll.data is the owning TaLoopObject (borrowed) */
    int fd;
    int events;       /* UV_READABLE | UV_WRITABLE currently started */
    PyObject *reader; /* TaHandleObject or NULL */
    PyObject *writer; /* TaHandleObject or NULL */
} ta_poll;

/* A libuv handle owned by a C transport (udp.c) carries this in its `data`.
 * `held` is a strong reference the loop owns while the handle is active
 * (asyncio's selector holds a reading transport the same way): the loop's
 * tp_traverse visits it, so a loop and its transports form a collectable
 * cycle.  When the loop closes (or is cleared) before the transport,
 * ta_loop_io_close() calls `orphan`, which must uv_close() the handle and
 * drop `held`. */
typedef struct ta_uv_owner {
    void (*orphan)(struct ta_uv_owner *owner);
    PyObject *held;
    /* Optional (NULL): stop reading while an exception a callback deferred
     * leaves uv_run() (ta_loop_io_defer_error), and start again at the
     * loop's next uv_run().  Whatever arrives meanwhile stays in the
     * socket, as asyncio leaves it for its next iteration; read now, it
     * could not be handed to anyone. */
    void (*hold)(struct ta_uv_owner *owner);
    void (*resume)(struct ta_uv_owner *owner);
} ta_uv_owner;

struct TaLoopObject {
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
    /* Open libuv handles of C transports: like watched fds, they make a
     * burst run libuv on every pass. */
    size_t uv_active;
    /* The one receive buffer of every UDP transport of this loop
     * (TA_RECV_BUF_SIZE bytes, allocated at first use): a datagram is
     * copied out of it before the next read. */
    char *recv_buf;
    /* An exception a transport callback could not report (SystemExit,
     * KeyboardInterrupt, a failing exception handler): raised by
     * ta_loop_poll_io() once uv_run() returns. */
    PyObject *io_exc;
    /* Set while attached to a running Trio task (see _core_attach). */
    PyObject *task;    /* the Trio task running the loop */
    PyObject *watcher; /* the Trio task waiting on libuv's backend fd, or
                          NULL when the loop task waits on it itself */
    /* With the one-hop wake (internals.h): Trio's record of who waits to
     * read libuv's backend fd, whose `read_task` is the loop task while it
     * is parked.  NULL otherwise. */
    PyObject *io_waiter;
    PyObject *runq; /* Trio's run queue, to see if others wait; or NULL */
    /* sniffio.thread_local's dict in thread_id, found by the first burst
     * while attached (see ta_loop_sniffio_dict); NULL otherwise. */
    PyObject *sniffio_dict;
    PyObject *clock;     /* Trio's clock */
    double clock_offset; /* valid when clock_is_system */
    unsigned long thread_id;
    double budget;        /* seconds of callbacks between Trio checkpoints */
    double park_deadline; /* when the parked loop wants to wake up */
    /* When an inline burst last told its caller to yield to Trio. */
    double inline_yielded_at;
    char clock_is_system;
    char attached;
    char parked;          /* the loop task waits in wait_task_rescheduled */
    char watcher_waiting; /* the watcher waits for us to drain libuv */
    /* libuv may have something to dispatch with no fd watched: a
     * cross-thread wakeup, a watcher's close, a backend fd that Trio saw
     * readable.  Without it (and no fd), an idle burst skips uv_run: a
     * same-thread wakeup then costs no system call of the loop's own. */
    char poll_due;
    /* A transport ran protocol code inside the last uv_run (udp.c sets
     * it): that pass did work even if it queued no handle, so the burst
     * polls again instead of parking. */
    char io_ran;
    /* Transports stopped reading by ta_loop_io_defer_error(): resume
     * them at the next ta_loop_poll_io(). */
    char reading_held;
    char stop_requested;
    char in_burst;     /* a burst is running (no re-entry) */
    char inline_mode;  /* a Trio task runs a burst for the parked loop */
    char inline_woken; /* a wake was requested during that burst */
    char closed;       /* asyncio's _closed */
    char debug;        /* asyncio's _debug */
    PyObject *weakreflist;
    PyObject *dict;
};

/* Take the parked loop task off Trio's list of readers of libuv's backend
 * fd.  0 if it was there (the caller must now reschedule it), 1 if Trio's
 * I/O has rescheduled it already, -1 with an exception set.  No system
 * call: the fd's epoll registration stays armed for the next park. */
static inline int
ta_loop_take_reader(TaLoopObject *self)
{
    PyObject *reader =
        PyObject_GetAttr(self->io_waiter, self->state->str_read_task);
    if (reader == NULL) {
        return -1;
    }
    Py_DECREF(reader); /* only compared */
    if (reader != self->task) {
        return 1;
    }
    return PyObject_SetAttr(self->io_waiter, self->state->str_read_task,
                            Py_None);
}

/* Resume the parked loop task.  Same thread only: from other threads the
 * wakeup goes through uv_async_send().  Inline here because both halves of
 * the core wake the loop (call_soon, timers, add_reader, the watcher). */
static inline int
ta_loop_wake(TaLoopObject *self)
{
    if (!self->parked) {
        return 0;
    }
    if (self->inline_mode) {
        /* The burst running right now will see the work; whether the
         * parked loop task must wake is decided when it ends. */
        self->inline_woken = 1;
        return 0;
    }
    self->parked = 0;
    if (self->io_waiter != NULL) {
        int taken = ta_loop_take_reader(self);
        if (taken != 0) {
            return taken < 0 ? -1 : 0;
        }
    }
    PyObject *res = PyObject_CallOneArg(self->state->reschedule, self->task);
    if (res == NULL) {
        return -1;
    }
    Py_DECREF(res);
    return 0;
}

#endif
