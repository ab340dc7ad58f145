"""Server objects, connections made from sockets, asyncio streams, TLS
and sendfile, on stock asyncio, uvloop and trioaio (in Trio and
standalone).  See _transport_kit.py."""
import asyncio
import errno
import os
import socket
import ssl

import pytest

from _testbase import AsyncioCase, TrioAioCase
from _transport_kit import (LOCALHOST, PROTOCOLS, LoopFacts, SyncTrioAioCase,
                            UvloopCase, close_pair, crc, pattern,
                            recorder_factory, settle)
from test_io import tls  # noqa: F401  (trustme certificates, a fixture)

FAMILIES = pytest.mark.parametrize("family", ["tcp", "unix"])
KINDS = pytest.mark.parametrize("kind", ["Protocol", "BufferedProtocol"])


async def _server(loop, family, tmp_path, factory=None, **kwargs):
    """A server of *family*; (server, connect) where ``await connect()``
    opens a client connection to it: (transport, Recorder)."""
    factory = factory or recorder_factory("Protocol")
    if family == "tcp":
        srv = await loop.create_server(factory, LOCALHOST, 0, **kwargs)
        port = srv.sockets[0].getsockname()[1]

        def connect(proto="Protocol", **kw):
            return loop.create_connection(PROTOCOLS[proto], LOCALHOST, port,
                                          **kw)
    else:
        path = str(tmp_path / "srv.sock")
        srv = await loop.create_unix_server(factory, path, **kwargs)

        def connect(proto="Protocol", **kw):
            return loop.create_unix_connection(PROTOCOLS[proto], path, **kw)
    return srv, connect


async def _first_accepted(factory):
    while not factory.made:
        await asyncio.sleep(0)
    proto = factory.made[0]
    await proto.made
    return proto


class _TestServers(LoopFacts):

    @FAMILIES
    def test_server_object(self, family, tmp_path):
        async def main(loop):
            factory = recorder_factory("Protocol")
            srv, connect = await _server(loop, family, tmp_path, factory)
            assert srv.is_serving()
            assert srv.get_loop() is loop
            assert len(srv.sockets) == 1
            want = socket.AF_INET if family == "tcp" else socket.AF_UNIX
            assert srv.sockets[0].family == want
            _, c = await connect()
            s = await _first_accepted(factory)
            c.transport.write(b"hello")
            assert await s.received(5) == b"hello"
            srv.close()
            assert not srv.is_serving()
            # asyncio returns (), uvloop [] once closed: no socket either way
            assert len(srv.sockets) == 0
            srv.close()  # again: nothing more
            # A closed server accepts nothing new ...
            with pytest.raises((ConnectionRefusedError, FileNotFoundError)):
                await connect()
            # ... and leaves the connections it made open.
            s.transport.write(b"still here")
            assert await c.received(10) == b"still here"
            await close_pair(c, s, srv)
            await srv.wait_closed()
        self.run_aio(main)

    @FAMILIES
    def test_start_serving_false_then_start_serving(self, family, tmp_path):
        async def main(loop):
            factory = recorder_factory("Protocol")
            srv, connect = await _server(loop, family, tmp_path, factory,
                                         start_serving=False)
            assert not srv.is_serving()
            assert len(srv.sockets) == 1  # bound already
            await srv.start_serving()
            assert srv.is_serving()
            await srv.start_serving()  # again: nothing more
            _, c = await connect()
            s = await _first_accepted(factory)
            await close_pair(c, s, srv)
            assert not srv.is_serving()
        self.run_aio(main)

    @FAMILIES
    def test_serve_forever(self, family, tmp_path):
        async def main(loop):
            factory = recorder_factory("Protocol")
            srv, connect = await _server(loop, family, tmp_path, factory,
                                         start_serving=False)
            task = loop.create_task(srv.serve_forever())
            await settle(loop)
            assert srv.is_serving() and not task.done()
            with pytest.raises(RuntimeError):
                await srv.serve_forever()  # one serve_forever at a time
            _, c = await connect()
            s = await _first_accepted(factory)
            c.transport.write(b"ping")
            assert await s.received(4) == b"ping"
            c.transport.close()
            await s.lost
            task.cancel()
            await asyncio.wait([task])
            assert task.cancelled()
            # serve_forever() closes the server when cancelled
            assert not srv.is_serving()
            await srv.wait_closed()
        self.run_aio(main)

    @FAMILIES
    def test_close_ends_serve_forever(self, family, tmp_path):
        async def main(loop):
            srv, connect = await _server(loop, family, tmp_path,
                                         start_serving=False)
            task = loop.create_task(srv.serve_forever())
            await settle(loop)
            assert srv.is_serving()
            srv.close()
            # (asyncio.wait: a timeout must not pass for the task's end)
            done, _ = await asyncio.wait([task], timeout=0.5 if self.is_uvloop
                                         else 5)
            if self.is_uvloop:
                # uvloop's close() leaves serve_forever() waiting: only
                # cancelling the task ends it.
                assert not done
                task.cancel()
                await asyncio.wait([task])
            assert task.cancelled()
            assert not srv.is_serving()
            await srv.wait_closed()
        self.run_aio(main)

    @FAMILIES
    def test_async_with_closes_the_server(self, family, tmp_path):
        async def main(loop):
            srv, connect = await _server(loop, family, tmp_path)
            async with srv as entered:
                assert entered is srv and srv.is_serving()
                t, c = await connect()
                t.close()
                await c.lost
            assert not srv.is_serving()
            with pytest.raises((ConnectionRefusedError, FileNotFoundError)):
                await connect()
        self.run_aio(main)

    def test_create_server_on_a_given_socket(self):
        async def main(loop):
            sock = socket.socket()
            sock.bind((LOCALHOST, 0))
            addr = sock.getsockname()
            factory = recorder_factory("Protocol")
            srv = await loop.create_server(factory, sock=sock)
            assert srv.sockets[0].getsockname() == addr
            _, c = await loop.create_connection(PROTOCOLS["Protocol"], *addr)
            s = await _first_accepted(factory)
            await close_pair(c, s, srv)
        self.run_aio(main)

    def test_create_server_on_a_port_in_use(self):
        async def main(loop):
            busy = socket.socket()
            busy.bind((LOCALHOST, 0))
            busy.listen()
            with busy:
                with pytest.raises(OSError) as info:
                    await loop.create_server(asyncio.Protocol, LOCALHOST,
                                             busy.getsockname()[1],
                                             reuse_address=False)
                assert info.value.errno == errno.EADDRINUSE
        self.run_aio(main)

    def test_create_unix_connection_errors(self, tmp_path):
        async def main(loop):
            missing = str(tmp_path / "nobody.sock")
            with pytest.raises(FileNotFoundError):
                await loop.create_unix_connection(asyncio.Protocol, missing)
            stale = str(tmp_path / "stale.sock")
            sock = socket.socket(socket.AF_UNIX)
            sock.bind(stale)
            sock.close()  # the file stays, nobody listens
            with pytest.raises(ConnectionRefusedError):
                await loop.create_unix_connection(asyncio.Protocol, stale)
        self.run_aio(main)

    @FAMILIES
    def test_connect_accepted_socket(self, family, tmp_path):
        async def main(loop):
            if family == "tcp":
                lsock = socket.socket()
                lsock.bind((LOCALHOST, 0))
                addr = lsock.getsockname()
            else:
                lsock = socket.socket(socket.AF_UNIX)
                addr = str(tmp_path / "raw.sock")
                lsock.bind(addr)
            lsock.listen()
            lsock.setblocking(False)
            with lsock:
                if family == "tcp":
                    _, c = await loop.create_connection(
                        PROTOCOLS["Protocol"], *addr)
                else:
                    _, c = await loop.create_unix_connection(
                        PROTOCOLS["Protocol"], addr)
                conn, _ = await loop.sock_accept(lsock)
                t, s = await loop.connect_accepted_socket(
                    PROTOCOLS["Protocol"], conn)
                assert s.transport is t
                assert t.get_extra_info("sockname") == conn.getsockname()
                c.transport.write(b"to the accepted side")
                assert await s.received(20) == b"to the accepted side"
                t.write(b"and back")
                assert await c.received(8) == b"and back"
                t.close()
                assert await s.lost is None
                await c.eof
                assert await c.lost is None
        self.run_aio(main)

    @FAMILIES
    def test_create_connection_on_a_connected_socket(self, family,
                                                     tmp_path):
        async def main(loop):
            factory = recorder_factory("Protocol")
            srv, _ = await _server(loop, family, tmp_path, factory)
            sock = socket.socket(srv.sockets[0].family)
            sock.connect(srv.sockets[0].getsockname())
            sock.setblocking(False)
            if family == "tcp":
                t, c = await loop.create_connection(PROTOCOLS["Protocol"],
                                                    sock=sock)
            else:
                t, c = await loop.create_unix_connection(
                    PROTOCOLS["Protocol"], sock=sock)
            assert t.get_extra_info("peername") == sock.getpeername()
            s = await _first_accepted(factory)
            t.write(b"over a given socket")
            assert await s.received(19) == b"over a given socket"
            await close_pair(c, s, srv)
        self.run_aio(main)


class _TestStreamsApi(LoopFacts):
    """open_connection / start_server (asyncio's streams over the loop's
    transports)."""

    async def _open(self, family, tmp_path, handler, **kwargs):
        if family == "tcp":
            srv = await asyncio.start_server(handler, LOCALHOST, 0, **kwargs)
            port = srv.sockets[0].getsockname()[1]
            return srv, await asyncio.open_connection(LOCALHOST, port,
                                                      **kwargs)
        path = str(tmp_path / "streams.sock")
        srv = await asyncio.start_unix_server(handler, path, **kwargs)
        return srv, await asyncio.open_unix_connection(path, **kwargs)

    @FAMILIES
    def test_readexactly_readline_readuntil(self, family, tmp_path):
        async def main(loop):
            async def handler(reader, writer):
                writer.write(b"line one\nrecord|" + b"x" * 600 + b"tail")
                await writer.drain()
                writer.close()

            srv, (reader, writer) = await self._open(family, tmp_path,
                                                     handler, limit=256)
            async with srv:
                assert await reader.readline() == b"line one\n"
                assert await reader.readuntil(b"|") == b"record|"
                assert await reader.readexactly(100) == b"x" * 100
                with pytest.raises(asyncio.LimitOverrunError):
                    await reader.readuntil(b"!")  # > limit, no separator
                assert await reader.readexactly(500) == b"x" * 500
                with pytest.raises(asyncio.IncompleteReadError) as info:
                    await reader.readexactly(10)
                assert info.value.partial == b"tail"
                assert reader.at_eof()
                assert await reader.read() == b""
                writer.close()
                await writer.wait_closed()
        self.run_aio(main)

    @FAMILIES
    def test_drain_waits_for_a_slow_reader(self, family, tmp_path):
        async def main(loop):
            go = loop.create_future()
            got = loop.create_future()

            async def handler(reader, writer):
                await go  # slow: reads nothing until told
                value = total = 0
                while chunk := await reader.read(1 << 16):
                    total += len(chunk)
                    value = crc(chunk, value)
                got.set_result((total, value))
                writer.close()

            srv, (reader, writer) = await self._open(family, tmp_path,
                                                     handler)
            async with srv:
                sent = value = index = 0
                drain = None
                while drain is None or drain.done():
                    if drain is not None:
                        await drain
                    block = pattern(index)
                    writer.write(block)
                    sent += len(block)
                    value = crc(block, value)
                    index += 1
                    drain = loop.create_task(writer.drain())
                    await settle(loop, rounds=2)
                    assert sent < 256 << 20, "drain() never waited"
                # drain() waits while the reader does not read ...
                assert writer.transport.get_write_buffer_size() > 65536
                await settle(loop)
                assert not drain.done()
                go.set_result(None)
                await drain  # ... and returns once it does
                writer.write_eof()
                assert await got == (sent, value)
                assert await reader.read() == b""
                writer.close()
                await writer.wait_closed()
        self.run_aio(main)

    @FAMILIES
    def test_writer_half_close_and_extra_info(self, family, tmp_path):
        async def main(loop):
            async def handler(reader, writer):
                data = await reader.read()  # to EOF
                writer.write(data[::-1])
                await writer.drain()
                writer.close()

            srv, (reader, writer) = await self._open(family, tmp_path,
                                                     handler)
            async with srv:
                assert writer.can_write_eof()
                assert writer.get_extra_info("socket") is not None
                assert writer.get_extra_info("peername") is not None
                writer.write(b"drawer")
                writer.write_eof()
                assert await reader.read() == b"reward"
                assert not writer.is_closing()
                writer.close()
                assert writer.is_closing()
                await writer.wait_closed()
        self.run_aio(main)


class _TestTLS(LoopFacts):

    async def _tls_pair(self, loop, tls, kind="Protocol"):
        server_ctx, client_ctx = tls
        factory = recorder_factory(kind)
        srv = await loop.create_server(factory, LOCALHOST, 0, ssl=server_ctx)
        port = srv.sockets[0].getsockname()[1]
        _, c = await loop.create_connection(
            PROTOCOLS[kind], LOCALHOST, port, ssl=client_ctx,
            server_hostname="localhost")
        s = await _first_accepted(factory)
        return c, s, srv

    @KINDS
    def test_tls_transport_both_ways(self, kind, tls):
        async def main(loop):
            c, s, srv = await self._tls_pair(loop, tls, kind)
            ct = c.transport
            obj = ct.get_extra_info("ssl_object")
            assert isinstance(obj, (ssl.SSLObject, ssl.SSLSocket))
            assert obj.server_hostname == "localhost"
            assert ct.get_extra_info("sslcontext") is tls[1]
            assert ct.get_extra_info("peercert")["subjectAltName"] == (
                ("DNS", "localhost"),)
            assert len(ct.get_extra_info("cipher")) == 3
            assert ct.get_extra_info("peername") == \
                srv.sockets[0].getsockname()
            assert ct.get_extra_info("socket") is not None
            # asyncio's TLS transports cannot half-close (no TLS EOF alone)
            assert not ct.can_write_eof()
            size = 16 * 65536
            blocks = [pattern(i) for i in range(size // 65536)]
            ct.writelines(blocks[:4])
            for block in blocks[4:]:
                ct.write(block)
            got = await s.received(size)
            assert len(got) == size and crc(got) == crc(b"".join(blocks))
            s.transport.write(b"server reply")
            assert await c.received(12) == b"server reply"
            if kind == "BufferedProtocol":
                assert s.get_buffer_calls >= size // s.buffer_size
            await close_pair(c, s, srv)
            await settle(loop)
            assert c.losses() == [None] and s.losses() == [None]
        self.run_aio(main)

    def test_tls_flow_control_under_a_slow_reader(self, tls):
        # The TLS layer has its own write buffer and limits; the one below
        # it is the loop's transport, read through asyncio's buffered TLS
        # protocol.
        async def main(loop):
            c, s, srv = await self._tls_pair(loop, tls)
            s.transport.pause_reading()
            ct = c.transport
            ct.set_write_buffer_limits(high=65536)
            written = value = index = 0
            while not c.paused.done():
                block = pattern(index)
                ct.write(block)
                written += len(block)
                value = crc(block, value)
                index += 1
                assert written < 256 << 20, "never paused"
                await asyncio.sleep(0)
            assert ct.get_write_buffer_size() > 0
            s.transport.resume_reading()
            await c.resumed
            got = await s.received(written)
            assert len(got) == written and crc(got) == value
            ct.close()  # flushes, then the TLS close_notify
            assert await c.lost is None
            await s.lost
            srv.close()
            await srv.wait_closed()
        self.run_aio(main)

    def test_loop_start_tls_on_a_protocol_transport(self, tls):
        server_ctx, client_ctx = tls

        async def main(loop):
            factory = recorder_factory("Protocol")
            srv = await loop.create_server(factory, LOCALHOST, 0)
            port = srv.sockets[0].getsockname()[1]
            plain, c = await loop.create_connection(PROTOCOLS["Protocol"],
                                                    LOCALHOST, port)
            s = await _first_accepted(factory)
            plain.write(b"STARTTLS")
            assert await s.received(8) == b"STARTTLS"
            server_side = loop.create_task(loop.start_tls(
                s.transport, s, server_ctx, server_side=True))
            tls_client = await loop.start_tls(
                plain, c, client_ctx, server_hostname="localhost")
            tls_server = await server_side
            assert tls_client.get_extra_info("ssl_object") is not None
            assert plain.get_extra_info("ssl_object") is None
            # the protocols stay, the new transports carry the data
            tls_client.write(b" secret")
            assert await s.received(15) == b"STARTTLS secret"
            tls_server.write(b"ok")
            assert await c.received(2) == b"ok"
            tls_client.close()
            assert await c.lost is None
            assert await s.lost is None
            await settle(loop)
            assert c.losses() == [None] and s.losses() == [None]
            srv.close()
            await srv.wait_closed()
        self.run_aio(main)


class _TestSendfile(LoopFacts):

    def setup_method(self, method):
        super().setup_method(method)
        # uvloop has no loop.sendfile() (it raises NotImplementedError).
        self.no_sendfile = self.is_uvloop

    @FAMILIES
    def test_sendfile(self, family, tmp_path):
        path = tmp_path / "payload.bin"
        content = b"".join(pattern(i, 4096) for i in range(256))  # 1 MiB
        path.write_bytes(content)

        async def main(loop):
            factory = recorder_factory("Protocol")
            srv, connect = await _server(loop, family, tmp_path, factory)
            t, c = await connect()
            s = await _first_accepted(factory)
            with open(path, "rb") as f:
                if self.no_sendfile:
                    with pytest.raises(NotImplementedError):
                        await loop.sendfile(t, f)
                    await close_pair(c, s, srv)
                    return
                sent = await loop.sendfile(t, f)
                assert sent == len(content)
                assert f.tell() == len(content)
                f.seek(0)
                sent = await loop.sendfile(t, f, offset=1000, count=5000)
                assert sent == 5000
                assert f.tell() == 6000
            expected = content + content[1000:6000]
            got = await s.received(len(expected))
            assert got == expected
            t.write(b"and after")  # the transport goes on as usual
            assert (await s.received(len(expected) + 9))[-9:] == \
                b"and after"
            await close_pair(c, s, srv)
        self.run_aio(main)

    def test_sendfile_over_tls_falls_back(self, tls, tmp_path):
        path = tmp_path / "payload.bin"
        content = os.urandom(300_000)
        path.write_bytes(content)

        async def main(loop):
            c, s, srv = await _TestTLS._tls_pair(self, loop, tls)
            with open(path, "rb") as f:
                if self.no_sendfile:
                    with pytest.raises(NotImplementedError):
                        await loop.sendfile(c.transport, f)
                    await close_pair(c, s, srv)
                    return
                assert await loop.sendfile(c.transport, f) == len(content)
            assert await s.received(len(content)) == content
            await close_pair(c, s, srv)
        self.run_aio(main)


class TestServers_asyncio(_TestServers, AsyncioCase):
    pass


class TestServers_uvloop(_TestServers, UvloopCase):
    pass


class TestServers_trioaio(_TestServers, TrioAioCase):
    pass


class TestServers_sync(_TestServers, SyncTrioAioCase):
    pass


class TestStreamsApi_asyncio(_TestStreamsApi, AsyncioCase):
    pass


class TestStreamsApi_uvloop(_TestStreamsApi, UvloopCase):
    pass


class TestStreamsApi_trioaio(_TestStreamsApi, TrioAioCase):
    pass


class TestStreamsApi_sync(_TestStreamsApi, SyncTrioAioCase):
    pass


class TestTLS_asyncio(_TestTLS, AsyncioCase):
    pass


class TestTLS_uvloop(_TestTLS, UvloopCase):
    pass


class TestTLS_trioaio(_TestTLS, TrioAioCase):
    pass


class TestTLS_sync(_TestTLS, SyncTrioAioCase):
    pass


class TestSendfile_asyncio(_TestSendfile, AsyncioCase):
    pass


class TestSendfile_uvloop(_TestSendfile, UvloopCase):
    pass


class TestSendfile_trioaio(_TestSendfile, TrioAioCase):
    pass


class TestSendfile_sync(_TestSendfile, SyncTrioAioCase):
    pass
