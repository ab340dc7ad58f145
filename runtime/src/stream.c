#include "stream.h"

#include "fault.h"
#include "loop_io.h"
#include "module.h"
#include "transport.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <structmember.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* asyncio.constants.LOG_THRESHOLD_FOR_CONNLOST_WRITES */
#define TA_CONNLOST_LOG_THRESHOLD 5

/* asyncio's _FlowControlMixin slots, as in udp.c. */
#define TA_STREAM_BASE_SLOTS 5

/* writelines() hands at most this many buffers to one writev. */
#define TA_STREAM_MAX_IOV 64

typedef union {
    uv_handle_t handle;
    uv_stream_t stream;
    uv_tcp_t tcp;
    uv_pipe_t pipe;
} ta_stream_handle;

typedef struct ta_stream_write ta_stream_write;

/* What a TaStreamObject is: asyncio's socket transport, or one of its Unix
 * pipe transports (unix_events._UnixReadPipeTransport and
 * _UnixWritePipeTransport), which differ in how they end. */
enum { TA_KIND_SOCKET, TA_KIND_READ_PIPE, TA_KIND_WRITE_PIPE };

/* One stream transport.  Invariants:
 * - `handle` is open (and counted in loop->uv_active) until the transport
 *   closes it: connection lost, abort, dealloc, or the loop closing first
 *   (`owner.orphan`).  libuv owns a duplicate of the socket's fd, so that
 *   closing the handle never closes the fd the Python socket holds.
 * - The bytes not yet taken by the kernel are libuv's write queue (at most
 *   one request, `inflight`, which holds a strong reference to the
 *   transport) followed by `pend`, copied there by write().  Data goes
 *   straight to the socket (uv_try_write) only while both are empty, so
 *   nothing is reordered.
 * - While reading or writing, the loop holds the transport (owner.held),
 *   as asyncio's selector holds its reader and writer handles.
 * - `sock` and `protocol` are NULL once connection_lost() was called. */
typedef struct {
    PyObject_HEAD
    /* asyncio's slots (_extra, _loop, _protocol_paused, _high_water,
     * _low_water): asyncio's Python code reads and writes them. */
    PyObject *asyncio_slots[TA_STREAM_BASE_SLOTS];
    ta_uv_owner owner; /* handle->handle.data points here */
    ta_stream_handle *handle;
    TaLoopObject *loop; /* strong */
    PyObject *protocol;
    PyObject *sock;
    PyObject *server;
    PyObject *context; /* protocol callbacks from libuv run in it */
    PyObject *dict;
    PyObject *weakreflist;
    /* A BufferedProtocol's buffer between libuv's alloc and read
     * callbacks; `view_exc` is get_buffer()'s error, if it failed. */
    Py_buffer view;
    PyObject *view_exc;
    ta_stream_write *inflight;
    char *pend;
    size_t pend_len;
    size_t pend_cap;
    Py_ssize_t conn_lost;
    /* A write pipe watches a second duplicate of its fd for readability:
     * the reader closing the pipe makes it so (asyncio's reader trick). */
    uv_poll_t *peer;
    int peer_fd;
    int fd;
    int family;
    char kind;
    char lost_due; /* a pipe: connection_lost() is scheduled or done */
    char closing;
    char paused;  /* pause_reading() */
    char reading; /* uv_read_start() is active */
    char read_eof;
    char eof;      /* write_eof() */
    char shut;     /* shutdown(SHUT_WR) done */
    char buffered; /* the protocol is a BufferedProtocol */
    char have_view;
    char protocol_connected;
} TaStreamObject;

struct ta_stream_write {
    uv_write_t req;
    TaStreamObject *self; /* strong */
    char *data;
    size_t cap;
};

#define TA_STREAM_FROM_OWNER(o)                                               \
    ((TaStreamObject *)((char *)(o)-offsetof(TaStreamObject, owner)))

/* Indexes in asyncio_slots, found by ta_stream_type_new(). */
static Py_ssize_t ta_slot_extra, ta_slot_loop, ta_slot_paused, ta_slot_high;

/* ------------------------------------------------------------- helpers */

/* uv_buf_init() takes an unsigned int; a Unix uv_buf_t holds a size_t. */
static uv_buf_t
ta_buf(void *base, size_t len)
{
    uv_buf_t buf;
    buf.base = base;
    buf.len = len;
    return buf;
}

static int
ta_stream_loop_usable(TaStreamObject *self)
{
    return self->loop != NULL && self->loop->uv != NULL;
}

/* Tell a parked loop that libuv has work (a read to start, a write or a
 * close callback to run). */
static int
ta_stream_kick(TaStreamObject *self)
{
    self->loop->poll_due = 1;
    return ta_loop_wake(self->loop);
}

/* The loop holds the transport while libuv may call it back.  The caller
 * must hold a reference: this may drop the loop's. */
static void
ta_stream_hold(TaStreamObject *self)
{
    int want = self->handle != NULL &&
               (self->reading || self->inflight != NULL || self->peer != NULL);
    if (want && self->owner.held == NULL) {
        self->owner.held = Py_NewRef(self);
    }
    else if (!want && self->owner.held != NULL) {
        Py_CLEAR(self->owner.held);
    }
}

static void
ta_stream_release_view(TaStreamObject *self)
{
    if (self->have_view) {
        self->have_view = 0;
        PyBuffer_Release(&self->view);
    }
}

static size_t
ta_stream_queued(TaStreamObject *self)
{
    size_t n = self->pend_len;
    if (self->handle != NULL) {
        n += uv_stream_get_write_queue_size(&self->handle->stream);
    }
    return n;
}

static void
ta_stream_on_close(uv_handle_t *handle)
{
    TaLoopObject *loop = handle->loop->data;
    if (loop != NULL && loop->state != NULL) {
        loop->state->live_streams--;
    }
    free(handle);
}

/* A write pipe's watch on its reader: closed with its duplicate fd
 * (libuv stops watching in uv_close, so the fd can go at once). */
static void
ta_pipe_stop_peer(TaStreamObject *self)
{
    if (self->peer != NULL) {
        uv_close((uv_handle_t *)self->peer, ta_stream_on_close);
        self->peer = NULL;
        close(self->peer_fd);
        self->peer_fd = -1;
    }
}

static void
ta_stream_stop_reading(TaStreamObject *self)
{
    if (self->reading) {
        self->reading = 0;
        if (self->handle != NULL) {
            uv_read_stop(&self->handle->stream);
        }
    }
}

/* Close the libuv handle (and with it libuv's copy of the fd), dropping
 * what is queued: an in-flight write completes with UV_ECANCELED.
 * Idempotent.  The caller must hold a reference. */
static void
ta_stream_close_handle(TaStreamObject *self)
{
    ta_stream_stop_reading(self);
    ta_pipe_stop_peer(self);
    free(self->pend);
    self->pend = NULL;
    self->pend_len = self->pend_cap = 0;
    if (self->handle != NULL) {
        self->handle->handle.data = NULL;
        uv_close(&self->handle->handle, ta_stream_on_close);
        self->handle = NULL;
        if (self->loop != NULL) {
            self->loop->uv_active--;
            self->loop->poll_due = 1; /* the close callback runs in uv_run */
        }
    }
    ta_stream_hold(self);
}

static void
ta_stream_orphan(ta_uv_owner *owner)
{
    TaStreamObject *self = TA_STREAM_FROM_OWNER(owner);
    Py_INCREF(self);
    ta_stream_close_handle(self);
    Py_DECREF(self);
}

static PyObject *
ta_stream_call_soon(TaStreamObject *self, PyObject *callback, PyObject *arg)
{
    return PyObject_CallMethod((PyObject *)self->loop, "call_soon", "OO",
                               callback, arg);
}

static int
ta_stream_call_soon_method(PyObject *loop, PyObject *obj, const char *name,
                           PyObject *arg);

static int
ta_stream_schedule_lost(TaStreamObject *self, PyObject *exc)
{
    PyObject *meth =
        PyObject_GetAttrString((PyObject *)self, "_call_connection_lost");
    if (meth == NULL) {
        return -1;
    }
    PyObject *res = ta_stream_call_soon(self, meth, exc);
    Py_DECREF(meth);
    Py_XDECREF(res);
    return res == NULL ? -1 : 0;
}

static int
ta_stream_debug_log(TaStreamObject *self, const char *format)
{
    if (self->loop == NULL || !self->loop->debug) {
        return 0;
    }
    PyObject *res = PyObject_CallMethod(self->loop->state->logger, "debug",
                                        "sO", format, (PyObject *)self);
    Py_XDECREF(res);
    return res == NULL ? -1 : 0;
}

/* A protocol callback run from libuv failed in a way that cannot be handed
 * to _fatal_error(): see transport.h.  Named as asyncio names the
 * transport's method, e.g. "StreamTransport._read_ready()". */
static void
ta_stream_callback_failed(TaStreamObject *self, const char *where)
{
    char message[128];
    PyOS_snprintf(message, sizeof(message), "Exception in callback %s.%s()",
                  _PyType_Name(Py_TYPE(self)), where);
    ta_transport_callback_failed(self->loop, self->loop->state,
                                 (PyObject *)self, self->protocol, message);
}

static int
ta_pipe_close(TaStreamObject *self, PyObject *exc);

/* What asyncio's _fatal_error() only logs in debug mode: any OSError, but
 * for a read pipe only EIO. */
static int
ta_stream_quiet_error(TaStreamObject *self, PyObject *exc)
{
    if (!PyErr_GivenExceptionMatches(exc, PyExc_OSError)) {
        return 0;
    }
    if (self->kind != TA_KIND_READ_PIPE) {
        return 1;
    }
    PyObject *no = PyObject_GetAttrString(exc, "errno");
    long err = no != NULL && PyLong_Check(no) ? PyLong_AsLong(no) : 0;
    Py_XDECREF(no);
    PyErr_Clear();
    return err == EIO;
}

/* asyncio's _fatal_error() (see transport.h); a pipe's closes with
 * _close(exc), as asyncio's pipe transports do. */
static int
ta_stream_fatal_error(TaStreamObject *self, PyObject *exc, const char *message)
{
    ta_state *st = self->loop->state;
    if (self->kind == TA_KIND_SOCKET) {
        return ta_transport_fatal_error((PyObject *)self, st, self->protocol,
                                        exc, message);
    }
    if (ta_transport_fatal_report((PyObject *)self, st, self->protocol, exc,
                                  message,
                                  ta_stream_quiet_error(self, exc)) < 0) {
        return -1;
    }
    return ta_pipe_close(self, exc);
}

/* The current exception made fatal: 0 once handled, -1 if it must
 * propagate (SystemExit, KeyboardInterrupt, a failing handler). */
static int
ta_stream_fail(TaStreamObject *self, const char *message)
{
    if (PyErr_ExceptionMatches(PyExc_SystemExit) ||
        PyErr_ExceptionMatches(PyExc_KeyboardInterrupt)) {
        return -1;
    }
    PyObject *exc = ta_fetch_exception();
    int rc = ta_stream_fatal_error(self, exc, message);
    Py_DECREF(exc);
    return rc;
}

/* asyncio's _maybe_pause_protocol() / _maybe_resume_protocol(), called
 * only when the slots say they would do something. */
static int
ta_stream_maybe_pause(TaStreamObject *self)
{
    PyObject *high = self->asyncio_slots[ta_slot_high];
    if (high != NULL && PyLong_CheckExact(high)) {
        Py_ssize_t limit = PyLong_AsSsize_t(high);
        if (limit == -1 && PyErr_Occurred()) {
            PyErr_Clear();
        }
        else if ((Py_ssize_t)ta_stream_queued(self) <= limit) {
            return 0;
        }
    }
    PyObject *res =
        PyObject_CallMethod((PyObject *)self, "_maybe_pause_protocol", NULL);
    Py_XDECREF(res);
    return res == NULL ? -1 : 0;
}

static int
ta_stream_maybe_resume(TaStreamObject *self)
{
    PyObject *paused = self->asyncio_slots[ta_slot_paused];
    if (paused == Py_False) {
        return 0;
    }
    PyObject *res =
        PyObject_CallMethod((PyObject *)self, "_maybe_resume_protocol", NULL);
    Py_XDECREF(res);
    return res == NULL ? -1 : 0;
}

/* shutdown(SHUT_WR) once the queue is empty after write_eof(). */
static int
ta_stream_shutdown(TaStreamObject *self)
{
    if (self->shut) {
        return 0;
    }
    self->shut = 1;
    if (TA_FAULT_ERRNO(STREAM_SHUTDOWN, shutdown(self->fd, SHUT_WR)) < 0) {
        PyErr_SetFromErrno(PyExc_OSError);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------- reading */

static void
ta_stream_on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    TaStreamObject *self = TA_STREAM_FROM_OWNER(handle->data);
    buf->base = NULL;
    buf->len = 0;
    if (!self->buffered) {
        /* One buffer for every read of the loop: data_received() gets a
         * copy of what was read. */
        buf->base =
            TA_FAULT_ALLOC(STREAM_RECV_BUF, ta_loop_recv_buf(self->loop));
        buf->len = buf->base != NULL ? TA_RECV_BUF_SIZE : 0;
        return;
    }
    ta_stream_release_view(self);
    if (self->protocol == NULL || self->conn_lost) {
        return;
    }
    /* Read straight into the protocol's buffer. */
    PyObject *protocol = Py_NewRef(self->protocol);
    PyObject *res = NULL;
    if (TA_FAULT_PY(STREAM_ALLOC_CONTEXT_ENTER, -1,
                    PyContext_Enter(self->context)) == 0) {
        res = PyObject_CallMethod(protocol, "get_buffer", "i", -1);
        if (res != NULL) {
            if (PyObject_GetBuffer(res, &self->view, PyBUF_WRITABLE) == 0) {
                if (self->view.len == 0) {
                    PyBuffer_Release(&self->view);
                    PyErr_SetString(PyExc_RuntimeError,
                                    "get_buffer() returned an empty buffer");
                }
                else {
                    self->have_view = 1;
                    buf->base = self->view.buf;
                    buf->len = (size_t)self->view.len;
                }
            }
            Py_DECREF(res);
        }
        if (!self->have_view) {
            Py_XSETREF(self->view_exc, ta_fetch_exception());
        }
        if (TA_FAULT_PY_AFTER(STREAM_ALLOC_CONTEXT_EXIT, -1,
                              PyContext_Exit(self->context)) < 0) {
            PyErr_WriteUnraisable((PyObject *)self);
        }
    }
    else {
        Py_XSETREF(self->view_exc, ta_fetch_exception());
    }
    Py_DECREF(protocol);
}

/* The peer's EOF: asyncio's _read_ready__on_eof(). */
static int
ta_stream_on_eof(TaStreamObject *self, PyObject *protocol)
{
    if (ta_stream_debug_log(self, "%r received EOF") < 0) {
        return -1;
    }
    PyObject *res = PyObject_CallMethodNoArgs(
        protocol, self->loop->state->str_eof_received);
    if (res == NULL) {
        return ta_stream_fail(self, "Fatal error: protocol.eof_received() "
                                    "call failed.");
    }
    int keep_open = PyObject_IsTrue(res);
    Py_DECREF(res);
    if (keep_open < 0) {
        return ta_stream_fail(self, "Fatal error: protocol.eof_received() "
                                    "call failed.");
    }
    if (keep_open) {
        /* The protocol can still write; nothing more can be read. */
        ta_stream_stop_reading(self);
        return 0;
    }
    res = PyObject_CallMethod((PyObject *)self, "close", NULL);
    Py_XDECREF(res);
    return res == NULL ? -1 : 0;
}

/* asyncio's info line, in debug mode, when a pipe's other end closes. */
static int
ta_pipe_log_closed(TaStreamObject *self)
{
    if (!self->loop->debug) {
        return 0;
    }
    PyObject *res =
        PyObject_CallMethod(self->loop->state->logger, "info", "sO",
                            "%r was closed by peer", (PyObject *)self);
    Py_XDECREF(res);
    return res == NULL ? -1 : 0;
}

/* A read pipe's EOF: asyncio's _read_ready() on an empty read, which
 * ends the transport whatever eof_received() says. */
static int
ta_pipe_on_eof(TaStreamObject *self, PyObject *protocol)
{
    if (ta_pipe_log_closed(self) < 0) {
        return -1;
    }
    self->closing = 1;
    ta_stream_stop_reading(self);
    if (ta_stream_call_soon_method((PyObject *)self->loop, protocol,
                                   "eof_received", NULL) < 0) {
        return -1;
    }
    self->lost_due = 1;
    return ta_stream_schedule_lost(self, Py_None);
}

static void
ta_stream_on_read(uv_stream_t *handle, ssize_t nread, const uv_buf_t *buf)
{
    (void)buf;
    TaStreamObject *self = TA_STREAM_FROM_OWNER(handle->data);
    if (nread == 0) {
        ta_stream_release_view(self); /* nothing more to read now */
        return;
    }
    if (nread < 0 && nread != UV_ENOBUFS) {
        /* libuv stops reading after EOF and errors by itself */
        self->reading = 0;
        if (nread == UV_EOF) {
            self->read_eof = 1;
        }
    }
    if (self->conn_lost || self->protocol == NULL) {
        ta_stream_release_view(self);
        Py_CLEAR(self->view_exc);
        return;
    }
    ta_state *st = self->loop->state;
    int pipe = self->kind == TA_KIND_READ_PIPE;
    self->loop->io_ran = 1;
    Py_INCREF(self);
    PyObject *protocol = Py_NewRef(self->protocol);
    int rc = 0;
    if (TA_FAULT_PY(STREAM_READ_CONTEXT_ENTER, -1,
                    PyContext_Enter(self->context)) < 0) {
        ta_stream_release_view(self);
        ta_stream_callback_failed(self, "_read_ready");
        goto done;
    }
    if (nread > 0 && self->have_view) {
        ta_stream_release_view(self);
        PyObject *n = PyLong_FromSsize_t(nread);
        PyObject *res =
            n ? PyObject_CallMethodOneArg(protocol, st->str_buffer_updated, n)
              : NULL;
        Py_XDECREF(n);
        Py_XDECREF(res);
        if (res == NULL) {
            /* a pipe's read callback lets it go to the exception handler */
            rc = pipe ? -1
                      : ta_stream_fail(self, "Fatal error: "
                                             "protocol.buffer_updated() "
                                             "call failed.");
        }
    }
    else if (nread > 0) {
        PyObject *data = PyBytes_FromStringAndSize(buf->base, nread);
        PyObject *res = data ? PyObject_CallMethodOneArg(
                                   protocol, st->str_data_received, data)
                             : NULL;
        Py_XDECREF(data);
        Py_XDECREF(res);
        if (res == NULL) {
            rc = pipe ? -1
                      : ta_stream_fail(self, "Fatal error: "
                                             "protocol.data_received() "
                                             "call failed.");
        }
    }
    else if (nread == UV_EOF) {
        ta_stream_release_view(self);
        rc = pipe ? ta_pipe_on_eof(self, protocol)
                  : ta_stream_on_eof(self, protocol);
    }
    else if (nread == UV_ENOBUFS) {
        PyObject *exc = self->view_exc;
        const char *message = "Fatal error: protocol.get_buffer() "
                              "call failed.";
        self->view_exc = NULL;
        if (exc == NULL) {
            PyErr_NoMemory(); /* the loop's read buffer */
            exc = ta_fetch_exception();
            message = "Fatal read error on socket transport";
        }
        if (PyErr_GivenExceptionMatches(exc, PyExc_SystemExit) ||
            PyErr_GivenExceptionMatches(exc, PyExc_KeyboardInterrupt)) {
            PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
            rc = -1;
        }
        else {
            rc = ta_stream_fatal_error(self, exc, message);
        }
        Py_DECREF(exc);
    }
    else {
        ta_stream_release_view(self);
        PyObject *exc = ta_uv_exception((int)nread);
        rc = ta_stream_fatal_error(
            self, exc,
            pipe ? "Fatal read error on pipe transport"
                 : "Fatal read error on socket transport");
        Py_DECREF(exc);
    }
    if (rc < 0) {
        ta_stream_callback_failed(self, "_read_ready");
    }
    if (TA_FAULT_PY_AFTER(STREAM_READ_CONTEXT_EXIT, -1,
                          PyContext_Exit(self->context)) < 0) {
        PyErr_WriteUnraisable((PyObject *)self);
    }
done:
    ta_stream_hold(self);
    Py_DECREF(protocol);
    Py_DECREF(self);
}

/* Start reading if the transport should (asyncio's _add_reader). */
static int
ta_stream_start_reading(TaStreamObject *self)
{
    if (self->closing || self->paused || self->reading ||
        self->handle == NULL || self->read_eof) {
        return 0;
    }
    int err = TA_FAULT_UV(UV_READ_START, uv_read_start(&self->handle->stream,
                                                       ta_stream_on_alloc,
                                                       ta_stream_on_read));
    if (err < 0 && err != UV_EALREADY) {
        ta_set_uv_error(err);
        return -1;
    }
    self->reading = 1;
    ta_stream_hold(self);
    return ta_stream_kick(self);
}

/* ------------------------------------------------------------- writing */

static int
ta_stream_connection_lost(TaStreamObject *self, PyObject *exc);

static int
ta_stream_flush(TaStreamObject *self);

/* Is connection_lost() scheduled (or done)?  Then what is queued goes. */
static int
ta_stream_gone(TaStreamObject *self)
{
    return self->kind == TA_KIND_SOCKET ? self->conn_lost != 0
                                        : self->lost_due;
}

/* A write failed with libuv's `err`: asyncio's _fatal_error(). */
static int
ta_stream_write_failed(TaStreamObject *self, int err)
{
    PyObject *exc = ta_uv_exception(err);
    int rc;
    if (self->kind == TA_KIND_SOCKET) {
        rc = ta_stream_fatal_error(self, exc,
                                   "Fatal write error on socket transport");
    }
    else {
        self->conn_lost++;
        rc = ta_stream_fatal_error(self, exc,
                                   "Fatal write error on pipe transport");
    }
    Py_DECREF(exc);
    return rc;
}

/* A write pipe's queue went to the kernel: asyncio's _write_ready(),
 * which resumes the protocol only once everything is written, and ends
 * a closing transport at once. */
static int
ta_pipe_written(TaStreamObject *self)
{
    if (self->pend_len > 0) {
        return ta_stream_flush(self);
    }
    if (ta_stream_maybe_resume(self) < 0) {
        return -1;
    }
    if (self->closing && !self->lost_due && ta_stream_queued(self) == 0) {
        self->lost_due = 1;
        ta_pipe_stop_peer(self);
        return ta_stream_connection_lost(self, Py_None);
    }
    return 0;
}

static void
ta_stream_on_written(uv_write_t *req, int status)
{
    ta_stream_write *w = (ta_stream_write *)req;
    TaStreamObject *self = w->self;
    if (self->inflight == w) {
        self->inflight = NULL;
    }
    if (self->pend == NULL) {
        /* the next queue reuses the buffer */
        self->pend = w->data;
        self->pend_cap = w->cap;
        self->pend_len = 0;
    }
    else {
        free(w->data);
    }
    free(w);
    if (self->loop != NULL && self->loop->state != NULL) {
        self->loop->state->live_stream_writes--;
    }
    if (status == UV_ECANCELED || self->handle == NULL ||
        ta_stream_gone(self)) {
        /* aborted or lost: asyncio drops its buffer the same way */
        if (self->handle == NULL) {
            free(self->pend);
            self->pend = NULL;
            self->pend_len = self->pend_cap = 0;
        }
        ta_stream_hold(self);
        Py_DECREF(self);
        return;
    }
    self->loop->io_ran = 1;
    if (TA_FAULT_PY(STREAM_WRITTEN_CONTEXT_ENTER, -1,
                    PyContext_Enter(self->context)) < 0) {
        ta_stream_callback_failed(self, "_write_ready");
        ta_stream_hold(self);
        Py_DECREF(self);
        return;
    }
    int rc = 0;
    status = TA_FAULT_UV(UV_WRITE_STATUS, status);
    if (status < 0) {
        self->pend_len = 0;
        rc = ta_stream_write_failed(self, status);
    }
    else if (self->kind == TA_KIND_WRITE_PIPE) {
        rc = ta_pipe_written(self);
    }
    else {
        rc = ta_stream_maybe_resume(self); /* may write more */
        if (rc == 0 && self->pend_len > 0) {
            rc = ta_stream_flush(self);
        }
        else if (rc == 0 && self->inflight == NULL && !self->conn_lost &&
                 self->handle != NULL && ta_stream_queued(self) == 0) {
            if (self->closing) {
                rc = ta_stream_connection_lost(self, Py_None);
            }
            else if (self->eof) {
                rc = ta_stream_shutdown(self);
            }
        }
    }
    if (rc < 0) {
        ta_stream_callback_failed(self, "_write_ready");
    }
    if (TA_FAULT_PY_AFTER(STREAM_WRITTEN_CONTEXT_EXIT, -1,
                          PyContext_Exit(self->context)) < 0) {
        PyErr_WriteUnraisable((PyObject *)self);
    }
    ta_stream_hold(self);
    Py_DECREF(self);
}

/* Hand `pend` to libuv if nothing is in flight. */
static int
ta_stream_flush(TaStreamObject *self)
{
    if (self->inflight != NULL || self->pend_len == 0 ||
        self->handle == NULL) {
        return 0;
    }
    ta_stream_write *w =
        TA_FAULT_ALLOC(STREAM_WRITE_ALLOC, malloc(sizeof(*w)));
    if (w == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    w->data = self->pend;
    w->cap = self->pend_cap;
    uv_buf_t buf = ta_buf(self->pend, self->pend_len);
    int err = TA_FAULT_UV(UV_WRITE, uv_write(&w->req, &self->handle->stream,
                                             &buf, 1, ta_stream_on_written));
    if (err < 0) {
        free(w);
        self->pend_len = 0;
        return ta_stream_write_failed(self, err);
    }
    self->pend = NULL;
    self->pend_len = self->pend_cap = 0;
    w->self = (TaStreamObject *)Py_NewRef(self);
    self->inflight = w;
    self->loop->state->live_stream_writes++;
    ta_stream_hold(self);
    return ta_stream_kick(self);
}

static int
ta_stream_append(TaStreamObject *self, const char *data, size_t len)
{
    if (self->pend_len + len > self->pend_cap) {
        size_t cap = self->pend_cap ? self->pend_cap : 64 * 1024;
        while (cap < self->pend_len + len) {
            cap *= 2;
        }
        char *pend =
            TA_FAULT_ALLOC(STREAM_PEND_ALLOC, realloc(self->pend, cap));
        if (pend == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        self->pend = pend;
        self->pend_cap = cap;
    }
    memcpy(self->pend + self->pend_len, data, len);
    self->pend_len += len;
    return 0;
}

static int
ta_is_bytes_like(PyObject *data)
{
    return PyBytes_Check(data) || PyByteArray_Check(data) ||
           PyMemoryView_Check(data);
}

static int
ta_stream_check_writable(TaStreamObject *self, const char *method)
{
    if (self->eof) {
        PyErr_Format(PyExc_RuntimeError, "Cannot call %s() after write_eof()",
                     method);
        return -1;
    }
    return 0;
}

/* What write() does with a conn_lost transport: count, warn, drop. */
static PyObject *
ta_stream_write_lost(TaStreamObject *self)
{
    if (self->conn_lost >= TA_CONNLOST_LOG_THRESHOLD) {
        PyObject *res = PyObject_CallMethod(
            self->loop->state->logger, "warning", "s",
            self->kind == TA_KIND_SOCKET
                ? "socket.send() raised exception."
                : "pipe closed by peer or os.write(pipe, data) raised "
                  "exception.");
        if (res == NULL) {
            return NULL;
        }
        Py_DECREF(res);
    }
    self->conn_lost++;
    Py_RETURN_NONE;
}

/* Write `nbufs` buffers of `total` bytes: at once if the queue is empty,
 * the rest copied to the queue. */
static PyObject *
ta_stream_write_bufs(TaStreamObject *self, uv_buf_t *bufs, unsigned nbufs,
                     size_t total)
{
    if (self->conn_lost ||
        (self->kind == TA_KIND_WRITE_PIPE && self->closing)) {
        return ta_stream_write_lost(self);
    }
    if (self->handle == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Event loop is closed");
        return NULL;
    }
    size_t skip = 0;
    if (ta_stream_queued(self) == 0) {
        int n = TA_FAULT_UV(UV_TRY_WRITE,
                            uv_try_write(&self->handle->stream, bufs, nbufs));
        if (n >= 0) {
            if ((size_t)n == total) {
                Py_RETURN_NONE;
            }
            skip = (size_t)n;
        }
        else if (n != UV_EAGAIN) {
            if (ta_stream_write_failed(self, n) < 0) {
                return NULL;
            }
            Py_RETURN_NONE;
        }
    }
    for (unsigned i = 0; i < nbufs; i++) {
        size_t len = bufs[i].len;
        if (skip >= len) {
            skip -= len;
            continue;
        }
        if (ta_stream_append(self, bufs[i].base + skip, len - skip) < 0) {
            return NULL;
        }
        skip = 0;
    }
    if (ta_stream_flush(self) < 0 || ta_stream_maybe_pause(self) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
stream_write(TaStreamObject *self, PyObject *data)
{
    if (!ta_is_bytes_like(data)) {
        PyErr_Format(PyExc_TypeError,
                     "data argument must be a bytes-like object, not '%.200s'",
                     Py_TYPE(data)->tp_name);
        return NULL;
    }
    if (ta_stream_check_writable(self, "write") < 0) {
        return NULL;
    }
    if (PyBytes_CheckExact(data)) {
        Py_ssize_t len = PyBytes_GET_SIZE(data);
        if (len == 0) {
            Py_RETURN_NONE;
        }
        uv_buf_t buf = ta_buf(PyBytes_AS_STRING(data), (size_t)len);
        return ta_stream_write_bufs(self, &buf, 1, (size_t)len);
    }
    Py_buffer view;
    if (PyObject_GetBuffer(data, &view, PyBUF_SIMPLE) < 0) {
        return NULL;
    }
    PyObject *res = Py_NewRef(Py_None);
    if (view.len > 0) {
        uv_buf_t buf = ta_buf(view.buf, (size_t)view.len);
        Py_SETREF(res, ta_stream_write_bufs(self, &buf, 1, (size_t)view.len));
    }
    PyBuffer_Release(&view);
    return res;
}

static PyObject *
stream_writelines(TaStreamObject *self, PyObject *list)
{
    if (ta_stream_check_writable(self, "writelines") < 0) {
        return NULL;
    }
    PyObject *seq = PySequence_Fast(list, "writelines() needs an iterable");
    if (seq == NULL) {
        return NULL;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    if (n > TA_STREAM_MAX_IOV) {
        /* Many pieces: one joined write, as asyncio's writelines(). */
        PyObject *empty = PyBytes_FromStringAndSize(NULL, 0);
        PyObject *joined =
            empty ? PyObject_CallMethod(empty, "join", "O", seq) : NULL;
        Py_XDECREF(empty);
        Py_DECREF(seq);
        if (joined == NULL) {
            return NULL;
        }
        PyObject *res = stream_write(self, joined);
        Py_DECREF(joined);
        return res;
    }
    Py_buffer views[TA_STREAM_MAX_IOV];
    uv_buf_t bufs[TA_STREAM_MAX_IOV];
    Py_ssize_t got = 0;
    unsigned nbufs = 0;
    size_t total = 0;
    PyObject *res = NULL;
    for (; got < n; got++) {
        PyObject *item = PySequence_Fast_GET_ITEM(seq, got);
        if (!ta_is_bytes_like(item)) {
            PyErr_Format(PyExc_TypeError,
                         "sequence item %zd: expected a bytes-like object, "
                         "%.80s found",
                         got, Py_TYPE(item)->tp_name);
            goto done;
        }
        if (PyObject_GetBuffer(item, &views[got], PyBUF_SIMPLE) < 0) {
            goto done;
        }
        if (views[got].len > 0) {
            bufs[nbufs++] = ta_buf(views[got].buf, (size_t)views[got].len);
            total += (size_t)views[got].len;
        }
    }
    res = total == 0 ? Py_NewRef(Py_None)
                     : ta_stream_write_bufs(self, bufs, nbufs, total);
done:
    for (Py_ssize_t i = 0; i < got; i++) {
        PyBuffer_Release(&views[i]);
    }
    Py_DECREF(seq);
    return res;
}

/* ------------------------------------------------------- connection lost */

/* asyncio's _call_connection_lost(): tell the protocol, then release the
 * socket and the server whatever it did. */
static int
ta_stream_connection_lost(TaStreamObject *self, PyObject *exc)
{
    if (self->conn_lost == 0) {
        self->conn_lost = 1; /* later writes are dropped */
    }
    self->lost_due = 1;
    PyObject *protocol = self->protocol;
    self->protocol = NULL;
    int rc = 0;
    if (self->protocol_connected && protocol != NULL) {
        PyObject *res = PyObject_CallMethodOneArg(
            protocol, self->loop->state->str_connection_lost, exc);
        Py_XDECREF(res);
        rc = res == NULL ? -1 : 0;
    }
    Py_XDECREF(protocol);
    PyObject *etype, *evalue, *etb;
    PyErr_Fetch(&etype, &evalue, &etb);
    Py_INCREF(self);
    ta_stream_close_handle(self);
    PyObject *sock = self->sock;
    self->sock = NULL;
    if (sock != NULL) {
        PyObject *res = PyObject_CallMethod(sock, "close", NULL);
        if (res == NULL) {
            PyErr_WriteUnraisable((PyObject *)self);
        }
        Py_XDECREF(res);
        Py_DECREF(sock);
    }
    if (PyObject_SetAttrString((PyObject *)self, "_loop", Py_None) < 0) {
        PyErr_WriteUnraisable((PyObject *)self);
    }
    PyObject *server = self->server;
    self->server = NULL;
    if (server != NULL) {
#if PY_VERSION_HEX >= 0x030D0000
        PyObject *res =
            PyObject_CallMethod(server, "_detach", "O", (PyObject *)self);
#else
        PyObject *res = PyObject_CallMethod(server, "_detach", NULL);
#endif
        if (res == NULL) {
            PyErr_WriteUnraisable((PyObject *)self);
        }
        Py_XDECREF(res);
        Py_DECREF(server);
    }
    Py_DECREF(self);
    PyErr_Restore(etype, evalue, etb);
    return rc;
}

/* ------------------------------------------------------------- methods */

static PyObject *
stream_get_write_buffer_size(TaStreamObject *self,
                             PyObject *Py_UNUSED(ignored))
{
    return PyLong_FromSize_t(ta_stream_queued(self));
}

static PyObject *
stream_is_closing(TaStreamObject *self, PyObject *Py_UNUSED(ignored))
{
    return PyBool_FromLong(self->closing);
}

static PyObject *
stream_is_reading(TaStreamObject *self, PyObject *Py_UNUSED(ignored))
{
    return PyBool_FromLong(!self->closing && !self->paused);
}

static PyObject *
stream_pause_reading(TaStreamObject *self, PyObject *Py_UNUSED(ignored))
{
    if (self->closing || self->paused) {
        Py_RETURN_NONE;
    }
    self->paused = 1;
    ta_stream_stop_reading(self);
    Py_INCREF(self);
    ta_stream_hold(self);
    int rc = ta_stream_debug_log(self, "%r pauses reading");
    Py_DECREF(self);
    if (rc < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
stream_resume_reading(TaStreamObject *self, PyObject *Py_UNUSED(ignored))
{
    if (self->closing || !self->paused) {
        Py_RETURN_NONE;
    }
    self->paused = 0;
    if (ta_stream_start_reading(self) < 0) {
        self->paused = 1; /* not reading: is_reading() says so */
        return NULL;
    }
    if (ta_stream_debug_log(self, "%r resumes reading") < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
stream_start_reading(TaStreamObject *self, PyObject *Py_UNUSED(ignored))
{
    if (ta_stream_start_reading(self) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
stream_write_eof(TaStreamObject *self, PyObject *Py_UNUSED(ignored))
{
    if (self->closing || self->eof) {
        Py_RETURN_NONE;
    }
    self->eof = 1;
    if (ta_stream_queued(self) == 0 && ta_stream_shutdown(self) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
stream_can_write_eof(TaStreamObject *self, PyObject *Py_UNUSED(ignored))
{
    Py_RETURN_TRUE;
}

static PyObject *
stream_close(TaStreamObject *self, PyObject *Py_UNUSED(ignored))
{
    if (self->closing) {
        Py_RETURN_NONE;
    }
    self->closing = 1;
    Py_INCREF(self);
    ta_stream_stop_reading(self);
    ta_stream_hold(self);
    int rc = 0;
    if (ta_stream_queued(self) == 0) {
        self->conn_lost++;
        rc = ta_stream_schedule_lost(self, Py_None);
    }
    Py_DECREF(self);
    if (rc < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
stream_force_close(TaStreamObject *self, PyObject *exc)
{
    if (self->conn_lost) {
        Py_RETURN_NONE;
    }
    Py_INCREF(self);
    if (ta_stream_queued(self) > 0) {
        ta_stream_close_handle(self); /* drops the queue */
    }
    if (!self->closing) {
        self->closing = 1;
        ta_stream_stop_reading(self);
        ta_stream_hold(self);
    }
    self->conn_lost++;
    int rc = ta_stream_schedule_lost(self, exc);
    Py_DECREF(self);
    if (rc < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
stream_abort(TaStreamObject *self, PyObject *Py_UNUSED(ignored))
{
    return stream_force_close(self, Py_None);
}

static PyObject *
stream_fatal_error(TaStreamObject *self, PyObject *const *args,
                   Py_ssize_t nargs)
{
    if (nargs < 1 || nargs > 2 || (nargs == 2 && !PyUnicode_Check(args[1]))) {
        PyErr_SetString(PyExc_TypeError, "_fatal_error(exc, message=...)");
        return NULL;
    }
    const char *message =
        nargs == 2 ? PyUnicode_AsUTF8(args[1]) : "Fatal error on transport";
    if (message == NULL || ta_stream_fatal_error(self, args[0], message) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
stream_call_connection_lost(TaStreamObject *self, PyObject *exc)
{
    if (ta_stream_connection_lost(self, exc) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static int
ta_stream_set_protocol(TaStreamObject *self, PyObject *protocol)
{
    int buffered =
        PyObject_IsInstance(protocol, self->loop->state->buffered_protocol);
    if (buffered < 0) {
        return -1;
    }
    Py_XSETREF(self->protocol, Py_NewRef(protocol));
    self->buffered = (char)buffered;
    self->protocol_connected = 1;
    return 0;
}

static PyObject *
stream_set_protocol(TaStreamObject *self, PyObject *protocol)
{
    if (ta_stream_set_protocol(self, protocol) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
stream_get_protocol(TaStreamObject *self, PyObject *Py_UNUSED(ignored))
{
    return Py_NewRef(self->protocol ? self->protocol : Py_None);
}

static PyObject *
stream_repr(TaStreamObject *self)
{
    PyObject *name = PyType_GetName(Py_TYPE(self));
    if (name == NULL) {
        return NULL;
    }
    const char *state =
        self->sock == NULL ? " closed" : (self->closing ? " closing" : "");
    PyObject *res;
    if (ta_stream_loop_usable(self) && !self->loop->closed) {
        size_t queued = ta_stream_queued(self);
        res = PyUnicode_FromFormat(
            "<%U%s fd=%d read=%s write=<%s, bufsize=%zu>>", name, state,
            self->fd, self->reading ? "polling" : "idle",
            queued ? "polling" : "idle", queued);
    }
    else {
        res = PyUnicode_FromFormat("<%U%s fd=%d>", name, state, self->fd);
    }
    Py_DECREF(name);
    return res;
}

static PyObject *
stream_get_sock(TaStreamObject *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(self->sock ? self->sock : Py_None);
}

static PyObject *
stream_get_server(TaStreamObject *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(self->server ? self->server : Py_None);
}

static PyObject *
stream_get_protocol_attr(TaStreamObject *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(self->protocol ? self->protocol : Py_None);
}

static int
stream_set_protocol_attr(TaStreamObject *self, PyObject *value,
                         void *Py_UNUSED(closure))
{
    if (value == NULL || value == Py_None) {
        Py_CLEAR(self->protocol);
        return 0;
    }
    PyObject *res = stream_set_protocol(self, value);
    Py_XDECREF(res);
    return res == NULL ? -1 : 0;
}

/* ----------------------------------------------------------- lifecycle */

static int
ta_stream_open_dup(TaStreamObject *self, int fd)
{
    int dup = TA_FAULT_ERRNO(STREAM_DUP, fcntl(fd, F_DUPFD_CLOEXEC, 0));
    if (dup < 0) {
        PyErr_SetFromErrno(PyExc_OSError);
        return -1;
    }
    ta_stream_handle *h = TA_FAULT_ALLOC(STREAM_ALLOC, malloc(sizeof(*h)));
    if (h == NULL) {
        close(dup);
        PyErr_NoMemory();
        return -1;
    }
    int err = TA_FAULT_UV(UV_STREAM_INIT,
                          self->family == AF_UNIX
                              ? uv_pipe_init(self->loop->uv, &h->pipe, 0)
                              : uv_tcp_init(self->loop->uv, &h->tcp));
    if (err < 0) {
        free(h);
        close(dup);
        ta_set_uv_error(err);
        return -1;
    }
    self->loop->state->live_streams++;
    err = TA_FAULT_UV(UV_STREAM_OPEN, self->family == AF_UNIX
                                          ? uv_pipe_open(&h->pipe, dup)
                                          : uv_tcp_open(&h->tcp, dup));
    if (err < 0) {
        close(dup);
    }
    h->handle.data = &self->owner;
    self->handle = h;
    self->loop->uv_active++;
    if (err < 0) {
        ta_stream_close_handle(self);
        ta_set_uv_error(err);
        return -1;
    }
    return 0;
}

/* asyncio's _SelectorTransport.__init__: the extra info. */
static int
ta_stream_init_extra(TaStreamObject *self, ta_state *st, PyObject *sock)
{
    PyObject *extra = self->asyncio_slots[ta_slot_extra];
    if (extra == NULL || !PyDict_Check(extra)) {
        PyErr_SetString(PyExc_TypeError, "extra must be a dict or None");
        return -1;
    }
    PyObject *tsock = PyObject_CallOneArg(st->transport_socket, sock);
    if (tsock == NULL || PyDict_SetItemString(extra, "socket", tsock) < 0) {
        Py_XDECREF(tsock);
        return -1;
    }
    Py_DECREF(tsock);
    const char *names[2] = {"sockname", "peername"};
    for (int i = 0; i < 2; i++) {
        if (i == 1 && PyDict_GetItemString(extra, "peername") != NULL) {
            break;
        }
        PyObject *value = PyObject_CallMethod(
            sock, i == 0 ? "getsockname" : "getpeername", NULL);
        if (value == NULL) {
            if (!PyErr_ExceptionMatches(PyExc_OSError)) {
                return -1;
            }
            PyErr_Clear();
            value = Py_NewRef(Py_None);
        }
        int rc = PyDict_SetItemString(extra, names[i], value);
        Py_DECREF(value);
        if (rc < 0) {
            return -1;
        }
    }
    return 0;
}

/* asyncio's base_events._set_nodelay(): TCP_NODELAY on a TCP socket. */
static int
ta_stream_set_nodelay(TaStreamObject *self, PyObject *sock)
{
    if (self->family == AF_UNIX) {
        return 0;
    }
    PyObject *proto = PyObject_GetAttrString(sock, "proto");
    long p = proto ? PyLong_AsLong(proto) : -1;
    Py_XDECREF(proto);
    if (p == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (p != IPPROTO_TCP) {
        return 0;
    }
    int one = 1;
    if (TA_FAULT_ERRNO(STREAM_NODELAY,
                       setsockopt(self->fd, IPPROTO_TCP, TCP_NODELAY, &one,
                                  sizeof(one))) < 0) {
        PyErr_SetFromErrno(PyExc_OSError);
        return -1;
    }
    return 0;
}

static int
ta_stream_call_soon_method(PyObject *loop, PyObject *obj, const char *name,
                           PyObject *arg)
{
    PyObject *meth = PyObject_GetAttrString(obj, name);
    if (meth == NULL) {
        return -1;
    }
    PyObject *res =
        arg ? PyObject_CallMethod(loop, "call_soon", "OO", meth, arg)
            : PyObject_CallMethod(loop, "call_soon", "O", meth);
    Py_DECREF(meth);
    Py_XDECREF(res);
    return res == NULL ? -1 : 0;
}

/* StreamTransport(loop, sock, protocol, waiter=None, extra=None,
 * server=None), as asyncio's _SelectorSocketTransport. */
static PyObject *
stream_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"loop",  "sock",   "protocol", "waiter",
                             "extra", "server", NULL};
    PyObject *loop, *sock, *protocol, *waiter = Py_None, *extra = Py_None;
    PyObject *server = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOO|OOO:StreamTransport",
                                     kwlist, &loop, &sock, &protocol, &waiter,
                                     &extra, &server)) {
        return NULL;
    }
    PyObject *module = PyType_GetModuleByDef(type, &ta_module_def);
    if (module == NULL) {
        return NULL;
    }
    ta_state *st = PyModule_GetState(module);
    if (!PyObject_TypeCheck(loop, st->LoopType)) {
        PyErr_Format(PyExc_TypeError,
                     "StreamTransport needs a trioaio loop, not %R", loop);
        return NULL;
    }
    TaLoopObject *lp = (TaLoopObject *)loop;
    if (lp->closed || lp->uv == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Event loop is closed");
        return NULL;
    }
    int fd = PyObject_AsFileDescriptor(sock);
    if (fd < 0) {
        return NULL;
    }
    PyObject *family = PyObject_GetAttrString(sock, "family");
    long fam = family ? PyLong_AsLong(family) : -1;
    Py_XDECREF(family);
    if (fam == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (fam != AF_INET && fam != AF_INET6 && fam != AF_UNIX) {
        PyErr_Format(PyExc_ValueError,
                     "StreamTransport needs an AF_INET, AF_INET6 or AF_UNIX "
                     "socket, not family %ld",
                     fam);
        return NULL;
    }
    TaStreamObject *self = (TaStreamObject *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->owner.orphan = ta_stream_orphan;
    self->loop = (TaLoopObject *)Py_NewRef(loop);
    self->fd = fd;
    self->family = (int)fam;
    PyObject *res = PyObject_CallFunctionObjArgs(
        st->flow_control_init, (PyObject *)self,
        extra == Py_None ? Py_None : extra, loop, NULL);
    if (res == NULL) {
        goto fail;
    }
    Py_DECREF(res);
    if (ta_stream_init_extra(self, st, sock) < 0) {
        goto fail;
    }
    self->context = PyContext_CopyCurrent();
    if (self->context == NULL || ta_stream_set_protocol(self, protocol) < 0) {
        goto fail;
    }
    self->sock = Py_NewRef(sock);
    if (ta_stream_open_dup(self, fd) < 0) {
        goto fail;
    }
    /* asyncio's record of which fd a transport owns (add_reader checks). */
    PyObject *transports = PyObject_GetAttrString(loop, "_transports");
    PyObject *key = PyLong_FromLong(fd);
    int rc = (transports && key)
                 ? PyObject_SetItem(transports, key, (PyObject *)self)
                 : -1;
    Py_XDECREF(transports);
    Py_XDECREF(key);
    if (rc < 0 || ta_stream_set_nodelay(self, sock) < 0) {
        goto fail;
    }
    if (server != Py_None) {
#if PY_VERSION_HEX >= 0x030D0000
        res = PyObject_CallMethod(server, "_attach", "O", (PyObject *)self);
#else
        res = PyObject_CallMethod(server, "_attach", NULL);
#endif
        if (res == NULL) {
            goto fail;
        }
        Py_DECREF(res);
        self->server = Py_NewRef(server);
    }
    /* As asyncio: connection_made, then reading, then the waiter. */
    if (ta_stream_call_soon_method(loop, protocol, "connection_made",
                                   (PyObject *)self) < 0 ||
        ta_stream_call_soon_method(loop, (PyObject *)self, "_start_reading",
                                   NULL) < 0) {
        goto fail;
    }
    if (waiter != Py_None) {
        res = PyObject_CallMethod(loop, "call_soon", "OOO",
                                  st->set_result_unless_cancelled, waiter,
                                  Py_None);
        if (res == NULL) {
            goto fail;
        }
        Py_DECREF(res);
    }
    return (PyObject *)self;
fail:
    /* Not a transport the user has seen: no ResourceWarning for it.  A
     * callback already scheduled may hold it: closing, it never reads.
     * The socket stays the caller's, as when asyncio's constructor
     * fails. */
    self->closing = 1;
    self->conn_lost = 1;
    Py_CLEAR(self->sock);
    ta_stream_close_handle(self);
    Py_DECREF(self);
    return NULL;
}

static int
stream_init(PyObject *self, PyObject *args, PyObject *kwds)
{
    return 0; /* all done by stream_new; asyncio's __init__ must not run */
}

static void
stream_finalize(TaStreamObject *self)
{
    if (self->sock == NULL) {
        return;
    }
    PyObject *etype, *evalue, *etb;
    PyErr_Fetch(&etype, &evalue, &etb);
    if (PyErr_ResourceWarning((PyObject *)self, 1, "unclosed transport %R",
                              (PyObject *)self) < 0) {
        PyErr_WriteUnraisable((PyObject *)self);
    }
    if (ta_stream_loop_usable(self)) {
        ta_stream_close_handle(self);
    }
    PyObject *sock = self->sock;
    self->sock = NULL;
    PyObject *res = PyObject_CallMethod(sock, "close", NULL);
    if (res == NULL) {
        PyErr_WriteUnraisable((PyObject *)self);
    }
    Py_XDECREF(res);
    Py_DECREF(sock);
#if PY_VERSION_HEX >= 0x030D0000
    if (self->server != NULL) {
        res = PyObject_CallMethod(self->server, "_detach", "O",
                                  (PyObject *)self);
        if (res == NULL) {
            PyErr_WriteUnraisable((PyObject *)self);
        }
        Py_XDECREF(res);
    }
#endif
    PyErr_Restore(etype, evalue, etb);
}

static int
stream_traverse(TaStreamObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    for (int i = 0; i < TA_STREAM_BASE_SLOTS; i++) {
        Py_VISIT(self->asyncio_slots[i]);
    }
    Py_VISIT(self->loop);
    Py_VISIT(self->protocol);
    Py_VISIT(self->sock);
    Py_VISIT(self->server);
    Py_VISIT(self->context);
    Py_VISIT(self->view_exc);
    Py_VISIT(self->dict);
    return 0;
}

static int
stream_clear(TaStreamObject *self)
{
    for (int i = 0; i < TA_STREAM_BASE_SLOTS; i++) {
        Py_CLEAR(self->asyncio_slots[i]);
    }
    Py_CLEAR(self->protocol);
    Py_CLEAR(self->server);
    Py_CLEAR(self->context);
    Py_CLEAR(self->view_exc);
    Py_CLEAR(self->dict);
    /* sock and loop stay: the finalizer and the handle's close need them */
    return 0;
}

static void
stream_dealloc(TaStreamObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    if (PyObject_CallFinalizerFromDealloc((PyObject *)self) < 0) {
        return; /* resurrected */
    }
    PyObject_GC_UnTrack(self);
    if (self->weakreflist != NULL) {
        PyObject_ClearWeakRefs((PyObject *)self);
    }
    ta_stream_release_view(self);
    if (ta_stream_loop_usable(self)) {
        /* Not ta_stream_close_handle: it may not touch `held` (the loop
         * dropped it already, or we would not be here). */
        self->reading = 0;
        ta_pipe_stop_peer(self);
        if (self->handle != NULL) {
            self->handle->handle.data = NULL;
            uv_close(&self->handle->handle, ta_stream_on_close);
            self->handle = NULL;
            self->loop->uv_active--;
            self->loop->poll_due = 1;
        }
    }
    free(self->pend);
    self->pend = NULL;
    stream_clear(self);
    Py_CLEAR(self->sock);
    Py_CLEAR(self->loop);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyMethodDef stream_methods[] = {
    {"write", (PyCFunction)stream_write, METH_O,
     "Write bytes: at once if the socket takes them, else queued."},
    {"writelines", (PyCFunction)stream_writelines, METH_O,
     "Write a sequence of bytes-like objects."},
    {"write_eof", (PyCFunction)stream_write_eof, METH_NOARGS,
     "Close the write end once the queue is flushed."},
    {"can_write_eof", (PyCFunction)stream_can_write_eof, METH_NOARGS, NULL},
    {"get_write_buffer_size", (PyCFunction)stream_get_write_buffer_size,
     METH_NOARGS, "Bytes queued for sending."},
    {"is_closing", (PyCFunction)stream_is_closing, METH_NOARGS, NULL},
    {"is_reading", (PyCFunction)stream_is_reading, METH_NOARGS, NULL},
    {"pause_reading", (PyCFunction)stream_pause_reading, METH_NOARGS, NULL},
    {"resume_reading", (PyCFunction)stream_resume_reading, METH_NOARGS, NULL},
    {"close", (PyCFunction)stream_close, METH_NOARGS,
     "Close after the queued data is sent."},
    {"abort", (PyCFunction)stream_abort, METH_NOARGS,
     "Close now, dropping queued data."},
    {"set_protocol", (PyCFunction)stream_set_protocol, METH_O, NULL},
    {"get_protocol", (PyCFunction)stream_get_protocol, METH_NOARGS, NULL},
    {"_start_reading", (PyCFunction)stream_start_reading, METH_NOARGS, NULL},
    {"_force_close", (PyCFunction)stream_force_close, METH_O, NULL},
    {"_fatal_error", (PyCFunction)(void (*)(void))stream_fatal_error,
     METH_FASTCALL, NULL},
    {"_call_connection_lost", (PyCFunction)stream_call_connection_lost, METH_O,
     NULL},
    {NULL},
};

static PyGetSetDef stream_getset[] = {
    {"_sock", (getter)stream_get_sock, NULL, NULL, NULL},
    {"_server", (getter)stream_get_server, NULL, NULL, NULL},
    {"_protocol", (getter)stream_get_protocol_attr,
     (setter)stream_set_protocol_attr, NULL, NULL},
    {NULL},
};

static PyMemberDef stream_members[] = {
    {"_sock_fd", T_INT, offsetof(TaStreamObject, fd), READONLY, NULL},
    {"_closing", T_BOOL, offsetof(TaStreamObject, closing), READONLY, NULL},
    {"_eof", T_BOOL, offsetof(TaStreamObject, eof), READONLY, NULL},
    {"_paused", T_BOOL, offsetof(TaStreamObject, paused), READONLY, NULL},
    {"_conn_lost", T_PYSSIZET, offsetof(TaStreamObject, conn_lost), READONLY,
     NULL},
    {"__weaklistoffset__", T_PYSSIZET, offsetof(TaStreamObject, weakreflist),
     READONLY, NULL},
    {"__dictoffset__", T_PYSSIZET, offsetof(TaStreamObject, dict), READONLY,
     NULL},
    {NULL},
};

static PyType_Slot stream_slots[] = {
    {Py_tp_doc, "StreamTransport(loop, sock, protocol, waiter=None, "
                "extra=None, server=None)\n--\n\n"
                "asyncio's socket transport on libuv's uv_tcp_t or "
                "uv_pipe_t."},
    {Py_tp_new, stream_new},
    {Py_tp_init, stream_init},
    {Py_tp_dealloc, stream_dealloc},
    {Py_tp_finalize, stream_finalize},
    {Py_tp_traverse, stream_traverse},
    {Py_tp_clear, stream_clear},
    {Py_tp_repr, stream_repr},
    {Py_tp_methods, stream_methods},
    {Py_tp_getset, stream_getset},
    {Py_tp_members, stream_members},
    {0, NULL},
};

static PyType_Spec stream_spec = {
    .name = "trioaio._core.StreamTransport",
    .basicsize = sizeof(TaStreamObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = stream_slots,
};

/* ------------------------------------------------------- pipe transports */

/* asyncio's _close() of a pipe transport: closing, the queue dropped,
 * nothing more watched, connection_lost(exc) soon (once). */
static int
ta_pipe_close(TaStreamObject *self, PyObject *exc)
{
    self->closing = 1;
    if (self->lost_due) {
        return 0;
    }
    self->lost_due = 1;
    Py_INCREF(self);
    if (ta_stream_queued(self) > 0) {
        ta_stream_close_handle(self); /* drops the queue */
    }
    ta_stream_stop_reading(self);
    ta_pipe_stop_peer(self);
    ta_stream_hold(self);
    int rc = ta_stream_schedule_lost(self, exc);
    Py_DECREF(self);
    return rc;
}

/* The write pipe's fd became readable or failed: the reader is gone
 * (asyncio's _UnixWritePipeTransport._read_ready). */
static void
ta_pipe_on_peer(uv_poll_t *handle, int status, int events)
{
    (void)status;
    (void)events;
    TaStreamObject *self = TA_STREAM_FROM_OWNER(handle->data);
    self->loop->io_ran = 1;
    Py_INCREF(self);
    if (TA_FAULT_PY(PIPE_PEER_CONTEXT_ENTER, -1,
                    PyContext_Enter(self->context)) < 0) {
        ta_stream_callback_failed(self, "_read_ready");
        ta_pipe_stop_peer(self);
        ta_stream_hold(self);
        Py_DECREF(self);
        return;
    }
    int rc = ta_pipe_log_closed(self);
    if (rc == 0) {
        PyObject *exc = ta_stream_queued(self) > 0
                            ? PyObject_CallNoArgs(PyExc_BrokenPipeError)
                            : Py_NewRef(Py_None);
        rc = exc != NULL ? ta_pipe_close(self, exc) : -1;
        Py_XDECREF(exc);
    }
    if (rc < 0) {
        ta_stream_callback_failed(self, "_read_ready");
    }
    if (PyContext_Exit(self->context) < 0) {
        PyErr_WriteUnraisable((PyObject *)self);
    }
    ta_pipe_stop_peer(self);
    ta_stream_hold(self);
    Py_DECREF(self);
}

/* Start watching for the reader's close (after connection_made, as
 * asyncio adds its reader). */
static int
ta_pipe_watch_peer(TaStreamObject *self)
{
    if (self->closing || self->handle == NULL || self->peer != NULL) {
        return 0;
    }
    int fd =
        TA_FAULT_ERRNO(PIPE_PEER_DUP, fcntl(self->fd, F_DUPFD_CLOEXEC, 0));
    if (fd < 0) {
        PyErr_SetFromErrno(PyExc_OSError);
        return -1;
    }
    uv_poll_t *peer = TA_FAULT_ALLOC(PIPE_PEER_ALLOC, malloc(sizeof(*peer)));
    if (peer == NULL) {
        close(fd);
        PyErr_NoMemory();
        return -1;
    }
    int err =
        TA_FAULT_UV(UV_PIPE_POLL_INIT, uv_poll_init(self->loop->uv, peer, fd));
    if (err < 0) {
        free(peer);
        close(fd);
        ta_set_uv_error(err);
        return -1;
    }
    self->loop->state->live_streams++;
    peer->data = &self->owner;
    self->peer = peer;
    self->peer_fd = fd;
    err = TA_FAULT_UV(UV_PIPE_POLL_START,
                      uv_poll_start(peer, UV_READABLE, ta_pipe_on_peer));
    if (err < 0) {
        ta_pipe_stop_peer(self);
        ta_set_uv_error(err);
        return -1;
    }
    Py_INCREF(self);
    ta_stream_hold(self);
    Py_DECREF(self);
    return ta_stream_kick(self);
}

static PyObject *
pipe_watch_peer(TaStreamObject *self, PyObject *Py_UNUSED(ignored))
{
    if (ta_pipe_watch_peer(self) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
read_pipe_close(TaStreamObject *self, PyObject *Py_UNUSED(ignored))
{
    if (!self->closing && ta_pipe_close(self, Py_None) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* A write pipe's write_eof() is its close(): once the queue is written,
 * connection_lost(None) and the pipe closed. */
static PyObject *
write_pipe_write_eof(TaStreamObject *self, PyObject *Py_UNUSED(ignored))
{
    if (self->closing) {
        Py_RETURN_NONE;
    }
    self->closing = 1;
    if (ta_stream_queued(self) > 0) {
        Py_RETURN_NONE;
    }
    Py_INCREF(self);
    ta_pipe_stop_peer(self);
    ta_stream_hold(self);
    self->lost_due = 1;
    int rc = ta_stream_schedule_lost(self, Py_None);
    Py_DECREF(self);
    if (rc < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
write_pipe_close(TaStreamObject *self, PyObject *Py_UNUSED(ignored))
{
    if (self->sock == NULL || self->closing) {
        Py_RETURN_NONE;
    }
    return write_pipe_write_eof(self, NULL);
}

static PyObject *
write_pipe_abort(TaStreamObject *self, PyObject *Py_UNUSED(ignored))
{
    if (ta_pipe_close(self, Py_None) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* As asyncio's reprs of its pipe transports. */
static PyObject *
pipe_repr(TaStreamObject *self)
{
    PyObject *name = PyType_GetName(Py_TYPE(self));
    if (name == NULL) {
        return NULL;
    }
    const char *state =
        self->sock == NULL ? " closed" : (self->closing ? " closing" : "");
    PyObject *res;
    if (self->sock == NULL) {
        res = PyUnicode_FromFormat("<%U closed fd=%d closed>", name, self->fd);
    }
    else if (self->kind == TA_KIND_READ_PIPE) {
        res = PyUnicode_FromFormat("<%U%s fd=%d %s>", name, state, self->fd,
                                   self->reading ? "polling" : "idle");
    }
    else {
        size_t queued = ta_stream_queued(self);
        res = PyUnicode_FromFormat("<%U%s fd=%d %s bufsize=%zu>", name, state,
                                   self->fd, queued ? "polling" : "idle",
                                   queued);
    }
    Py_DECREF(name);
    return res;
}

/* ReadPipeTransport(loop, pipe, protocol, waiter=None, extra=None) and
 * WritePipeTransport(...), as asyncio's Unix pipe transports, for a pipe
 * or a socket (the loop gives asyncio's own a character device). */
static PyObject *
ta_pipe_new(PyTypeObject *type, PyObject *args, PyObject *kwds, char kind)
{
    static char *kwlist[] = {"loop",   "pipe",  "protocol",
                             "waiter", "extra", NULL};
    PyObject *loop, *pipe, *protocol, *waiter = Py_None, *extra = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOO|OO:PipeTransport",
                                     kwlist, &loop, &pipe, &protocol, &waiter,
                                     &extra)) {
        return NULL;
    }
    PyObject *module = PyType_GetModuleByDef(type, &ta_module_def);
    if (module == NULL) {
        return NULL;
    }
    ta_state *st = PyModule_GetState(module);
    if (!PyObject_TypeCheck(loop, st->LoopType)) {
        PyErr_Format(PyExc_TypeError, "%s needs a trioaio loop, not %R",
                     _PyType_Name(type), loop);
        return NULL;
    }
    TaLoopObject *lp = (TaLoopObject *)loop;
    if (lp->closed || lp->uv == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Event loop is closed");
        return NULL;
    }
    int fd = PyObject_AsFileDescriptor(pipe);
    if (fd < 0) {
        return NULL;
    }
    struct stat sb;
    if (fstat(fd, &sb) < 0) {
        PyErr_SetFromErrno(PyExc_OSError);
        return NULL;
    }
    if (!S_ISFIFO(sb.st_mode) && !S_ISSOCK(sb.st_mode)) {
        PyErr_Format(PyExc_ValueError, "%s is for pipes and sockets only",
                     _PyType_Name(type));
        return NULL;
    }
    TaStreamObject *self = (TaStreamObject *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->owner.orphan = ta_stream_orphan;
    self->loop = (TaLoopObject *)Py_NewRef(loop);
    self->kind = kind;
    self->fd = fd;
    self->peer_fd = -1;
    self->family = AF_UNIX; /* a uv_pipe_t */
    if (kind == TA_KIND_WRITE_PIPE) {
        PyObject *res = PyObject_CallFunctionObjArgs(
            st->flow_control_init, (PyObject *)self, extra, loop, NULL);
        if (res == NULL) {
            goto fail;
        }
        Py_DECREF(res);
    }
    else {
        /* ReadTransport.__init__ and the `_loop` the type adds */
        self->asyncio_slots[ta_slot_extra] =
            extra == Py_None ? PyDict_New() : Py_NewRef(extra);
        self->asyncio_slots[ta_slot_loop] = Py_NewRef(loop);
        if (self->asyncio_slots[ta_slot_extra] == NULL) {
            goto fail;
        }
    }
    if (PyObject_SetItem(self->asyncio_slots[ta_slot_extra], st->str_pipe,
                         pipe) < 0) {
        goto fail;
    }
    self->context = PyContext_CopyCurrent();
    if (self->context == NULL || ta_stream_set_protocol(self, protocol) < 0) {
        goto fail;
    }
    self->sock = Py_NewRef(pipe);
    if (ta_stream_open_dup(self, fd) < 0) {
        goto fail;
    }
    /* As asyncio: connection_made, then watching the fd, then the
     * waiter. */
    if (ta_stream_call_soon_method(loop, protocol, "connection_made",
                                   (PyObject *)self) < 0 ||
        ta_stream_call_soon_method(loop, (PyObject *)self,
                                   kind == TA_KIND_READ_PIPE ? "_start_reading"
                                                             : "_watch_peer",
                                   NULL) < 0) {
        goto fail;
    }
    if (waiter != Py_None) {
        PyObject *res = PyObject_CallMethod(loop, "call_soon", "OOO",
                                            st->set_result_unless_cancelled,
                                            waiter, Py_None);
        if (res == NULL) {
            goto fail;
        }
        Py_DECREF(res);
    }
    return (PyObject *)self;
fail:
    /* As stream_new's: the pipe stays the caller's. */
    self->closing = 1;
    self->conn_lost = 1;
    self->lost_due = 1;
    Py_CLEAR(self->sock);
    ta_stream_close_handle(self);
    Py_DECREF(self);
    return NULL;
}

static PyObject *
read_pipe_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    return ta_pipe_new(type, args, kwds, TA_KIND_READ_PIPE);
}

static PyObject *
write_pipe_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    return ta_pipe_new(type, args, kwds, TA_KIND_WRITE_PIPE);
}

static PyMethodDef read_pipe_methods[] = {
    {"is_closing", (PyCFunction)stream_is_closing, METH_NOARGS, NULL},
    {"is_reading", (PyCFunction)stream_is_reading, METH_NOARGS, NULL},
    {"pause_reading", (PyCFunction)stream_pause_reading, METH_NOARGS, NULL},
    {"resume_reading", (PyCFunction)stream_resume_reading, METH_NOARGS, NULL},
    {"close", (PyCFunction)read_pipe_close, METH_NOARGS,
     "Stop reading; connection_lost(None) soon."},
    {"set_protocol", (PyCFunction)stream_set_protocol, METH_O, NULL},
    {"get_protocol", (PyCFunction)stream_get_protocol, METH_NOARGS, NULL},
    {"_start_reading", (PyCFunction)stream_start_reading, METH_NOARGS, NULL},
    {"_fatal_error", (PyCFunction)(void (*)(void))stream_fatal_error,
     METH_FASTCALL, NULL},
    {"_call_connection_lost", (PyCFunction)stream_call_connection_lost, METH_O,
     NULL},
    {NULL},
};

static PyMethodDef write_pipe_methods[] = {
    {"write", (PyCFunction)stream_write, METH_O,
     "Write bytes: at once if the pipe takes them, else queued."},
    {"writelines", (PyCFunction)stream_writelines, METH_O,
     "Write a sequence of bytes-like objects."},
    {"write_eof", (PyCFunction)write_pipe_write_eof, METH_NOARGS,
     "Close the pipe once the queue is written."},
    {"can_write_eof", (PyCFunction)stream_can_write_eof, METH_NOARGS, NULL},
    {"get_write_buffer_size", (PyCFunction)stream_get_write_buffer_size,
     METH_NOARGS, "Bytes queued for the pipe."},
    {"is_closing", (PyCFunction)stream_is_closing, METH_NOARGS, NULL},
    {"close", (PyCFunction)write_pipe_close, METH_NOARGS,
     "Close after the queued data is written (write_eof())."},
    {"abort", (PyCFunction)write_pipe_abort, METH_NOARGS,
     "Close now, dropping queued data."},
    {"set_protocol", (PyCFunction)stream_set_protocol, METH_O, NULL},
    {"get_protocol", (PyCFunction)stream_get_protocol, METH_NOARGS, NULL},
    {"_watch_peer", (PyCFunction)pipe_watch_peer, METH_NOARGS, NULL},
    {"_fatal_error", (PyCFunction)(void (*)(void))stream_fatal_error,
     METH_FASTCALL, NULL},
    {"_call_connection_lost", (PyCFunction)stream_call_connection_lost, METH_O,
     NULL},
    {NULL},
};

static PyGetSetDef pipe_getset[] = {
    {"_pipe", (getter)stream_get_sock, NULL, NULL, NULL},
    {"_protocol", (getter)stream_get_protocol_attr,
     (setter)stream_set_protocol_attr, NULL, NULL},
    {NULL},
};

/* The first member is the read pipe's `_loop`, placed by
 * ta_pipe_types_new() in the slot the write pipe's mixin keeps it in. */
static PyMemberDef read_pipe_members[] = {
    {"_loop", T_OBJECT, 0, 0, NULL},
    {"_fileno", T_INT, offsetof(TaStreamObject, fd), READONLY, NULL},
    {"_closing", T_BOOL, offsetof(TaStreamObject, closing), READONLY, NULL},
    {"_paused", T_BOOL, offsetof(TaStreamObject, paused), READONLY, NULL},
    {"__weaklistoffset__", T_PYSSIZET, offsetof(TaStreamObject, weakreflist),
     READONLY, NULL},
    {"__dictoffset__", T_PYSSIZET, offsetof(TaStreamObject, dict), READONLY,
     NULL},
    {NULL},
};

static PyMemberDef write_pipe_members[] = {
    {"_fileno", T_INT, offsetof(TaStreamObject, fd), READONLY, NULL},
    {"_closing", T_BOOL, offsetof(TaStreamObject, closing), READONLY, NULL},
    {"_conn_lost", T_PYSSIZET, offsetof(TaStreamObject, conn_lost), READONLY,
     NULL},
    {"__weaklistoffset__", T_PYSSIZET, offsetof(TaStreamObject, weakreflist),
     READONLY, NULL},
    {"__dictoffset__", T_PYSSIZET, offsetof(TaStreamObject, dict), READONLY,
     NULL},
    {NULL},
};

static PyType_Slot read_pipe_slots[] = {
    {Py_tp_doc, "ReadPipeTransport(loop, pipe, protocol, waiter=None, "
                "extra=None)\n--\n\n"
                "asyncio's Unix read pipe transport on libuv's uv_pipe_t."},
    {Py_tp_new, read_pipe_new},
    {Py_tp_init, stream_init},
    {Py_tp_dealloc, stream_dealloc},
    {Py_tp_finalize, stream_finalize},
    {Py_tp_traverse, stream_traverse},
    {Py_tp_clear, stream_clear},
    {Py_tp_repr, pipe_repr},
    {Py_tp_methods, read_pipe_methods},
    {Py_tp_getset, pipe_getset},
    {Py_tp_members, read_pipe_members},
    {0, NULL},
};

static PyType_Slot write_pipe_slots[] = {
    {Py_tp_doc, "WritePipeTransport(loop, pipe, protocol, waiter=None, "
                "extra=None)\n--\n\n"
                "asyncio's Unix write pipe transport on libuv's uv_pipe_t."},
    {Py_tp_new, write_pipe_new},
    {Py_tp_init, stream_init},
    {Py_tp_dealloc, stream_dealloc},
    {Py_tp_finalize, stream_finalize},
    {Py_tp_traverse, stream_traverse},
    {Py_tp_clear, stream_clear},
    {Py_tp_repr, pipe_repr},
    {Py_tp_methods, write_pipe_methods},
    {Py_tp_getset, pipe_getset},
    {Py_tp_members, write_pipe_members},
    {0, NULL},
};

static PyType_Spec read_pipe_spec = {
    .name = "trioaio._core.ReadPipeTransport",
    .basicsize = sizeof(TaStreamObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = read_pipe_slots,
};

static PyType_Spec write_pipe_spec = {
    .name = "trioaio._core.WritePipeTransport",
    .basicsize = sizeof(TaStreamObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = write_pipe_slots,
};

/* The index in asyncio_slots of the mixin's slot `name`, or -1. */
static Py_ssize_t
ta_stream_slot_index(PyObject *cls, const char *name)
{
    PyObject *descr = PyObject_GetAttrString(cls, name);
    if (descr == NULL) {
        PyErr_Clear();
        return -1;
    }
    Py_ssize_t index = -1;
    if (Py_IS_TYPE(descr, &PyMemberDescr_Type)) {
        PyMemberDef *m = ((PyMemberDescrObject *)descr)->d_member;
        Py_ssize_t first = offsetof(TaStreamObject, asyncio_slots);
        if (m->type == T_OBJECT_EX && m->offset >= first &&
            m->offset <
                first + TA_STREAM_BASE_SLOTS * (Py_ssize_t)sizeof(void *) &&
            (m->offset - first) % sizeof(void *) == 0) {
            index = (m->offset - first) / (Py_ssize_t)sizeof(void *);
        }
    }
    Py_DECREF(descr);
    return index;
}

static PyObject *
ta_stream_import(const char *module, const char *name)
{
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

PyTypeObject *
ta_stream_type_new(PyObject *module, ta_state *st)
{
    PyObject *mixin =
        ta_stream_import("asyncio.transports", "_FlowControlMixin");
    if (mixin == NULL) {
        return NULL;
    }
    ta_slot_extra = ta_stream_slot_index(mixin, "_extra");
    ta_slot_loop = ta_stream_slot_index(mixin, "_loop");
    ta_slot_paused = ta_stream_slot_index(mixin, "_protocol_paused");
    ta_slot_high = ta_stream_slot_index(mixin, "_high_water");
    if (ta_slot_extra < 0 || ta_slot_loop < 0 || ta_slot_paused < 0 ||
        ta_slot_high < 0) {
        /* ta_udp_type_new() checked the layout: this cannot happen */
        Py_DECREF(mixin);
        PyErr_SetString(PyExc_SystemError,
                        "asyncio's _FlowControlMixin has changed");
        return NULL;
    }
    st->buffered_protocol =
        ta_stream_import("asyncio.protocols", "BufferedProtocol");
    PyObject *mode = ta_stream_import("asyncio.constants", "_SendfileMode");
    PyObject *fallback =
        mode ? PyObject_GetAttrString(mode, "FALLBACK") : NULL;
    Py_XDECREF(mode);
    PyObject *type = NULL;
    if (st->buffered_protocol != NULL && fallback != NULL) {
        type = PyType_FromModuleAndSpec(module, &stream_spec, mixin);
        if (type == NULL && !PyErr_Occurred()) {
            PyErr_NoMemory();
        }
    }
    /* As asyncio's socket transport, except that loop.sendfile() takes
     * the fallback (write() in blocks): libuv owns the socket's writes. */
    PyObject *max_size = PyLong_FromLong(TA_RECV_BUF_SIZE);
    if (type != NULL &&
        (max_size == NULL ||
         PyObject_SetAttrString(type, "_sendfile_compatible", fallback) < 0 ||
         PyObject_SetAttrString(type, "_start_tls_compatible", Py_True) < 0 ||
         PyObject_SetAttrString(type, "max_size", max_size) < 0)) {
        Py_CLEAR(type);
    }
    Py_XDECREF(max_size);
    Py_XDECREF(fallback);
    Py_DECREF(mixin);
    return (PyTypeObject *)type;
}

int
ta_pipe_types_new(PyObject *module, ta_state *st)
{
    PyObject *read_base =
        ta_stream_import("asyncio.transports", "ReadTransport");
    PyObject *mixin =
        ta_stream_import("asyncio.transports", "_FlowControlMixin");
    if (read_base == NULL || mixin == NULL) {
        Py_XDECREF(read_base);
        Py_XDECREF(mixin);
        return -1;
    }
    read_pipe_members[0].offset =
        offsetof(TaStreamObject, asyncio_slots) +
        ta_slot_loop * (Py_ssize_t)sizeof(PyObject *);
    st->ReadPipeTransportType = (PyTypeObject *)PyType_FromModuleAndSpec(
        module, &read_pipe_spec, read_base);
    st->WritePipeTransportType =
        st->ReadPipeTransportType == NULL
            ? NULL
            : (PyTypeObject *)PyType_FromModuleAndSpec(
                  module, &write_pipe_spec, mixin);
    Py_DECREF(read_base);
    Py_DECREF(mixin);
    return st->WritePipeTransportType == NULL ? -1 : 0;
}
