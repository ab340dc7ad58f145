"""The synchronous loop ("compatibility mode"): asyncio's own entry points,
used from plain synchronous code, on the implementation's restartable loop.
"""
import asyncio
import threading

import pytest
import sniffio
import trio

from _testbase import TIMEOUT, impl, trioaio_only


@pytest.fixture
def sync_loop():
    impl()  # importing the implementation installs its loops
    loop = asyncio.new_event_loop()
    try:
        yield loop
    finally:
        loop.close()
        asyncio.set_event_loop(None)


def bounded(coro):
    return asyncio.wait_for(coro, TIMEOUT)


async def aio_value(x):
    await asyncio.sleep(0.001)
    return x, sniffio.current_async_library()


def test_new_event_loop_is_the_implementations(sync_loop):
    assert type(sync_loop).__module__.split(".")[0] == impl().__name__
    assert isinstance(sync_loop, asyncio.AbstractEventLoop)


def test_run_until_complete_twice(sync_loop):
    assert sync_loop.run_until_complete(bounded(aio_value(1))) == (1, "asyncio")
    assert sync_loop.run_until_complete(bounded(aio_value(2))) == (2, "asyncio")
    assert not sync_loop.is_running()


def test_stop_and_restart(sync_loop):
    seen = []
    sync_loop.call_soon(seen.append, "first run")
    sync_loop.call_later(0.001, sync_loop.stop)
    sync_loop.run_forever()
    assert seen == ["first run"]
    sync_loop.call_soon(seen.append, "second run")
    sync_loop.call_soon(sync_loop.stop)
    sync_loop.run_forever()
    assert seen == ["first run", "second run"]


def test_errors_propagate(sync_loop):
    async def fail():
        await asyncio.sleep(0)
        raise KeyError("sync")
    with pytest.raises(KeyError, match="sync"):
        sync_loop.run_until_complete(bounded(fail()))


def test_trio_code_through_the_shim(sync_loop):
    mod = impl()

    async def trio_side(x):
        await trio.sleep(0)
        return x, sniffio.current_async_library()

    async def aio_side():
        return await mod.trio_as_aio(trio_side)(7)
    assert sync_loop.run_until_complete(bounded(aio_side())) == (7, "trio")


@trioaio_only
def test_run_task_runs_a_trio_function(sync_loop):
    async def your_code(x):
        with trio.fail_after(TIMEOUT):
            await trio.sleep(0.001)
            return x * 2, sniffio.current_async_library()
    assert sync_loop.run_task(your_code, 21) == (42, "trio")


def test_sync_loop_in_a_thread():
    impl()
    results = []

    def worker():
        loop = asyncio.new_event_loop()
        try:
            results.append(loop.run_until_complete(bounded(aio_value(3))))
        finally:
            loop.close()
    t = threading.Thread(target=worker)
    t.start()
    t.join(TIMEOUT)
    assert not t.is_alive()
    assert results == [(3, "asyncio")]


def test_asyncio_run(sync_loop):
    assert asyncio.run(bounded(aio_value(4))) == (4, "asyncio")
