/* File descriptor readiness through an embedded libuv loop.
 *
 * add_reader/add_writer become uv_poll_t watchers; one uv_run(NOWAIT)
 * dispatches every ready descriptor by queueing its handle.  While the loop
 * is parked, a Trio task waits on uv_backend_fd() (see ta_loop_poll_io for
 * the hand-off), so there is no Trio task per descriptor.
 */
#ifndef TA_LOOP_IO_H
#define TA_LOOP_IO_H

#include "loop_shared.h"

/* Create the libuv loop and the cross-thread wakeup.  -1 with an
 * exception set on failure. */
int
ta_loop_io_init(TaLoopObject *self);

/* Stop every watcher and close libuv.  Idempotent. */
void
ta_loop_io_close(TaLoopObject *self);

int
ta_loop_io_traverse(TaLoopObject *self, visitproc visit, void *arg);

/* Drop the handles held by watchers (GC clear); libuv stays open. */
void
ta_loop_io_clear(TaLoopObject *self);

/* asyncio's max_size: what one read may return. */
#define TA_RECV_BUF_SIZE (256 * 1024)

/* The loop's shared receive buffer, or NULL (out of memory). */
char *
ta_loop_recv_buf(TaLoopObject *self);

/* From inside a libuv callback: keep the current exception for
 * ta_loop_poll_io() to raise, and make uv_run() return. */
void
ta_loop_io_defer_error(TaLoopObject *self);

/* The one place that turns a libuv error code into an OSError: sets it and
 * returns NULL. */
PyObject *
ta_set_uv_error(int err);

/* Run libuv once without blocking, queueing ready handles; then, if the
 * watcher task waits for libuv to be drained, resume it. */
int
ta_loop_poll_io(TaLoopObject *self);

PyObject *
ta_loop_add_reader(TaLoopObject *, PyObject *const *, Py_ssize_t);
PyObject *
ta_loop_add_writer(TaLoopObject *, PyObject *const *, Py_ssize_t);
PyObject *
ta_loop_remove_reader(TaLoopObject *, PyObject *);
PyObject *
ta_loop_remove_writer(TaLoopObject *, PyObject *);
PyObject *
ta_loop_io_handles(TaLoopObject *, PyObject *);
PyObject *
ta_loop_io_fds(TaLoopObject *, PyObject *);
PyObject *
ta_loop_backend_fd(TaLoopObject *, PyObject *);
PyObject *
ta_loop_io_ready(TaLoopObject *, PyObject *);
PyObject *
ta_loop_watcher_abort(TaLoopObject *, PyObject *);

#define TA_LOOP_IO_METHODS                                                    \
    {"_add_reader", (PyCFunction)(void (*)(void))ta_loop_add_reader,          \
     METH_FASTCALL, "Watch fd for reading; return the new Handle."},          \
        {"_add_writer", (PyCFunction)(void (*)(void))ta_loop_add_writer,      \
         METH_FASTCALL, "Watch fd for writing; return the new Handle."},      \
        {"_remove_reader", (PyCFunction)ta_loop_remove_reader, METH_O,        \
         "Stop watching fd for reading; True if it was watched."},            \
        {"_remove_writer", (PyCFunction)ta_loop_remove_writer, METH_O,        \
         "Stop watching fd for writing; True if it was watched."},            \
        {"_io_handles", (PyCFunction)ta_loop_io_handles, METH_O, NULL},       \
        {"_io_fds", (PyCFunction)ta_loop_io_fds, METH_NOARGS, NULL},          \
        {"_uv_backend_fd", (PyCFunction)ta_loop_backend_fd, METH_NOARGS,      \
         NULL},                                                               \
        {"_core_io_ready", (PyCFunction)ta_loop_io_ready, METH_NOARGS, NULL}, \
        {"_core_watcher_abort", (PyCFunction)ta_loop_watcher_abort,           \
         METH_NOARGS, NULL},

#endif
