"""Datagram endpoints, pipe transports and subprocess stdio, on stock
asyncio, uvloop and trioaio (in Trio and standalone).  See
_transport_kit.py."""
import asyncio
import errno
import os
import signal
import socket
import sys

import pytest

from _testbase import AsyncioCase, TrioAioCase
from _transport_kit import (LOCALHOST, PROTOCOLS, LoopFacts, SyncTrioAioCase,
                            UvloopCase, crc, pattern, settle)


# trioaio's loop makes asyncio's own transports with this set.
_PY_TRANSPORTS = os.environ.get("TRIOAIO_PY_TRANSPORTS", "") not in ("", "0")


class Datagrams(asyncio.DatagramProtocol):
    """Records datagrams, errors and the connection's life."""

    def __init__(self):
        loop = asyncio.get_running_loop()
        self.loop = loop
        self.transport = None
        self.datagrams = []
        self.errors = []
        self.losses = []
        self.lost = loop.create_future()
        self._want = None

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        assert not self.losses, "datagram after connection_lost"
        self.datagrams.append((data, addr))
        if self._want and len(self.datagrams) >= self._want[0]:
            self._want[1].set_result(None)
            self._want = None

    def error_received(self, exc):
        self.errors.append(exc)
        if self._want and not self._want[1].done():
            self._want[1].set_result(None)
            self._want = None

    def connection_lost(self, exc):
        self.losses.append(exc)
        if not self.lost.done():
            self.lost.set_result(exc)

    async def wait(self, count):
        """Until *count* datagrams (or an error) arrived."""
        if len(self.datagrams) < count:
            self._want = (count, self.loop.create_future())
            await self._want[1]
        return self.datagrams


class _TestDatagrams(LoopFacts):

    def test_sendto_and_datagram_received(self):
        async def main(loop):
            st, server = await loop.create_datagram_endpoint(
                Datagrams, local_addr=(LOCALHOST, 0))
            ct, client = await loop.create_datagram_endpoint(
                Datagrams, local_addr=(LOCALHOST, 0))
            saddr = st.get_extra_info("sockname")
            caddr = ct.get_extra_info("sockname")
            for t in (st, ct):
                sock = t.get_extra_info("socket")
                assert sock.family == socket.AF_INET
                assert sock.type == socket.SOCK_DGRAM
                assert t.get_extra_info("sockname") == sock.getsockname()
                assert t.get_extra_info("peername") is None  # not connected
            # (no empty datagram: Python 3.11's asyncio drops those unsent)
            payloads = [b"d%d" % i for i in range(50)] + [b"z" * 9000]
            for p in payloads:
                ct.sendto(p, saddr)
            got = await server.wait(len(payloads))
            # loopback keeps every datagram and their order; each is whole
            assert got == [(p, caddr) for p in payloads]
            st.sendto(b"reply", caddr)
            assert await client.wait(1) == [(b"reply", saddr)]
            assert ct.get_write_buffer_size() == 0
            assert server.errors == client.errors == []
            ct.close()
            st.close()
            assert await client.lost is None and await server.lost is None
            await settle(loop)
            assert client.losses == [None] and server.losses == [None]
        self.run_aio(main)

    def test_connected_endpoint(self):
        async def main(loop):
            st, server = await loop.create_datagram_endpoint(
                Datagrams, local_addr=(LOCALHOST, 0))
            saddr = st.get_extra_info("sockname")
            ct, client = await loop.create_datagram_endpoint(
                Datagrams, remote_addr=saddr)
            assert ct.get_extra_info("peername") == saddr
            ct.sendto(b"no address needed")
            ct.sendto(b"the same address", saddr)
            with pytest.raises(ValueError):
                ct.sendto(b"another address", (LOCALHOST, 9))
            got = await server.wait(2)
            assert [d for d, _ in got] == [b"no address needed",
                                           b"the same address"]
            ct.close()
            st.close()
            await client.lost
            await server.lost
        self.run_aio(main)

    def test_error_received_on_icmp_port_unreachable(self):
        # A connected UDP socket learns from the ICMP "port unreachable"
        # of a closed port: error_received(ConnectionRefusedError), and the
        # endpoint stays open.
        async def main(loop):
            closed = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            closed.bind((LOCALHOST, 0))
            addr = closed.getsockname()
            closed.close()
            ct, client = await loop.create_datagram_endpoint(
                Datagrams, remote_addr=addr)
            for _ in range(50):
                ct.sendto(b"anyone?")
                await asyncio.sleep(0.01)
                if client.errors:
                    break
            assert client.errors, "no error_received"
            assert all(isinstance(e, ConnectionRefusedError)
                       for e in client.errors), client.errors
            assert not ct.is_closing() and client.losses == []
            ct.close()
            assert await client.lost is None
        self.run_aio(main)

    def test_abort(self):
        async def main(loop):
            ct, client = await loop.create_datagram_endpoint(
                Datagrams, local_addr=(LOCALHOST, 0))
            ct.abort()
            assert ct.is_closing()
            assert await client.lost is None
            await settle(loop)
            assert client.losses == [None]
        self.run_aio(main)


def _pipe_pair():
    r, w = os.pipe()
    return os.fdopen(r, "rb", buffering=0), os.fdopen(w, "wb", buffering=0)


class _TestPipes(LoopFacts):

    def test_read_pipe(self):
        async def main(loop):
            rf, wf = _pipe_pair()
            t, p = await loop.connect_read_pipe(PROTOCOLS["Protocol"], rf)
            assert t.get_extra_info("pipe") is rf
            assert t.is_reading()
            os.write(wf.fileno(), b"through the pipe")
            assert await p.received(16) == b"through the pipe"
            t.pause_reading()
            assert not t.is_reading()
            os.write(wf.fileno(), b" later")
            await settle(loop)
            assert p.data == b"through the pipe"
            t.resume_reading()
            assert await p.received(22) == b"through the pipe later"
            wf.close()  # EOF
            await p.eof
            assert await p.lost is None
            assert p.events == ["made", "eof", ("lost", None)]
            assert t.is_closing()
        self.run_aio(main)

    def test_write_pipe_with_flow_control(self):
        async def main(loop):
            rf, wf = _pipe_pair()
            rt, reader = await loop.connect_read_pipe(PROTOCOLS["Protocol"],
                                                      rf)
            rt.pause_reading()  # the slow reader
            wt, writer = await loop.connect_write_pipe(PROTOCOLS["Protocol"],
                                                       wf)
            assert wt.get_extra_info("pipe") is wf
            assert wt.can_write_eof()
            wt.set_write_buffer_limits(high=65536)
            assert wt.get_write_buffer_limits() == (16384, 65536)
            written = value = index = 0
            wt.writelines([b"head", b"er"])
            written, value = 6, crc(b"header")
            while not writer.paused.done():
                block = pattern(index)
                wt.write(block)
                written += len(block)
                value = crc(block, value)
                index += 1
                assert written < 64 << 20
                await asyncio.sleep(0)
            assert wt.get_write_buffer_size() > 65536
            rt.resume_reading()
            await writer.resumed
            wt.write_eof()
            got = await reader.received(written)
            assert len(got) == written and crc(got) == value
            await reader.eof
            if self.is_uvloop:
                # uvloop's write_eof() on a pipe is a socket shutdown(): the
                # data and the EOF get through, then connection_lost gets
                # ENOTSOCK.
                exc = await writer.lost
                assert isinstance(exc, OSError)
                assert exc.errno == errno.ENOTSOCK
            else:
                assert await writer.lost is None
            assert await reader.lost is None
            assert writer.count("lost") == 1
        self.run_aio(main)

    def test_write_pipe_reader_gone(self):
        # The read end closes while data is queued: BrokenPipeError.
        async def main(loop):
            rf, wf = _pipe_pair()
            wt, writer = await loop.connect_write_pipe(PROTOCOLS["Protocol"],
                                                       wf)
            while not wt.get_write_buffer_size():
                wt.write(b"w" * 65536)
                await asyncio.sleep(0)
            rf.close()
            exc = await writer.lost
            assert isinstance(exc, BrokenPipeError), repr(exc)
            await settle(loop)
            assert writer.count("lost") == 1
        self.run_aio(main)

    def test_write_pipe_abort_drops_queued_data(self):
        async def main(loop):
            rf, wf = _pipe_pair()
            with rf:
                wt, writer = await loop.connect_write_pipe(
                    PROTOCOLS["Protocol"], wf)
                while not wt.get_write_buffer_size():
                    wt.write(b"a" * 65536)
                    await asyncio.sleep(0)
                wt.abort()
                assert wt.is_closing()
                assert await writer.lost is None
        self.run_aio(main)


    def test_read_pipe_buffered_protocol(self):
        async def main(loop):
            rf, wf = _pipe_pair()
            reported = []
            loop.set_exception_handler(lambda l, c: reported.append(c))
            t, p = await loop.connect_read_pipe(PROTOCOLS["BufferedProtocol"],
                                                rf)
            payload = b"".join(pattern(i, 4096) for i in range(16))
            os.write(wf.fileno(), payload)
            if self.is_stock:
                # asyncio's read pipe calls data_received() whatever the
                # protocol: a BufferedProtocol has none.
                while not reported:
                    await asyncio.sleep(0.005)
                assert isinstance(reported[0]["exception"], AttributeError)
                t.close()
            else:
                # uvloop and trioaio read into the protocol's buffer, in
                # pieces of its size.
                assert await p.received(len(payload)) == payload
                assert p.get_buffer_calls >= len(payload) // p.buffer_size
                wf.close()
                await p.eof
                assert reported == []
            assert await p.lost is None
            await settle(loop)
            assert p.count("lost") == 1
            wf.close()
        self.run_aio(main)

    def test_read_pipe_close(self):
        async def main(loop):
            rf, wf = _pipe_pair()
            t, p = await loop.connect_read_pipe(PROTOCOLS["Protocol"], rf)
            t.close()
            assert t.is_closing() and not t.is_reading()
            t.close()  # again: nothing more
            t.pause_reading()  # closing: no-ops
            t.resume_reading()
            os.write(wf.fileno(), b"too late")
            assert await p.lost is None
            await settle(loop)
            assert p.events == ["made", ("lost", None)]
            assert p.data == b""
            assert rf.closed  # connection_lost closes the pipe
            with pytest.raises(BrokenPipeError):
                os.write(wf.fileno(), b"x")
            wf.close()
        self.run_aio(main)

    def test_read_pipe_eof_result_does_not_keep_it_open(self):
        async def main(loop):
            rf, wf = _pipe_pair()
            t, p = await loop.connect_read_pipe(
                lambda: PROTOCOLS["Protocol"](), rf)
            p.eof_result = True  # a stream would stay half open
            os.write(wf.fileno(), b"last words")
            wf.close()
            if self.is_uvloop:
                # uvloop's read pipe is a stream: a true eof_received()
                # keeps it open, until closed
                await p.eof
                await settle(loop)
                assert not p.lost.done()
                t.close()
            assert await p.lost is None
            assert p.data == b"last words"
            assert p.events == ["made", "eof", ("lost", None)]
            assert t.is_closing() and rf.closed
        self.run_aio(main)

    def test_read_pipe_set_protocol(self):
        async def main(loop):
            rf, wf = _pipe_pair()
            t, first = await loop.connect_read_pipe(PROTOCOLS["Protocol"], rf)
            second = PROTOCOLS["Protocol"]()
            t.set_protocol(second)
            assert t.get_protocol() is second
            second.adopt(t)
            os.write(wf.fileno(), b"to the second")
            assert await second.received(13) == b"to the second"
            assert first.data == b""
            wf.close()
            assert await second.lost is None
            assert first.events == ["made"]
        self.run_aio(main)

    def test_read_pipe_refuses_a_regular_file(self, tmp_path):
        async def main(loop):
            path = tmp_path / "regular"
            path.write_bytes(b"data")
            with open(path, "rb") as f:
                if self.is_uvloop:
                    # uvloop takes it, and its libuv then aborts the process
                    # (epoll refuses a regular file): nothing to try here.
                    return
                with pytest.raises(ValueError):
                    await loop.connect_read_pipe(PROTOCOLS["Protocol"], f)
                with pytest.raises(ValueError):
                    await loop.connect_write_pipe(PROTOCOLS["Protocol"], f)
        self.run_aio(main)

    def test_write_pipe_to_a_character_device(self):
        async def main(loop):
            if self.is_uvloop:
                # uvloop's libuv aborts the process on /dev/null (epoll
                # refuses it): nothing to try here.
                return
            with open(os.devnull, "wb", buffering=0) as f:
                t, p = await loop.connect_write_pipe(PROTOCOLS["Protocol"], f)
                t.write(b"into the void" * 1000)
                assert t.get_write_buffer_size() == 0
                t.close()
                assert await p.lost is None
        self.run_aio(main)

    def test_write_pipe_writes_at_once(self):
        async def main(loop):
            rf, wf = _pipe_pair()
            with rf:
                t, p = await loop.connect_write_pipe(PROTOCOLS["Protocol"], wf)
                assert not t.is_closing()
                t.write(b"at once")
                t.write(bytearray(b", a bytearray"))
                t.write(memoryview(b", a view"))
                t.write(b"")
                t.writelines([b", lines", bytearray(b" and"), b" more"])
                assert t.get_write_buffer_size() == 0
                expect = b"at once, a bytearray, a view, lines and more"
                assert os.read(rf.fileno(), 100) == expect
                t.close()
                assert await p.lost is None
                assert wf.closed
                assert os.read(rf.fileno(), 100) == b""  # EOF
        self.run_aio(main)

    def test_write_pipe_close_flushes(self):
        async def main(loop):
            rf, wf = _pipe_pair()
            rt, reader = await loop.connect_read_pipe(PROTOCOLS["Protocol"],
                                                      rf)
            rt.pause_reading()
            wt, writer = await loop.connect_write_pipe(PROTOCOLS["Protocol"],
                                                       wf)
            data = b"".join(pattern(i) for i in range(16))  # 1 MiB
            wt.write(data)
            assert wt.get_write_buffer_size() > 0
            wt.close()
            assert wt.is_closing()
            wt.close()
            # writes after close() are dropped, without an error
            wt.write(b"dropped")
            await settle(loop)
            assert writer.count("lost") == 0  # still flushing
            rt.resume_reading()
            got = await reader.received(len(data))
            await reader.eof
            assert got == data
            if self.is_uvloop:
                # uvloop's close() of a write pipe shuts the "socket" down
                exc = await writer.lost
                assert exc is None or isinstance(exc, OSError)
            else:
                assert await writer.lost is None
            assert await reader.lost is None
            await settle(loop)
            assert writer.count("lost") == reader.count("lost") == 1
            assert wf.closed and rf.closed
        self.run_aio(main)

    def test_write_pipe_resumes_once_drained(self):
        async def main(loop):
            rf, wf = _pipe_pair()
            rt, reader = await loop.connect_read_pipe(PROTOCOLS["Protocol"],
                                                      rf)
            rt.pause_reading()
            wt, writer = await loop.connect_write_pipe(PROTOCOLS["Protocol"],
                                                       wf)
            wt.set_write_buffer_limits(high=200000, low=100000)
            assert wt.get_write_buffer_limits() == (100000, 200000)
            sizes = []
            writer.resume_writing = (
                lambda: (sizes.append(wt.get_write_buffer_size()),
                         writer.events.append("resume"),
                         writer.resumed.set_result(None)))
            written = 0
            while not writer.paused.done():
                wt.write(b"p" * 50000)
                written += 50000
                # asyncio pauses as soon as the queue is over the high mark
                assert (wt.get_write_buffer_size() > 200000
                        or not writer.paused.done())
            rt.resume_reading()
            await writer.resumed
            if not self.is_uvloop:
                # asyncio's write pipe resumes with its queue empty
                assert sizes == [0]
            assert writer.events.count("pause") == 1
            assert await reader.received(written) == b"p" * written
            wt.close()
            await writer.lost
            await reader.lost
        self.run_aio(main)

    def test_write_pipe_reader_closes_while_idle(self):
        # Nothing queued: the reader going away is a clean close.
        async def main(loop):
            rf, wf = _pipe_pair()
            wt, writer = await loop.connect_write_pipe(PROTOCOLS["Protocol"],
                                                       wf)
            wt.write(b"read or not")
            rf.close()
            exc = await writer.lost
            if self.is_uvloop:
                # uvloop learns it from its next write: EPIPE
                assert exc is None or isinstance(exc, BrokenPipeError)
            else:
                assert exc is None
            assert wt.is_closing()
            if not self.is_uvloop:  # uvloop raises RuntimeError
                wt.write(b"dropped")
            await settle(loop)
            assert writer.count("lost") == 1
            assert wf.closed
        self.run_aio(main)

    def test_write_pipe_epipe_on_write(self):
        # The reader closed and the writer writes before the loop sees it.
        async def main(loop):
            rf, wf = _pipe_pair()
            wt, writer = await loop.connect_write_pipe(PROTOCOLS["Protocol"],
                                                       wf)
            rf.close()
            wt.write(b"nobody reads")
            exc = await writer.lost
            assert isinstance(exc, BrokenPipeError), repr(exc)
            assert wt.is_closing()
            for _ in range(8 * (not self.is_uvloop)):
                # dropped (asyncio warns past the fifth); uvloop raises
                # RuntimeError
                wt.write(b"still nobody")
            await settle(loop)
            assert writer.count("lost") == 1
        self.run_aio(main)

    def test_write_pipe_write_eof_is_close(self):
        async def main(loop):
            rf, wf = _pipe_pair()
            with rf:
                wt, writer = await loop.connect_write_pipe(
                    PROTOCOLS["Protocol"], wf)
                wt.write(b"then eof")
                wt.write_eof()
                # asyncio's write_eof() on a pipe is its close(); uvloop's
                # a shutdown that ends it later
                assert wt.is_closing() != self.is_uvloop
                wt.write_eof()
                exc = await writer.lost
                if self.is_uvloop:
                    assert isinstance(exc, OSError)  # ENOTSOCK, see above
                else:
                    assert exc is None
                assert os.read(rf.fileno(), 100) == b"then eof"
                assert os.read(rf.fileno(), 100) == b""
        self.run_aio(main)

    def test_write_pipe_abort_then_close(self):
        async def main(loop):
            rf, wf = _pipe_pair()
            with rf:
                wt, writer = await loop.connect_write_pipe(
                    PROTOCOLS["Protocol"], wf)
                while not wt.get_write_buffer_size():
                    wt.write(b"a" * 65536)
                    await asyncio.sleep(0)
                wt.abort()
                if not self.is_uvloop:  # uvloop counts the dropped queue
                    assert wt.get_write_buffer_size() == 0
                wt.close()  # closing already: nothing more
                assert await writer.lost is None
                await settle(loop)
                assert writer.count("lost") == 1
        self.run_aio(main)

    def test_write_pipe_on_a_socket(self):
        # A socket end as a write pipe: the peer's close ends it.
        async def main(loop):
            a, b = socket.socketpair()
            with b:
                wt, writer = await loop.connect_write_pipe(
                    PROTOCOLS["Protocol"], a)
                assert wt.get_extra_info("pipe") is a
                wt.write(b"over a socket")
                assert b.recv(100) == b"over a socket"
                b.close()
                exc = await writer.lost
                assert exc is None or isinstance(exc, OSError)
                assert writer.count("lost") == 1
        self.run_aio(main)

    def test_read_pipe_on_a_socket(self):
        async def main(loop):
            a, b = socket.socketpair()
            with b:
                rt, reader = await loop.connect_read_pipe(
                    PROTOCOLS["Protocol"], a)
                b.sendall(b"from a socket")
                assert await reader.received(13) == b"from a socket"
                b.close()
                assert await reader.lost is None
                assert reader.events == ["made", "eof", ("lost", None)]
        self.run_aio(main)


class Subprocess(asyncio.SubprocessProtocol):
    def __init__(self):
        loop = asyncio.get_running_loop()
        self.out = {1: bytearray(), 2: bytearray()}
        self.pipe_losses = {}
        self.exited = loop.create_future()
        self.closed = loop.create_future()
        self.events = []

    def connection_made(self, transport):
        self.events.append("made")

    def pipe_data_received(self, fd, data):
        self.out[fd] += data

    def pipe_connection_lost(self, fd, exc):
        assert fd not in self.pipe_losses
        self.pipe_losses[fd] = exc

    def process_exited(self):
        self.events.append("exited")
        self.exited.set_result(None)

    def connection_lost(self, exc):
        self.events.append(("lost", exc))
        self.closed.set_result(exc)


class _TestSubprocessStdio(LoopFacts):

    def test_stdio_pipes(self):
        code = ("import sys\n"
                "data = sys.stdin.buffer.read()\n"
                "sys.stdout.buffer.write(data.upper())\n"
                "sys.stderr.buffer.write(b'%d bytes' % len(data))\n")

        async def main(loop):
            t, p = await loop.subprocess_exec(
                Subprocess, sys.executable, "-c", code,
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE)
            assert t.get_pid() > 0
            assert t.get_returncode() is None
            stdin = t.get_pipe_transport(0)
            payload = b"".join(pattern(i, 1024) for i in range(512))
            stdin.write(payload)
            stdin.write_eof()
            await p.exited
            await p.closed
            assert t.get_returncode() == 0
            assert bytes(p.out[1]) == payload.upper()
            assert bytes(p.out[2]) == b"%d bytes" % len(payload)
            assert p.pipe_losses[1] is None and p.pipe_losses[2] is None
            assert p.events[0] == "made" and p.events[-1] == ("lost", None)
            t.close()
        self.run_aio(main)

    def test_create_subprocess_exec_round_trip(self):
        # Streams over the pipe transports: a small reader limit makes the
        # StreamReader pause and resume the stdout pipe many times.
        code = ("import sys\n"
                "for line in sys.stdin.buffer:\n"
                "    sys.stdout.buffer.write(line[::-1])\n"
                "sys.stdout.buffer.write(b'done')\n")

        async def main(loop):
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-c", code, stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE, limit=4096)
            stdin = proc._transport.get_pipe_transport(0)
            stdout = proc._transport.get_pipe_transport(1)
            if self.is_trioaio and not _PY_TRANSPORTS:
                from trioaio import _core
                assert type(stdin) is _core.WritePipeTransport
                assert type(stdout) is _core.ReadPipeTransport
            lines = [b"line %d %s\n" % (i, b"x" * (i % 300))
                     for i in range(3000)]

            async def feed():
                proc.stdin.writelines(lines)
                await proc.stdin.drain()
                proc.stdin.close()
            out, _ = await asyncio.gather(proc.stdout.read(), feed())
            assert await proc.wait() == 0
            assert out == b"".join(line[::-1] for line in lines) + b"done"
        self.run_aio(main)

    def test_terminate(self):
        async def main(loop):
            t, p = await loop.subprocess_exec(
                Subprocess, sys.executable, "-c",
                "import time; time.sleep(60)", stdin=None, stdout=None,
                stderr=None)
            t.terminate()
            await p.exited
            assert t.get_returncode() == -signal.SIGTERM
            t.close()
        self.run_aio(main)


class TestDatagrams_asyncio(_TestDatagrams, AsyncioCase):
    pass


class TestDatagrams_uvloop(_TestDatagrams, UvloopCase):
    pass


class TestDatagrams_trioaio(_TestDatagrams, TrioAioCase):
    pass


class TestDatagrams_sync(_TestDatagrams, SyncTrioAioCase):
    pass


class TestPipes_asyncio(_TestPipes, AsyncioCase):
    pass


class TestPipes_uvloop(_TestPipes, UvloopCase):
    pass


class TestPipes_trioaio(_TestPipes, TrioAioCase):
    pass


class TestPipes_sync(_TestPipes, SyncTrioAioCase):
    pass


class TestSubprocessStdio_asyncio(_TestSubprocessStdio, AsyncioCase):
    pass


class TestSubprocessStdio_uvloop(_TestSubprocessStdio, UvloopCase):
    pass


class TestSubprocessStdio_trioaio(_TestSubprocessStdio, TrioAioCase):
    pass


class TestSubprocessStdio_sync(_TestSubprocessStdio, SyncTrioAioCase):
    pass
