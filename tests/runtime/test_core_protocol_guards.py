"""The C core's private protocol with the Python loop (_base.py) refuses
calls made out of order with an error that says what is wrong, instead of
corrupting the loop: these calls are reachable from Python, by subclasses
and by tools such as bench/run.py."""
import asyncio

import pytest
import trio

import trioaio
from trioaio import _core
from trioaio._sync import SyncTrioEventLoop


@pytest.fixture
def loop():
    loop = SyncTrioEventLoop()
    yield loop
    loop.close()


def test_budget_must_be_a_non_negative_number(loop):
    with pytest.raises(ValueError, match="budget must be >= 0 seconds"):
        loop._core_set_budget(-0.5)
    with pytest.raises(ValueError, match="budget must be >= 0 seconds"):
        loop._core_set_budget(float("nan"))
    with pytest.raises(TypeError):
        loop._core_set_budget("soon")
    # A zero budget still runs every callback: each burst makes progress.
    loop._core_set_budget(0.0)
    ran = []
    for i in range(20):
        loop.call_soon(ran.append, i)
    loop.run_until_complete(asyncio.sleep(0))
    assert ran == list(range(20))


def test_burst_outside_a_trio_task_is_refused(loop):
    with pytest.raises(RuntimeError, match="not running in a Trio task"):
        loop._core_burst()


def test_inline_run_outside_inline_mode_is_refused(loop):
    with pytest.raises(RuntimeError, match="not in inline mode"):
        loop._core_inline_run()
    assert loop._core_inline_abort() is None  # nothing to abort


def test_push_takes_only_trioaio_handles(loop):
    with pytest.raises(TypeError, match="expected a trioaio Handle"):
        loop._core_push(asyncio.Handle(print, (), loop))
    ran = []
    loop._core_push(_core.Handle(ran.append, ("pushed",), loop))
    loop._core_wake()  # not running: nothing to wake, no error
    loop.run_until_complete(asyncio.sleep(0))
    assert ran == ["pushed"]


def test_push_into_a_closed_loop_is_refused():
    loop = SyncTrioEventLoop()
    handle = _core.Handle(print, (), loop)
    loop.close()
    with pytest.raises(RuntimeError, match="closed"):
        loop._core_push(handle)


def test_attach_needs_four_arguments_and_a_free_loop():
    async def main():
        async with trioaio.open_loop() as loop:
            with pytest.raises(TypeError, match="_core_attach"):
                loop._core_attach(None)
            with pytest.raises(RuntimeError, match="already running"):
                loop._core_attach(None, None, None, None)
            return True
    assert trio.run(main)


def test_burst_from_inside_a_callback_is_refused():
    async def main():
        async with trioaio.open_loop() as loop:
            errors = []

            def reenter():
                try:
                    loop._core_burst()
                except RuntimeError as exc:
                    errors.append(str(exc))
            done = trio.Event()
            loop.call_soon(reenter)
            loop.call_soon(done.set)
            await done.wait()
            return errors
    assert trio.run(main) == ["the loop's callbacks are already running"]


def test_configure_needs_all_five_hooks():
    with pytest.raises(TypeError, match="_configure"):
        _core._configure(None)


def test_core_reader_needs_fd_and_callback(loop):
    with pytest.raises(TypeError, match=r"add_reader\(fd, callback"):
        loop._add_reader(0)
    with pytest.raises(TypeError, match=r"add_writer\(fd, callback"):
        loop._add_writer()


def test_closed_loop_has_no_backend_fd():
    loop = SyncTrioEventLoop()
    assert loop._uv_backend_fd() >= 0
    loop.close()
    with pytest.raises(RuntimeError, match="Event loop is closed"):
        loop._uv_backend_fd()


def test_source_traceback_is_readable_and_clearable(loop):
    h = _core.Handle(print, (), loop)
    assert h._source_traceback is None
    tb = [("f.py", 3, "fn", "line")]
    h._source_traceback = tb
    assert h._source_traceback is tb
    del h._source_traceback
    assert h._source_traceback is None
