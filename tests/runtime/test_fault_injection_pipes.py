"""The C pipe transports' libc and libuv failures, by fault injection.

As test_fault_injection_udp.py: each test fails one call site of the
pipe code in stream.c (see _faults.py) and checks what the user sees,
that no fd or core object outlives the test, and that the transport
still works where asyncio's would.
"""
import asyncio
import errno
import os

import pytest

import trioaio
from trioaio import _core

from _faults import inject, needs_faults, open_fds, settle

pytestmark = [
    needs_faults,
    pytest.mark.skipif(_core.ReadPipeTransport is None,
                       reason="no C pipe transports on this Python"),
]


class Recorder(asyncio.Protocol):

    def __init__(self):
        self.lost = []
        self.data = b""

    def data_received(self, data):
        self.data += data

    def connection_lost(self, exc):
        self.lost.append(exc)


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


async def until(condition, timeout=5):
    async def poll():
        while not condition():
            await asyncio.sleep(0.005)
    await asyncio.wait_for(poll(), timeout)


@pytest.mark.parametrize("site, err, exc", [
    ("pipe_peer_dup", errno.EMFILE, OSError),
    ("pipe_peer_alloc", errno.ENOMEM, MemoryError),
    ("uv_pipe_poll_init", errno.ENOMEM, OSError),
    ("uv_pipe_poll_start", errno.ENOMEM, OSError),
])
def test_a_write_pipe_that_cannot_watch_its_reader_still_writes(
        site, err, exc, run):
    # asyncio's add_reader failing in its callback: reported, and the
    # transport writes on; it learns of the reader's close from a write.
    async def main(loop, reported):
        r, w = os.pipe()
        rf, wf = os.fdopen(r, "rb", buffering=0), os.fdopen(w, "wb",
                                                           buffering=0)
        with inject(site, err):
            t, p = await loop.connect_write_pipe(Recorder, wf)
            await asyncio.sleep(0)
        assert len(reported) == 1
        assert isinstance(reported[0]["exception"], exc)
        if exc is OSError:
            assert reported[0]["exception"].errno == err
        t.write(b"still writes")
        assert os.read(r, 100) == b"still writes"
        rf.close()
        t.write(b"nobody reads")
        await until(lambda: p.lost)
        assert len(p.lost) == 1 and isinstance(p.lost[0], BrokenPipeError)
    run(main)


def test_entering_the_context_fails_when_the_reader_closes(run):
    async def main(loop, reported):
        r, w = os.pipe()
        wf = os.fdopen(w, "wb", buffering=0)
        t, p = await loop.connect_write_pipe(Recorder, wf)
        await asyncio.sleep(0)
        with inject("pipe_peer_context_enter", errno.ENOMEM):
            os.close(r)
            await until(lambda: reported)
        assert "pipe_peer_context_enter" in str(reported[0]["exception"])
        assert not t.is_closing()  # no more watching: a write tells
        t.write(b"x")
        await until(lambda: p.lost)
        assert isinstance(p.lost[0], BrokenPipeError)
    run(main)
