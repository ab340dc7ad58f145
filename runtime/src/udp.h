/* UDP transports on libuv's uv_udp_t: asyncio's datagram transport
 * (`_SelectorDatagramTransport`) in C.
 *
 * `_core.UDPTransport(loop, sock, protocol, address, waiter, extra)` is
 * what the loop's `_make_datagram_transport()` returns for AF_INET and
 * AF_INET6 datagram sockets.  Its bases are asyncio's own
 * `_FlowControlMixin` and `DatagramTransport` (so `isinstance` checks and
 * the flow-control methods are asyncio's); its instance layout extends
 * theirs, which ta_udp_type_new() checks before it makes the type.
 */
#ifndef TA_UDP_H
#define TA_UDP_H

#include "ta_state.h"

/* Create the type and fill the module state's UDP fields.  NULL with no
 * exception set when asyncio's classes do not have the layout the type
 * extends (the loop then uses asyncio's Python transport); NULL with an
 * exception set on error. */
PyTypeObject *
ta_udp_type_new(PyObject *module, ta_state *st);

#endif
