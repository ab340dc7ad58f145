"""Iterating an asyncio async iterator from Trio (``aio_as_trio``) and
waiting for asyncio futures from Trio (``run_aio_future``): errors arrive
unchanged, Trio cancellation cancels the step in progress, and an asyncio
cancellation Trio did not ask for stays an asyncio one."""
import asyncio

import pytest
import trio

import _testbase


def _run(fn):
    mod = _testbase.impl()

    async def main():
        async with mod.open_loop() as loop:
            return await fn(mod, loop)
    return _testbase.run_trio(main)


class Boom(Exception):
    pass


def test_error_from_the_generator_reaches_trio_unchanged():
    async def agen():
        yield 1
        raise Boom("from asyncio")

    async def fn(mod, loop):
        seen = []
        with pytest.raises(Boom, match="from asyncio"):
            async for item in mod.aio_as_trio(agen()):
                seen.append(item)
        return seen
    assert _run(fn) == [1]


def test_trio_cancellation_cancels_the_step_in_progress():
    async def fn(mod, loop):
        events = []

        async def agen():
            yield "first"
            events.append("step sleeping")
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                events.append("step cancelled")
                raise
            yield "never"

        async def cancel_when_sleeping(scope):
            while "step sleeping" not in events:
                await trio.sleep(0)
            scope.cancel()

        items = []
        async with trio.open_nursery() as nursery:
            with trio.CancelScope() as scope:
                nursery.start_soon(cancel_when_sleeping, scope)
                async for item in mod.aio_as_trio(agen()):
                    items.append(item)
        # Trio saw its own cancellation, the asyncio side an asyncio one.
        return scope.cancelled_caught, items, events
    assert _run(fn) == (True, ["first"], ["step sleeping", "step cancelled"])


def test_step_that_refuses_cancellation_is_left_alone():
    # The asyncio step swallows its cancellation and yields anyway: Trio
    # has already taken its Cancelled, so the item goes nowhere and the
    # loop reports no error.
    _testbase.reference_lacks("its step reschedules a Trio task that no "
                              "longer waits (an AssertionError in asyncio)")
    async def fn(mod, loop):
        errors = []
        loop.set_exception_handler(lambda loop, context: errors.append(
            context))
        events = []

        async def agen():
            events.append("step sleeping")
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                events.append("cancellation ignored")
            yield "after cancel"

        async def cancel_when_sleeping(scope):
            while "step sleeping" not in events:
                await trio.sleep(0)
            scope.cancel()

        items = []
        async with trio.open_nursery() as nursery:
            with trio.CancelScope() as scope:
                nursery.start_soon(cancel_when_sleeping, scope)
                async for item in mod.aio_as_trio(agen()):
                    items.append(item)
        # Let the step finish on the loop.
        for _ in range(10):
            await trio.sleep(0)
        return scope.cancelled_caught, items, events, errors
    assert _run(fn) == (True, [], ["step sleeping", "cancellation ignored"],
                        [])


def test_asyncio_cancellation_from_the_generator_is_not_trios():
    # The generator's own await is cancelled by asyncio code, not by Trio:
    # the Trio side gets asyncio.CancelledError, as with a future, and the
    # iteration ends instead of waiting forever.
    _testbase.reference_lacks("the iteration hangs, even past a Trio "
                              "cancellation")
    async def fn(mod, loop):
        async def agen():
            yield 1
            fut = loop.create_future()
            loop.call_soon(fut.cancel)
            await fut

        seen = []
        with pytest.raises(asyncio.CancelledError):
            async for item in mod.aio_as_trio(agen()):
                seen.append(item)
        return seen
    assert _run(fn) == [1]


def test_future_cancelled_by_asyncio_raises_cancelled_error():
    async def fn(mod, loop):
        fut = loop.create_future()
        loop.call_soon(fut.cancel)
        with pytest.raises(asyncio.CancelledError):
            await mod.run_aio_future(fut)
        return True
    assert _run(fn)


def test_future_cancelled_by_trio_raises_trio_cancelled_chained():
    async def fn(mod, loop):
        fut = loop.create_future()
        with trio.CancelScope() as scope:
            scope.cancel()
            try:
                await mod.run_aio_future(fut)
            except trio.Cancelled as exc:
                chained = isinstance(exc.__cause__, asyncio.CancelledError)
                raise
        return scope.cancelled_caught, fut.cancelled(), chained
    assert _run(fn) == (True, True, True)
