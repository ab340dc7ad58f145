"""The C datagram transport's libc and libuv failures, by fault injection.

As test_fault_injection.py for the loop core: each test fails one call
site of udp.c (see _faults.py) and checks what the user sees, that no fd
or core object outlives the test, and that the transport or the loop
still works where asyncio's would.
"""
import asyncio
import errno
import socket
import sys

import pytest

import trioaio
from trioaio import _core

from _faults import inject, needs_faults, open_fds, settle

pytestmark = [
    needs_faults,
    pytest.mark.skipif(_core.UDPTransport is None,
                       reason="no C datagram transport on this Python"),
]

LOCAL = ("127.0.0.1", 0)
# What a queued datagram adds to get_write_buffer_size() (udp.c).
HEADER = 8 if sys.version_info >= (3, 13) else 0


class Recorder(asyncio.DatagramProtocol):

    def __init__(self):
        self.data = []
        self.errors = []
        self.lost = []
        self.arrived = asyncio.Event()

    def datagram_received(self, data, addr):
        self.data.append(data)
        self.arrived.set()

    def error_received(self, exc):
        self.errors.append(exc)

    def connection_lost(self, exc):
        self.lost.append(exc)

    async def next(self):
        await asyncio.wait_for(self.arrived.wait(), 5)
        self.arrived.clear()


@pytest.fixture
def run():
    """run(corofn): corofn(loop, reported) on a fresh sync loop (or, with
    sync=True, fn(loop, reported) driving it); the test fails if core
    objects or fds outlive it."""
    warm = trioaio.SyncTrioEventLoop()
    warm.run_until_complete(asyncio.sleep(0))
    warm.close()
    del warm
    before, fds = settle(), open_fds()
    reported = []

    def run(fn, sync=False):
        loop = trioaio.SyncTrioEventLoop()
        loop.set_exception_handler(lambda loop, context: reported.append(
            context))
        try:
            if sync:  # fn drives the loop itself
                return fn(loop, reported)
            return loop.run_until_complete(fn(loop, reported))
        finally:
            loop.close()
    yield run
    del reported[:]
    assert settle() == before
    assert open_fds() == fds


async def pair(loop):
    """A C transport and a plain socket it sends to."""
    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    peer.bind(LOCAL)
    peer.setblocking(False)
    t, p = await loop.create_datagram_endpoint(
        Recorder, local_addr=LOCAL, remote_addr=peer.getsockname())
    assert type(t) is _core.UDPTransport
    peer.connect(t.get_extra_info("sockname"))
    return t, p, peer


async def received(loop, peer):
    return await asyncio.wait_for(loop.sock_recv(peer, 100), 5)


async def until(condition, timeout=5):
    """Let the loop run until condition() holds (at most `timeout` s)."""
    async def poll():
        while not condition():
            await asyncio.sleep(0.005)
    await asyncio.wait_for(poll(), timeout)


async def closed(t, p):
    t.close()
    await until(lambda: p.lost)
    assert p.lost == [None]


@pytest.mark.parametrize("site, err, exc", [
    ("udp_dup", errno.EMFILE, OSError),
    ("udp_alloc", errno.ENOMEM, MemoryError),
    ("uv_udp_init", errno.ENOMEM, OSError),
    ("uv_udp_open", errno.EBADF, OSError),
])
def test_an_endpoint_that_cannot_be_made_leaves_the_socket_to_its_owner(
        site, err, exc, run):
    async def main(loop, reported):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind(LOCAL)
            with inject(site, err), pytest.raises(exc) as caught:
                await loop.create_datagram_endpoint(Recorder, sock=sock)
            if exc is OSError:
                assert caught.value.errno == err
            # The core's duplicate of the fd is gone; the socket is not.
            sock.sendto(b"still open", sock.getsockname())
            assert sock.recv(20) == b"still open"
        assert reported == []
    run(main)


def test_resume_reading_that_fails_stays_paused_and_can_retry(run):
    async def main(loop, reported):
        t, p, peer = await pair(loop)
        t.pause_reading()
        with inject("uv_udp_recv_start", errno.ENOMEM):
            with pytest.raises(OSError) as caught:
                t.resume_reading()
        assert caught.value.errno == errno.ENOMEM
        assert not t.is_reading()
        t.resume_reading()
        assert t.is_reading()
        peer.send(b"after")
        await p.next()
        assert p.data == [b"after"]
        await closed(t, p)
        peer.close()
        assert reported == []
    run(main)


def test_a_datagram_the_kernel_refuses_for_now_is_queued_and_sent(run):
    async def main(loop, reported):
        t, p, peer = await pair(loop)
        with inject("uv_udp_try_send", errno.EAGAIN):
            t.sendto(b"queued")
        assert t.get_write_buffer_size() == len(b"queued") + HEADER
        assert await received(loop, peer) == b"queued"
        await until(lambda: t.get_write_buffer_size() == 0)
        await closed(t, p)
        peer.close()
        assert p.errors == [] and reported == []
    run(main)


def test_queueing_failures_behind_a_queued_datagram(run):
    async def main(loop, reported):
        t, p, peer = await pair(loop)
        with inject("uv_udp_try_send", errno.EAGAIN):
            t.sendto(b"first")
        # Behind it, the next datagrams are queued too; queueing fails:
        with inject("udp_send_alloc"), pytest.raises(MemoryError):
            t.sendto(b"no memory")
        with inject("uv_udp_send", errno.ENOBUFS):
            t.sendto(b"refused")  # an OSError goes to error_received()
        (error,) = p.errors
        assert isinstance(error, OSError) and error.errno == errno.ENOBUFS
        assert t.get_write_buffer_size() == len(b"first") + HEADER
        assert await received(loop, peer) == b"first"
        t.sendto(b"last")
        assert await received(loop, peer) == b"last"
        await closed(t, p)
        peer.close()
        assert reported == []
    run(main)


def test_a_receive_whose_context_cannot_be_entered_is_reported(run):
    async def main(loop, reported):
        t, p, peer = await pair(loop)
        with inject("udp_recv_context_enter"):
            peer.send(b"lost")
            await until(lambda: reported)
        (context,) = reported
        assert context["message"] == (
            "Exception in callback UDPTransport._read_ready()")
        assert str(context["exception"]) == (
            "injected fault at udp_recv_context_enter")
        assert p.data == []
        peer.send(b"next")
        await p.next()
        assert p.data == [b"next"]
        del reported[:]
        await closed(t, p)
        peer.close()
    run(main)


def test_a_receive_whose_context_cannot_be_left_is_unraisable(
        run, monkeypatch):
    unraisable = []
    monkeypatch.setattr("sys.unraisablehook", unraisable.append)

    async def main(loop, reported):
        t, p, peer = await pair(loop)
        with inject("udp_recv_context_exit"):
            peer.send(b"delivered")
            await p.next()
        assert p.data == [b"delivered"]
        (report,) = unraisable
        assert str(report.exc_value) == (
            "injected fault at udp_recv_context_exit")
        await closed(t, p)
        peer.close()
        assert reported == []
    run(main)


def test_a_sent_datagram_whose_context_fails_is_reported(run, monkeypatch):
    unraisable = []
    monkeypatch.setattr("sys.unraisablehook", unraisable.append)

    async def main(loop, reported):
        t, p, peer = await pair(loop)
        for site in ("udp_sent_context_enter", "udp_sent_context_exit"):
            with inject("uv_udp_try_send", errno.EAGAIN):
                t.sendto(site.encode())
            with inject(site):
                assert await received(loop, peer) == site.encode()
                await until(lambda: t.get_write_buffer_size() == 0)
        (context,) = reported
        assert context["message"] == (
            "Exception in callback UDPTransport._sendto_ready()")
        assert str(context["exception"]) == (
            "injected fault at udp_sent_context_enter")
        (report,) = unraisable
        assert str(report.exc_value) == (
            "injected fault at udp_sent_context_exit")
        del reported[:]
        await closed(t, p)
        peer.close()
    run(main)


def test_reading_that_cannot_resume_after_an_exit_is_reported(run):
    # A SystemExit from datagram_received() holds the loop's reading until
    # its next run (see test_udp_transport.py); resuming it then fails.
    class Exiting(Recorder):
        def datagram_received(self, data, addr):
            super().datagram_received(data, addr)
            if data == b"exit":
                raise SystemExit

    def main(loop, reported):
        t, p = loop.run_until_complete(loop.create_datagram_endpoint(
            Exiting, local_addr=LOCAL))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(b"exit", t.get_extra_info("sockname"))
            s.sendto(b"kept", t.get_extra_info("sockname"))
        with pytest.raises(SystemExit):
            loop.run_until_complete(asyncio.sleep(5))
        with inject("uv_udp_recv_resume", errno.ENOMEM):
            loop.run_until_complete(asyncio.sleep(0))
        (context,) = reported
        assert context["message"] == (
            "Exception in callback UDPTransport._start_reading()")
        assert context["exception"].errno == errno.ENOMEM
        assert not t.is_reading()  # paused: resume_reading() retries
        t.resume_reading()
        loop.run_until_complete(until(lambda: len(p.data) == 2))
        assert p.data == [b"exit", b"kept"]
        del reported[:]
        loop.run_until_complete(closed(t, p))
    run(main, sync=True)
