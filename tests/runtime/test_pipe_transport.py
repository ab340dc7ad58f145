"""trioaio's C pipe transports (`_core.ReadPipeTransport` and
`_core.WritePipeTransport`, on libuv's uv_pipe_t): what they add to
asyncio's behaviour, which test_transport_dgram_pipes.py checks on every
loop.  Here: that the loop uses them where it should (and asyncio's
transports elsewhere), that the live-object counters balance, the loop
closing first, errors in protocol callbacks, debug logging, and the
constructors' errors.
"""
import asyncio
import errno
import gc
import logging
import os
import socket
import subprocess
import sys

import pytest

from _testbase import IS_REFERENCE
from _transport_kit import BufferedRecorder, Recorder, settle

pytestmark = pytest.mark.skipif(IS_REFERENCE, reason="trioaio's C core")


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


def pipe_pair():
    r, w = os.pipe()
    return os.fdopen(r, "rb", buffering=0), os.fdopen(w, "wb", buffering=0)


def test_types_and_counters_balance():
    from trioaio import _core
    before = counts()

    async def main(loop):
        rf, wf = pipe_pair()
        rt, reader = await loop.connect_read_pipe(Recorder, rf)
        wt, writer = await loop.connect_write_pipe(Recorder, wf)
        assert type(rt) is _core.ReadPipeTransport
        assert type(wt) is _core.WritePipeTransport
        assert isinstance(rt, asyncio.ReadTransport)
        assert not isinstance(rt, asyncio.WriteTransport)
        assert isinstance(wt, asyncio.WriteTransport)
        # the read pipe's handle, the write pipe's and its watch on the
        # reader
        assert counts()["streams"] == before["streams"] + 3
        rt.pause_reading()
        while not writer.paused.done():
            wt.write(b"q" * 65536)
            await asyncio.sleep(0)
        assert counts()["stream_writes"] == before["stream_writes"] + 1
        rt.resume_reading()
        await writer.resumed
        wt.close()
        await writer.lost
        await reader.lost
        await settle(loop)
        assert counts()["streams"] == before["streams"]
    run(main)
    assert counts() == before


def test_subprocess_stdio_balances():
    from trioaio import _core
    before = counts()

    async def main(loop):
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "import sys; print(sys.stdin.read())",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE)
        kinds = {type(proc._transport.get_pipe_transport(fd))
                 for fd in (0, 1, 2)}
        assert kinds == {_core.ReadPipeTransport, _core.WritePipeTransport}
        out, err = await proc.communicate(b"ping" * 100000)
        assert out == b"ping" * 100000 + b"\n" and err == b""
        await settle(loop)
    run(main)
    assert counts() == before


def test_debug_mode_and_character_devices_use_asyncio_transports():
    async def main(loop):
        rf, wf = pipe_pair()
        rt, reader = await loop.connect_read_pipe(Recorder, rf)
        assert type(rt).__name__ == "_UnixReadPipeTransport"
        rt.close()
        wf.close()
        await reader.lost
    run(main, debug=True)

    async def devnull(loop):
        with open(os.devnull, "wb", buffering=0) as f:
            t, p = await loop.connect_write_pipe(Recorder, f)
            assert type(t).__name__ == "_UnixWritePipeTransport"
            t.close()
            await p.lost
    run(devnull)


# asyncio's half-made transport then fails in its __del__ (no _closing):
# asyncio's own unraisable error, not one of the test's.
@pytest.mark.filterwarnings(
    "ignore::pytest.PytestUnraisableExceptionWarning")
def test_an_object_without_a_fileno_is_asyncio_s_to_refuse():
    async def main(loop):
        for connect in (loop.connect_read_pipe, loop.connect_write_pipe):
            with pytest.raises(AttributeError):
                await connect(Recorder, object())
    run(main)


def test_python_fallback_by_environment():
    code = (
        "import asyncio, os, trioaio\n"
        "async def main():\n"
        "    loop = asyncio.get_running_loop()\n"
        "    r, w = os.pipe()\n"
        "    t, p = await loop.connect_read_pipe(asyncio.Protocol,\n"
        "                                        os.fdopen(r, 'rb'))\n"
        "    print(type(t).__name__)\n"
        "    t.close()\n"
        "    os.close(w)\n"
        "    await asyncio.sleep(0)\n"
        "loop = trioaio.SyncTrioEventLoop()\n"
        "loop.run_until_complete(main())\n"
        "loop.close()\n")
    for value, name in (("1", "_UnixReadPipeTransport"),
                        ("0", "ReadPipeTransport")):
        env = dict(os.environ, TRIOAIO_PY_TRANSPORTS=value)
        out = subprocess.run([sys.executable, "-c", code], env=env,
                             capture_output=True, text=True, check=True)
        assert out.stdout.strip() == name


def test_reprs_and_attributes():
    async def main(loop):
        rf, wf = pipe_pair()
        rt, reader = await loop.connect_read_pipe(Recorder, rf)
        wt, writer = await loop.connect_write_pipe(Recorder, wf)
        rfd, wfd = rf.fileno(), wf.fileno()
        assert repr(rt) == "<ReadPipeTransport fd=%d polling>" % rfd
        assert repr(wt) == "<WritePipeTransport fd=%d idle bufsize=0>" % wfd
        assert rt._fileno == rfd and rt._pipe is rf and rt._loop is loop
        assert wt._fileno == wfd and wt._pipe is wf and wt._loop is loop
        assert rt._protocol is reader and not rt._paused
        rt.pause_reading()
        assert rt._paused
        assert repr(rt) == "<ReadPipeTransport fd=%d idle>" % rfd
        while not wt.get_write_buffer_size():
            wt.write(b"r" * 65536)
        size = wt.get_write_buffer_size()
        assert repr(wt) == ("<WritePipeTransport fd=%d polling bufsize=%d>"
                            % (wfd, size))
        wt.close()
        assert repr(wt).startswith("<WritePipeTransport closing fd=")
        rt.close()
        assert repr(rt) == "<ReadPipeTransport closing fd=%d idle>" % rfd
        await reader.lost
        assert repr(rt) == "<ReadPipeTransport closed fd=%d closed>" % rfd
        assert rt._loop is None and rt._pipe is None
        assert rt._protocol is None and rt.get_protocol() is None
        await writer.lost  # the reader's close ends it
        assert wt._closing and wt._conn_lost == 1
        wt._protocol = None
        assert wt.get_protocol() is None
        wt._protocol = writer
        assert wt.get_protocol() is writer
    run(main)


def test_loop_closed_first():
    before = counts()
    holder = []

    async def main(loop):
        rf, wf = pipe_pair()
        rt, reader = await loop.connect_read_pipe(Recorder, rf)
        wt, writer = await loop.connect_write_pipe(Recorder, wf)
        r2, w2 = pipe_pair()
        wt2, writer2 = await loop.connect_write_pipe(Recorder, w2)
        holder.extend([rt, wt, wt2, reader, writer, writer2, rf, wf, r2])
    run(main)  # closes the loop with the transports open
    rt, wt, wt2, reader, writer, writer2, rf, wf, r2 = holder
    holder.clear()
    assert "fd=" in repr(rt) and "fd=" in repr(wt)
    with pytest.raises(RuntimeError, match="closed"):
        wt.write(b"x")
    # as asyncio's: closing needs the loop to call connection_lost
    for method in (rt.close, wt.close, wt2.abort):
        with pytest.raises(RuntimeError, match="closed"):
            method()
    del method
    with pytest.warns(ResourceWarning):
        del rt, wt, wt2, reader, writer, writer2
        gc.collect()
    assert rf.closed and wf.closed  # the finalizer closes the pipes
    r2.close()
    assert counts() == before


def test_unclosed_transport_warns_and_closes_the_pipe():
    async def main(loop):
        rf, wf = pipe_pair()
        rt, reader = await loop.connect_read_pipe(Recorder, rf)
        del reader
        rt.pause_reading()  # while reading, the loop holds it
        with pytest.warns(ResourceWarning, match="unclosed transport"):
            del rt
            gc.collect()
        assert rf.closed
        wf.close()
        await settle(loop)
    run(main)


def test_data_received_errors_go_to_the_handler_and_reading_goes_on():
    reported = []

    class Failing(Recorder):
        def data_received(self, data):
            super().data_received(data)
            if data.startswith(b"bad"):
                raise ZeroDivisionError

    async def main(loop):
        loop.set_exception_handler(lambda loop, ctx: reported.append(ctx))
        rf, wf = pipe_pair()
        rt, reader = await loop.connect_read_pipe(Failing, rf)
        os.write(wf.fileno(), b"bad")
        await reader.received(3)
        await settle(loop, pause=0)
        os.write(wf.fileno(), b"good")
        assert await reader.received(7) == b"badgood"
        assert len(reported) == 1
        assert isinstance(reported[0]["exception"], ZeroDivisionError)
        assert reported[0]["message"] == (
            "Exception in callback ReadPipeTransport._read_ready()")
        assert reported[0]["transport"] is rt
        assert not rt.is_closing()
        wf.close()
        assert await reader.lost is None
    run(main)


@pytest.mark.parametrize("what", ["get_buffer", "empty_buffer",
                                  "buffer_updated"])
def test_buffered_protocol_errors(what):
    reported = []

    class Failing(BufferedRecorder):
        def get_buffer(self, sizehint):
            if what == "get_buffer":
                raise ZeroDivisionError
            if what == "empty_buffer":
                return bytearray()
            return super().get_buffer(sizehint)

        def buffer_updated(self, nbytes):
            super().buffer_updated(nbytes)
            if what == "buffer_updated":
                raise ZeroDivisionError

    async def main(loop):
        loop.set_exception_handler(lambda loop, ctx: reported.append(ctx))
        rf, wf = pipe_pair()
        rt, p = await loop.connect_read_pipe(Failing, rf)
        os.write(wf.fileno(), b"data")
        if what == "buffer_updated":
            # as data_received(): reported, and the pipe stays open
            await p.received(4)
            await settle(loop, pause=0)
            assert not rt.is_closing()
            assert reported[0]["message"].startswith("Exception in callback")
            rt.close()
            assert await p.lost is None
        else:
            exc = await p.lost
            expected = (RuntimeError if what == "empty_buffer"
                        else ZeroDivisionError)
            assert isinstance(exc, expected), repr(exc)
            assert "protocol.get_buffer() call failed" in (
                reported[0]["message"])
        assert len(reported) == 1
        wf.close()
    run(main)


@pytest.mark.parametrize("kind, exc, reported_too", [
    ("read", OSError(errno.EIO, "I/O error"), False),
    ("read", OSError(errno.EBADF, "bad"), True),
    ("read", ZeroDivisionError(), True),
    ("write", OSError(errno.EBADF, "bad"), False),
    ("write", ZeroDivisionError(), True),
])
def test_fatal_errors(kind, exc, reported_too):
    reported = []

    async def main(loop):
        loop.set_exception_handler(lambda loop, ctx: reported.append(ctx))
        rf, wf = pipe_pair()
        if kind == "read":
            t, p = await loop.connect_read_pipe(Recorder, rf)
            other = wf
        else:
            t, p = await loop.connect_write_pipe(Recorder, wf)
            other = rf
        t._fatal_error(exc, "it failed")
        assert t.is_closing()
        assert await p.lost is exc
        assert [c["message"] for c in reported] == (
            ["it failed"] if reported_too else [])
        await settle(loop, pause=0)
        assert p.count("lost") == 1
        with pytest.raises(TypeError):
            t._fatal_error()
        with pytest.raises(AttributeError):
            t._fatal_error(exc)  # as asyncio's: no loop any more
        other.close()
    run(main)


def test_debug_logging(caplog):
    async def main(loop):
        rf, wf = pipe_pair()
        rt, reader = await loop.connect_read_pipe(Recorder, rf)
        r2, w2 = pipe_pair()
        wt, writer = await loop.connect_write_pipe(Recorder, w2)
        loop.set_debug(True)
        rt.pause_reading()
        rt.resume_reading()
        wf.close()
        await reader.lost
        r2.close()
        await writer.lost
        loop.set_debug(False)
    with caplog.at_level(logging.DEBUG, logger="asyncio"):
        run(main)
    messages = [r.getMessage() for r in caplog.records]
    assert any("pauses reading" in m for m in messages)
    assert any("resumes reading" in m for m in messages)
    closed = [m for m in messages if "was closed by peer" in m]
    assert len(closed) == 2, messages


def test_dropped_writes_warn(caplog):
    async def main(loop):
        rf, wf = pipe_pair()
        wt, writer = await loop.connect_write_pipe(Recorder, wf)
        wt.close()
        for _ in range(7):
            wt.write(b"dropped")
        await writer.lost
        rf.close()
    with caplog.at_level(logging.WARNING, logger="asyncio"):
        run(main)
    warned = [r for r in caplog.records
              if "pipe closed by peer" in r.getMessage()]
    assert len(warned) == 2  # past the fifth


def test_write_errors():
    async def main(loop):
        rf, wf = pipe_pair()
        wt, writer = await loop.connect_write_pipe(Recorder, wf)
        with pytest.raises(TypeError, match="bytes-like"):
            wt.write("text")
        with pytest.raises(TypeError):
            wt.writelines([b"x", "text"])
        wt.writelines([b"%d" % i for i in range(100)])  # joined
        wt.close()
        await writer.lost
        assert os.read(rf.fileno(), 1000) == b"".join(
            b"%d" % i for i in range(100))
        rf.close()
    run(main)


def test_connection_lost_error_propagates_and_closes_the_pipe():
    reported = []

    class Failing(Recorder):
        def connection_lost(self, exc):
            super().connection_lost(exc)
            raise ZeroDivisionError

    async def main(loop):
        loop.set_exception_handler(lambda loop, ctx: reported.append(ctx))
        rf, wf = pipe_pair()
        rt, reader = await loop.connect_read_pipe(Failing, rf)
        rt.close()
        await reader.lost
        await settle(loop, pause=0)
        assert rf.closed
        assert isinstance(reported[0]["exception"], ZeroDivisionError)
        wf.close()
    run(main)


def test_resume_writing_that_writes_more():
    # asyncio's write pipe resumes once drained; writes made from
    # resume_writing() go out at once.
    async def main(loop):
        rf, wf = pipe_pair()
        rt, reader = await loop.connect_read_pipe(Recorder, rf)
        rt.pause_reading()
        wt, writer = await loop.connect_write_pipe(Recorder, wf)
        more = []

        def resume_writing():
            Recorder.resume_writing(writer)
            more.append(wt.get_write_buffer_size())
            wt.write(b"more")
            wt.close()
        writer.resume_writing = resume_writing
        written = 0
        while not writer.paused.done():
            wt.write(b"w" * 65536)
            written += 65536
            await asyncio.sleep(0)
        rt.resume_reading()
        assert await reader.received(written + 4) == b"w" * written + b"more"
        assert more == [0]
        assert await writer.lost is None
        assert await reader.lost is None
    run(main)


def test_constructor_errors(tmp_path):
    from trioaio import _core
    import trioaio
    rf, wf = pipe_pair()
    loop = trioaio.SyncTrioEventLoop()
    try:
        for cls in (_core.ReadPipeTransport, _core.WritePipeTransport):
            with pytest.raises(TypeError, match="trioaio loop"):
                cls(object(), rf, Recorder)
            with pytest.raises(TypeError, match="fileno"):
                cls(loop, object(), Recorder)
            path = tmp_path / "regular"
            path.write_bytes(b"")
            with open(path, "rb") as f:
                with pytest.raises(ValueError, match="pipes and sockets"):
                    cls(loop, f, asyncio.Protocol())
            r, w = os.pipe()
            os.close(r)
            os.close(w)
            with pytest.raises(OSError) as caught:
                cls(loop, r, asyncio.Protocol())
            assert caught.value.errno == errno.EBADF
            with pytest.raises(TypeError):
                cls(loop, rf)
        with pytest.raises(TypeError):
            # the write pipe's extra goes to asyncio's mixin
            _core.WritePipeTransport(loop, wf, asyncio.Protocol(), None, 42)
        with pytest.raises(TypeError):
            _core.ReadPipeTransport(loop, rf, asyncio.Protocol(), None, 42)
        assert not rf.closed and not wf.closed  # a failed constructor
    finally:
        loop.close()
    with pytest.raises(RuntimeError, match="closed"):
        _core.ReadPipeTransport(loop, rf, asyncio.Protocol())
    rf.close()
    wf.close()


def test_protocol_errors_in_the_constructor():
    from trioaio import _core

    class BadClass(asyncio.Protocol):
        @property
        def __class__(self):
            raise ZeroDivisionError

    async def main(loop):
        rf, wf = pipe_pair()
        with pytest.raises(ZeroDivisionError):
            _core.ReadPipeTransport(loop, rf, BadClass())
        with pytest.raises(AttributeError):  # no connection_made
            _core.WritePipeTransport(loop, wf, object())
        assert not rf.closed and not wf.closed
        rf.close()
        wf.close()
    run(main)


def test_a_protocol_without_eof_received():
    # asyncio schedules protocol.eof_received: without one, the read
    # callback fails, and the handler hears of it.
    reported = []

    class Bare:
        def connection_made(self, transport):
            self.transport = transport

        def data_received(self, data):
            pass

    async def main(loop):
        from trioaio import _core
        loop.set_exception_handler(lambda loop, ctx: reported.append(ctx))
        rf, wf = pipe_pair()
        waiter = loop.create_future()
        t = _core.ReadPipeTransport(loop, rf, Bare(), waiter)
        await waiter
        wf.close()
        while not reported:
            await asyncio.sleep(0.005)
        assert isinstance(reported[0]["exception"], AttributeError)
        t.close()
        await settle(loop, pause=0)
    run(main)


def test_abort_and_watch_twice():
    async def main(loop):
        from trioaio import _core
        rf, wf = pipe_pair()
        p = Recorder()
        t = _core.WritePipeTransport(loop, wf, p)
        t.abort()  # before it watches the reader: it never does
        t.abort()
        t._watch_peer()
        assert await p.lost is None
        await settle(loop, pause=0)
        assert p.count("lost") == 1
        rf.close()
    run(main)


def test_write_pipe_on_a_socket_with_data_queued():
    # The socket's peer sends something while the writer has a queue:
    # asyncio's reader trick calls that a broken pipe.
    async def main(loop):
        a, b = socket.socketpair()
        with b:
            wt, writer = await loop.connect_write_pipe(Recorder, a)
            while not wt.get_write_buffer_size():
                wt.write(b"s" * 65536)
            b.send(b"!")
            exc = await writer.lost
            assert isinstance(exc, BrokenPipeError) and exc.errno is None
    run(main)


def test_extra_is_kept():
    async def main(loop):
        from trioaio import _core
        rf, wf = pipe_pair()
        extra = {"mine": 1}
        waiter = loop.create_future()
        p = Recorder()
        t = _core.ReadPipeTransport(loop, rf, p, waiter, extra)
        await waiter
        assert t.get_extra_info("mine") == 1
        assert t.get_extra_info("pipe") is rf and extra["pipe"] is rf
        t.close()
        await p.lost
        wf.close()
    run(main)


def test_system_exit_in_data_received_propagates():
    import trioaio

    class Exiting(Recorder):
        def data_received(self, data):
            raise SystemExit(3)

    loop = trioaio.SyncTrioEventLoop()
    rf, wf = pipe_pair()
    try:
        t, p = loop.run_until_complete(loop.connect_read_pipe(Exiting, rf))
        os.write(wf.fileno(), b"bye")
        with pytest.raises(SystemExit):
            loop.run_forever()
        t.close()
        loop.run_until_complete(p.lost)
    finally:
        wf.close()
        loop.close()


def test_write_pipe_on_a_socket_sees_data_as_a_close():
    # asyncio's reader trick: a write pipe's fd readable means the peer
    # is gone (for a socket, data counts too).
    async def main(loop):
        a, b = socket.socketpair()
        with b:
            wt, writer = await loop.connect_write_pipe(Recorder, a)
            b.sendall(b"hello?")
            assert await writer.lost is None
            assert a.fileno() == -1
    run(main)


def test_a_failing_debug_log_is_reported(monkeypatch):
    # The "was closed by peer" line of debug mode: a logger that fails
    # there is reported as an error in the read callback.
    reported = []

    def boom(*args, **kwargs):
        raise ZeroDivisionError

    async def main(loop):
        loop.set_exception_handler(lambda loop, ctx: reported.append(ctx))
        rf, wf = pipe_pair()
        rt, reader = await loop.connect_read_pipe(Recorder, rf)
        r2, w2 = pipe_pair()
        wt, writer = await loop.connect_write_pipe(Recorder, w2)
        await asyncio.sleep(0)
        loop.set_debug(True)
        monkeypatch.setattr(logging.getLogger("asyncio"), "info", boom)
        wf.close()
        r2.close()
        while len(reported) < 2:
            await asyncio.sleep(0.005)
        monkeypatch.undo()
        loop.set_debug(False)
        assert all(isinstance(c["exception"], ZeroDivisionError)
                   for c in reported)
        assert sorted(c["transport"] is rt for c in reported) == [False,
                                                                  True]
        rt.close()
        wt.abort()
        await reader.lost
        await writer.lost
    run(main)


def test_system_exit_in_resume_writing_propagates():
    import trioaio

    class Exiting(Recorder):
        def resume_writing(self):
            raise SystemExit(4)

    loop = trioaio.SyncTrioEventLoop()
    rf, wf = pipe_pair()
    try:
        wt, writer = loop.run_until_complete(
            loop.connect_write_pipe(Exiting, wf))
        while not writer.paused.done():
            wt.write(b"e" * 65536)
        reader = loop.run_until_complete(
            loop.connect_read_pipe(Recorder, rf))[1]
        with pytest.raises(SystemExit):
            loop.run_forever()
        wt.abort()
        reader.transport.close()
        loop.run_until_complete(writer.lost)
        loop.run_until_complete(reader.lost)
    finally:
        loop.close()
