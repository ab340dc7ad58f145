"""Crossing the boundary without a shim, and bad arguments.

Upstream trio-asyncio lets Trio and asyncio reject the foreign yield with
their generic messages; trioaio must fail just as fast and name the shim.
"""
import asyncio

import pytest
import trio

from _testbase import (IS_REFERENCE, impl, internal_avoided, run_in_loop,
                       run_trio, trioaio_only)


def _check_names_shim(exc, shim, internal=None):
    # The reference raises the frameworks' own generic errors, and so does
    # trioaio where the fallback of a private internal is forced.
    if not IS_REFERENCE and not (internal and internal_avoided(internal)):
        assert shim in str(exc), "error should name %s: %s" % (shim, exc)


@pytest.mark.parametrize("what", ["sleep0", "sleep", "future"])
def test_awaiting_asyncio_directly_in_trio_fails_at_once(what):
    async def main(loop):
        if what == "sleep0":
            awaitable = asyncio.sleep(0)
        elif what == "sleep":
            awaitable = asyncio.sleep(0.01)
        else:
            awaitable = loop.create_future()
        with trio.fail_after(2):
            with pytest.raises((TypeError, RuntimeError)) as info:
                await awaitable
        # The Trio task is still usable afterwards.
        await trio.sleep(0)
        return info.value
    _check_names_shim(run_in_loop(main), "aio_as_trio",
                      internal="trio_task_next_send")


def test_awaiting_trio_directly_in_asyncio_fails_at_once():
    mod = impl()

    async def aio_side():
        with pytest.raises((TypeError, RuntimeError)) as info:
            await trio.sleep(0)
        await asyncio.sleep(0)  # the asyncio task is still usable
        return info.value

    async def main(loop):
        with trio.fail_after(2):
            return await mod.aio_as_trio(aio_side)()
    _check_names_shim(run_in_loop(main), "trio_as_aio")


@trioaio_only
def test_shims_outside_open_loop_say_so():
    mod = impl()

    async def aio_fn():
        pass

    async def main():
        with pytest.raises(RuntimeError, match="open_loop"):
            await mod.aio_as_trio(aio_fn)()
    run_trio(main)


def test_run_in_executor_rejects_coroutine_functions():
    async def coro_fn():
        pass

    async def main(loop):
        loop.set_debug(True)  # stock asyncio checks only in debug mode
        with pytest.raises(TypeError):
            loop.run_in_executor(None, coro_fn)
        loop.set_debug(False)
    run_in_loop(main)


@trioaio_only
def test_trio_as_future_rejects_coroutine_objects():
    async def trio_fn():
        await trio.sleep(0)

    async def main(loop):
        coro = trio_fn()
        try:
            with pytest.raises(TypeError):
                loop.trio_as_future(coro)
            with pytest.raises(TypeError):
                loop.run_trio_task(coro)
        finally:
            coro.close()
        with pytest.raises(TypeError):
            loop.run_trio_task(42)
    run_in_loop(main)


@trioaio_only
def test_call_soon_rejects_non_callables_without_debug():
    async def main(loop):
        loop.set_debug(False)  # python -X dev turns it on
        with pytest.raises(TypeError):
            loop.call_soon(42)

        async def coro_fn():
            pass
        coro = coro_fn()
        with pytest.raises(TypeError, match="coroutine"):
            loop.call_soon(coro)
        coro.close()
    run_in_loop(main)


def test_sync_loop_entry_points_refuse_inside_trio():
    async def main(loop):
        with pytest.raises(RuntimeError):
            asyncio.new_event_loop()
        coro = asyncio.sleep(0)
        try:
            with pytest.raises(RuntimeError):
                loop.run_until_complete(coro)
        finally:
            coro.close()
        with pytest.raises(RuntimeError):
            loop.run_forever()
        coro = asyncio.sleep(0)
        try:
            with pytest.raises(RuntimeError):
                asyncio.run(coro)
        finally:
            coro.close()
    run_in_loop(main)
