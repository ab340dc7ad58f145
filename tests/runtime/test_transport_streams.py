"""Stream transports (TCP and Unix sockets): every method of asyncio's
transport contract, with plain and buffered protocols, on stock asyncio,
uvloop and trioaio (in Trio and standalone).  See _transport_kit.py."""
import asyncio
import logging
import socket
import sys

import pytest

from _testbase import AsyncioCase, TrioAioCase
from _transport_kit import (LOCALHOST, PROTOCOLS, LoopFacts, SyncTrioAioCase,
                            UvloopCase, close_pair, crc, fill_until_paused,
                            open_pair, pattern, set_linger_zero, settle)

FAMILIES = pytest.mark.parametrize("family", ["tcp", "unix"])
KINDS = pytest.mark.parametrize("kind", ["Protocol", "BufferedProtocol"])


async def write_pattern_until_paused(proto, limit=64 << 20):
    """Write distinct pattern blocks until pause_writing; (bytes, crc)."""
    written = value = index = 0
    while not proto.paused.done():
        block = pattern(index)
        proto.transport.write(block)
        written += len(block)
        value = crc(block, value)
        index += 1
        assert written < limit, "never paused after %d bytes" % written
        await asyncio.sleep(0)
    return written, value, index


def lifecycle(proto):
    """The protocol's events less the flow-control ones."""
    return [e for e in proto.events if e not in ("pause", "resume")]


class _TestStreamTransports(LoopFacts):

    # ------------------------------------------------------ write/writelines

    @FAMILIES
    @KINDS
    def test_write_and_writelines_arrive_in_order(self, family, kind,
                                                  tmp_path):
        async def main(loop):
            c, s, srv = await open_pair(loop, family, tmp_path, client=kind,
                                        server=kind)
            t = c.transport
            t.write(b"one ")
            t.writelines([b"two ", bytearray(b"three "),
                          memoryview(b"four ")])
            t.write(bytearray(b"five "))
            t.write(memoryview(b"xsix ")[1:])
            t.write(b"")
            t.writelines([])
            big = bytes(range(256)) * 4096  # 1 MiB
            t.write(big)
            expected = b"one two three four five six " + big
            assert await s.received(len(expected)) == expected
            s.transport.write(b"reply")
            assert await c.received(5) == b"reply"
            if kind == "BufferedProtocol":
                # read straight into the protocol's (small) buffer
                assert s.get_buffer_calls >= len(big) // s.buffer_size
            await close_pair(c, s, srv)
            assert lifecycle(c) == ["made", ("lost", None)], c.events
            assert s.events == ["made", "eof", ("lost", None)], s.events
        self.run_aio(main)

    @FAMILIES
    def test_write_refuses_what_is_not_bytes(self, family, tmp_path):
        async def main(loop):
            c, s, srv = await open_pair(loop, family, tmp_path)
            with pytest.raises(TypeError):
                c.transport.write("text")
            with pytest.raises(TypeError):
                c.transport.writelines(["text"])
            c.transport.write(b"still fine")
            assert await s.received(10) == b"still fine"
            await close_pair(c, s, srv)
        self.run_aio(main)

    # ------------------------------------------------------ get_extra_info

    @FAMILIES
    def test_get_extra_info(self, family, tmp_path):
        async def main(loop):
            c, s, srv = await open_pair(loop, family, tmp_path)
            want = socket.AF_INET if family == "tcp" else socket.AF_UNIX
            for proto in (c, s):
                t = proto.transport
                sock = t.get_extra_info("socket")
                assert sock.family == want and sock.type == socket.SOCK_STREAM
                assert sock.fileno() >= 0
                assert t.get_extra_info("sockname") == sock.getsockname()
                assert t.get_extra_info("peername") == sock.getpeername()
                assert t.get_extra_info("no such key") is None
                assert t.get_extra_info("no such key", "fallback") == \
                    "fallback"
            ct, st = c.transport, s.transport
            if family == "tcp":
                port = srv.sockets[0].getsockname()[1]
                assert ct.get_extra_info("peername") == (LOCALHOST, port)
                assert st.get_extra_info("sockname") == (LOCALHOST, port)
                assert st.get_extra_info("peername") == \
                    ct.get_extra_info("sockname")
            else:
                path = str(tmp_path / "s.sock")
                assert ct.get_extra_info("peername") == path
                assert st.get_extra_info("sockname") == path
                # the client's socket is not bound: no name on either side
                assert ct.get_extra_info("sockname") in ("", b"", None)
                assert st.get_extra_info("peername") in ("", b"", None)
            await close_pair(c, s, srv)
        self.run_aio(main)

    # ------------------------------------------------------ buffer limits

    @FAMILIES
    def test_write_buffer_limits(self, family, tmp_path):
        async def main(loop):
            c, s, srv = await open_pair(loop, family, tmp_path)
            t = c.transport
            if self.is_uvloop:
                # uvloop's transports start with a low-water mark of 16
                # bytes (its constructor uses the 16 of "16 KiB" unscaled);
                # set_write_buffer_limits() gives asyncio's defaults.
                assert t.get_write_buffer_limits() == (16, 65536)
            else:
                assert t.get_write_buffer_limits() == (16384, 65536)
            t.set_write_buffer_limits(high=4096)
            assert t.get_write_buffer_limits() == (1024, 4096)
            t.set_write_buffer_limits(high=4096, low=100)
            assert t.get_write_buffer_limits() == (100, 4096)
            t.set_write_buffer_limits(low=1000)
            assert t.get_write_buffer_limits() == (1000, 4000)
            t.set_write_buffer_limits(high=0)
            assert t.get_write_buffer_limits() == (0, 0)
            t.set_write_buffer_limits()
            assert t.get_write_buffer_limits() == (16384, 65536)
            with pytest.raises(ValueError):
                t.set_write_buffer_limits(high=10, low=20)
            with pytest.raises(ValueError):
                t.set_write_buffer_limits(high=-1)
            assert t.get_write_buffer_limits() == (16384, 65536)
            assert t.get_write_buffer_size() == 0
            await close_pair(c, s, srv)
        self.run_aio(main)

    # ------------------------------------------------------ flow control

    @FAMILIES
    @KINDS
    def test_pause_and_resume_writing_under_a_slow_reader(self, family, kind,
                                                          tmp_path):
        async def main(loop):
            c, s, srv = await open_pair(loop, family, tmp_path, server=kind)
            s.transport.pause_reading()  # the slow reader
            t = c.transport
            t.set_write_buffer_limits(high=65536, low=16384)
            written, value, index = await write_pattern_until_paused(c)
            assert t.get_write_buffer_size() > 65536
            # Writing while paused is allowed: it is buffered.
            before = t.get_write_buffer_size()
            for i in range(index, index + 4):
                block = pattern(i)
                t.write(block)
                written += len(block)
                value = crc(block, value)
            # (a transport may flush some of its queue on a write)
            assert before < t.get_write_buffer_size() <= before + 4 * 65536
            await settle(loop)
            assert c.events == ["made", "pause"], c.events
            s.transport.resume_reading()
            await c.resumed
            assert t.get_write_buffer_size() <= 16384
            got = await s.received(written)
            assert len(got) == written and crc(got) == value
            assert c.count("pause") == c.count("resume") == 1
            await close_pair(c, s, srv)
        self.run_aio(main)

    @FAMILIES
    def test_pause_writing_at_once_when_high_is_zero(self, family, tmp_path):
        # high=0: any data the kernel does not take at once pauses the
        # protocol, and resume follows when the buffer is empty again.
        async def main(loop):
            c, s, srv = await open_pair(loop, family, tmp_path)
            s.transport.pause_reading()
            c.transport.set_write_buffer_limits(high=0)
            written = await fill_until_paused(c)
            s.transport.resume_reading()
            await c.resumed
            assert c.transport.get_write_buffer_size() == 0
            assert len(await s.received(written)) == written
            await close_pair(c, s, srv)
        self.run_aio(main)

    # ------------------------------------------------------ pause reading

    @FAMILIES
    @KINDS
    def test_pause_reading_resume_reading_is_reading(self, family, kind,
                                                     tmp_path):
        async def main(loop):
            c, s, srv = await open_pair(loop, family, tmp_path, server=kind)
            t = s.transport
            assert t.is_reading()
            t.pause_reading()
            assert not t.is_reading()
            t.pause_reading()  # again: nothing changes
            assert not t.is_reading()
            c.transport.write(b"held back")
            c.transport.write_eof()
            await settle(loop)
            assert s.data == b"" and s.events == ["made"]  # nor the EOF
            t.resume_reading()
            assert t.is_reading()
            t.resume_reading()  # again: nothing changes
            assert await s.received(9) == b"held back"
            await s.eof
            await s.lost
            assert not t.is_reading()
            await close_pair(c, s, srv)
        self.run_aio(main)

    # ------------------------------------------------------ half-close

    @FAMILIES
    @pytest.mark.parametrize("keep_open", [False, True],
                             ids=["eof_received-false", "eof_received-true"])
    def test_write_eof_half_close(self, family, keep_open, tmp_path):
        async def main(loop):
            c, s, srv = await open_pair(
                loop, family, tmp_path, server_attrs={"eof_result": keep_open})
            ct = c.transport
            assert ct.can_write_eof()
            ct.write(b"request")
            ct.write_eof()
            ct.write_eof()  # again: nothing more
            assert not ct.is_closing()
            with pytest.raises(RuntimeError):
                ct.write(b"after eof")
            await s.eof
            assert s.data == b"request"
            if keep_open:
                # eof_received() returned True: this side stays open and
                # can still answer.
                await settle(loop)
                assert not s.lost.done() and not s.transport.is_closing()
                s.transport.write(b"reply")
                assert await c.received(5) == b"reply"
                s.transport.close()
            # Otherwise the transport closed itself after eof_received().
            assert await s.lost is None
            await c.eof
            assert await c.lost is None
            assert c.events == ["made", "eof", ("lost", None)], c.events
            assert s.events == ["made", "eof", ("lost", None)], s.events
            assert c.data == (b"reply" if keep_open else b"")
            srv.close()
            await srv.wait_closed()
        self.run_aio(main)

    # ------------------------------------------------------ close / abort

    @FAMILIES
    def test_close_flushes_queued_data(self, family, tmp_path):
        async def main(loop):
            c, s, srv = await open_pair(loop, family, tmp_path)
            s.transport.pause_reading()
            written, value, _ = await write_pattern_until_paused(c)
            t = c.transport
            assert t.get_write_buffer_size() > 0
            t.close()
            assert t.is_closing()
            t.close()  # again: nothing more
            await settle(loop)
            # Still flushing: connection_lost waits for the queued data.
            assert not c.lost.done()
            s.transport.resume_reading()
            got = await s.received(written)
            await s.eof
            assert len(got) == written and crc(got) == value
            assert await c.lost is None
            await settle(loop)
            assert c.losses() == [None]
            await close_pair(c, s, srv)
        self.run_aio(main)

    @FAMILIES
    def test_abort_drops_queued_data(self, family, tmp_path):
        async def main(loop):
            c, s, srv = await open_pair(loop, family, tmp_path)
            s.transport.pause_reading()
            written, _, index = await write_pattern_until_paused(c)
            t = c.transport
            queued = t.get_write_buffer_size()
            assert queued > 0
            t.abort()
            assert t.is_closing()
            # connection_lost comes later, never from inside abort()
            assert not c.lost.done()
            assert await c.lost is None
            s.transport.resume_reading()
            await s.lost
            # What the kernel had taken arrives, in order; the queued part
            # never does.
            kernel_took = written - queued
            assert len(s.data) == kernel_took
            expected = b"".join(pattern(i) for i in range(index))
            assert s.data == expected[:kernel_took]
            await settle(loop)
            assert c.losses() == [None]
            await close_pair(c, s, srv)
        self.run_aio(main)

    @FAMILIES
    def test_connection_lost_exactly_once(self, family, tmp_path):
        async def main(loop):
            c, s, srv = await open_pair(loop, family, tmp_path)
            t = c.transport
            assert not t.is_closing()
            t.close()
            assert not c.lost.done()  # never from inside close()
            t.close()
            t.abort()
            assert t.is_closing()
            await c.lost
            await s.lost
            await settle(loop)
            assert c.losses() == [None] and s.losses() == [None]
            t.close()
            t.abort()
            await settle(loop)
            assert c.losses() == [None]
            await close_pair(c, s, srv)
        self.run_aio(main)

    @FAMILIES
    def test_peer_reset_mid_write(self, family, tmp_path):
        # The peer goes away with data queued: a TCP RST (SO_LINGER 0), or a
        # closed Unix socket.  connection_lost gets the OSError, once, and
        # later writes are dropped quietly.
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
                peer, _ = await loop.sock_accept(lsock)
                await fill_until_paused(c)
                assert c.transport.get_write_buffer_size() > 0
                if family == "tcp":
                    set_linger_zero(peer)
                peer.close()
                exc = await c.lost
                assert isinstance(exc, OSError), repr(exc)
                if family == "tcp":
                    assert isinstance(exc, (ConnectionResetError,
                                            BrokenPipeError)), repr(exc)
                assert c.transport.is_closing()
                for _ in range(10):
                    if self.is_uvloop:
                        # uvloop refuses writes to a closed transport
                        # (asyncio drops them, logging a warning after 5).
                        with pytest.raises(RuntimeError):
                            c.transport.write(b"into the void")
                    else:
                        c.transport.write(b"into the void")
                await settle(loop)
                assert len(c.losses()) == 1, c.events
        self.run_aio(main)

    @FAMILIES
    def test_debug_mode_turned_on_later_logs_reading_changes(
            self, family, tmp_path, caplog):
        # The transport asks the loop at each call, not when it was made.
        async def main(loop):
            c, s, srv = await open_pair(loop, family, tmp_path)
            loop.set_debug(True)
            with caplog.at_level(logging.DEBUG, logger="asyncio"):
                t = s.transport
                t.pause_reading()
                t.resume_reading()
                c.transport.write_eof()
                await s.eof
            loop.set_debug(False)
            said = ("pauses reading", "resumes reading", "received EOF")
            logged = [m for r in caplog.records for m in said
                      if r.name == "asyncio" and m in r.getMessage()]
            if self.is_uvloop:
                assert logged == []  # uvloop logs none of these
            else:
                assert logged == list(said)
            caplog.clear()
            await close_pair(c, s, srv)
        self.run_aio(main)

    def test_a_peer_gone_before_the_transport_is_made(self):
        # getpeername() fails: the peername is None, and the first read
        # finds the reset.
        async def main(loop):
            with socket.create_server((LOCALHOST, 0)) as listener:
                a = socket.create_connection(listener.getsockname())
                b, _ = listener.accept()
            set_linger_zero(a)
            a.close()
            await settle(loop)
            t, p = await loop.connect_accepted_socket(
                PROTOCOLS["Protocol"], b)
            assert t.get_extra_info("peername") is None
            assert t.get_extra_info("sockname") == b.getsockname()
            exc = await p.lost
            assert isinstance(exc, ConnectionResetError), repr(exc)
            assert p.events == ["made", ("lost", exc)]
        self.run_aio(main)

    # ------------------------------------------------------ set_protocol

    @FAMILIES
    @pytest.mark.parametrize("kinds", [("Protocol", "BufferedProtocol"),
                                       ("BufferedProtocol", "Protocol")],
                             ids=["plain-to-buffered", "buffered-to-plain"])
    def test_set_protocol_get_protocol(self, family, kinds, tmp_path):
        async def main(loop):
            c, s, srv = await open_pair(loop, family, tmp_path,
                                        client=kinds[0])
            t = c.transport
            assert t.get_protocol() is c
            s.transport.write(b"first")
            assert await c.received(5) == b"first"
            new = PROTOCOLS[kinds[1]]()
            t.set_protocol(new)
            new.adopt(t)
            assert t.get_protocol() is new
            s.transport.write(b"second")
            assert await new.received(6) == b"second"
            s.transport.close()
            assert await new.lost is None
            assert new.events == ["made", "eof", ("lost", None)]
            assert c.data == b"first" and c.events == ["made"]
            if kinds[1] == "BufferedProtocol":
                assert new.get_buffer_calls >= 1
            srv.close()
            await srv.wait_closed()
        self.run_aio(main)


class _TestReentrantCallbacks(LoopFacts):
    """Protocol callbacks that call back into their transport, and what
    the transport must keep: its copy of queued data, the order of data
    and EOF."""

    @FAMILIES
    def test_queued_data_is_copied(self, family, tmp_path):
        # A bytearray written while the transport queues is the transport's
        # to copy: changing it afterwards changes nothing that is sent.
        async def main(loop):
            c, s, srv = await open_pair(loop, family, tmp_path)
            s.transport.pause_reading()
            written, value, _ = await write_pattern_until_paused(c)
            mutable = bytearray(b"before" * 1000)
            c.transport.write(mutable)
            view = memoryview(bytearray(b"view" * 1000))
            c.transport.writelines([view])
            mutable[:] = b"AFTER!" * 1000
            view[:4] = b"XXXX"
            s.transport.resume_reading()
            got = await s.received(written + 10000)
            assert crc(got[:written]) == value
            selector = type(c.transport).__module__ == "asyncio.selector_events"
            if self.is_uvloop or (selector and sys.version_info >= (3, 12)):
                # uvloop, and asyncio's selector transports from 3.12 on
                # (they queue memoryviews for sendmsg), keep a reference to
                # a queued bytearray instead of a copy: what goes out is
                # whatever it holds when the kernel takes it.  asyncio 3.11
                # copies.
                assert len(got) == written + 10000
            else:
                assert got[written:] == b"before" * 1000 + b"view" * 1000
            await close_pair(c, s, srv)
        self.run_aio(main)

    @FAMILIES
    def test_write_eof_waits_for_queued_data(self, family, tmp_path):
        async def main(loop):
            c, s, srv = await open_pair(loop, family, tmp_path)
            s.transport.pause_reading()
            written, value, _ = await write_pattern_until_paused(c)
            c.transport.write_eof()  # queued behind the data
            s.transport.resume_reading()
            await s.eof
            # every byte came before the EOF
            assert len(s.data) == written and crc(s.data) == value
            await s.lost
            await close_pair(c, s, srv)
        self.run_aio(main)

    @FAMILIES
    def test_write_and_pause_reading_in_connection_made(self, family,
                                                        tmp_path):
        class Greeter(PROTOCOLS["Protocol"]):
            def connection_made(self, transport):
                super().connection_made(transport)
                transport.write(b"hello from connection_made")
                transport.pause_reading()  # nothing read until resumed

        async def main(loop):
            c, s, srv = await open_pair(loop, family, tmp_path, server=Greeter)
            assert await c.received(26) == b"hello from connection_made"
            c.transport.write(b"early")
            await settle(loop)
            if self.is_uvloop:
                # uvloop starts reading once connection_made() returns,
                # undoing a pause_reading() made there.
                assert await s.received(5) == b"early"
            else:
                assert s.data == b"" and not s.transport.is_reading()
                s.transport.resume_reading()
                assert await s.received(5) == b"early"
            await close_pair(c, s, srv)
        self.run_aio(main)

    @FAMILIES
    @KINDS
    def test_close_inside_data_received(self, family, kind, tmp_path):
        base = PROTOCOLS[kind]

        class Closer(base):
            def _got(self, data):
                super()._got(data)
                self.transport.write(b"last words")
                self.transport.close()
                # not from inside close(): after this callback returns
                assert not self.lost.done()

        async def main(loop):
            c, s, srv = await open_pair(loop, family, tmp_path, server=Closer)
            c.transport.write(b"x" * 10)
            assert await s.lost is None
            assert await c.received(10) == b"last words"
            await c.eof
            await c.lost
            await settle(loop)
            assert s.losses() == [None] and len(s.data) >= 1
            srv.close()
            await srv.wait_closed()
        self.run_aio(main)

    @FAMILIES
    @KINDS
    def test_pause_reading_inside_data_received_stops_delivery(
            self, family, kind, tmp_path):
        base = PROTOCOLS[kind]

        class OneAtATime(base):
            def _got(self, data):
                assert self.transport.is_reading(), "delivered while paused"
                super()._got(data)
                self.transport.pause_reading()

        async def main(loop):
            c, s, srv = await open_pair(loop, family, tmp_path,
                                        server=OneAtATime)
            payload = bytes(range(256)) * 128  # 32 KiB
            c.transport.write(payload)
            c.transport.write_eof()
            await s.received(1)
            while len(s.data) < len(payload):
                before = len(s.data)
                await settle(loop, rounds=5, pause=0)
                assert len(s.data) == before  # paused: nothing more
                s.transport.resume_reading()
                while len(s.data) == before and not s.eof.done():
                    await asyncio.sleep(0)
            assert s.data == payload
            s.transport.resume_reading()
            await s.eof
            await s.lost
            await close_pair(c, s, srv)
        self.run_aio(main)

    @FAMILIES
    def test_abort_inside_pause_writing(self, family, tmp_path):
        class Quitter(PROTOCOLS["Protocol"]):
            def pause_writing(self):
                super().pause_writing()
                self.transport.abort()

        async def main(loop):
            c, s, srv = await open_pair(loop, family, tmp_path,
                                        client=Quitter)
            s.transport.pause_reading()
            await fill_until_paused(c)
            assert await c.lost is None
            await settle(loop)
            assert c.events == ["made", "pause", ("lost", None)], c.events
            s.transport.resume_reading()
            await s.lost
            srv.close()
            await srv.wait_closed()
        self.run_aio(main)

    @FAMILIES
    def test_data_received_raising_is_fatal(self, family, tmp_path):
        # The error goes to the exception handler and connection_lost
        # gets it; the peer sees the connection end.
        class Broken(PROTOCOLS["Protocol"]):
            def data_received(self, data):
                raise ZeroDivisionError("protocol bug")

        async def main(loop):
            reports = []
            loop.set_exception_handler(lambda lp, ctx: reports.append(ctx))
            c, s, srv = await open_pair(loop, family, tmp_path, server=Broken)
            c.transport.write(b"boom")
            exc = await s.lost
            assert isinstance(exc, ZeroDivisionError)
            await c.lost
            await settle(loop)
            assert s.losses() == [exc]
            assert [type(r.get("exception")) for r in reports] == \
                [ZeroDivisionError], reports
            srv.close()
            await srv.wait_closed()
        self.run_aio(main)

    @FAMILIES
    def test_peer_eof_with_data_still_queued(self, family, tmp_path):
        # eof_received() returns True: the half-open side still flushes
        # what it had queued, then closes.
        async def main(loop):
            c, s, srv = await open_pair(loop, family, tmp_path,
                                        client_attrs={"eof_result": True})
            c.transport.pause_reading()
            s.transport.pause_reading()
            written, value, _ = await write_pattern_until_paused(c)
            s.transport.write_eof()
            c.transport.resume_reading()
            await c.eof
            assert c.transport.get_write_buffer_size() > 0
            c.transport.close()  # flushes first
            s.transport.resume_reading()
            got = await s.received(written)
            assert len(got) == written and crc(got) == value
            assert await c.lost is None
            await s.lost
            srv.close()
            await srv.wait_closed()
        self.run_aio(main)


class TestStreamTransports_asyncio(_TestStreamTransports, AsyncioCase):
    pass


class TestStreamTransports_uvloop(_TestStreamTransports, UvloopCase):
    pass


class TestStreamTransports_trioaio(_TestStreamTransports, TrioAioCase):
    pass


class TestStreamTransports_sync(_TestStreamTransports, SyncTrioAioCase):
    pass


class TestReentrantCallbacks_asyncio(_TestReentrantCallbacks, AsyncioCase):
    pass


class TestReentrantCallbacks_uvloop(_TestReentrantCallbacks, UvloopCase):
    pass


class TestReentrantCallbacks_trioaio(_TestReentrantCallbacks, TrioAioCase):
    pass


class TestReentrantCallbacks_sync(_TestReentrantCallbacks, SyncTrioAioCase):
    pass
