#include "udp.h"

#include "fault.h"
#include "loop_io.h"
#include "module.h"
#include "transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <structmember.h>
#include <sys/socket.h>
#include <unistd.h>

/* asyncio.constants.LOG_THRESHOLD_FOR_CONNLOST_WRITES */
#define TA_CONNLOST_LOG_THRESHOLD 5

/* What a queued datagram adds to get_write_buffer_size(): Python 3.13's
 * asyncio counts 8 bytes of header per datagram. */
#if PY_VERSION_HEX >= 0x030D0000
#define TA_UDP_HEADER 8
#else
#define TA_UDP_HEADER 0
#endif

/* asyncio's _FlowControlMixin has five object slots (its own four and
 * BaseTransport's `_extra`); ta_udp_type_new() checks that they fill the
 * words after the object header, in some order. */
#define TA_UDP_BASE_SLOTS 5

/* One datagram transport.  Invariants:
 * - `udp` is open (and counted in loop->uv_active) until the transport
 *   closes it: connection lost, abort, dealloc, or the loop closing first
 *   (`owner.orphan`).  libuv owns a duplicate of the socket's fd, so that
 *   closing the handle never closes the fd the Python socket holds.
 * - `pending` datagrams sit in libuv's send queue; each request holds a
 *   strong reference to the transport and to its bytes.
 * - `sock` and `protocol` are NULL once connection_lost() was called. */
typedef struct {
    PyObject_HEAD
    /* asyncio's slots (_extra, _loop, _protocol_paused, _high_water,
     * _low_water): asyncio's Python code reads and writes them. */
    PyObject *asyncio_slots[TA_UDP_BASE_SLOTS];
    ta_uv_owner owner; /* udp->data points here */
    uv_udp_t *udp;
    TaLoopObject *loop; /* strong */
    PyObject *protocol;
    PyObject *sock;
    PyObject *address; /* the connected address given, or NULL */
    PyObject *context; /* protocol callbacks from libuv run in it */
    /* The last sender's address and its tuple: a reply to the same peer
     * makes no new objects. */
    PyObject *peer;
    struct sockaddr_storage peer_addr;
    PyObject *dict;
    PyObject *weakreflist;
    Py_ssize_t buffer_size;
    Py_ssize_t pending;
    Py_ssize_t conn_lost;
    int fd;
    int family;
    char connected; /* extra['peername'] is set: send(), not sendto() */
    char closing;
    char paused; /* pause_reading() */
    char protocol_connected;
} TaUdpObject;

typedef struct {
    uv_udp_send_t req;
    TaUdpObject *self; /* strong */
    PyObject *data;    /* strong: bytes */
} ta_udp_send;

#define TA_UDP_FROM_OWNER(o)                                                  \
    ((TaUdpObject *)((char *)(o)-offsetof(TaUdpObject, owner)))

static Py_ssize_t ta_udp_extra_slot; /* index of `_extra` in asyncio_slots */

/* ------------------------------------------------------------- helpers */

static int
ta_loop_is_usable(TaUdpObject *self)
{
    return self->loop != NULL && self->loop->uv != NULL;
}

/* Tell a parked loop that libuv has work (a watcher to register, a close
 * or send callback to run). */
static int
ta_udp_kick(TaUdpObject *self)
{
    self->loop->poll_due = 1;
    return ta_loop_wake(self->loop);
}

static void
ta_udp_on_close(uv_handle_t *handle)
{
    TaLoopObject *loop = handle->loop->data;
    if (loop != NULL && loop->state != NULL) {
        loop->state->live_udp--;
    }
    free(handle);
}

/* Close the libuv handle (and with it libuv's copy of the fd).  Queued
 * sends complete with UV_ECANCELED.  Idempotent. */
static void
ta_udp_close_handle(TaUdpObject *self)
{
    if (self->udp == NULL) {
        return;
    }
    self->udp->data = NULL;
    uv_close((uv_handle_t *)self->udp, ta_udp_on_close);
    self->udp = NULL;
    self->pending = 0;
    if (self->loop != NULL) {
        self->loop->uv_active--;
        self->loop->poll_due = 1; /* the close callback runs in uv_run */
    }
}

static void
ta_udp_stop_reading(TaUdpObject *self);

static void
ta_udp_orphan(ta_uv_owner *owner)
{
    TaUdpObject *self = TA_UDP_FROM_OWNER(owner);
    Py_INCREF(self);
    ta_udp_stop_reading(self);
    ta_udp_close_handle(self);
    Py_DECREF(self);
}

/* Python's own tuple for a socket address (as socket.recvfrom returns). */
static PyObject *
ta_udp_peer_tuple(const struct sockaddr *sa)
{
    char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
        return Py_BuildValue("(si)", host, ntohs(a->sin_port));
    }
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
    /* Python names a scoped address with getnameinfo ("fe80::1%lo"). */
    if (a->sin6_scope_id == 0 ||
        getnameinfo(sa, sizeof(*a), host, sizeof(host), NULL, 0,
                    NI_NUMERICHOST) != 0) {
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
    }
    return Py_BuildValue("(siII)", host, ntohs(a->sin6_port),
                         (unsigned int)ntohl(a->sin6_flowinfo),
                         (unsigned int)a->sin6_scope_id);
}

static PyObject *
ta_udp_peer(TaUdpObject *self, const struct sockaddr *sa)
{
    size_t len;
    if (sa->sa_family == AF_INET) {
        len = sizeof(struct sockaddr_in);
    }
    else if (sa->sa_family == AF_INET6) {
        len = sizeof(struct sockaddr_in6);
    }
    else {
        Py_RETURN_NONE;
    }
    if (self->peer != NULL && memcmp(&self->peer_addr, sa, len) == 0) {
        return Py_NewRef(self->peer);
    }
    PyObject *peer = ta_udp_peer_tuple(sa);
    if (peer != NULL) {
        memcpy(&self->peer_addr, sa, len);
        Py_XSETREF(self->peer, Py_NewRef(peer));
    }
    return peer;
}

/* A numeric address tuple as a sockaddr, the way socket.sendto reads it:
 * 1 if converted, 0 if it is not one the fast path knows (a host name, an
 * odd type: socket.sendto or getaddrinfo must decide), -1 on error. */
static int
ta_udp_sockaddr(int family, PyObject *addr, struct sockaddr_storage *ss)
{
    if (!PyTuple_CheckExact(addr)) {
        return 0;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(addr);
    if (n < 2 || n > (family == AF_INET ? 2 : 4)) {
        return 0;
    }
    PyObject *host = PyTuple_GET_ITEM(addr, 0);
    PyObject *port = PyTuple_GET_ITEM(addr, 1);
    if (!PyUnicode_CheckExact(host) || !PyLong_CheckExact(port)) {
        return 0;
    }
    long portnum = PyLong_AsLong(port);
    if (portnum < 0 || portnum > 65535) {
        PyErr_Clear();
        return 0;
    }
    const char *text = PyUnicode_AsUTF8(host);
    if (text == NULL) {
        PyErr_Clear();
        return 0;
    }
    memset(ss, 0, sizeof(*ss));
    if (family == AF_INET) {
        struct sockaddr_in *a = (struct sockaddr_in *)ss;
        a->sin_family = AF_INET;
        a->sin_port = htons((unsigned short)portnum);
        if (inet_pton(AF_INET, text, &a->sin_addr) != 1) {
            return 0;
        }
        return 1;
    }
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons((unsigned short)portnum);
    for (Py_ssize_t i = 2; i < n; i++) {
        PyObject *item = PyTuple_GET_ITEM(addr, i);
        if (!PyLong_CheckExact(item)) {
            return 0;
        }
        unsigned long v = PyLong_AsUnsignedLong(item);
        if (PyErr_Occurred() || (i == 2 && v > 0xfffff) || v > 0xffffffffUL) {
            PyErr_Clear();
            return 0;
        }
        if (i == 2) {
            a->sin6_flowinfo = htonl((uint32_t)v);
        }
        else {
            a->sin6_scope_id = (uint32_t)v;
        }
    }
    /* A scoped name ("fe80::1%lo") is for getaddrinfo. */
    return inet_pton(AF_INET6, text, &a->sin6_addr) == 1;
}

/* An address the fast path does not know, resolved as a queued datagram
 * needs it: through socket.getaddrinfo, as socket.sendto would.  0 or -1
 * with an exception set. */
static int
ta_udp_resolve(TaUdpObject *self, PyObject *addr, struct sockaddr_storage *ss)
{
    if (!PyTuple_Check(addr) || PyTuple_GET_SIZE(addr) < 2) {
        PyErr_Format(PyExc_TypeError,
                     "sendto(): AF_INET%s address must be tuple, not %.200s",
                     self->family == AF_INET ? "" : "6",
                     Py_TYPE(addr)->tp_name);
        return -1;
    }
    PyObject *host = PyTuple_GET_ITEM(addr, 0);
    PyObject *port = PyTuple_GET_ITEM(addr, 1);
    if (self->family == AF_INET && PyUnicode_Check(host) &&
        PyUnicode_CompareWithASCIIString(host, "<broadcast>") == 0) {
        /* Python's own name, which getaddrinfo does not know */
        long portnum = PyLong_AsLong(port);
        if (portnum == -1 && PyErr_Occurred()) {
            return -1;
        }
        struct sockaddr_in *a = (struct sockaddr_in *)ss;
        memset(ss, 0, sizeof(*ss));
        a->sin_family = AF_INET;
        a->sin_port = htons((unsigned short)portnum);
        a->sin_addr.s_addr = htonl(INADDR_BROADCAST);
        return 0;
    }
    PyObject *infos =
        PyObject_CallFunction(self->loop->state->getaddrinfo, "OOii", host,
                              port, self->family, SOCK_DGRAM);
    if (infos == NULL) {
        return -1;
    }
    int rc = 0;
    if (PyList_Check(infos) && PyList_GET_SIZE(infos) > 0) {
        PyObject *info = PyList_GET_ITEM(infos, 0);
        if (PyTuple_Check(info) && PyTuple_GET_SIZE(info) == 5) {
            rc = ta_udp_sockaddr(self->family, PyTuple_GET_ITEM(info, 4), ss);
        }
    }
    Py_DECREF(infos);
    if (rc == 1) {
        return 0;
    }
    if (!PyErr_Occurred()) {
        PyErr_Format(PyExc_OSError, "cannot resolve %R", addr);
    }
    return -1;
}

/* A protocol callback run from libuv failed: see transport.h. */
static void
ta_udp_callback_failed(TaUdpObject *self, const char *message)
{
    ta_transport_callback_failed(self->loop, self->loop->state,
                                 (PyObject *)self, self->protocol, message);
}

static PyObject *
ta_udp_call_soon(TaUdpObject *self, PyObject *callback, PyObject *arg)
{
    return PyObject_CallMethod((PyObject *)self->loop, "call_soon", "OO",
                               callback, arg);
}

/* Schedule _call_connection_lost(exc), as asyncio does. */
static int
ta_udp_schedule_lost(TaUdpObject *self, PyObject *exc)
{
    PyObject *meth =
        PyObject_GetAttrString((PyObject *)self, "_call_connection_lost");
    if (meth == NULL) {
        return -1;
    }
    PyObject *res = ta_udp_call_soon(self, meth, exc);
    Py_DECREF(meth);
    Py_XDECREF(res);
    return res == NULL ? -1 : 0;
}

/* The caller must hold a reference: this may drop the loop's. */
static void
ta_udp_stop_reading(TaUdpObject *self)
{
    if (self->udp != NULL) {
        uv_udp_recv_stop(self->udp);
    }
    /* While reading, the loop holds the transport (owner.held). */
    Py_CLEAR(self->owner.held);
}

/* ------------------------------------------------------------- receive */

static void
ta_udp_on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    TaLoopObject *loop = handle->loop->data;
    buf->base = ta_loop_recv_buf(loop);
    buf->len = buf->base != NULL ? TA_RECV_BUF_SIZE : 0;
}

static void
ta_udp_on_recv(uv_udp_t *handle, ssize_t nread, const uv_buf_t *buf,
               const struct sockaddr *addr, unsigned flags)
{
    (void)flags;
    if (nread == 0 && addr == NULL) {
        return; /* nothing more to read */
    }
    static const struct sockaddr no_addr = {.sa_family = AF_UNSPEC};
    if (addr == NULL) {
        addr = &no_addr; /* reported as None */
    }
    TaUdpObject *self = TA_UDP_FROM_OWNER(handle->data);
    if (self->conn_lost || self->protocol == NULL ||
        self->loop->io_exc != NULL) {
        return;
    }
    ta_state *st = self->loop->state;
    self->loop->io_ran = 1;
    Py_INCREF(self);
    PyObject *protocol = Py_NewRef(self->protocol);
    PyObject *res = NULL;
    if (TA_FAULT_PY(UDP_RECV_CONTEXT_ENTER, -1,
                    PyContext_Enter(self->context)) < 0) {
        ta_udp_callback_failed(self, "Exception in callback "
                                     "UDPTransport._read_ready()");
        goto done;
    }
    if (nread < 0) {
        /* An ICMP error on a connected socket, or one IP_RECVERR
         * reports: asyncio hands recvfrom's OSError to the protocol. */
        PyObject *exc = ta_uv_exception((int)nread);
        if (exc != NULL) {
            res = PyObject_CallMethodOneArg(protocol, st->str_error_received,
                                            exc);
            Py_DECREF(exc);
        }
    }
    else {
        PyObject *args[3] = {protocol, NULL, NULL};
        args[1] = PyBytes_FromStringAndSize(buf->base, nread);
        args[2] = args[1] ? ta_udp_peer(self, addr) : NULL;
        if (args[2] != NULL) {
            res = PyObject_VectorcallMethod(st->str_datagram_received, args,
                                            3 | PY_VECTORCALL_ARGUMENTS_OFFSET,
                                            NULL);
        }
        Py_XDECREF(args[1]);
        Py_XDECREF(args[2]);
    }
    if (res == NULL) {
        ta_udp_callback_failed(self, "Exception in callback "
                                     "UDPTransport._read_ready()");
    }
    Py_XDECREF(res);
    if (TA_FAULT_PY_AFTER(UDP_RECV_CONTEXT_EXIT, -1,
                          PyContext_Exit(self->context)) < 0) {
        PyErr_WriteUnraisable((PyObject *)self);
    }
done:
    Py_DECREF(protocol);
    Py_DECREF(self);
}

/* Start reading if the transport should (asyncio's _add_reader). */
static int
ta_udp_start_reading(TaUdpObject *self)
{
    if (self->closing || self->paused || self->udp == NULL) {
        return 0;
    }
    int err = TA_FAULT_UV(
        UV_UDP_RECV_START,
        uv_udp_recv_start(self->udp, ta_udp_on_alloc, ta_udp_on_recv));
    if (err < 0 && err != UV_EALREADY) {
        ta_set_uv_error(err);
        return -1;
    }
    if (self->owner.held == NULL) {
        self->owner.held = Py_NewRef(self);
    }
    return ta_udp_kick(self);
}

/* owner.hold / owner.resume (see loop_shared.h): only libuv's reading
 * stops; the transport still reads as far as its user can tell. */
static void
ta_udp_hold(ta_uv_owner *owner)
{
    TaUdpObject *self = TA_UDP_FROM_OWNER(owner);
    if (self->owner.held != NULL && self->udp != NULL) {
        uv_udp_recv_stop(self->udp);
    }
}

static void
ta_udp_resume(ta_uv_owner *owner)
{
    TaUdpObject *self = TA_UDP_FROM_OWNER(owner);
    if (self->owner.held == NULL || self->udp == NULL) {
        return; /* paused, closed or aborted meanwhile */
    }
    int err = TA_FAULT_UV(
        UV_UDP_RECV_RESUME,
        uv_udp_recv_start(self->udp, ta_udp_on_alloc, ta_udp_on_recv));
    if (err < 0 && err != UV_EALREADY) {
        /* No caller to raise to: report it as asyncio reports a failing
         * _add_reader in a callback, and stay paused. */
        Py_INCREF(self); /* stop_reading may drop the loop's reference */
        ta_set_uv_error(err);
        ta_udp_callback_failed(self, "Exception in callback "
                                     "UDPTransport._start_reading()");
        ta_udp_stop_reading(self);
        self->paused = 1; /* as is_reading() says; resume_reading() retries */
        Py_DECREF(self);
    }
}

/* ---------------------------------------------------------------- send */

static int
ta_udp_maybe(TaUdpObject *self, const char *method)
{
    PyObject *res = PyObject_CallMethod((PyObject *)self, method, NULL);
    Py_XDECREF(res);
    return res == NULL ? -1 : 0;
}

static int
ta_udp_connection_lost(TaUdpObject *self, PyObject *exc);

static void
ta_udp_on_sent(uv_udp_send_t *req, int status)
{
    ta_udp_send *s = (ta_udp_send *)req;
    TaUdpObject *self = s->self;
    Py_ssize_t len = PyBytes_GET_SIZE(s->data);
    Py_DECREF(s->data);
    free(s);
    if (self->loop != NULL) {
        self->loop->state->live_udp_sends--;
    }
    if (status == UV_ECANCELED || self->udp == NULL) {
        /* aborted: asyncio drops its buffer the same way */
        Py_DECREF(self);
        return;
    }
    self->pending--;
    self->buffer_size -= len + TA_UDP_HEADER;
    self->loop->io_ran = 1;
    if (TA_FAULT_PY(UDP_SENT_CONTEXT_ENTER, -1,
                    PyContext_Enter(self->context)) < 0) {
        ta_udp_callback_failed(self, "Exception in callback "
                                     "UDPTransport._sendto_ready()");
        Py_DECREF(self);
        return;
    }
    int rc = 0;
    if (status < 0 && self->protocol != NULL) {
        PyObject *exc = ta_uv_exception(status);
        PyObject *protocol = Py_NewRef(self->protocol);
        PyObject *res =
            exc ? PyObject_CallMethodOneArg(
                      protocol, self->loop->state->str_error_received, exc)
                : NULL;
        Py_XDECREF(exc);
        Py_DECREF(protocol);
        Py_XDECREF(res);
        rc = res == NULL ? -1 : 0;
    }
    if (rc == 0 && self->protocol != NULL) {
        rc = ta_udp_maybe(self, "_maybe_resume_protocol");
    }
    if (rc == 0 && self->pending == 0 && self->closing && self->sock != NULL) {
        rc = ta_udp_connection_lost(self, Py_None);
    }
    if (rc < 0) {
        ta_udp_callback_failed(self, "Exception in callback "
                                     "UDPTransport._sendto_ready()");
    }
    if (TA_FAULT_PY_AFTER(UDP_SENT_CONTEXT_EXIT, -1,
                          PyContext_Exit(self->context)) < 0) {
        PyErr_WriteUnraisable((PyObject *)self);
    }
    Py_DECREF(self);
}

/* asyncio's _fatal_error(): see transport.h. */
static int
ta_udp_fatal_error(TaUdpObject *self, PyObject *exc, const char *message)
{
    return ta_transport_fatal_error((PyObject *)self, self->loop->state,
                                    self->protocol, exc, message);
}

/* An error of an immediate send: OSError goes to error_received(), other
 * errors are fatal, as in asyncio's sendto().  The exception is set on
 * entry; returns None or NULL. */
static PyObject *
ta_udp_send_failed(TaUdpObject *self)
{
    if (PyErr_ExceptionMatches(PyExc_SystemExit) ||
        PyErr_ExceptionMatches(PyExc_KeyboardInterrupt)) {
        return NULL;
    }
    PyObject *exc = ta_fetch_exception();
    int rc;
    if (PyErr_GivenExceptionMatches(exc, PyExc_OSError)) {
        PyObject *protocol =
            PyObject_GetAttrString((PyObject *)self, "_protocol");
        PyObject *res =
            protocol
                ? PyObject_CallMethod(protocol, "error_received", "O", exc)
                : NULL;
        Py_XDECREF(protocol);
        Py_XDECREF(res);
        rc = res == NULL ? -1 : 0;
    }
    else {
        rc = ta_udp_fatal_error(self, exc,
                                "Fatal write error on datagram transport");
    }
    Py_DECREF(exc);
    if (rc < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* Send through the Python socket, for what the fast path does not cover
 * (a host name, a bad address, a closed handle): its errors are exactly
 * asyncio's.  1: sent; 0: would block; -1: error set. */
static int
ta_udp_send_python(TaUdpObject *self, PyObject *data, PyObject *addr)
{
    PyObject *sock = self->sock ? self->sock : Py_None;
    PyObject *res =
        self->connected
            ? PyObject_CallMethod(sock, "send", "O", data)
            : PyObject_CallMethod(sock, "sendto", "OO", data, addr);
    if (res != NULL) {
        Py_DECREF(res);
        return 1;
    }
    if (PyErr_ExceptionMatches(PyExc_BlockingIOError) ||
        PyErr_ExceptionMatches(PyExc_InterruptedError)) {
        PyErr_Clear();
        return 0;
    }
    return -1;
}

/* Put a datagram in libuv's send queue (asyncio's self._buffer). */
static PyObject *
ta_udp_queue(TaUdpObject *self, PyObject *data, PyObject *addr,
             struct sockaddr_storage *ss, int have_ss)
{
    if (!self->connected && !have_ss) {
        if (ta_udp_resolve(self, addr, ss) < 0) {
            return ta_udp_send_failed(self);
        }
    }
    PyObject *bytes =
        PyBytes_CheckExact(data) ? Py_NewRef(data) : PyBytes_FromObject(data);
    if (bytes == NULL) {
        return NULL;
    }
    ta_udp_send *s = TA_FAULT_ALLOC(UDP_SEND_ALLOC, malloc(sizeof(*s)));
    if (s == NULL) {
        Py_DECREF(bytes);
        return PyErr_NoMemory();
    }
    Py_ssize_t len = PyBytes_GET_SIZE(bytes);
    uv_buf_t buf = uv_buf_init(PyBytes_AS_STRING(bytes), (unsigned int)len);
    int err =
        TA_FAULT_UV(UV_UDP_SEND,
                    uv_udp_send(&s->req, self->udp, &buf, 1,
                                self->connected ? NULL : (struct sockaddr *)ss,
                                ta_udp_on_sent));
    if (err < 0) {
        free(s);
        Py_DECREF(bytes);
        ta_set_uv_error(err);
        return ta_udp_send_failed(self);
    }
    s->self = (TaUdpObject *)Py_NewRef(self);
    s->data = bytes;
    self->loop->state->live_udp_sends++;
    self->pending++;
    self->buffer_size += len + TA_UDP_HEADER;
    if (ta_udp_kick(self) < 0 || ta_udp_maybe(self, "_maybe_pause_protocol")) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static int
ta_is_bytes_like(PyObject *data)
{
    return PyBytes_Check(data) || PyByteArray_Check(data) ||
           PyMemoryView_Check(data);
}

static PyObject *
ta_udp_sendto_impl(TaUdpObject *self, PyObject *data, PyObject *addr)
{
    if (!ta_is_bytes_like(data)) {
        PyObject *name = PyType_GetName(Py_TYPE(data));
        if (name != NULL) {
            PyErr_Format(PyExc_TypeError,
                         "data argument must be a bytes-like object, not %R",
                         name);
            Py_DECREF(name);
        }
        return NULL;
    }
#if PY_VERSION_HEX < 0x030D0000
    Py_ssize_t size = PyObject_Length(data); /* raises if released */
    if (size <= 0) {
        return size < 0 ? NULL : Py_NewRef(Py_None);
    }
#endif
    if (self->address != NULL) {
        if (addr != Py_None && addr != self->address) {
            int eq = PyObject_RichCompareBool(addr, self->address, Py_EQ);
            if (eq < 0) {
                return NULL;
            }
            if (!eq) {
                PyErr_Format(PyExc_ValueError,
                             "Invalid address: must be None or %S",
                             self->address);
                return NULL;
            }
        }
        addr = self->address;
    }
    if (self->conn_lost && self->address != NULL) {
        if (self->conn_lost >= TA_CONNLOST_LOG_THRESHOLD) {
            PyObject *res =
                PyObject_CallMethod(self->loop->state->logger, "warning", "s",
                                    "socket.send() raised exception.");
            if (res == NULL) {
                return NULL;
            }
            Py_DECREF(res);
        }
        self->conn_lost++;
        Py_RETURN_NONE;
    }
    struct sockaddr_storage ss;
    int have_ss = 0;
    if (!self->connected) {
        have_ss = ta_udp_sockaddr(self->family, addr, &ss);
        if (have_ss < 0) {
            return NULL;
        }
    }
    if (self->udp == NULL || (!self->connected && !have_ss)) {
        if (self->pending > 0) {
            return ta_udp_queue(self, data, addr, &ss, 0);
        }
        int sent = ta_udp_send_python(self, data, addr);
        if (sent < 0) {
            return ta_udp_send_failed(self);
        }
        if (sent == 0 && self->udp != NULL) {
            return ta_udp_queue(self, data, addr, &ss, 0);
        }
        Py_RETURN_NONE;
    }
    if (self->pending > 0) {
        return ta_udp_queue(self, data, addr, &ss, have_ss);
    }
    Py_buffer view;
    if (PyObject_GetBuffer(data, &view, PyBUF_SIMPLE) < 0) {
        /* a released memoryview: socket.sendto's error, fatal here */
        return ta_udp_send_failed(self);
    }
    uv_buf_t buf = uv_buf_init(view.buf, (unsigned int)view.len);
    int rc = TA_FAULT_UV(
        UV_UDP_TRY_SEND,
        uv_udp_try_send(self->udp, &buf, 1,
                        self->connected ? NULL : (struct sockaddr *)&ss));
    PyBuffer_Release(&view);
    if (rc >= 0) {
        Py_RETURN_NONE;
    }
    if (rc == UV_EAGAIN) {
        return ta_udp_queue(self, data, addr, &ss, have_ss);
    }
    ta_set_uv_error(rc);
    return ta_udp_send_failed(self);
}

/* ------------------------------------------------------- connection lost */

/* asyncio's _call_connection_lost(): tell the protocol, then release the
 * socket whatever it did. */
static int
ta_udp_connection_lost(TaUdpObject *self, PyObject *exc)
{
    PyObject *protocol = self->protocol;
    self->protocol = NULL;
    int rc = 0;
    if (self->protocol_connected && protocol != NULL) {
        PyObject *res =
            PyObject_CallMethod(protocol, "connection_lost", "O", exc);
        Py_XDECREF(res);
        rc = res == NULL ? -1 : 0;
    }
    Py_XDECREF(protocol);
    PyObject *etype, *evalue, *etb;
    PyErr_Fetch(&etype, &evalue, &etb);
    ta_udp_stop_reading(self);
    ta_udp_close_handle(self);
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
    PyErr_Restore(etype, evalue, etb);
    return rc;
}

/* ------------------------------------------------------------- methods */

static PyObject *
udp_sendto(TaUdpObject *self, PyObject *const *args, Py_ssize_t nargs,
           PyObject *kwnames)
{
    PyObject *data = nargs > 0 ? args[0] : NULL;
    PyObject *addr = nargs > 1 ? args[1] : NULL;
    if (nargs > 2) {
        PyErr_Format(PyExc_TypeError,
                     "sendto() takes at most 2 arguments (%zd given)", nargs);
        return NULL;
    }
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    for (Py_ssize_t i = 0; i < nkw; i++) {
        PyObject *key = PyTuple_GET_ITEM(kwnames, i);
        PyObject **slot = NULL;
        if (PyUnicode_CompareWithASCIIString(key, "data") == 0) {
            slot = &data;
        }
        else if (PyUnicode_CompareWithASCIIString(key, "addr") == 0) {
            slot = &addr;
        }
        if (slot == NULL || *slot != NULL) {
            PyErr_Format(PyExc_TypeError,
                         slot ? "sendto() got multiple values for argument "
                                "%R"
                              : "sendto() got an unexpected keyword "
                                "argument %R",
                         key);
            return NULL;
        }
        *slot = args[nargs + i];
    }
    if (data == NULL) {
        PyErr_SetString(PyExc_TypeError,
                        "sendto() missing required argument: 'data'");
        return NULL;
    }
    return ta_udp_sendto_impl(self, data, addr ? addr : Py_None);
}

static PyObject *
udp_get_write_buffer_size(TaUdpObject *self, PyObject *Py_UNUSED(ignored))
{
    return PyLong_FromSsize_t(self->buffer_size);
}

static PyObject *
udp_is_closing(TaUdpObject *self, PyObject *Py_UNUSED(ignored))
{
    return PyBool_FromLong(self->closing);
}

static PyObject *
udp_is_reading(TaUdpObject *self, PyObject *Py_UNUSED(ignored))
{
    return PyBool_FromLong(!self->closing && !self->paused);
}

static int
ta_udp_debug_log(TaUdpObject *self, const char *format)
{
    if (self->loop == NULL || !self->loop->debug) {
        return 0;
    }
    PyObject *res = PyObject_CallMethod(self->loop->state->logger, "debug",
                                        "sO", format, (PyObject *)self);
    Py_XDECREF(res);
    return res == NULL ? -1 : 0;
}

static PyObject *
udp_pause_reading(TaUdpObject *self, PyObject *Py_UNUSED(ignored))
{
    if (self->closing || self->paused) {
        Py_RETURN_NONE;
    }
    self->paused = 1;
    ta_udp_stop_reading(self);
    if (ta_udp_debug_log(self, "%r pauses reading") < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
udp_resume_reading(TaUdpObject *self, PyObject *Py_UNUSED(ignored))
{
    if (self->closing || !self->paused) {
        Py_RETURN_NONE;
    }
    self->paused = 0;
    if (ta_udp_start_reading(self) < 0) {
        /* Still paused, as is_reading() says: a later call retries. */
        self->paused = 1;
        return NULL;
    }
    if (ta_udp_debug_log(self, "%r resumes reading") < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
udp_start_reading(TaUdpObject *self, PyObject *Py_UNUSED(ignored))
{
    if (ta_udp_start_reading(self) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
udp_close(TaUdpObject *self, PyObject *Py_UNUSED(ignored))
{
    if (self->closing) {
        Py_RETURN_NONE;
    }
    self->closing = 1;
    ta_udp_stop_reading(self);
    if (self->pending == 0) {
        self->conn_lost++;
        if (ta_udp_schedule_lost(self, Py_None) < 0) {
            return NULL;
        }
    }
    Py_RETURN_NONE;
}

static PyObject *
udp_force_close(TaUdpObject *self, PyObject *exc)
{
    if (self->conn_lost) {
        Py_RETURN_NONE;
    }
    if (self->pending > 0) {
        ta_udp_close_handle(self); /* drops the queue */
        self->buffer_size = 0;
    }
    if (!self->closing) {
        self->closing = 1;
        ta_udp_stop_reading(self);
    }
    self->conn_lost++;
    if (ta_udp_schedule_lost(self, exc) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
udp_abort(TaUdpObject *self, PyObject *Py_UNUSED(ignored))
{
    return udp_force_close(self, Py_None);
}

static PyObject *
udp_fatal_error(TaUdpObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 1 || nargs > 2 || (nargs == 2 && !PyUnicode_Check(args[1]))) {
        PyErr_SetString(PyExc_TypeError, "_fatal_error(exc, message=...)");
        return NULL;
    }
    const char *message =
        nargs == 2 ? PyUnicode_AsUTF8(args[1]) : "Fatal error on transport";
    if (message == NULL || ta_udp_fatal_error(self, args[0], message) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
udp_call_connection_lost(TaUdpObject *self, PyObject *exc)
{
    if (ta_udp_connection_lost(self, exc) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
udp_set_protocol(TaUdpObject *self, PyObject *protocol)
{
    Py_XSETREF(self->protocol, Py_NewRef(protocol));
    self->protocol_connected = 1;
    Py_RETURN_NONE;
}

static PyObject *
udp_get_protocol(TaUdpObject *self, PyObject *Py_UNUSED(ignored))
{
    return Py_NewRef(self->protocol ? self->protocol : Py_None);
}

static PyObject *
udp_repr(TaUdpObject *self)
{
    PyObject *name = PyType_GetName(Py_TYPE(self));
    if (name == NULL) {
        return NULL;
    }
    const char *state =
        self->sock == NULL ? " closed" : (self->closing ? " closing" : "");
    PyObject *res;
    if (ta_loop_is_usable(self) && !self->loop->closed) {
        int reading = self->udp != NULL &&
                      uv_is_active((uv_handle_t *)self->udp) &&
                      !self->closing && !self->paused;
        res = PyUnicode_FromFormat(
            "<%U%s fd=%d read=%s write=<%s, bufsize=%zd>>", name, state,
            self->fd, reading ? "polling" : "idle",
            self->pending ? "polling" : "idle", self->buffer_size);
    }
    else {
        res = PyUnicode_FromFormat("<%U%s fd=%d>", name, state, self->fd);
    }
    Py_DECREF(name);
    return res;
}

static PyObject *
udp_get_sock(TaUdpObject *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(self->sock ? self->sock : Py_None);
}

static PyObject *
udp_get_address(TaUdpObject *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(self->address ? self->address : Py_None);
}

static PyObject *
udp_get_protocol_attr(TaUdpObject *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(self->protocol ? self->protocol : Py_None);
}

static int
udp_set_protocol_attr(TaUdpObject *self, PyObject *value,
                      void *Py_UNUSED(closure))
{
    Py_XSETREF(self->protocol,
               value == NULL || value == Py_None ? NULL : Py_NewRef(value));
    return 0;
}

/* ----------------------------------------------------------- lifecycle */

/* libuv's uv_udp_open() sets SO_REUSEADDR on the socket; asyncio does not
 * (it would let another socket bind the same port): put it back. */
static int
ta_udp_open_dup(TaUdpObject *self, int fd)
{
    int reuse = 0;
    socklen_t len = sizeof(reuse);
    int had = getsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, &len) == 0;
    int dup = TA_FAULT_ERRNO(UDP_DUP, fcntl(fd, F_DUPFD_CLOEXEC, 0));
    if (dup < 0) {
        PyErr_SetFromErrno(PyExc_OSError);
        return -1;
    }
    uv_udp_t *udp = TA_FAULT_ALLOC(UDP_ALLOC, malloc(sizeof(*udp)));
    if (udp == NULL) {
        close(dup);
        PyErr_NoMemory();
        return -1;
    }
    int err = TA_FAULT_UV(UV_UDP_INIT, uv_udp_init(self->loop->uv, udp));
    if (err < 0) {
        free(udp);
        close(dup);
        ta_set_uv_error(err);
        return -1;
    }
    self->loop->state->live_udp++;
    err = TA_FAULT_UV(UV_UDP_OPEN, uv_udp_open(udp, dup));
    if (err < 0) {
        close(dup);
    }
    if (had) {
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof(reuse));
    }
    udp->data = &self->owner;
    self->udp = udp;
    self->loop->uv_active++;
    if (err < 0) {
        ta_udp_close_handle(self);
        ta_set_uv_error(err);
        return -1;
    }
    return 0;
}

static PyObject *
ta_udp_extra(TaUdpObject *self)
{
    return self->asyncio_slots[ta_udp_extra_slot];
}

/* asyncio's _SelectorTransport.__init__ for a datagram socket. */
static int
ta_udp_init_extra(TaUdpObject *self, ta_state *st, PyObject *sock)
{
    PyObject *extra = ta_udp_extra(self);
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
        if (i == 1) {
            PyObject *given = PyDict_GetItemString(extra, "peername");
            if (given != NULL) {
                break;
            }
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
    PyObject *peer = PyDict_GetItemString(extra, "peername"); /* borrowed */
    int connected = peer ? PyObject_IsTrue(peer) : 0;
    if (connected < 0) {
        return -1;
    }
    self->connected = (char)connected;
    return 0;
}

/* UDPTransport(loop, sock, protocol, address=None, waiter=None,
 * extra=None), as asyncio's _SelectorDatagramTransport. */
static PyObject *
udp_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"loop",   "sock",  "protocol", "address",
                             "waiter", "extra", NULL};
    PyObject *loop, *sock, *protocol, *address = Py_None, *waiter = Py_None;
    PyObject *extra = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOO|OOO:UDPTransport",
                                     kwlist, &loop, &sock, &protocol, &address,
                                     &waiter, &extra)) {
        return NULL;
    }
    PyObject *module = PyType_GetModuleByDef(type, &ta_module_def);
    if (module == NULL) {
        return NULL;
    }
    ta_state *st = PyModule_GetState(module);
    if (!PyObject_TypeCheck(loop, st->LoopType)) {
        PyErr_Format(PyExc_TypeError,
                     "UDPTransport needs a trioaio loop, not %R", loop);
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
    if (fam != AF_INET && fam != AF_INET6) {
        PyErr_Format(PyExc_ValueError,
                     "UDPTransport needs an AF_INET or AF_INET6 socket, "
                     "not family %ld",
                     fam);
        return NULL;
    }
    TaUdpObject *self = (TaUdpObject *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->owner.orphan = ta_udp_orphan;
    self->owner.hold = ta_udp_hold;
    self->owner.resume = ta_udp_resume;
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
    if (ta_udp_init_extra(self, st, sock) < 0) {
        goto fail;
    }
    self->context = PyContext_CopyCurrent();
    if (self->context == NULL || ta_udp_open_dup(self, fd) < 0) {
        goto fail;
    }
    int has_address = PyObject_IsTrue(address);
    if (has_address < 0) {
        goto fail;
    }
    self->address = has_address ? Py_NewRef(address) : NULL;
    self->protocol = Py_NewRef(protocol);
    self->protocol_connected = 1;
    self->sock = Py_NewRef(sock);
    /* asyncio's record of which fd a transport owns (add_reader checks). */
    PyObject *transports = PyObject_GetAttrString(loop, "_transports");
    PyObject *key = PyLong_FromLong(fd);
    int rc = (transports && key)
                 ? PyObject_SetItem(transports, key, (PyObject *)self)
                 : -1;
    Py_XDECREF(transports);
    Py_XDECREF(key);
    if (rc < 0) {
        goto fail;
    }
    /* As asyncio: connection_made, then reading, then the waiter. */
    PyObject *made = PyObject_GetAttrString(protocol, "connection_made");
    res = made ? ta_udp_call_soon(self, made, (PyObject *)self) : NULL;
    Py_XDECREF(made);
    if (res == NULL) {
        goto fail;
    }
    Py_DECREF(res);
    PyObject *start =
        PyObject_GetAttrString((PyObject *)self, "_start_reading");
    res = start ? PyObject_CallMethod(loop, "call_soon", "O", start) : NULL;
    Py_XDECREF(start);
    if (res == NULL) {
        goto fail;
    }
    Py_DECREF(res);
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
     * callback already scheduled may hold it: closing, it never reads. */
    self->closing = 1;
    ta_udp_close_handle(self);
    Py_CLEAR(self->sock);
    Py_DECREF(self);
    return NULL;
}

static int
udp_init(PyObject *self, PyObject *args, PyObject *kwds)
{
    return 0; /* all done by udp_new; asyncio's __init__ must not run */
}

static void
udp_finalize(TaUdpObject *self)
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
    PyObject *sock = self->sock;
    self->sock = NULL;
    PyObject *res = PyObject_CallMethod(sock, "close", NULL);
    if (res == NULL) {
        PyErr_WriteUnraisable((PyObject *)self);
    }
    Py_XDECREF(res);
    Py_DECREF(sock);
    PyErr_Restore(etype, evalue, etb);
}

static int
udp_traverse(TaUdpObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    for (int i = 0; i < TA_UDP_BASE_SLOTS; i++) {
        Py_VISIT(self->asyncio_slots[i]);
    }
    Py_VISIT(self->loop);
    Py_VISIT(self->protocol);
    Py_VISIT(self->sock);
    Py_VISIT(self->address);
    Py_VISIT(self->context);
    Py_VISIT(self->peer);
    Py_VISIT(self->dict);
    return 0;
}

static int
udp_clear(TaUdpObject *self)
{
    for (int i = 0; i < TA_UDP_BASE_SLOTS; i++) {
        Py_CLEAR(self->asyncio_slots[i]);
    }
    Py_CLEAR(self->protocol);
    Py_CLEAR(self->address);
    Py_CLEAR(self->context);
    Py_CLEAR(self->peer);
    Py_CLEAR(self->dict);
    /* sock and loop stay: the finalizer and the handle's close need them */
    return 0;
}

static void
udp_dealloc(TaUdpObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    if (PyObject_CallFinalizerFromDealloc((PyObject *)self) < 0) {
        return; /* resurrected */
    }
    PyObject_GC_UnTrack(self);
    if (self->weakreflist != NULL) {
        PyObject_ClearWeakRefs((PyObject *)self);
    }
    if (ta_loop_is_usable(self)) {
        ta_udp_close_handle(self);
    }
    udp_clear(self);
    Py_CLEAR(self->sock);
    Py_CLEAR(self->loop);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyMethodDef udp_methods[] = {
    {"sendto", (PyCFunction)(void (*)(void))udp_sendto,
     METH_FASTCALL | METH_KEYWORDS,
     "sendto(data, addr=None)\n--\n\n"
     "Send a datagram: at once if libuv can, else queued."},
    {"get_write_buffer_size", (PyCFunction)udp_get_write_buffer_size,
     METH_NOARGS, "Bytes queued for sending."},
    {"is_closing", (PyCFunction)udp_is_closing, METH_NOARGS, NULL},
    {"is_reading", (PyCFunction)udp_is_reading, METH_NOARGS, NULL},
    {"pause_reading", (PyCFunction)udp_pause_reading, METH_NOARGS, NULL},
    {"resume_reading", (PyCFunction)udp_resume_reading, METH_NOARGS, NULL},
    {"close", (PyCFunction)udp_close, METH_NOARGS,
     "Close after the queued datagrams are sent."},
    {"abort", (PyCFunction)udp_abort, METH_NOARGS,
     "Close now, dropping queued datagrams."},
    {"set_protocol", (PyCFunction)udp_set_protocol, METH_O, NULL},
    {"get_protocol", (PyCFunction)udp_get_protocol, METH_NOARGS, NULL},
    {"_start_reading", (PyCFunction)udp_start_reading, METH_NOARGS, NULL},
    {"_force_close", (PyCFunction)udp_force_close, METH_O, NULL},
    {"_fatal_error", (PyCFunction)(void (*)(void))udp_fatal_error,
     METH_FASTCALL, NULL},
    {"_call_connection_lost", (PyCFunction)udp_call_connection_lost, METH_O,
     NULL},
    {NULL},
};

static PyGetSetDef udp_getset[] = {
    {"_sock", (getter)udp_get_sock, NULL, NULL, NULL},
    {"_address", (getter)udp_get_address, NULL, NULL, NULL},
    {"_protocol", (getter)udp_get_protocol_attr, (setter)udp_set_protocol_attr,
     NULL, NULL},
    {NULL},
};

static PyMemberDef udp_members[] = {
    {"_sock_fd", T_INT, offsetof(TaUdpObject, fd), READONLY, NULL},
    {"_closing", T_BOOL, offsetof(TaUdpObject, closing), READONLY, NULL},
    {"_conn_lost", T_PYSSIZET, offsetof(TaUdpObject, conn_lost), READONLY,
     NULL},
    {"_buffer_size", T_PYSSIZET, offsetof(TaUdpObject, buffer_size), READONLY,
     NULL},
    {"__weaklistoffset__", T_PYSSIZET, offsetof(TaUdpObject, weakreflist),
     READONLY, NULL},
    {"__dictoffset__", T_PYSSIZET, offsetof(TaUdpObject, dict), READONLY,
     NULL},
    {NULL},
};

static PyType_Slot udp_slots[] = {
    {Py_tp_doc, "UDPTransport(loop, sock, protocol, address=None, "
                "waiter=None, extra=None)\n--\n\n"
                "asyncio's datagram transport on libuv's uv_udp_t."},
    {Py_tp_new, udp_new},
    {Py_tp_init, udp_init},
    {Py_tp_dealloc, udp_dealloc},
    {Py_tp_finalize, udp_finalize},
    {Py_tp_traverse, udp_traverse},
    {Py_tp_clear, udp_clear},
    {Py_tp_repr, udp_repr},
    {Py_tp_methods, udp_methods},
    {Py_tp_getset, udp_getset},
    {Py_tp_members, udp_members},
    {0, NULL},
};

static PyType_Spec udp_spec = {
    .name = "trioaio._core.UDPTransport",
    .basicsize = sizeof(TaUdpObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = udp_slots,
};

/* Does `cls` have the slot `name` as an object member in the words that
 * asyncio_slots covers?  Its index there, or -1. */
static Py_ssize_t
ta_udp_slot_index(PyObject *cls, const char *name)
{
    PyObject *descr = PyObject_GetAttrString(cls, name);
    if (descr == NULL) {
        if (PyErr_ExceptionMatches(PyExc_AttributeError)) {
            PyErr_Clear();
        }
        return -1;
    }
    Py_ssize_t index = -1;
    if (Py_IS_TYPE(descr, &PyMemberDescr_Type)) {
        PyMemberDef *m = ((PyMemberDescrObject *)descr)->d_member;
        Py_ssize_t first = offsetof(TaUdpObject, asyncio_slots);
        if (m->type == T_OBJECT_EX && m->offset >= first &&
            m->offset <
                first + TA_UDP_BASE_SLOTS * (Py_ssize_t)sizeof(void *) &&
            (m->offset - first) % sizeof(void *) == 0) {
            index = (m->offset - first) / (Py_ssize_t)sizeof(void *);
        }
    }
    Py_DECREF(descr);
    return index;
}

static PyObject *
ta_udp_import(const char *module, const char *name)
{
    if (PyErr_Occurred()) {
        return NULL; /* keep the first error (see ta_import_attr) */
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
ta_udp_type_new(PyObject *module, ta_state *st)
{
    PyObject *mixin = ta_udp_import("asyncio.transports", "_FlowControlMixin");
    PyObject *datagram =
        ta_udp_import("asyncio.transports", "DatagramTransport");
    if (mixin == NULL || datagram == NULL) {
        Py_XDECREF(mixin);
        Py_XDECREF(datagram);
        return NULL;
    }
    PyTypeObject *base = (PyTypeObject *)mixin;
    int fits = PyType_Check(mixin) &&
               base->tp_basicsize ==
                   (Py_ssize_t)offsetof(TaUdpObject, asyncio_slots) +
                       TA_UDP_BASE_SLOTS * (Py_ssize_t)sizeof(void *) &&
               base->tp_itemsize == 0 && base->tp_dictoffset == 0 &&
               base->tp_weaklistoffset == 0;
    const char *names[TA_UDP_BASE_SLOTS] = {
        "_extra", "_loop", "_protocol_paused", "_high_water", "_low_water"};
    int seen = 0;
    for (int i = 0; fits && i < TA_UDP_BASE_SLOTS; i++) {
        Py_ssize_t index = ta_udp_slot_index(mixin, names[i]);
        if (PyErr_Occurred()) {
            Py_DECREF(mixin);
            Py_DECREF(datagram);
            return NULL;
        }
        fits = index >= 0 && !(seen & (1 << index));
        seen |= 1 << (index < 0 ? 0 : index);
        if (i == 0) {
            ta_udp_extra_slot = index;
        }
    }
    PyObject *type = NULL;
    if (fits) {
        PyObject *bases = PyTuple_Pack(2, mixin, datagram);
        st->flow_control_init =
            bases ? PyObject_GetAttrString(mixin, "__init__") : NULL;
        st->transport_socket =
            ta_udp_import("asyncio.trsock", "TransportSocket");
        st->set_result_unless_cancelled =
            ta_udp_import("asyncio.futures", "_set_result_unless_cancelled");
        st->getaddrinfo = ta_udp_import("socket", "getaddrinfo");
        if (bases != NULL && st->flow_control_init != NULL &&
            st->transport_socket != NULL &&
            st->set_result_unless_cancelled != NULL &&
            st->getaddrinfo != NULL) {
            type = PyType_FromModuleAndSpec(module, &udp_spec, bases);
            if (type == NULL && !PyErr_Occurred()) {
                PyErr_NoMemory();
            }
        }
        Py_XDECREF(bases);
    }
    Py_DECREF(mixin);
    Py_DECREF(datagram);
    return (PyTypeObject *)type;
}
