#include "loop_io.h"

#include "fault.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

PyObject *
ta_set_uv_error(int err)
{
    errno = -err;
    return PyErr_SetFromErrno(PyExc_OSError);
}

/* Raise an exception object (3.11 has no PyErr_SetRaisedException). */
static void
ta_raise_object(PyObject *exc)
{
    PyErr_Restore(Py_NewRef(Py_TYPE(exc)), exc, PyException_GetTraceback(exc));
}

char *
ta_loop_recv_buf(TaLoopObject *self)
{
    if (self->recv_buf == NULL) {
        self->recv_buf = malloc(TA_RECV_BUF_SIZE);
    }
    return self->recv_buf;
}

static void
ta_hold_walk_cb(uv_handle_t *handle, void *arg);

void
ta_loop_io_defer_error(TaLoopObject *self)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (tb != NULL) {
        PyException_SetTraceback(value, tb);
    }
    Py_XDECREF(type);
    Py_XDECREF(tb);
    if (self->io_exc != NULL) {
        /* A second one in the same uv_run(): the first one wins. */
        ta_raise_object(value);
        PyErr_WriteUnraisable((PyObject *)self);
        return;
    }
    self->io_exc = value;
    uv_stop(self->uv);
    uv_walk(self->uv, ta_hold_walk_cb, (void *)0);
    self->reading_held = 1;
}

/* Raise what ta_loop_io_defer_error() kept, if anything: -1 then. */
static int
ta_loop_io_raise_deferred(TaLoopObject *self)
{
    PyObject *exc = self->io_exc;
    if (exc == NULL) {
        return 0;
    }
    self->io_exc = NULL;
    ta_raise_object(exc);
    return -1;
}

static void
ta_async_cb(uv_async_t *async)
{
    /* Nothing to do: call_soon_threadsafe() queued the handle already;
     * the wakeup only had to make the backend fd readable. */
    (void)async;
}

int
ta_loop_io_init(TaLoopObject *self)
{
    self->uv = TA_FAULT_ALLOC(LOOP_IO_ALLOC, malloc(sizeof(uv_loop_t)));
    self->async = malloc(sizeof(uv_async_t));
    if (self->uv == NULL || self->async == NULL) {
        free(self->uv);
        free(self->async);
        self->uv = NULL;
        self->async = NULL;
        PyErr_NoMemory();
        return -1;
    }
    int err = TA_FAULT_UV(UV_LOOP_INIT, uv_loop_init(self->uv));
    if (err < 0) {
        free(self->uv);
        free(self->async);
        self->uv = NULL;
        self->async = NULL;
        ta_set_uv_error(err);
        return -1;
    }
    self->uv->data = self;
    err = TA_FAULT_UV(UV_ASYNC_INIT,
                      uv_async_init(self->uv, self->async, ta_async_cb));
    self->async->data = NULL;
    if (err < 0) {
        free(self->async);
        self->async = NULL;
        ta_loop_io_close(self);
        ta_set_uv_error(err);
        return -1;
    }
    return 0;
}

static void
ta_free_on_close(uv_handle_t *handle)
{
    free(handle);
}

static void
ta_poll_free_on_close(uv_handle_t *handle)
{
    TaLoopObject *self = handle->loop->data;
    if (self != NULL && self->state != NULL) {
        self->state->live_polls--;
    }
    free(handle);
}

/* Release a watcher: drop its handles and let libuv free it. */
static void
ta_poll_close(TaLoopObject *self, ta_poll *p)
{
    self->polls[p->fd] = NULL;
    self->polls_active--;
    Py_CLEAR(p->reader);
    Py_CLEAR(p->writer);
    uv_poll_stop(&p->poll);
    uv_close((uv_handle_t *)&p->poll, ta_poll_free_on_close);
    self->poll_due = 1; /* the close callback runs in uv_run */
}

/* The transport that owns a libuv handle, or NULL for the loop's own
 * handles (watchers, the async) and closing ones. */
static ta_uv_owner *
ta_handle_owner(uv_handle_t *handle)
{
    if (uv_is_closing(handle) || handle->type == UV_POLL ||
        handle->type == UV_ASYNC) {
        return NULL;
    }
    return handle->data;
}

/* Close the handles of transports that outlive the loop. */
static void
ta_orphan_walk_cb(uv_handle_t *handle, void *arg)
{
    (void)arg;
    ta_uv_owner *owner = ta_handle_owner(handle);
    if (owner != NULL) {
        owner->orphan(owner);
    }
}

/* arg: 0 to hold the transports' reading, 1 to resume it. */
static void
ta_hold_walk_cb(uv_handle_t *handle, void *arg)
{
    ta_uv_owner *owner = ta_handle_owner(handle);
    if (owner == NULL || owner->hold == NULL) {
        return;
    }
    if (arg == (void *)0) {
        owner->hold(owner);
    }
    else {
        owner->resume(owner);
    }
}

typedef struct {
    visitproc visit;
    void *arg;
    int rc;
} ta_visit_walk;

static void
ta_visit_walk_cb(uv_handle_t *handle, void *arg)
{
    ta_visit_walk *w = arg;
    ta_uv_owner *owner = ta_handle_owner(handle);
    if (w->rc == 0 && owner != NULL && owner->held != NULL) {
        w->rc = w->visit(owner->held, w->arg);
    }
}

void
ta_loop_io_close(TaLoopObject *self)
{
    if (self->uv == NULL) {
        return;
    }
    uv_walk(self->uv, ta_orphan_walk_cb, NULL);
    for (size_t fd = 0; fd < self->polls_capacity; fd++) {
        if (self->polls[fd] != NULL) {
            ta_poll_close(self, self->polls[fd]);
        }
    }
    if (self->async != NULL) {
        uv_close((uv_handle_t *)self->async, ta_free_on_close);
        self->async = NULL;
    }
    /* Let the close callbacks run, then release the loop itself. */
    uv_run(self->uv, UV_RUN_DEFAULT);
    if (ta_loop_io_raise_deferred(self) < 0) {
        PyErr_WriteUnraisable((PyObject *)self);
    }
    uv_loop_close(self->uv);
    free(self->recv_buf);
    self->recv_buf = NULL;
    free(self->uv);
    self->uv = NULL;
    free(self->polls);
    self->polls = NULL;
    self->polls_capacity = 0;
}

int
ta_loop_io_traverse(TaLoopObject *self, visitproc visit, void *arg)
{
    Py_VISIT(self->io_exc);
    if (self->uv != NULL) {
        ta_visit_walk w = {visit, arg, 0};
        uv_walk(self->uv, ta_visit_walk_cb, &w);
        if (w.rc != 0) {
            return w.rc;
        }
    }
    for (size_t fd = 0; fd < self->polls_capacity; fd++) {
        ta_poll *p = self->polls[fd];
        if (p != NULL) {
            Py_VISIT(p->reader);
            Py_VISIT(p->writer);
        }
    }
    return 0;
}

void
ta_loop_io_clear(TaLoopObject *self)
{
    Py_CLEAR(self->io_exc);
    if (self->uv != NULL) {
        /* The transports' handles go; their objects are the GC's. */
        uv_walk(self->uv, ta_orphan_walk_cb, NULL);
    }
    for (size_t fd = 0; fd < self->polls_capacity; fd++) {
        ta_poll *p = self->polls[fd];
        if (p != NULL) {
            Py_CLEAR(p->reader);
            Py_CLEAR(p->writer);
        }
    }
}

static void
ta_on_poll(uv_poll_t *handle, int status, int events);

/* Start, change or stop the libuv watcher to match the handles it has. */
static int
ta_poll_update(TaLoopObject *self, ta_poll *p)
{
    int want = (p->reader ? UV_READABLE : 0) | (p->writer ? UV_WRITABLE : 0);
    if (want == 0) {
        ta_poll_close(self, p);
        return 0;
    }
    if (want != p->events) {
        int err = TA_FAULT_UV(UV_POLL_START,
                              uv_poll_start(&p->poll, want, ta_on_poll));
        if (err < 0) {
            ta_set_uv_error(err);
            return -1;
        }
        p->events = want;
    }
    return 0;
}

/* Queue the handle in *slot, or forget it if it was cancelled (as asyncio's
 * _process_events does). */
static void
ta_poll_dispatch(TaLoopObject *self, ta_poll *p, PyObject **slot)
{
    TaHandleObject *h = (TaHandleObject *)*slot;
    if (h->cancelled) {
        Py_CLEAR(*slot);
        if (ta_poll_update(self, p) < 0) {
            PyErr_WriteUnraisable((PyObject *)self);
        }
        return;
    }
    Py_INCREF(h); /* the queue's reference */
    if (TA_FAULT_FAIL(READY_PUSH_IO, ta_queue_push(&self->ready, h)) < 0) {
        Py_DECREF(h);
        PyErr_NoMemory();
        PyErr_WriteUnraisable((PyObject *)self);
    }
}

static void
ta_on_poll(uv_poll_t *handle, int status, int events)
{
    ta_poll *p = (ta_poll *)handle;
    TaLoopObject *self = handle->loop->data;
    if (status < 0) {
        /* Let the callbacks find the error when they touch the fd. */
        events = p->events;
    }
    if ((events & UV_READABLE) && p->reader != NULL) {
        ta_poll_dispatch(self, p, &p->reader);
    }
    /* The reader's dispatch may have closed the watcher. */
    if (self->polls[p->fd] == p && (events & UV_WRITABLE) &&
        p->writer != NULL) {
        ta_poll_dispatch(self, p, &p->writer);
    }
}

int
ta_loop_poll_io(TaLoopObject *self)
{
    if (self->uv == NULL) {
        return 0;
    }
    self->poll_due = 0;
    self->io_ran = 0;
    if (self->reading_held) {
        self->reading_held = 0;
        uv_walk(self->uv, ta_hold_walk_cb, (void *)1);
    }
    uv_run(self->uv, UV_RUN_NOWAIT);
    if (ta_loop_io_raise_deferred(self) < 0) {
        return -1;
    }
    if (self->watcher_waiting && self->watcher != NULL) {
        self->watcher_waiting = 0;
        PyObject *res =
            PyObject_CallOneArg(self->state->reschedule, self->watcher);
        if (res == NULL) {
            return -1;
        }
        Py_DECREF(res);
    }
    return 0;
}

static ta_poll *
ta_poll_get(TaLoopObject *self, int fd, int create)
{
    if ((size_t)fd < self->polls_capacity && self->polls[fd] != NULL) {
        return self->polls[fd];
    }
    if (!create) {
        return NULL;
    }
    if ((size_t)fd >= self->polls_capacity) {
        size_t capacity = self->polls_capacity ? self->polls_capacity : 64;
        while (capacity <= (size_t)fd) {
            capacity *= 2;
        }
        ta_poll **polls = TA_FAULT_ALLOC(
            POLL_TABLE_ALLOC, realloc(self->polls, capacity * sizeof(*polls)));
        if (polls == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
        for (size_t i = self->polls_capacity; i < capacity; i++) {
            polls[i] = NULL;
        }
        self->polls = polls;
        self->polls_capacity = capacity;
    }
    ta_poll *p = TA_FAULT_ALLOC(POLL_ALLOC, calloc(1, sizeof(*p)));
    if (p == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    /* libuv makes the fd non-blocking; asyncio's add_reader() does not
     * touch it, so put the flags back. */
    int flags = fcntl(fd, F_GETFL);
    int err = uv_poll_init(self->uv, &p->poll, fd);
    if (err < 0) {
        free(p);
        ta_set_uv_error(err);
        return NULL;
    }
    if (flags != -1) {
        (void)fcntl(fd, F_SETFL, flags);
    }
    p->fd = fd;
    self->polls[fd] = p;
    self->polls_active++;
    self->state->live_polls++;
    return p;
}

static int
ta_parse_fd(TaLoopObject *self, PyObject *fileobj, int *fd)
{
    if (self->closed || self->uv == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Event loop is closed");
        return -1;
    }
    *fd = PyObject_AsFileDescriptor(fileobj);
    return *fd < 0 ? -1 : 0;
}

static PyObject *
ta_loop_add_io(TaLoopObject *self, PyObject *const *args, Py_ssize_t nargs,
               int writer, const char *method)
{
    int fd;
    if (nargs < 2) {
        PyErr_Format(PyExc_TypeError, "%s(fd, callback, *args)", method);
        return NULL;
    }
    if (ta_parse_fd(self, args[0], &fd) < 0) {
        return NULL;
    }
    if (!PyCallable_Check(args[1])) {
        PyErr_Format(PyExc_TypeError,
                     "a callable object was expected by %s(), got %R", method,
                     args[1]);
        return NULL;
    }
    PyObject *cbargs = PyTuple_New(nargs - 2);
    if (cbargs == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 2; i < nargs; i++) {
        PyTuple_SET_ITEM(cbargs, i - 2, Py_NewRef(args[i]));
    }
    TaHandleObject *h =
        ta_handle_new(self->state, args[1], cbargs, (PyObject *)self, Py_None);
    Py_DECREF(cbargs);
    if (h == NULL) {
        return NULL;
    }
    ta_poll *p = ta_poll_get(self, fd, 1);
    if (p == NULL) {
        Py_DECREF(h);
        return NULL;
    }
    PyObject **slot = writer ? &p->writer : &p->reader;
    PyObject *old = *slot;
    *slot = Py_NewRef(h);
    if (ta_poll_update(self, p) < 0) {
        *slot = old;
        Py_DECREF(h);
        Py_DECREF(h);
        if (old == NULL && p->reader == NULL && p->writer == NULL) {
            ta_poll_close(self, p);
        }
        return NULL;
    }
    if (old != NULL) {
        ta_handle_mark_cancelled((TaHandleObject *)old);
        Py_DECREF(old);
    }
    /* libuv registers the fd with epoll on its next run: wake a parked
     * loop so that it does. */
    if (ta_loop_wake(self) < 0) {
        Py_DECREF(h);
        return NULL;
    }
    return (PyObject *)h;
}

PyObject *
ta_loop_add_reader(TaLoopObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    return ta_loop_add_io(self, args, nargs, 0, "add_reader");
}

PyObject *
ta_loop_add_writer(TaLoopObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    return ta_loop_add_io(self, args, nargs, 1, "add_writer");
}

static PyObject *
ta_loop_remove_io(TaLoopObject *self, PyObject *fileobj, int writer)
{
    int fd;
    if (self->closed || self->uv == NULL) {
        Py_RETURN_FALSE;
    }
    if (ta_parse_fd(self, fileobj, &fd) < 0) {
        return NULL;
    }
    ta_poll *p = ta_poll_get(self, fd, 0);
    if (p == NULL) {
        Py_RETURN_FALSE;
    }
    PyObject **slot = writer ? &p->writer : &p->reader;
    PyObject *old = *slot;
    if (old == NULL) {
        Py_RETURN_FALSE;
    }
    *slot = NULL;
    ta_handle_mark_cancelled((TaHandleObject *)old);
    Py_DECREF(old);
    if (ta_poll_update(self, p) < 0) {
        return NULL;
    }
    Py_RETURN_TRUE;
}

PyObject *
ta_loop_remove_reader(TaLoopObject *self, PyObject *fileobj)
{
    return ta_loop_remove_io(self, fileobj, 0);
}

PyObject *
ta_loop_remove_writer(TaLoopObject *self, PyObject *fileobj)
{
    return ta_loop_remove_io(self, fileobj, 1);
}

PyObject *
ta_loop_io_handles(TaLoopObject *self, PyObject *fileobj)
{
    int fd = PyObject_AsFileDescriptor(fileobj);
    if (fd < 0) {
        return NULL;
    }
    ta_poll *p = self->uv ? ta_poll_get(self, fd, 0) : NULL;
    if (p == NULL) {
        Py_RETURN_NONE;
    }
    return Py_BuildValue("(OO)", p->reader ? p->reader : Py_None,
                         p->writer ? p->writer : Py_None);
}

PyObject *
ta_loop_io_fds(TaLoopObject *self, PyObject *Py_UNUSED(ignored))
{
    PyObject *fds = PyList_New(0);
    if (fds == NULL) {
        return NULL;
    }
    for (size_t fd = 0; fd < self->polls_capacity; fd++) {
        if (self->polls[fd] == NULL) {
            continue;
        }
        PyObject *n = PyLong_FromSize_t(fd);
        if (n == NULL || PyList_Append(fds, n) < 0) {
            Py_XDECREF(n);
            Py_DECREF(fds);
            return NULL;
        }
        Py_DECREF(n);
    }
    return fds;
}

PyObject *
ta_loop_backend_fd(TaLoopObject *self, PyObject *Py_UNUSED(ignored))
{
    if (self->uv == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Event loop is closed");
        return NULL;
    }
    return PyLong_FromLong(uv_backend_fd(self->uv));
}

/* The watcher saw the backend fd readable: have the loop run libuv, and
 * make the watcher wait until it has (see ta_loop_poll_io). */
PyObject *
ta_loop_io_ready(TaLoopObject *self, PyObject *Py_UNUSED(ignored))
{
    self->watcher_waiting = 1;
    self->poll_due = 1;
    if (ta_loop_wake(self) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

PyObject *
ta_loop_watcher_abort(TaLoopObject *self, PyObject *Py_UNUSED(ignored))
{
    self->watcher_waiting = 0;
    Py_RETURN_NONE;
}
