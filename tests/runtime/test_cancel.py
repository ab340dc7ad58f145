"""The four cancellation rules of the original trio-asyncio README, and errors
crossing the boundary.
Rules (the original trio-asyncio README, "Errors and cancellations"):
1. the code called from run_trio() is cancelled when you cancel its future;
2. when the code called from run_trio() is cancelled, its future is cancelled;
3. the future used in run_future() is cancelled when the calling Trio code
   is stopped;
4. when the future passed to run_future() is cancelled (the code inside
   raises asyncio.CancelledError), that exception is passed along unchanged.
"""
import asyncio

import pytest
import trio

from _testbase import impl, run_in_loop


# ---------------------------------------------------------------- rule 1

def test_cancelling_the_future_cancels_the_trio_code():
    mod = impl()
    log = []

    async def trio_side(started):
        started.set()
        try:
            await trio.sleep_forever()
        except trio.Cancelled:
            log.append("trio code cancelled")
            raise

    async def aio_side(loop):
        started = trio.Event()
        fut = loop.trio_as_future(trio_side, started)
        await mod.trio_as_aio(started.wait)()
        fut.cancel()
        with pytest.raises(asyncio.CancelledError):
            await fut
        return fut.cancelled()

    async def main(loop):
        return await mod.aio_as_trio(aio_side)(loop)
    assert run_in_loop(main) is True
    assert log == ["trio code cancelled"]


def test_cancelling_the_awaiting_asyncio_task_cancels_the_trio_code():
    mod = impl()
    log = []

    async def trio_side(started):
        started.set()
        try:
            await trio.sleep_forever()
        finally:
            log.append("trio code unwound")

    async def main(loop):
        started = trio.Event()

        async def aio_waiter():
            await mod.trio_as_aio(trio_side)(started)

        task = loop.create_task(aio_waiter())
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await mod.run_aio_future(task)
        return log
    assert run_in_loop(main) == ["trio code unwound"]


# ---------------------------------------------------------------- rule 2

def test_cancelled_trio_code_cancels_its_future():
    mod = impl()

    async def trio_side():
        # Stands for Trio code that was cancelled from outside: it ends by
        # raising trio.Cancelled.  Trio does not let user code construct
        # one, so take it from a cancelled scope and re-raise it.
        caught = []
        with trio.CancelScope() as scope:
            scope.cancel()
            try:
                await trio.sleep_forever()
            except trio.Cancelled as exc:
                caught.append(exc)
        raise caught[0]

    async def aio_side(loop):
        fut = loop.trio_as_future(trio_side)
        with pytest.raises(asyncio.CancelledError):
            await fut
        return fut.cancelled()

    async def main(loop):
        return await mod.aio_as_trio(aio_side)(loop)
    assert run_in_loop(main) is True


# ---------------------------------------------------------------- rule 3

def test_stopping_trio_code_cancels_the_future():
    mod = impl()

    async def main(loop):
        fut = loop.create_future()
        with trio.CancelScope() as scope:
            loop.call_soon(scope.cancel)
            await mod.run_aio_future(fut)
        assert scope.cancelled_caught
        return fut.cancelled()
    assert run_in_loop(main) is True


def test_stopping_trio_code_cancels_the_asyncio_coroutine():
    mod = impl()
    log = []

    async def aio_side(started):
        started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            log.append("asyncio code got CancelledError")
            raise

    async def main(loop):
        started = trio.Event()
        async with trio.open_nursery() as nursery:
            nursery.start_soon(mod.aio_as_trio(aio_side), started)
            await started.wait()
            nursery.cancel_scope.cancel()
        assert nursery.cancel_scope.cancelled_caught
    run_in_loop(main)
    assert log == ["asyncio code got CancelledError"]


def test_move_on_after_around_asyncio_call():
    mod = impl()

    async def main(loop):
        with trio.move_on_after(0.01) as scope:
            await mod.aio_as_trio(asyncio.sleep)(3600)
        return scope.cancelled_caught
    assert run_in_loop(main) is True


# ---------------------------------------------------------------- rule 4

def test_cancelled_future_raises_asyncio_cancelled_error_unchanged():
    mod = impl()

    async def main(loop):
        fut = loop.create_future()
        loop.call_soon(fut.cancel)
        with pytest.raises(asyncio.CancelledError):
            await mod.run_aio_future(fut)
    run_in_loop(main)


def test_asyncio_code_raising_cancelled_error_passes_it_along():
    mod = impl()

    async def aio_side():
        await asyncio.sleep(0)
        raise asyncio.CancelledError()

    async def main(loop):
        with pytest.raises(asyncio.CancelledError):
            await mod.aio_as_trio(aio_side)()
        # Not a Trio cancellation: the surrounding scope was not cancelled.
        await trio.sleep(0)
    run_in_loop(main)


def test_asyncio_task_cancelled_by_asyncio_passes_cancelled_error():
    mod = impl()

    async def main(loop):
        task = loop.create_task(asyncio.sleep(3600))
        loop.call_soon(task.cancel)
        with pytest.raises(asyncio.CancelledError):
            await mod.run_aio_future(task)
    run_in_loop(main)


# ------------------------------------------------------------ errors

class Boom(Exception):
    pass


def test_asyncio_error_reaches_trio_unchanged():
    mod = impl()
    err = Boom("from asyncio")

    async def aio_side():
        await asyncio.sleep(0)
        raise err

    async def main(loop):
        with pytest.raises(Boom) as info:
            await mod.aio_as_trio(aio_side)()
        return info.value
    assert run_in_loop(main) is err


def test_trio_error_reaches_asyncio_unchanged():
    mod = impl()
    err = Boom("from trio")

    async def trio_side():
        await trio.sleep(0)
        raise err

    async def aio_side():
        with pytest.raises(Boom) as info:
            await mod.trio_as_aio(trio_side)()
        return info.value

    async def main(loop):
        return await mod.aio_as_trio(aio_side)()
    assert run_in_loop(main) is err


def test_error_round_trip_trio_asyncio_trio():
    mod = impl()
    err = Boom("deep")

    async def innermost_trio():
        await trio.sleep(0)
        raise err

    async def middle_aio():
        await asyncio.sleep(0)
        await mod.trio_as_aio(innermost_trio)()

    async def main(loop):
        with pytest.raises(Boom) as info:
            await mod.aio_as_trio(middle_aio)()
        return info.value
    assert run_in_loop(main) is err


def test_error_in_async_context_manager_body_reaches_aexit():
    mod = impl()
    seen = []

    class AioCM:
        async def __aenter__(self):
            return self

        async def __aexit__(self, typ, val, tb):
            seen.append(val)
            return True  # swallow

    async def main(loop):
        err = Boom()
        async with mod.aio_as_trio(AioCM()):
            raise err
        return err
    err = run_in_loop(main)
    assert seen == [err]


def test_run_trio_task_error_terminates_the_loop():
    mod = impl()
    err = Boom("background")

    async def background():
        await trio.sleep(0)
        raise err

    async def main():
        async with mod.open_loop() as loop:
            loop.run_trio_task(background)
            await trio.sleep_forever()

    from _testbase import run_trio
    with pytest.raises(Boom) as info:
        run_trio(main)
    assert info.value is err


def test_callback_error_with_default_handler_is_not_lost():
    mod = impl()

    async def main():
        async with mod.open_loop() as loop:
            def bad():
                raise Boom("in callback")
            loop.call_soon(bad)
            await trio.sleep_forever()

    from _testbase import run_trio
    with pytest.raises(Boom, match="in callback"):
        run_trio(main)


def test_body_error_propagates_out_of_open_loop_unchanged():
    mod = impl()
    err = Boom("body")

    async def main():
        async with mod.open_loop() as loop:
            loop.create_task(asyncio.sleep(3600))
            raise err

    from _testbase import run_trio
    with pytest.raises(Boom) as info:
        run_trio(main)
    assert info.value is err


def test_run_aio_coroutine_entered_cancelled_never_starts_the_coroutine():
    # Cancelled before it starts: Cancelled, and the coroutine is closed
    # unstarted (no "never awaited" warning, its body never runs).
    ran = []

    async def aio_side():
        ran.append("started")

    async def trio_side(loop):
        coro = aio_side()
        with trio.CancelScope() as scope:
            scope.cancel()
            await loop.run_aio_coroutine(coro)
        return scope.cancelled_caught, coro.cr_frame is None
    assert run_in_loop(trio_side) == (True, True)
    assert ran == []
