"""Transports under load: many connections opened and closed leave no fd,
object or memory behind; a bulk transfer loses, duplicates and reorders
nothing.  On stock asyncio, uvloop and trioaio (in Trio and standalone).

Marked ``stress`` (make test-stress); the sizes can be changed with
TRIOAIO_STRESS_CONNECTIONS and TRIOAIO_STRESS_BYTES.
"""
import asyncio
import gc
import os
import sys

import pytest

from _testbase import AsyncioCase, TrioAioCase
from _transport_kit import (LOCALHOST, LoopFacts, SyncTrioAioCase, UvloopCase,
                            crc, open_fds, pattern)

pytestmark = [
    pytest.mark.stress,
    pytest.mark.skipif(not sys.platform.startswith("linux"),
                       reason="counts /proc/self/fd"),
]

CONNECTIONS = int(os.environ.get("TRIOAIO_STRESS_CONNECTIONS", 10_000))
TRANSFER = int(os.environ.get("TRIOAIO_STRESS_BYTES", 1 << 30))
BLOCK = 1 << 16
BATCH = 100  # connections open at once


# Under `make asan` freed memory sits in ASan's quarantine, so the resident
# size says nothing about leaks there (fds, objects and counters still do).
RSS_MEANINGFUL = "libasan" not in os.environ.get("LD_PRELOAD", "")


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def live_counts():
    """trioaio's C core live-object counters, when trioaio is loaded and
    has them (None otherwise)."""
    core = sys.modules.get("trioaio._core")
    counts = getattr(core, "_live_counts", None)
    return counts() if counts else None


class Closer(asyncio.Protocol):
    """Server side: close at the peer's EOF (eof_received's default)."""

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.transport.write(data)


class Client(asyncio.Protocol):
    def __init__(self, echoed, lost):
        self.echoed, self.lost = echoed, lost

    def connection_made(self, transport):
        self.transport = transport
        transport.write(b"x")

    def data_received(self, data):
        self.echoed.set_result(data)
        self.transport.close()

    def connection_lost(self, exc):
        self.lost.set_result(exc)


class Sink(asyncio.Protocol):
    """Counts and checksums what arrives, keeping none of it."""

    def __init__(self, done):
        self.done, self.size, self.crc = done, 0, 0

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.size += len(data)
        self.crc = crc(data, self.crc)

    def eof_received(self):
        self.transport.write(b"%d %d" % (self.size, self.crc))
        return None  # and close


class Source(asyncio.Protocol):
    """Writes while the transport takes it; waits while paused."""

    def __init__(self, loop):
        self.can_write = asyncio.Event()
        self.can_write.set()
        self.reply = bytearray()
        self.lost = loop.create_future()

    def connection_made(self, transport):
        self.transport = transport

    def pause_writing(self):
        self.can_write.clear()

    def resume_writing(self):
        self.can_write.set()

    def data_received(self, data):
        self.reply += data

    def connection_lost(self, exc):
        self.lost.set_result(exc)


class _TestStress(LoopFacts):

    def test_many_connections_leave_nothing_behind(self):
        async def cycle(loop, port, count):
            for start in range(0, count, BATCH):
                waits = []
                for _ in range(min(BATCH, count - start)):
                    echoed, lost = loop.create_future(), loop.create_future()
                    await loop.create_connection(
                        lambda: Client(echoed, lost), LOCALHOST, port)
                    waits += [echoed, lost]
                await asyncio.gather(*waits)
                assert all(w.result() in (b"x", None) for w in waits)

        def measure():
            for _ in range(3):
                gc.collect()
            return (open_fds(), len(gc.get_objects()), rss_bytes(),
                    live_counts())

        async def main(loop):
            srv = await loop.create_server(Closer, LOCALHOST, 0)
            port = srv.sockets[0].getsockname()[1]
            await cycle(loop, port, 2 * BATCH)  # warm up: lazy state, caches
            await asyncio.sleep(0.05)  # the server's last closes
            fds, objects, rss, counts = measure()
            await cycle(loop, port, CONNECTIONS)
            await asyncio.sleep(0.05)
            fds2, objects2, rss2, counts2 = measure()
            srv.close()
            await srv.wait_closed()
            assert fds2 == fds, "fds: %d -> %d" % (fds, fds2)
            # Less than one object per 50 connections; a leak of one per
            # connection would be CONNECTIONS.
            assert objects2 - objects < CONNECTIONS / 50, (objects, objects2)
            # A leaked 1 KiB per connection would be CONNECTIONS KiB.
            if RSS_MEANINGFUL:
                assert rss2 - rss < max(CONNECTIONS * 400, 8 << 20), (
                    rss, rss2)
            if counts is not None:
                assert counts2 == counts
        self.run_aio(main, timeout=600)

    def test_bulk_transfer_nothing_lost_or_reordered(self):
        size = TRANSFER // BLOCK * BLOCK

        async def main(loop):
            done = loop.create_future()
            srv = await loop.create_server(lambda: Sink(done), LOCALHOST, 0)
            port = srv.sockets[0].getsockname()[1]
            t, src = await loop.create_connection(lambda: Source(loop),
                                                  LOCALHOST, port)
            value = 0
            for index in range(size // BLOCK):
                if not src.can_write.is_set():
                    await src.can_write.wait()
                block = pattern(index, BLOCK)
                value = crc(block, value)
                t.write(block)
            t.write_eof()
            assert await src.lost is None
            assert bytes(src.reply) == b"%d %d" % (size, value)
            srv.close()
            await srv.wait_closed()
        self.run_aio(main, timeout=900)


class TestStress_asyncio(_TestStress, AsyncioCase):
    pass


class TestStress_uvloop(_TestStress, UvloopCase):
    pass


class TestStress_trioaio(_TestStress, TrioAioCase):
    pass


class TestStress_sync(_TestStress, SyncTrioAioCase):
    pass
