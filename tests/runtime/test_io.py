"""File descriptors, sockets, streams, TLS, subprocesses and signals.

Asyncio's own behaviour: every test runs on stock asyncio and on trioaio.
"""
import asyncio
import os
import signal
import socket
import sys
import threading

import pytest

from _testbase import AsyncioCase, TrioAioCase

LOCALHOST = "127.0.0.1"


def _socketpair():
    a, b = socket.socketpair()
    a.setblocking(False)
    b.setblocking(False)
    return a, b


async def _echo_handler(reader, writer):
    # Echo lines until EOF.
    while True:
        line = await reader.readline()
        if not line:
            break
        writer.write(line)
        await writer.drain()
    writer.close()
    await writer.wait_closed()


class _TestFds:

    def test_add_reader_fires_when_readable(self):
        async def main(loop):
            a, b = _socketpair()
            try:
                got = loop.create_future()

                def on_readable(tag):
                    loop.remove_reader(a)
                    got.set_result((tag, a.recv(100)))
                loop.add_reader(a, on_readable, "tag")
                b.send(b"ping")
                return await got
            finally:
                a.close()
                b.close()
        assert self.run_aio(main) == ("tag", b"ping")

    def test_add_reader_accepts_fileno(self):
        async def main(loop):
            a, b = _socketpair()
            try:
                got = loop.create_future()
                loop.add_reader(a.fileno(), lambda: got.set_result(a.recv(10)))
                b.send(b"x")
                result = await got
                assert loop.remove_reader(a.fileno())
                return result
            finally:
                a.close()
                b.close()
        assert self.run_aio(main) == b"x"

    def test_reader_fires_repeatedly_until_removed(self):
        async def main(loop):
            a, b = _socketpair()
            try:
                chunks = []
                three = loop.create_future()

                def on_readable():
                    chunks.append(a.recv(1))
                    if len(chunks) == 3:
                        loop.remove_reader(a)
                        three.set_result(None)
                loop.add_reader(a, on_readable)
                b.send(b"abc")
                await three
                return b"".join(chunks)
            finally:
                a.close()
                b.close()
        assert self.run_aio(main) == b"abc"

    def test_remove_reader_result(self):
        async def main(loop):
            a, b = _socketpair()
            try:
                assert not loop.remove_reader(a)
                loop.add_reader(a, lambda: 1 / 0)
                assert loop.remove_reader(a)
                assert not loop.remove_reader(a)
                # A removed reader no longer fires (its callback would
                # fail the test through the exception handler).  A negative
                # check has nothing to wait for, so give it a few passes.
                b.send(b"data")
                await asyncio.sleep(0.01)
            finally:
                a.close()
                b.close()
        self.run_aio(main)

    def test_replacing_a_reader(self):
        async def main(loop):
            a, b = _socketpair()
            try:
                got = loop.create_future()
                loop.add_reader(a, lambda: got.set_result("old"))
                loop.add_reader(a, lambda: got.set_result("new"))
                b.send(b"x")
                result = await got
                loop.remove_reader(a)
                return result
            finally:
                a.close()
                b.close()
        assert self.run_aio(main) == "new"

    def test_add_writer_fires_when_writable(self):
        async def main(loop):
            a, b = _socketpair()
            try:
                got = loop.create_future()

                def on_writable():
                    loop.remove_writer(a)
                    a.send(b"via writer")
                    got.set_result(None)
                loop.add_writer(a, on_writable)
                await got
                assert not loop.remove_writer(a)
                reader_done = loop.create_future()
                loop.add_reader(b, lambda: reader_done.set_result(b.recv(100)))
                data = await reader_done
                loop.remove_reader(b)
                return data
            finally:
                a.close()
                b.close()
        assert self.run_aio(main) == b"via writer"

    def test_reader_and_writer_on_one_fd(self):
        async def main(loop):
            a, b = _socketpair()
            try:
                events = []
                both = loop.create_future()

                def note(kind):
                    events.append(kind)
                    if kind == "w":
                        loop.remove_writer(a)
                    else:
                        loop.remove_reader(a)
                    if len(events) == 2:
                        both.set_result(None)
                loop.add_reader(a, note, "r")
                loop.add_writer(a, note, "w")
                b.send(b"x")
                await both
                return sorted(events)
            finally:
                a.close()
                b.close()
        assert self.run_aio(main) == ["r", "w"]

    def test_reader_callback_error_goes_to_handler(self):
        async def main(loop):
            a, b = _socketpair()
            reported = loop.create_future()
            loop.set_exception_handler(
                lambda lp, ctx: reported.set_result(ctx))
            try:
                def bad():
                    loop.remove_reader(a)
                    raise ZeroDivisionError
                loop.add_reader(a, bad)
                b.send(b"x")
                ctx = await reported
                return type(ctx["exception"])
            finally:
                a.close()
                b.close()
        assert self.run_aio(main) is ZeroDivisionError

    def test_many_fds_ready_at_once(self):
        async def main(loop):
            pairs = [_socketpair() for _ in range(50)]
            try:
                seen = set()
                all_seen = loop.create_future()

                def on_readable(i, sock):
                    loop.remove_reader(sock)
                    seen.add((i, sock.recv(10)))
                    if len(seen) == len(pairs):
                        all_seen.set_result(None)
                for i, (a, b) in enumerate(pairs):
                    loop.add_reader(a, on_readable, i, a)
                for i, (a, b) in enumerate(pairs):
                    b.send(b"%d" % i)
                await all_seen
                return seen
            finally:
                for a, b in pairs:
                    a.close()
                    b.close()
        assert self.run_aio(main) == {(i, b"%d" % i) for i in range(50)}


    def test_remove_reader_after_the_fd_was_closed(self):
        async def main(loop):
            a, b = _socketpair()
            fd = a.fileno()
            loop.add_reader(fd, lambda: 1 / 0)
            a.close()  # closed while still registered
            loop.remove_reader(fd)
            b.close()
            # The loop is still fine.
            await asyncio.sleep(0)
            return "ok"
        assert self.run_aio(main) == "ok"

    def test_fd_number_reused_after_close(self):
        async def main(loop):
            results = []
            for round_ in range(5):
                a, b = _socketpair()
                try:
                    got = loop.create_future()
                    loop.add_reader(a, lambda: got.set_result(a.recv(10)))
                    b.send(b"r%d" % round_)
                    results.append((a.fileno(), await got))
                    loop.remove_reader(a)
                finally:
                    a.close()
                    b.close()
            return results
        results = self.run_aio(main)
        assert [data for _, data in results] == [b"r%d" % i for i in range(5)]
        # The kernel hands out the lowest free number: the same fds come
        # back each round, which is what this test is about.
        assert len({fd for fd, _ in results}) == 1

    def test_writer_on_socket_closed_by_peer(self):
        async def main(loop):
            a, b = _socketpair()
            try:
                b.close()
                fired = loop.create_future()

                def on_writable():
                    loop.remove_writer(a)
                    try:
                        a.send(b"x")
                    except OSError as exc:
                        fired.set_result(type(exc))
                    else:
                        fired.set_result(None)
                loop.add_writer(a, on_writable)
                return await fired
            finally:
                a.close()
        assert self.run_aio(main) in (BrokenPipeError, ConnectionResetError)


class _TestSockets:

    def test_sock_methods_on_socketpair(self):
        async def main(loop):
            a, b = _socketpair()
            try:
                await loop.sock_sendall(a, b"hello world")
                data = await loop.sock_recv(b, 5)
                buf = bytearray(6)
                n = await loop.sock_recv_into(b, buf)
                return data, bytes(buf[:n])
            finally:
                a.close()
                b.close()
        assert self.run_aio(main) == (b"hello", b" world")

    def test_sock_connect_and_accept(self):
        async def main(loop):
            listener = socket.socket()
            listener.bind((LOCALHOST, 0))
            listener.listen()
            listener.setblocking(False)
            client = socket.socket()
            client.setblocking(False)
            try:
                accept = loop.create_task(loop.sock_accept(listener))
                await loop.sock_connect(client, listener.getsockname())
                conn, addr = await accept
                with conn:
                    await loop.sock_sendall(client, b"over tcp")
                    return await loop.sock_recv(conn, 100)
            finally:
                client.close()
                listener.close()
        assert self.run_aio(main) == b"over tcp"

    def test_sock_recv_waits_for_data(self):
        async def main(loop):
            a, b = _socketpair()
            try:
                recv = loop.create_task(loop.sock_recv(b, 10))
                await asyncio.sleep(0)
                assert not recv.done()
                a.send(b"late")
                return await recv
            finally:
                a.close()
                b.close()
        assert self.run_aio(main) == b"late"

    def test_getaddrinfo_and_getnameinfo(self):
        async def main(loop):
            infos = await loop.getaddrinfo(
                LOCALHOST, 80, type=socket.SOCK_STREAM)
            assert infos
            family, type_, proto, _, addr = infos[0]
            assert family == socket.AF_INET and type_ == socket.SOCK_STREAM
            assert addr == (LOCALHOST, 80)
            host, port = await loop.getnameinfo(
                (LOCALHOST, 80), socket.NI_NUMERICHOST | socket.NI_NUMERICSERV)
            return host, port
        assert self.run_aio(main) == (LOCALHOST, "80")

    def test_getaddrinfo_error(self):
        async def main(loop):
            with pytest.raises(socket.gaierror):
                await loop.getaddrinfo("name.invalid", 80)
        self.run_aio(main)


class _TestStreams:

    def test_tcp_stream_echo(self):
        async def main(loop):
            server = await asyncio.start_server(_echo_handler, LOCALHOST, 0)
            port = server.sockets[0].getsockname()[1]
            async with server:
                reader, writer = await asyncio.open_connection(LOCALHOST, port)
                replies = []
                for i in range(3):
                    writer.write(b"line %d\n" % i)
                    replies.append(await reader.readline())
                writer.write_eof()
                assert await reader.read() == b""
                writer.close()
                await writer.wait_closed()
            return replies
        assert self.run_aio(main) == [b"line 0\n", b"line 1\n", b"line 2\n"]

    def test_create_server_and_connection_with_protocols(self):
        async def main(loop):
            received = loop.create_future()
            lost = loop.create_future()

            class Server(asyncio.Protocol):
                def connection_made(self, transport):
                    self.transport = transport

                def data_received(self, data):
                    self.transport.write(data.upper())

            class Client(asyncio.Protocol):
                def data_received(self, data):
                    received.set_result(data)

                def connection_lost(self, exc):
                    lost.set_result(exc)

            server = await loop.create_server(Server, LOCALHOST, 0)
            port = server.sockets[0].getsockname()[1]
            transport, _ = await loop.create_connection(Client, LOCALHOST, port)
            transport.write(b"shout")
            data = await received
            transport.close()
            assert await lost is None
            server.close()
            await server.wait_closed()
            return data
        assert self.run_aio(main) == b"SHOUT"

    def test_create_connection_refused(self):
        async def main(loop):
            s = socket.socket()
            s.bind((LOCALHOST, 0))
            port = s.getsockname()[1]
            s.close()  # nobody listens there now
            with pytest.raises(ConnectionRefusedError):
                await asyncio.open_connection(LOCALHOST, port)
        self.run_aio(main)

    def test_unix_stream_echo(self, tmp_path):
        path = str(tmp_path / "echo.sock")

        async def main(loop):
            server = await asyncio.start_unix_server(_echo_handler, path)
            async with server:
                reader, writer = await asyncio.open_unix_connection(path)
                writer.write(b"over unix\n")
                line = await reader.readline()
                writer.close()
                await writer.wait_closed()
            return line
        assert self.run_aio(main) == b"over unix\n"

    def test_datagram_endpoints(self):
        async def main(loop):
            got = loop.create_future()

            class Echo(asyncio.DatagramProtocol):
                def connection_made(self, transport):
                    self.transport = transport

                def datagram_received(self, data, addr):
                    self.transport.sendto(data[::-1], addr)

            class Client(asyncio.DatagramProtocol):
                def datagram_received(self, data, addr):
                    got.set_result(data)

            server, _ = await loop.create_datagram_endpoint(
                Echo, local_addr=(LOCALHOST, 0))
            addr = server.get_extra_info("sockname")
            client, _ = await loop.create_datagram_endpoint(
                Client, remote_addr=addr)
            client.sendto(b"datagram")
            data = await got
            client.close()
            server.close()
            return data
        assert self.run_aio(main) == b"margatad"


@pytest.fixture(scope="module")
def tls():
    """(server_context, client_context) from a CA made at test time."""
    trustme = pytest.importorskip("trustme")
    import ssl
    ca = trustme.CA()
    cert = ca.issue_cert("localhost")
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    return server_ctx, client_ctx


class _TestTLS:

    def test_tls_stream_echo(self, tls):
        server_ctx, client_ctx = tls

        async def main(loop):
            server = await asyncio.start_server(
                _echo_handler, LOCALHOST, 0, ssl=server_ctx)
            port = server.sockets[0].getsockname()[1]
            async with server:
                reader, writer = await asyncio.open_connection(
                    LOCALHOST, port, ssl=client_ctx,
                    server_hostname="localhost")
                assert writer.get_extra_info("ssl_object") is not None
                writer.write(b"secret\n")
                line = await reader.readline()
                writer.close()
                await writer.wait_closed()
            return line
        assert self.run_aio(main) == b"secret\n"

    def test_tls_rejects_untrusted_server(self, tls):
        import ssl
        server_ctx, _ = tls

        async def main(loop):
            # The server side may report the aborted handshake; that, and
            # only that, is expected here.
            reports = []
            loop.set_exception_handler(lambda lp, ctx: reports.append(ctx))
            server = await asyncio.start_server(
                _echo_handler, LOCALHOST, 0, ssl=server_ctx)
            port = server.sockets[0].getsockname()[1]
            async with server:
                with pytest.raises(ssl.SSLCertVerificationError):
                    await asyncio.open_connection(
                        LOCALHOST, port, ssl=ssl.create_default_context(),
                        server_hostname="localhost")
            for ctx in reports:
                assert isinstance(ctx.get("exception"),
                                  (ConnectionError, ssl.SSLError)), ctx
        self.run_aio(main)

    def test_start_tls_upgrades_a_connection(self, tls):
        server_ctx, client_ctx = tls

        async def main(loop):
            async def handler(reader, writer):
                assert await reader.readline() == b"STARTTLS\n"
                writer.write(b"GO\n")
                await writer.drain()
                await writer.start_tls(server_ctx)
                await _echo_handler(reader, writer)

            server = await asyncio.start_server(handler, LOCALHOST, 0)
            port = server.sockets[0].getsockname()[1]
            async with server:
                reader, writer = await asyncio.open_connection(LOCALHOST, port)
                writer.write(b"STARTTLS\n")
                assert await reader.readline() == b"GO\n"
                assert writer.get_extra_info("ssl_object") is None
                await writer.start_tls(client_ctx, server_hostname="localhost")
                assert writer.get_extra_info("ssl_object") is not None
                writer.write(b"now encrypted\n")
                line = await reader.readline()
                writer.close()
                await writer.wait_closed()
            return line
        assert self.run_aio(main) == b"now encrypted\n"


class _TestBulk:

    def test_bulk_transfer_with_flow_control(self):
        size = 8 * 1024 * 1024

        async def main(loop):
            received = loop.create_future()

            async def sink(reader, writer):
                total = 0
                while chunk := await reader.read(1 << 16):
                    total += len(chunk)
                received.set_result(total)
                writer.close()

            server = await asyncio.start_server(sink, LOCALHOST, 0)
            port = server.sockets[0].getsockname()[1]
            async with server:
                reader, writer = await asyncio.open_connection(LOCALHOST, port)
                block = b"x" * (1 << 20)
                for _ in range(size // len(block)):
                    writer.write(block)
                    await writer.drain()  # pauses while the buffer is full
                writer.write_eof()
                total = await received
                writer.close()
                await writer.wait_closed()
            return total
        assert self.run_aio(main) == size

    def test_subprocess_large_output(self):
        async def main(loop):
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-c",
                "import sys; sys.stdout.buffer.write(b'y' * (4 << 20))",
                stdout=asyncio.subprocess.PIPE)
            out, _ = await proc.communicate()
            return len(out), proc.returncode
        assert self.run_aio(main) == (4 << 20, 0)

    def test_aiohttp_client_and_server(self):
        aiohttp = pytest.importorskip("aiohttp")
        from aiohttp import web

        async def main(loop):
            async def hello(request):
                return web.Response(text="hello " + request.match_info["name"])
            app = web.Application()
            app.router.add_get("/{name}", hello)
            runner = web.AppRunner(app)
            await runner.setup()
            site = web.TCPSite(runner, LOCALHOST, 0)
            await site.start()
            port = site._server.sockets[0].getsockname()[1]
            try:
                async with aiohttp.ClientSession() as session:
                    texts = []
                    for name in ("a", "b", "c"):  # keep-alive reuse
                        async with session.get(
                                "http://%s:%d/%s" % (LOCALHOST, port, name)) as r:
                            texts.append((r.status, await r.text()))
                return texts
            finally:
                await runner.cleanup()
        assert self.run_aio(main) == [(200, "hello a"), (200, "hello b"),
                                      (200, "hello c")]


class _TestSubprocess:

    def test_subprocess_exec(self):
        async def main(loop):
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-c",
                "import sys; data = sys.stdin.read(); "
                "print(data.upper()); sys.exit(3)",
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
            out, _ = await proc.communicate(b"to the child")
            return out.strip(), proc.returncode
        assert self.run_aio(main) == (b"TO THE CHILD", 3)

    def test_subprocess_shell(self):
        async def main(loop):
            proc = await asyncio.create_subprocess_shell(
                "echo from-shell; exit 0", stdout=asyncio.subprocess.PIPE)
            out, _ = await proc.communicate()
            return out.strip(), await proc.wait()
        assert self.run_aio(main) == (b"from-shell", 0)

    def test_subprocess_kill(self):
        async def main(loop):
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-c", "import time; time.sleep(60)")
            proc.kill()
            return await proc.wait()
        assert self.run_aio(main) == -signal.SIGKILL

    @pytest.mark.skipif(not os.path.exists(
        "/proc/self/task/%d/children" % threading.get_native_id()),
        reason="needs Linux's /proc/<pid>/task/<tid>/children")
    def test_cancelled_while_starting_kills_and_reaps_the_child(self):
        # Cancelled while the transport waits for its pipes: asyncio closes
        # the transport (killing the child) and waits for it to exit.
        children = "/proc/self/task/%d/children" % threading.get_native_id()

        def child_pids():
            with open(children) as f:
                return set(f.read().split())

        async def main(loop):
            before = child_pids()
            task = asyncio.ensure_future(asyncio.create_subprocess_exec(
                sys.executable, "-c", "import time; time.sleep(60)",
                stdout=asyncio.subprocess.PIPE))
            await asyncio.sleep(0)  # the child started, its pipes not yet
            started = child_pids() - before
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            return len(started), child_pids() - before
        assert self.run_aio(main) == (1, set())


class _TestSignals:

    def test_add_signal_handler(self):
        assert threading.current_thread() is threading.main_thread()

        async def main(loop):
            got = loop.create_future()
            loop.add_signal_handler(signal.SIGUSR1, got.set_result, "usr1")
            try:
                os.kill(os.getpid(), signal.SIGUSR1)
                return await got
            finally:
                assert loop.remove_signal_handler(signal.SIGUSR1)
                assert not loop.remove_signal_handler(signal.SIGUSR1)
        previous = signal.getsignal(signal.SIGUSR1)
        assert self.run_aio(main) == "usr1"
        assert signal.getsignal(signal.SIGUSR1) == previous

    def test_sigint_handler_takes_over_and_is_handed_back(self):
        # Inside trio.run, SIGINT normally raises KeyboardInterrupt; an
        # asyncio handler takes over while installed, then hands it back.
        async def main(loop):
            before = signal.getsignal(signal.SIGINT)
            got = loop.create_future()
            loop.add_signal_handler(signal.SIGINT, got.set_result, "sigint")
            try:
                os.kill(os.getpid(), signal.SIGINT)
                result = await got
            finally:
                loop.remove_signal_handler(signal.SIGINT)
            after = signal.getsignal(signal.SIGINT)
            if isinstance(self, AsyncioCase):
                # Stock asyncio always puts Python's default_int_handler
                # back for SIGINT (even if SIGINT was ignored before).
                assert after is signal.default_int_handler
            else:
                assert after == before
            return result
        assert self.run_aio(main) == "sigint"

    def test_add_signal_handler_rejects_sigkill(self):
        async def main(loop):
            with pytest.raises(RuntimeError):
                loop.add_signal_handler(signal.SIGKILL, lambda: None)
        self.run_aio(main)


class TestFds_asyncio(_TestFds, AsyncioCase):
    pass


class TestFds_trioaio(_TestFds, TrioAioCase):
    pass


class TestSockets_asyncio(_TestSockets, AsyncioCase):
    pass


class TestSockets_trioaio(_TestSockets, TrioAioCase):
    pass


class TestStreams_asyncio(_TestStreams, AsyncioCase):
    pass


class TestStreams_trioaio(_TestStreams, TrioAioCase):
    pass


class TestTLS_asyncio(_TestTLS, AsyncioCase):
    pass


class TestTLS_trioaio(_TestTLS, TrioAioCase):
    pass


class TestBulk_asyncio(_TestBulk, AsyncioCase):
    pass


class TestBulk_trioaio(_TestBulk, TrioAioCase):
    pass


class TestSubprocess_asyncio(_TestSubprocess, AsyncioCase):
    pass


class TestSubprocess_trioaio(_TestSubprocess, TrioAioCase):
    pass


class TestSignals_asyncio(_TestSignals, AsyncioCase):
    pass


class TestSignals_trioaio(_TestSignals, TrioAioCase):

    def test_add_signal_handler_refusals(self):
        # What open_loop()'s loop refuses, and with which error (docs/api.md).
        async def main(loop):
            for sig in (signal.SIGKILL, signal.SIGSTOP):
                with pytest.raises(RuntimeError, match="cannot be caught"):
                    loop.add_signal_handler(sig, print)
            with pytest.raises(ValueError, match="main thread"):
                await loop.run_in_executor(
                    None, loop.add_signal_handler, signal.SIGUSR1, print)
            unstarted = type(loop)()  # never entered: no Trio task to deliver
            try:
                with pytest.raises(RuntimeError, match="needs a running loop"):
                    unstarted.add_signal_handler(signal.SIGUSR1, print)
            finally:
                unstarted.close()
            return loop.remove_signal_handler(signal.SIGUSR1)
        previous = signal.getsignal(signal.SIGUSR1)
        assert self.run_aio(main) is False
        assert signal.getsignal(signal.SIGUSR1) == previous
