/* Module state shared by the extension types.
 *
 * Every PyObject * here is a strong reference, filled in by the module's
 * exec slot and released by m_clear.  Objects reach the state through a
 * borrowed pointer (`TaLoopObject.state`) kept valid by a strong reference
 * to the module.
 */
#ifndef TA_STATE_H
#define TA_STATE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    PyTypeObject *HandleType;
    PyTypeObject *TimerHandleType;
    PyTypeObject *LoopType;
    PyTypeObject *UDPTransportType; /* NULL where asyncio's layout differs */
    PyTypeObject *StreamTransportType;    /* NULL with UDPTransportType */
    PyTypeObject *ReadPipeTransportType;  /* NULL with StreamTransportType */
    PyTypeObject *WritePipeTransportType; /* NULL with StreamTransportType */
    /* asyncio pieces used on the hot path and in reprs */
    PyObject
        *format_callback_source; /* format_helpers._format_callback_source */
    PyObject *get_running_loop;  /* _asyncio._get_running_loop */
    PyObject *set_running_loop;  /* _asyncio._set_running_loop */
    PyObject *extract_stack;     /* format_helpers.extract_stack */
    PyObject *logger;            /* asyncio.log.logger */
    PyObject *format_handle;     /* base_events._format_handle, or NULL */
    /* Trio and sniffio pieces, set by _core._configure() */
    PyObject *reschedule;        /* trio.lowlevel.reschedule */
    PyObject *system_clock;      /* trio's SystemClock class, or NULL */
    PyObject *step_wrapper_type; /* _asyncio.TaskStepMethWrapper, or
                                    NULL (see internals.h) */
    PyObject *rewrite_bad_yield; /* _boundary.rewrite_bad_yield */
    PyObject *sniffio_local;     /* sniffio.thread_local */
    PyObject *str_asyncio;       /* "asyncio" */
    PyObject *str_cancelled;     /* "cancelled" */
    PyObject *str_name;          /* "name" */
    PyObject *str_call_exception_handler;
    PyObject *str_current_time;
    PyObject *str_offset;
    PyObject *str_timer_handle_cancelled;
    PyObject *str_check_thread;
    PyObject *str_slow_callback_duration;
    PyObject *str_read_task;
    /* UDP transports (udp.c); NULL without UDPTransportType */
    PyObject *flow_control_init; /* transports._FlowControlMixin.__init__ */
    PyObject *transport_socket;  /* trsock.TransportSocket */
    PyObject *set_result_unless_cancelled; /* futures._..., the waiter */
    PyObject *getaddrinfo;                 /* socket.getaddrinfo */
    PyObject *str_datagram_received;
    PyObject *str_error_received;
    /* stream transports (stream.c); NULL without StreamTransportType */
    PyObject *buffered_protocol; /* asyncio.protocols.BufferedProtocol */
    PyObject *str_data_received;
    PyObject *str_buffer_updated;
    PyObject *str_eof_received;
    PyObject *str_connection_lost;
    PyObject *str_pipe;
    /* create_future and create_task (loop_tasks.c) */
    PyObject *futures_module;   /* asyncio.futures */
    PyObject *tasks_module;     /* asyncio.tasks */
    PyObject *base_create_task; /* BaseEventLoop.create_task */
    PyObject *str_Future;
    PyObject *str_Task;
    PyObject *str_context;
    PyObject *str_task_factory;
    PyObject *kw_loop; /* ("loop",) and the other keyword-name tuples */
    PyObject *kw_loop_name;
    PyObject *kw_loop_context;
    PyObject *kw_loop_name_context;
    /* live object counters, checked by the tests of the debug build */
    Py_ssize_t live_handles;
    Py_ssize_t live_loops;
    Py_ssize_t live_polls;
    Py_ssize_t live_udp;       /* uv_udp_t handles not yet freed */
    Py_ssize_t live_udp_sends; /* queued datagrams (uv_udp_send_t) */
    Py_ssize_t live_streams;   /* uv_tcp_t/uv_pipe_t handles not yet freed */
    Py_ssize_t live_stream_writes; /* uv_write_t requests in flight */
} ta_state;

#endif
