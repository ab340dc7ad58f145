"""Shared machinery of the transport behaviour suite (test_transport_*.py).

Each behaviour is written once in a mixin and bound to four loops:

    stock asyncio   AsyncioCase         asyncio.SelectorEventLoop()
    uvloop          UvloopCase          uvloop.new_event_loop() (skipped
                                        when uvloop is not importable)
    trioaio         TrioAioCase         trio.run + open_loop + aio_as_trio
    trioaio (sync)  SyncTrioAioCase     trioaio.SyncTrioEventLoop()

A test says where a loop legitimately behaves otherwise with an explicit,
commented expectation on ``self.impl_name`` (or ``self.is_uvloop``), never
with a skip.  ``self.is_trioaio`` is true for both trioaio cases.

The recorders below keep every protocol callback in order, so a test can
assert "connection_lost exactly once, with this exception" and "no
pause_writing twice in a row" on any loop.
"""
import asyncio
import os
import socket
import struct
import zlib

import pytest

from _testbase import IS_REFERENCE, TIMEOUT, RunUntilCompleteCase

LOCALHOST = "127.0.0.1"


class UvloopCase(RunUntilCompleteCase):
    """uvloop: a fresh ``uvloop.new_event_loop()`` per test."""

    impl_name = "uvloop"

    def setup_method(self, method):
        super().setup_method(method)
        pytest.importorskip("uvloop")

    def new_loop(self):
        import uvloop
        return uvloop.new_event_loop()


class SyncTrioAioCase(RunUntilCompleteCase):
    """trioaio's synchronous loop, driven like a stock asyncio loop
    (trioaio itself: skipped against the trio-asyncio reference)."""

    impl_name = "trioaio_sync"

    def setup_method(self, method):
        super().setup_method(method)
        if IS_REFERENCE:
            pytest.skip("runs trioaio's synchronous loop")

    def new_loop(self):
        import trioaio
        return trioaio.SyncTrioEventLoop()


class LoopFacts:
    """Mixed into the mixins: what kind of loop this case runs."""

    @property
    def is_uvloop(self):
        return self.impl_name == "uvloop"

    @property
    def is_trioaio(self):
        return self.impl_name in ("trioaio", "trioaio_sync")

    @property
    def is_stock(self):
        return self.impl_name == "asyncio"


# ------------------------------------------------------------- recorders

class _Recording:
    """What both recorders share; a protocol class only with one of
    asyncio's (uvloop takes a class deriving from asyncio.Protocol for a
    plain protocol, whatever other methods it has).

    ``events`` lists them in order: "made", "eof", ("lost", exc), "pause",
    "resume".  ``eof_result`` is what eof_received() returns.
    """

    eof_result = None

    def __init__(self, loop=None):
        self.loop = loop or asyncio.get_running_loop()
        self.transport = None
        self.data = bytearray()
        self.events = []
        self.made = self.loop.create_future()
        self.lost = self.loop.create_future()
        self.eof = self.loop.create_future()
        self.paused = self.loop.create_future()
        self.resumed = self.loop.create_future()
        self._want = None  # (nbytes, future)

    # -- the protocol
    def connection_made(self, transport):
        self.transport = transport
        self.events.append("made")
        self.made.set_result(transport)

    def _got(self, data):
        assert self.events and self.events[0] == "made", self.events
        assert "eof" not in self.events, "data after eof_received"
        assert not self.lost.done(), "data after connection_lost"
        self.data += data
        if self._want and len(self.data) >= self._want[0]:
            if not self._want[1].done():
                self._want[1].set_result(None)
            self._want = None

    def eof_received(self):
        self.events.append("eof")
        self.eof.set_result(None)
        return self.eof_result

    def connection_lost(self, exc):
        self.events.append(("lost", exc))
        if not self.lost.done():
            self.lost.set_result(exc)
        if self._want and not self._want[1].done():
            self._want[1].set_result(None)

    def pause_writing(self):
        assert self.events[-1:] != ["pause"], "pause_writing twice in a row"
        self.events.append("pause")
        if not self.paused.done():
            self.paused.set_result(None)

    def resume_writing(self):
        assert "pause" in self.events, "resume_writing without pause"
        self.events.append("resume")
        if not self.resumed.done():
            self.resumed.set_result(None)

    # -- for the tests
    def adopt(self, transport):
        """Take over *transport* (set_protocol) as if connection_made."""
        self.connection_made(transport)

    async def received(self, nbytes):
        """Wait until *nbytes* have arrived (or the connection is lost)."""
        if len(self.data) < nbytes and not self.lost.done():
            self._want = (nbytes, self.loop.create_future())
            await self._want[1]
        return bytes(self.data)

    def count(self, kind):
        return sum(1 for e in self.events
                   if e == kind or (isinstance(e, tuple) and e[0] == kind))

    def losses(self):
        return [e[1] for e in self.events
                if isinstance(e, tuple) and e[0] == "lost"]


class Recorder(_Recording, asyncio.Protocol):
    """A plain Protocol that records every callback."""

    def data_received(self, data):
        assert isinstance(data, bytes), type(data)
        self._got(data)


class BufferedRecorder(_Recording, asyncio.BufferedProtocol):
    """A BufferedProtocol that records like Recorder; its small buffer
    makes the transport read a stream in many pieces."""

    buffer_size = 1000

    def __init__(self, loop=None):
        super().__init__(loop)
        self.buffer = bytearray(self.buffer_size)
        self.get_buffer_calls = 0

    def get_buffer(self, sizehint):
        self.get_buffer_calls += 1
        return memoryview(self.buffer)

    def buffer_updated(self, nbytes):
        assert 0 < nbytes <= len(self.buffer), nbytes
        self._got(bytes(self.buffer[:nbytes]))


PROTOCOLS = {"Protocol": Recorder, "BufferedProtocol": BufferedRecorder}


def recorder_factory(kind, **attrs):
    """A protocol factory for the recorder *kind* (a PROTOCOLS name or a
    recorder class), with attributes set on each instance (say,
    eof_result=True); ``factory.made`` lists them."""
    made = []
    cls = PROTOCOLS[kind] if isinstance(kind, str) else kind

    def factory():
        proto = cls()
        for name, value in attrs.items():
            setattr(proto, name, value)
        made.append(proto)
        return proto
    factory.made = made
    return factory


# ------------------------------------------------------------ endpoints

async def open_pair(loop, family, tmp_path, client="Protocol",
                    server="Protocol", server_attrs=None, client_attrs=None,
                    **server_kwargs):
    """A connected (client protocol, server protocol, server) over TCP or a
    Unix socket, both protocols' connection_made done."""
    sfactory = recorder_factory(server, **(server_attrs or {}))
    cfactory = recorder_factory(client, **(client_attrs or {}))
    if family == "tcp":
        srv = await loop.create_server(sfactory, LOCALHOST, 0,
                                       **server_kwargs)
        port = srv.sockets[0].getsockname()[1]
        _, cproto = await loop.create_connection(cfactory, LOCALHOST, port)
    else:
        path = str(tmp_path / "s.sock")
        srv = await loop.create_unix_server(sfactory, path, **server_kwargs)
        _, cproto = await loop.create_unix_connection(cfactory, path)
    while not sfactory.made:
        await asyncio.sleep(0)
    sproto = sfactory.made[0]
    await sproto.made
    return cproto, sproto, srv


async def close_pair(cproto, sproto, srv):
    """Close the client, let the server see the EOF (and close itself, as
    a false eof_received() asks), close what is left, then the server."""
    if not cproto.transport.is_closing():
        cproto.transport.close()
    await cproto.lost
    await asyncio.wait([sproto.lost, sproto.eof],
                       return_when=asyncio.FIRST_COMPLETED)
    if not sproto.transport.is_closing():
        sproto.transport.close()
    await sproto.lost
    srv.close()
    await srv.wait_closed()


async def settle(loop, rounds=20, pause=0.02):
    """Let the loop run a few passes (callbacks already due, I/O that is
    ready at once), then wait *pause* seconds: for "this did not happen"
    checks."""
    for _ in range(rounds):
        await asyncio.sleep(0)
    if pause:
        await asyncio.sleep(pause)


async def fill_until_paused(proto, block=b"f" * 65536, limit=64 << 20):
    """Write *block* until the transport calls pause_writing (the peer does
    not read); the bytes written."""
    written = 0
    while not proto.paused.done():
        proto.transport.write(block)
        written += len(block)
        assert written < limit, "never paused after %d bytes" % written
        await asyncio.sleep(0)
    return written


def pattern(index, size=65536):
    """Block *index* of a deterministic stream: distinct blocks, so that a
    lost, duplicated or reordered block changes the checksum."""
    head = index.to_bytes(8, "big")
    body = bytes([index & 0xFF]) * (size - 16)
    return head + body + head


def crc(data, value=0):
    return zlib.crc32(data, value)


def open_fds():
    """Number of this process's open file descriptors (Linux)."""
    return len(os.listdir("/proc/self/fd"))


def set_linger_zero(sock):
    """Closing *sock* sends a RST instead of a FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                    struct.pack("ii", 1, 0))


__all__ = ["LOCALHOST", "TIMEOUT", "UvloopCase", "SyncTrioAioCase",
           "LoopFacts", "Recorder", "BufferedRecorder", "PROTOCOLS",
           "recorder_factory", "open_pair", "close_pair", "settle",
           "fill_until_paused", "pattern", "crc", "open_fds",
           "set_linger_zero"]
