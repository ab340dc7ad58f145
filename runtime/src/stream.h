/* Stream transports on libuv's uv_tcp_t and uv_pipe_t: asyncio's socket
 * transport (`_SelectorSocketTransport`) in C.
 *
 * `_core.StreamTransport(loop, sock, protocol, waiter, extra, server)` is
 * what the loop's `_make_socket_transport()` returns for connected
 * AF_INET, AF_INET6 and AF_UNIX stream sockets (and what asyncio's TLS
 * layer runs on).  Its base is asyncio's own `_FlowControlMixin` (so
 * `isinstance` checks and the flow-control methods are asyncio's); its
 * instance layout extends the mixin's, as UDPTransport's does.
 */
#ifndef TA_STREAM_H
#define TA_STREAM_H

#include "ta_state.h"

/* Create the type and fill the module state's stream fields.  Call after
 * ta_udp_type_new() succeeded (it checks asyncio's layout and fills the
 * fields both types use).  NULL with an exception set on error. */
PyTypeObject *
ta_stream_type_new(PyObject *module, ta_state *st);

/* Create the pipe transport types (ReadPipeTransport, WritePipeTransport)
 * into the module state; after ta_stream_type_new().  -1 with an exception
 * set on error. */
int
ta_pipe_types_new(PyObject *module, ta_state *st);

#endif
