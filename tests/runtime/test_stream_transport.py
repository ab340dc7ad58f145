"""trioaio's C stream transport (`_core.StreamTransport`, on libuv's
uv_tcp_t and uv_pipe_t): what it adds to asyncio's behaviour, which
test_transport_*.py check on every loop.  Here: that the loop uses it
where it should (and asyncio's transport elsewhere), that its live-object
counters balance, the loop closing first, errors in protocol callbacks,
and its constructor's errors.
"""
import asyncio
import gc
import os
import socket
import ssl
import subprocess
import sys

import pytest

from _testbase import IS_REFERENCE, needs_internal
from _transport_kit import (LOCALHOST, BufferedRecorder, Recorder,
                            close_pair, fill_until_paused, open_pair, settle)

pytestmark = pytest.mark.skipif(IS_REFERENCE, reason="trioaio's C core")

FAMILIES = pytest.mark.parametrize("family", ["tcp", "unix"])


def counts():
    from trioaio import _core
    gc.collect()
    return _core._live_counts()


def run(corofn, debug=False):
    import trioaio
    loop = trioaio.SyncTrioEventLoop()
    loop.set_debug(debug)
    try:
        return loop.run_until_complete(corofn(loop))
    finally:
        loop.close()


@FAMILIES
def test_type_and_counters_balance(family, tmp_path):
    from trioaio import _core
    before = counts()

    async def main(loop):
        c, s, srv = await open_pair(loop, family, tmp_path)
        assert type(c.transport) is _core.StreamTransport
        assert type(s.transport) is _core.StreamTransport
        assert counts()["streams"] == before["streams"] + 2
        # Queued writes are counted while in flight, and come back.
        s.transport.pause_reading()
        await fill_until_paused(c)
        assert counts()["stream_writes"] == before["stream_writes"] + 1
        s.transport.resume_reading()
        await c.resumed
        await close_pair(c, s, srv)
        await settle(loop)
    run(main)
    assert counts() == before


@FAMILIES
def test_abort_with_a_write_in_flight_balances(family, tmp_path):
    before = counts()

    async def main(loop):
        c, s, srv = await open_pair(loop, family, tmp_path)
        s.transport.pause_reading()
        await fill_until_paused(c)
        c.transport.abort()
        assert c.transport.get_write_buffer_size() == 0
        assert await c.lost is None
        s.transport.abort()
        await s.lost
        srv.close()
        await srv.wait_closed()
        await settle(loop)
    run(main)
    assert counts() == before


def test_accepted_and_given_sockets_use_it(tmp_path):
    from trioaio import _core

    async def main(loop):
        accepted = loop.create_future()

        async def serve(reader, writer):
            accepted.set_result(writer.transport)
            await reader.read()
            writer.close()

        srv = await asyncio.start_server(serve, LOCALHOST, 0)
        port = srv.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection(LOCALHOST, port)
        assert type(writer.transport) is _core.StreamTransport
        assert type(await accepted) is _core.StreamTransport
        writer.close()
        await writer.wait_closed()
        a, b = socket.socketpair()
        t, p = await loop.connect_accepted_socket(Recorder, a)
        assert type(t) is _core.StreamTransport
        b.sendall(b"hi")
        assert await p.received(2) == b"hi"
        t.close()
        await p.lost
        b.close()
        srv.close()
        await srv.wait_closed()
    run(main)


@needs_internal("asyncio_ssl_protocol", "asyncio's TLS layer on the C "
                "transport")
def test_tls_runs_on_it():
    trustme = pytest.importorskip("trustme")
    from trioaio import _core
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)

    async def main(loop):
        async def echo(reader, writer):
            writer.write(await reader.readexactly(5))
            await writer.drain()
            writer.close()

        srv = await asyncio.start_server(echo, LOCALHOST, 0, ssl=server_ctx)
        port = srv.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection(
            LOCALHOST, port, ssl=client_ctx, server_hostname="localhost")
        raw = writer.transport._ssl_protocol._transport
        assert type(raw) is _core.StreamTransport
        writer.write(b"hello")
        assert await reader.readexactly(5) == b"hello"
        writer.close()
        await writer.wait_closed()
        srv.close()
        await srv.wait_closed()
    run(main)


def test_debug_mode_and_other_sockets_use_asyncio_transport(tmp_path):
    from trioaio import _core

    async def main(loop):
        srv = await loop.create_server(Recorder, LOCALHOST, 0)
        port = srv.sockets[0].getsockname()[1]
        t, p = await loop.create_connection(Recorder, LOCALHOST, port)
        assert type(t) is not _core.StreamTransport
        assert "Selector" in type(t).__name__
        t.close()
        await p.lost
        srv.close()
        await srv.wait_closed()
    run(main, debug=True)


def test_python_fallback_by_environment():
    code = (
        "import asyncio, socket, trioaio\n"
        "async def main():\n"
        "    loop = asyncio.get_running_loop()\n"
        "    a, b = socket.socketpair()\n"
        "    t, p = await loop.connect_accepted_socket(asyncio.Protocol, a)\n"
        "    print(type(t).__name__)\n"
        "    t.close()\n"
        "    b.close()\n"
        "loop = trioaio.SyncTrioEventLoop()\n"
        "loop.run_until_complete(main())\n"
        "loop.close()\n")
    for value, name in (("1", "_SelectorSocketTransport"),
                        ("0", "StreamTransport")):
        env = dict(os.environ, TRIOAIO_PY_TRANSPORTS=value)
        out = subprocess.run([sys.executable, "-c", code], env=env,
                             capture_output=True, text=True, check=True)
        assert out.stdout.strip() == name


def test_loop_closed_first():
    before = counts()
    holder = []

    async def main(loop):
        a, b = socket.socketpair()
        t, p = await loop.connect_accepted_socket(Recorder, a)
        holder.extend([t, p, b])
    run(main)  # closes the loop with the transport open
    t, p, b = holder
    holder.clear()
    assert "fd=" in repr(t)
    with pytest.raises(RuntimeError, match="closed"):
        t.write(b"x")
    with pytest.warns(ResourceWarning):
        del t, p
        gc.collect()
    b.close()
    assert counts() == before


@pytest.mark.parametrize("what", ["data_received", "get_buffer",
                                  "empty_buffer", "buffer_updated",
                                  "eof_received"])
def test_protocol_errors_are_fatal(what):
    reported = []

    class Failing(BufferedRecorder if what != "data_received" else Recorder):
        def data_received(self, data):
            raise ZeroDivisionError

        def get_buffer(self, sizehint):
            if what == "get_buffer":
                raise ZeroDivisionError
            if what == "empty_buffer":
                return bytearray()
            return super().get_buffer(sizehint)

        def buffer_updated(self, nbytes):
            if what == "buffer_updated":
                raise ZeroDivisionError
            super().buffer_updated(nbytes)

        def eof_received(self):
            super().eof_received()
            raise ZeroDivisionError

    async def main(loop):
        loop.set_exception_handler(lambda loop, ctx: reported.append(ctx))
        a, b = socket.socketpair()
        t, p = await loop.connect_accepted_socket(Failing, a)
        await p.made
        b.sendall(b"data")
        if what == "eof_received":
            b.shutdown(socket.SHUT_WR)
        exc = await p.lost
        b.close()
        expected = RuntimeError if what == "empty_buffer" else \
            ZeroDivisionError
        assert isinstance(exc, expected), repr(exc)
        assert p.losses() == [exc]
        assert len(reported) == 1
        assert reported[0]["transport"] is t
        assert ("protocol.%s() call failed" % (
            "get_buffer" if what == "empty_buffer" else what)
            in reported[0]["message"])
    run(main)


@pytest.mark.parametrize("where", ["data_received", "get_buffer"])
def test_system_exit_from_a_read_callback_propagates(where):
    import trioaio

    class ExitingPlain(Recorder):
        def data_received(self, data):
            raise SystemExit(3)

    class ExitingBuffered(BufferedRecorder):
        def get_buffer(self, sizehint):
            raise SystemExit(3)

    Exiting = ExitingPlain if where == "data_received" else ExitingBuffered

    loop = trioaio.SyncTrioEventLoop()
    a, b = socket.socketpair()
    try:
        t, p = loop.run_until_complete(
            loop.connect_accepted_socket(Exiting, a))
        b.sendall(b"bye")
        with pytest.raises(SystemExit):
            loop.run_forever()
        t.close()
        loop.run_until_complete(p.lost)
    finally:
        b.close()
        loop.close()


def test_writelines_of_many_pieces(tmp_path):
    async def main(loop):
        c, s, srv = await open_pair(loop, "tcp", tmp_path)
        pieces = [b"%04d" % i for i in range(200)]  # more than one writev
        c.transport.writelines(pieces)
        c.transport.writelines([b"a", bytearray(b"b"), memoryview(b"c")])
        expected = b"".join(pieces) + b"abc"
        assert await s.received(len(expected)) == expected
        with pytest.raises(TypeError):
            c.transport.writelines([b"x"] * 100 + ["text"])
        with pytest.raises(TypeError):
            c.transport.writelines(42)
        await close_pair(c, s, srv)
    run(main)


def test_constructor_errors():
    from trioaio import _core
    import trioaio
    dgram = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    a, b = socket.socketpair()
    loop = trioaio.SyncTrioEventLoop()
    try:
        with pytest.raises(TypeError, match="trioaio loop"):
            _core.StreamTransport(object(), a, Recorder)
        with pytest.raises(TypeError, match="fileno"):
            _core.StreamTransport(loop, object(), Recorder)
        with pytest.raises(TypeError,
                           match="extra must be a dict or None"):
            _core.StreamTransport(loop, a, asyncio.Protocol(), None, [])

        class NoFamily(socket.socket):
            family = socket.AF_PACKET if hasattr(socket, "AF_PACKET") \
                else 12345

        sock = NoFamily(fileno=os.dup(a.fileno()))
        with pytest.raises(ValueError, match="AF_UNIX"):
            _core.StreamTransport(loop, sock, asyncio.Protocol())
        sock.close()
        assert a.fileno() >= 0  # a failed constructor leaves it
    finally:
        loop.close()
        dgram.close()
        b.close()
    with pytest.raises(RuntimeError, match="closed"):
        _core.StreamTransport(loop, a, asyncio.Protocol())
    a.close()


def test_an_eof_received_result_without_a_truth_value_is_fatal():
    # As uvloop.  Stock asyncio reports the error from its reader callback
    # and leaves the reader on, which the EOF fires again at once, forever.
    reported = []

    class NoTruth:
        def __bool__(self):
            raise ZeroDivisionError

    class Answering(Recorder):
        def eof_received(self):
            super().eof_received()
            return NoTruth()

    async def main(loop):
        loop.set_exception_handler(lambda loop, ctx: reported.append(ctx))
        a, b = socket.socketpair()
        t, p = await loop.connect_accepted_socket(Answering, a)
        b.shutdown(socket.SHUT_WR)
        exc = await p.lost
        b.close()
        assert isinstance(exc, ZeroDivisionError)
        assert p.events == ["made", "eof", ("lost", exc)]
        (context,) = reported
        assert context["message"] == (
            "Fatal error: protocol.eof_received() call failed.")
        assert context["exception"] is exc
    run(main)


def test_the_private_attributes_asyncio_uses():
    reported = []

    async def main(loop):
        loop.set_exception_handler(lambda loop, ctx: reported.append(ctx))
        a, b = socket.socketpair()
        t, p = await loop.connect_accepted_socket(Recorder, a)
        assert t._sock is a and t._server is None and t._protocol is p
        other = Recorder()
        t._protocol = other
        assert t.get_protocol() is other
        t._protocol = None
        assert t.get_protocol() is None
        t._protocol = p
        del t._protocol
        assert t._protocol is None
        t.set_protocol(p)
        for bad in [(), (ValueError(), 42), (ValueError(), "a", "b")]:
            with pytest.raises(TypeError, match="_fatal_error"):
                t._fatal_error(*bad)
        exc = ValueError("boom")
        t._fatal_error(exc)
        assert await p.lost is exc
        (context,) = reported
        assert context["message"] == "Fatal error on transport"
        assert context["exception"] is exc
        assert t._sock is None and "closed" in repr(t)
        # After connection_lost `_loop` is None: as asyncio's, this fails.
        with pytest.raises(AttributeError):
            t._fatal_error(exc, "again")
        b.close()
    run(main)


@pytest.mark.parametrize("warnings_are", ["shown", "errors"])
def test_an_unclosed_transport_dropped_while_the_loop_runs(
        warnings_are, monkeypatch):
    import warnings
    before = counts()
    unraisable = []
    monkeypatch.setattr("sys.unraisablehook", unraisable.append)

    async def main(loop):
        a, b = socket.socketpair()
        t, p = await loop.connect_accepted_socket(Recorder, a)
        t.pause_reading()  # the loop no longer holds it
        with warnings.catch_warnings(record=True) as shown:
            warnings.simplefilter(
                "error" if warnings_are == "errors" else "always",
                ResourceWarning)
            del t, p
            gc.collect()
        assert a.fileno() == -1  # the finalizer closed the socket
        if warnings_are == "errors":
            (report,) = unraisable
            assert isinstance(report.exc_value, ResourceWarning)
            del report
        else:
            assert unraisable == []
            assert [str(w.message)[:19] for w in shown] == [
                "unclosed transport "]
        del unraisable[:]
        b.close()
    run(main)
    assert counts() == before


def test_a_partial_writev_queues_from_the_right_piece():
    # More than the socket pair takes at once, after a small piece: the
    # kernel takes the first piece whole and part of the second.
    big = bytes(range(256)) * (16 << 10)  # 4 MiB

    async def main(loop):
        a, b = socket.socketpair()
        b.setblocking(False)
        t, p = await loop.connect_accepted_socket(Recorder, a)
        # A high-water mark beyond Py_ssize_t: never paused.
        t.set_write_buffer_limits(high=2 ** 70)
        t.writelines([b"head", big, b"tail"])
        assert t.get_write_buffer_size() > 0
        got = bytearray()
        while len(got) < len(big) + 8:
            got += await asyncio.wait_for(loop.sock_recv(b, 1 << 20), 5)
        assert got == b"head" + big + b"tail"
        assert p.count("pause") == 0
        t.close()
        await p.lost
        b.close()
    run(main)
