"""The loop core's libc and libuv failures, reached by fault injection.

_testcapi's out-of-memory sweep (test_out_of_memory.py) fails CPython's
allocators only; these paths fail in malloc or in libuv on a valid
descriptor, which only resource exhaustion causes.  Each test fails one
call site (see _faults.py) and checks what the user sees: the exception
and its errno, no callback run twice or lost without an error, no fd or
core object leaked, and a loop that still works afterwards.
"""
import asyncio
import errno
import gc
import os
import signal
import socket

import pytest
import trio

import trioaio
from trioaio import _core

from _testbase import run_trio
from _faults import all_sites, inject, needs_faults, open_fds, settle

pytestmark = needs_faults


@pytest.fixture(scope="module")
def warmed_up():
    # The first run of a loop opens what stays open for the process (a
    # wakeup pipe): not a leak of the test that happens to run first.
    loop = trioaio.SyncTrioEventLoop()
    loop.run_until_complete(asyncio.sleep(0))
    loop.close()


@pytest.fixture
def balanced(warmed_up):
    """Fail the test if core objects or fds outlive it."""
    before, fds = settle(), open_fds()
    yield
    assert settle() == before
    assert open_fds() == fds


@pytest.fixture
def loop(warmed_up):
    """A sync loop; the test fails if core objects or fds outlive it."""
    before, fds = settle(), open_fds()
    loop = trioaio.SyncTrioEventLoop()
    yield loop
    loop.close()
    # pytest holds the fixture's value until the end of the teardown: the
    # closed loop is the one object that may be left.
    assert settle() == dict(before, loops=before["loops"] + 1)
    assert open_fds() == fds


@pytest.fixture
def unraisable(monkeypatch):
    seen = []
    monkeypatch.setattr("sys.unraisablehook", seen.append)
    return seen


def spin(loop, seconds=0.05):
    loop.run_until_complete(asyncio.sleep(seconds))


def test_arming_refuses_what_is_no_site_or_errno():
    with pytest.raises(ValueError, match="no fault site 'nowhere'"):
        _core._fault_arm("nowhere", errno.ENOMEM)
    with pytest.raises(ValueError, match="errno must be in 1..4095"):
        _core._fault_arm("uv_loop_init", 0)
    with pytest.raises(ValueError, match="after >= 0"):
        _core._fault_arm("uv_loop_init", errno.ENOMEM, -1)
    with pytest.raises(TypeError, match="_fault_arm"):
        _core._fault_arm(1, 2)
    with pytest.raises(OverflowError):
        _core._fault_arm("uv_loop_init", 2 ** 70)
    with pytest.raises(OverflowError):
        _core._fault_arm("uv_loop_init", 1, 2 ** 70)
    assert _core._fault_disarm() is None


def test_a_fault_fires_once_after_the_reaches_it_was_told_to_skip(loop):
    with inject("ready_push_soon", after=2):
        loop.call_soon(print)
        loop.call_soon(print)
        with pytest.raises(MemoryError):
            loop.call_soon(print)
        loop.call_soon(print)  # disarmed once fired


def test_every_site_is_tested():
    # A new site in fault.h needs a test that makes it fire.
    import pathlib
    here = pathlib.Path(__file__).parent
    text = "".join(p.read_text() for p in here.glob("test_fault*.py"))
    untested = [s for s in all_sites() if '"%s"' % s not in text]
    assert untested == []


# ------------------------------------------------------------- new loops

@pytest.mark.parametrize("site, err, exc", [
    ("loop_io_alloc", errno.ENOMEM, MemoryError),
    ("ready_init", errno.ENOMEM, MemoryError),
    ("uv_loop_init", errno.EMFILE, OSError),
    ("uv_async_init", errno.EMFILE, OSError),
])
def test_a_loop_that_cannot_be_made_raises_and_leaks_nothing(
        site, err, exc, balanced):
    with inject(site, err), pytest.raises(exc) as caught:
        trioaio.SyncTrioEventLoop()
    if exc is OSError:
        assert caught.value.errno == err
    loop = trioaio.SyncTrioEventLoop()
    assert loop.run_until_complete(asyncio.sleep(0, "works")) == "works"
    loop.close()


def test_an_unclosed_core_loop_with_watchers_is_freed(balanced):
    # Only the C base, dropped without close(): dealloc clears the fd
    # table itself.  The descriptor stays the caller's.
    r, w = socket.socketpair()
    with r, w:
        core = _core.Loop()
        core._add_reader(r.fileno(), print)
        core._add_writer(w.fileno(), print)
        core.cycle = core
        del core
        gc.collect()
        w.send(b"still open")
        assert r.recv(10) == b"still open"


# ----------------------------------------------------------- fd watchers

@pytest.mark.parametrize("site, err, exc", [
    ("poll_table_alloc", errno.ENOMEM, MemoryError),
    ("poll_alloc", errno.ENOMEM, MemoryError),
    ("uv_poll_start", errno.ENOSPC, OSError),
])
def test_add_reader_that_fails_leaves_the_fd_unwatched(
        site, err, exc, loop):
    r, w = socket.socketpair()
    with r, w:
        with inject(site, err), pytest.raises(exc) as caught:
            loop.add_reader(r, print)
        if exc is OSError:
            assert caught.value.errno == err
        assert loop._io_handles(r.fileno()) is None
        assert loop.remove_reader(r) is False
        # The same fd can be watched afterwards.
        got = loop.create_future()
        loop.add_reader(r, lambda: got.set_result(r.recv(10)))
        w.send(b"ping")
        assert loop.run_until_complete(got) == b"ping"
        loop.remove_reader(r)


def test_add_writer_that_fails_keeps_the_reader(loop):
    r, w = socket.socketpair()
    with r, w:
        got = loop.create_future()
        loop.add_reader(r, lambda: got.set_result(r.recv(10)))
        with inject("uv_poll_start", errno.ENOMEM):
            with pytest.raises(OSError) as caught:
                loop.add_writer(r, print)
        assert caught.value.errno == errno.ENOMEM
        reader, writer = loop._io_handles(r.fileno())
        assert writer is None and reader is not None
        w.send(b"ping")
        assert loop.run_until_complete(got) == b"ping"
        assert loop.remove_reader(r) is True


def test_remove_writer_that_fails_to_rearm_still_removes_it(loop):
    r, w = socket.socketpair()
    with r, w:
        writes = []
        got = loop.create_future()
        loop.add_reader(r, lambda: got.set_result(r.recv(10)))
        loop.add_writer(r, writes.append, "writable")
        spin(loop)
        assert writes  # the socket is writable: the writer ran
        with inject("uv_poll_start", errno.ENOMEM):
            with pytest.raises(OSError) as caught:
                loop.remove_writer(r)
        assert caught.value.errno == errno.ENOMEM
        del writes[:]
        w.send(b"ping")
        assert loop.run_until_complete(got) == b"ping"
        assert writes == []  # removed, even though libuv still watches
        assert loop.remove_reader(r) is True


def test_a_cancelled_reader_that_fails_to_rearm_is_unraisable(
        loop, unraisable):
    # The fd turns readable with the reader's handle cancelled: the core
    # drops it and re-arms libuv for the writer alone, which fails.
    r, w = socket.socketpair()
    with r, w:
        writes = []
        loop.add_reader(r, pytest.fail, "a cancelled reader ran")
        reader, _ = loop._io_handles(r.fileno())
        loop.add_writer(r, writes.append, "writable")
        reader.cancel()
        w.send(b"ping")
        with inject("uv_poll_start", errno.ENOMEM):
            spin(loop)
        (report,) = unraisable
        assert isinstance(report.exc_value, OSError)
        assert report.exc_value.errno == errno.ENOMEM
        assert writes  # the writer still runs
        assert loop.remove_writer(r) is True


def test_a_ready_fd_whose_handle_cannot_be_queued_runs_it_later(
        loop, unraisable):
    r, w = socket.socketpair()
    with r, w:
        calls = []
        loop.add_reader(r, lambda: calls.append(r.recv(10)))
        w.send(b"ping")
        with inject("ready_push_io"):
            spin(loop, 0)
        (report,) = unraisable
        assert isinstance(report.exc_value, MemoryError)
        # Level-triggered: the next pass queues it again, and it runs once.
        spin(loop)
        assert calls == [b"ping"]
        loop.remove_reader(r)


# ------------------------------------------------ callbacks and timers

def test_call_soon_that_cannot_queue_raises_and_never_runs(loop):
    calls = []
    with inject("ready_push_soon"), pytest.raises(MemoryError):
        loop.call_soon(calls.append, "lost")
    with inject("ready_push_soon"), pytest.raises(MemoryError):
        loop.call_soon_threadsafe(calls.append, "lost")
    loop.call_soon(calls.append, "queued")
    spin(loop, 0)
    assert calls == ["queued"]


def test_call_later_that_cannot_schedule_raises(loop):
    calls = []
    with inject("timer_insert"), pytest.raises(MemoryError):
        loop.call_later(0, calls.append, "lost")
    assert loop._timer_count() == 0
    loop.call_later(0, calls.append, "scheduled")
    spin(loop)
    assert calls == ["scheduled"]


def test_a_due_timer_that_cannot_be_queued_stops_the_run(loop):
    calls = []
    loop.call_later(0, calls.append, "lost")
    with inject("ready_push_timer"), pytest.raises(MemoryError):
        spin(loop)
    assert not loop.is_running()
    spin(loop)  # the loop runs again
    assert calls == []
    assert loop._timer_count() == 0


def test_a_signal_that_cannot_be_queued_ends_the_loop_with_the_error(
        balanced):
    calls = []

    async def main():
        async with trioaio.open_loop() as loop:
            loop.add_signal_handler(signal.SIGUSR1, calls.append, "lost")
            with inject("ready_push_handle"):
                os.kill(os.getpid(), signal.SIGUSR1)
                await trio.sleep_forever()

    with pytest.raises(MemoryError):
        run_trio(main)
    assert calls == []


def test_a_context_that_cannot_be_left_is_reported(loop):
    reported = []
    loop.set_exception_handler(lambda loop, context: reported.append(context))
    calls = []
    h = _core.Handle(calls.append, ("ran",), loop)
    with inject("handle_context_exit"):
        h._run()
    assert calls == ["ran"]
    (context,) = reported
    assert str(context["exception"]) == (
        "injected fault at handle_context_exit")
    assert context["handle"] is h
    loop.set_exception_handler(None)  # it holds the handle
