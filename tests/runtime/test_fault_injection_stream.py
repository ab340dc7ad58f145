"""The C stream transport's libc and libuv failures, by fault injection.

As test_fault_injection_udp.py for the datagram transport: each test
fails one call site of stream.c (see _faults.py) and checks what the user
sees (the exception to the caller, or connection_lost() with it, and the
exception handler's report where asyncio would report), that no fd or
core object outlives the test, and that the transport or the loop still
works where asyncio's would.
"""
import asyncio
import errno
import logging
import socket

import pytest

import trioaio
from trioaio import _core

from _faults import inject, needs_faults, open_fds, settle
from _transport_kit import LOCALHOST, BufferedRecorder, Recorder

pytestmark = [
    needs_faults,
    pytest.mark.skipif(_core.StreamTransport is None,
                       reason="no C stream transport on this Python"),
]

# More than a Unix socket pair's buffers hold: a write of it is partial,
# and the rest waits in the transport's queue.
BIG = 4 << 20


@pytest.fixture
def run():
    """run(corofn): corofn(loop, reported) on a fresh sync loop; the test
    fails if core objects or fds outlive it."""
    warm = trioaio.SyncTrioEventLoop()
    warm.run_until_complete(asyncio.sleep(0))
    warm.close()
    del warm
    before, fds = settle(), open_fds()
    reported = []

    def run(fn):
        loop = trioaio.SyncTrioEventLoop()
        loop.set_exception_handler(lambda loop, context: reported.append(
            context))
        try:
            return loop.run_until_complete(fn(loop, reported))
        finally:
            loop.close()
    yield run
    del reported[:]
    assert settle() == before
    assert open_fds() == fds


@pytest.fixture
def unraisable(monkeypatch):
    seen = []
    monkeypatch.setattr("sys.unraisablehook", seen.append)
    return seen


def sockets(family):
    """A connected pair: (the transport's, the peer's)."""
    if family == "unix":
        return socket.socketpair()
    with socket.create_server((LOCALHOST, 0)) as listener:
        a = socket.create_connection(listener.getsockname())
        b, _ = listener.accept()
    return a, b


async def connect(loop, family="unix", protocol=Recorder):
    """A C transport on one end of a pair, and the other end."""
    a, b = sockets(family)
    b.setblocking(False)
    t, p = await loop.connect_accepted_socket(protocol, a)
    assert type(t) is _core.StreamTransport
    return t, p, b


async def receive(loop, peer, nbytes):
    data = bytearray()
    while len(data) < nbytes:
        chunk = await asyncio.wait_for(
            loop.sock_recv(peer, nbytes - len(data)), 5)
        assert chunk, "EOF after %d of %d bytes" % (len(data), nbytes)
        data += chunk
    return bytes(data)


async def until(condition, limit=5):
    async def poll():
        while not condition():
            await asyncio.sleep(0.005)
    await asyncio.wait_for(poll(), limit)


async def closed(t, p, peer):
    t.close()
    assert await p.lost is None
    peer.close()


def queue_big_write(t):
    """Write BIG bytes to a peer that does not read: part goes to the
    socket, the rest to the queue and libuv's write request."""
    t.write(b"x" * BIG)
    assert 0 < t.get_write_buffer_size() < BIG


# ---------------------------------------------------------- construction

@pytest.mark.parametrize("family", ["tcp", "unix"])
@pytest.mark.parametrize("site, err, exc", [
    ("stream_dup", errno.EMFILE, OSError),
    ("stream_alloc", errno.ENOMEM, MemoryError),
    ("uv_stream_init", errno.ENOMEM, OSError),
    ("uv_stream_open", errno.EBADF, OSError),
    ("stream_nodelay", errno.ENOPROTOOPT, OSError),
])
def test_a_transport_that_cannot_be_made_leaves_the_socket_to_its_owner(
        family, site, err, exc, run):
    if site == "stream_nodelay" and family == "unix":
        pytest.skip("TCP_NODELAY is for TCP sockets")

    async def main(loop, reported):
        a, b = sockets(family)
        with a, b:
            with inject(site, err), pytest.raises(exc) as caught:
                await loop.connect_accepted_socket(Recorder, a)
            if exc is OSError:
                assert caught.value.errno == err
            # The core's duplicate of the fd is gone; the socket is not.
            a.sendall(b"still open")
            assert b.recv(20) == b"still open"
        assert reported == []
    run(main)


# ------------------------------------------------------------- reading

def test_resume_reading_that_fails_stays_paused_and_can_retry(run):
    async def main(loop, reported):
        t, p, peer = await connect(loop)
        t.pause_reading()
        with inject("uv_read_start", errno.ENOMEM):
            with pytest.raises(OSError) as caught:
                t.resume_reading()
        assert caught.value.errno == errno.ENOMEM
        assert not t.is_reading()
        t.resume_reading()
        assert t.is_reading()
        peer.send(b"after")
        assert await p.received(5) == b"after"
        await closed(t, p, peer)
        assert reported == []
    run(main)


def test_reading_that_cannot_start_is_reported_and_can_be_restarted(run):
    async def main(loop, reported):
        with inject("uv_read_start", errno.ENOMEM):
            t, p, peer = await connect(loop)
        (context,) = reported
        assert "_start_reading" in context["message"]
        assert context["exception"].errno == errno.ENOMEM
        del reported[:]
        t.pause_reading()
        t.resume_reading()
        peer.send(b"read")
        assert await p.received(4) == b"read"
        await closed(t, p, peer)
        assert reported == []
    run(main)


def test_no_read_buffer_is_a_fatal_read_error(run):
    async def main(loop, reported):
        t, p, peer = await connect(loop)
        with inject("stream_recv_buf"):
            peer.send(b"data")
            exc = await asyncio.wait_for(p.lost, 5)
        assert isinstance(exc, MemoryError)
        assert p.losses() == [exc]
        (context,) = reported
        assert context["message"] == "Fatal read error on socket transport"
        assert context["exception"] is exc
        assert context["transport"] is t
        assert t.is_closing()
        peer.close()
    run(main)


def test_get_buffer_whose_context_cannot_be_entered_is_fatal(run):
    async def main(loop, reported):
        t, p, peer = await connect(loop, protocol=BufferedRecorder)
        with inject("stream_alloc_context_enter"):
            peer.send(b"data")
            exc = await asyncio.wait_for(p.lost, 5)
        assert str(exc) == "injected fault at stream_alloc_context_enter"
        assert p.data == b""
        (context,) = reported
        assert context["message"] == (
            "Fatal error: protocol.get_buffer() call failed.")
        assert context["exception"] is exc
        peer.close()
    run(main)


@pytest.mark.parametrize("protocol, site", [
    (BufferedRecorder, "stream_alloc_context_exit"),
    (Recorder, "stream_read_context_exit"),
])
def test_a_read_whose_context_cannot_be_left_is_unraisable(
        protocol, site, run, unraisable):
    async def main(loop, reported):
        t, p, peer = await connect(loop, protocol=protocol)
        with inject(site):
            peer.send(b"delivered")
            assert await p.received(9) == b"delivered"
        (report,) = unraisable
        assert str(report.exc_value) == "injected fault at %s" % site
        del report, unraisable[:]
        await closed(t, p, peer)
        assert reported == []
    run(main)


@pytest.mark.parametrize("protocol", [Recorder, BufferedRecorder])
def test_a_read_whose_context_cannot_be_entered_is_reported(protocol, run):
    async def main(loop, reported):
        t, p, peer = await connect(loop, protocol=protocol)
        with inject("stream_read_context_enter"):
            peer.send(b"lost")
            await until(lambda: reported)
        (context,) = reported
        assert context["message"] == (
            "Exception in callback StreamTransport._read_ready()")
        assert str(context["exception"]) == (
            "injected fault at stream_read_context_enter")
        assert context["transport"] is t
        # What that read brought is dropped; the transport goes on.
        peer.send(b"next")
        assert await p.received(4) == b"next"
        assert p.data == b"next"
        del reported[:]
        await closed(t, p, peer)
    run(main)


# ------------------------------------------------------------- writing

def test_a_write_the_kernel_refuses_for_now_is_queued_and_sent(run):
    async def main(loop, reported):
        t, p, peer = await connect(loop)
        with inject("uv_try_write", errno.EAGAIN):
            t.write(b"queued")
        t.write(b" and next")
        assert await receive(loop, peer, 15) == b"queued and next"
        await until(lambda: t.get_write_buffer_size() == 0)
        await closed(t, p, peer)
        assert reported == []
    run(main)


@pytest.mark.parametrize("debug", [False, True])
def test_a_write_the_kernel_fails_loses_the_connection(debug, run, caplog):
    async def main(loop, reported):
        t, p, peer = await connect(loop)
        # Only the transport's reports: it was made in normal mode.
        loop.set_debug(debug)
        with caplog.at_level(logging.DEBUG, logger="asyncio"):
            with inject("uv_try_write", errno.EPIPE):
                assert t.write(b"refused") is None
            exc = await asyncio.wait_for(p.lost, 5)
        assert isinstance(exc, OSError) and exc.errno == errno.EPIPE
        assert p.losses() == [exc]
        # An OSError is not reported; in debug mode it is logged.
        assert reported == []
        logged = [r for r in caplog.records
                  if "Fatal write error on socket transport" in r.message]
        assert len(logged) == debug
        if debug:
            assert logged[0].exc_info[1] is exc
        del logged
        caplog.clear()  # its records hold the traceback, and the loop
        loop.set_debug(False)
        peer.close()
    run(main)


def test_a_queue_that_cannot_grow_raises_to_the_writer(run):
    async def main(loop, reported):
        t, p, peer = await connect(loop)
        with inject("stream_pend_alloc"), pytest.raises(MemoryError):
            t.write(b"x" * BIG)
        assert t.get_write_buffer_size() == 0
        assert not t.is_closing()
        t.abort()
        assert await p.lost is None
        peer.close()
        assert reported == []
    run(main)


def test_a_write_request_that_cannot_be_made_raises_and_keeps_the_rest(run):
    async def main(loop, reported):
        t, p, peer = await connect(loop)
        with inject("stream_write_alloc"), pytest.raises(MemoryError):
            t.write(b"x" * BIG)
        # What the socket did not take stays queued, in order: the next
        # write sends it first.
        assert 0 < t.get_write_buffer_size() < BIG
        t.write(b"end")
        assert await receive(loop, peer, BIG + 3) == b"x" * BIG + b"end"
        await closed(t, p, peer)
        assert reported == []
    run(main)


def test_a_write_request_libuv_refuses_loses_the_connection(run):
    async def main(loop, reported):
        t, p, peer = await connect(loop)
        with inject("uv_write", errno.EPIPE):
            assert t.write(b"x" * BIG) is None
        exc = await asyncio.wait_for(p.lost, 5)
        assert isinstance(exc, OSError) and exc.errno == errno.EPIPE
        assert t.get_write_buffer_size() == 0
        assert reported == []
        peer.close()
    run(main)


def test_a_write_that_completes_with_an_error_loses_the_connection(run):
    async def main(loop, reported):
        t, p, peer = await connect(loop)
        queue_big_write(t)
        with inject("uv_write_status", errno.ECONNRESET):
            assert await receive(loop, peer, BIG) == b"x" * BIG
            exc = await asyncio.wait_for(p.lost, 5)
        assert isinstance(exc, ConnectionResetError)
        assert p.losses() == [exc]
        assert reported == []
        peer.close()
    run(main)


def test_a_write_completion_whose_context_cannot_be_entered_is_reported(
        run):
    async def main(loop, reported):
        t, p, peer = await connect(loop)
        queue_big_write(t)
        with inject("stream_written_context_enter"):
            assert await receive(loop, peer, BIG) == b"x" * BIG
            await until(lambda: reported)
        (context,) = reported
        assert context["message"] == (
            "Exception in callback StreamTransport._write_ready()")
        assert str(context["exception"]) == (
            "injected fault at stream_written_context_enter")
        del reported[:]
        t.write(b"more")
        assert await receive(loop, peer, 4) == b"more"
        await closed(t, p, peer)
    run(main)


def test_a_write_completion_whose_context_cannot_be_left_is_unraisable(
        run, unraisable):
    async def main(loop, reported):
        t, p, peer = await connect(loop)
        queue_big_write(t)
        with inject("stream_written_context_exit"):
            assert await receive(loop, peer, BIG) == b"x" * BIG
            await until(lambda: t.get_write_buffer_size() == 0)
            await until(lambda: unraisable)
        (report,) = unraisable
        assert str(report.exc_value) == (
            "injected fault at stream_written_context_exit")
        del report, unraisable[:]
        await closed(t, p, peer)
        assert reported == []
    run(main)


# ----------------------------------------------------------- write_eof

def test_write_eof_whose_shutdown_fails_raises(run):
    async def main(loop, reported):
        t, p, peer = await connect(loop)
        with inject("stream_shutdown", errno.ENOTCONN):
            with pytest.raises(OSError) as caught:
                t.write_eof()
        assert caught.value.errno == errno.ENOTCONN
        with pytest.raises(RuntimeError, match="write_eof"):
            t.write(b"late")
        t.write_eof()  # once is enough
        await closed(t, p, peer)
        assert reported == []
    run(main)


def test_a_shutdown_after_the_queue_that_fails_is_reported(run):
    async def main(loop, reported):
        t, p, peer = await connect(loop)
        queue_big_write(t)
        t.write_eof()
        with inject("stream_shutdown", errno.ENOTCONN):
            assert await receive(loop, peer, BIG) == b"x" * BIG
            await until(lambda: reported)
        (context,) = reported
        assert context["message"] == (
            "Exception in callback StreamTransport._write_ready()")
        assert context["exception"].errno == errno.ENOTCONN
        del reported[:]
        await closed(t, p, peer)
    run(main)
