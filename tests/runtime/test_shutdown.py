"""What leaving ``open_loop`` does, and what a closed loop refuses."""
import asyncio
import contextlib
import socket

import pytest
import trio

from _testbase import impl, run_trio


def test_leaving_cancels_and_awaits_asyncio_tasks():
    mod = impl()
    log = []

    async def forever():
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            log.append("cancelled")
            raise
        finally:
            # Awaiting during cleanup still works: the task is awaited.
            await asyncio.sleep(0)
            log.append("cleanup finished")

    async def main():
        async with mod.open_loop() as loop:
            task = loop.create_task(forever())
            await loop.synchronize()
        return task
    task = run_trio(main)
    assert task.cancelled()
    assert log == ["cancelled", "cleanup finished"]


def test_leaving_cancels_and_awaits_trio_tasks():
    mod = impl()
    log = []

    async def trio_forever(started):
        started.set()
        try:
            await trio.sleep_forever()
        finally:
            with trio.CancelScope(shield=True):
                await trio.sleep(0)
            log.append("trio task unwound")

    async def main():
        async with mod.open_loop() as loop:
            e1, e2 = trio.Event(), trio.Event()
            loop.run_trio_task(trio_forever, e1)
            fut = loop.trio_as_future(trio_forever, e2)
            await e1.wait()
            await e2.wait()
        return fut
    fut = run_trio(main)
    assert log == ["trio task unwound", "trio task unwound"]
    assert fut.done()


def test_leaving_finalizes_async_generators():
    mod = impl()
    log = []

    async def agen():
        try:
            yield 1
            yield 2
        finally:
            log.append("finalized")

    async def start_and_abandon(holder):
        gen = agen()
        holder.append(gen)  # keep it alive until the loop shuts down
        assert await gen.__anext__() == 1

    async def main():
        holder = []
        async with mod.open_loop():
            await mod.aio_as_trio(start_and_abandon)(holder)
            assert log == []
    run_trio(main)
    assert log == ["finalized"]


def test_leaving_runs_callbacks_queued_before_exit():
    mod = impl()
    seen = []

    async def main():
        async with mod.open_loop() as loop:
            for i in range(3):
                loop.call_soon(seen.append, i)
    run_trio(main)
    assert seen == [0, 1, 2]


def test_leaving_closes_autoclose_fds():
    mod = impl()
    a, b = socket.socketpair()
    try:
        async def main():
            async with mod.open_loop() as loop:
                loop.add_reader(a.fileno(), lambda: None)
                loop.autoclose(a.fileno())
        fd = a.fileno()
        run_trio(main)
        with pytest.raises(OSError):
            socket.socket(fileno=fd).close()  # EBADF: already closed
        a.detach()  # the fd is gone; don't close it twice
    finally:
        b.close()
        a.close()


def test_open_loop_can_be_cancelled_from_outside():
    mod = impl()
    log = []

    async def aio_forever(started):
        started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            log.append("asyncio side cancelled")
            raise

    async def main():
        with trio.CancelScope() as scope:
            async with mod.open_loop() as loop:
                started = trio.Event()
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(mod.aio_as_trio(aio_forever), started)
                    await started.wait()
                    scope.cancel()
        return scope.cancelled_caught, loop.is_closed()
    assert run_trio(main) == (True, True)
    assert log == ["asyncio side cancelled"]


@contextlib.asynccontextmanager
async def plain_nursery():
    """A nursery block: what Trio itself reports for a block that can run
    tasks, as open_loop's can."""
    async with trio.open_nursery():
        yield None


def what_leaves(wrap, body, cancel_first=False):
    """Run ``body(scope, loop)`` in ``async with wrap() as loop`` inside a
    cancel scope (cancelled before the block if `cancel_first`); return
    whether the scope caught a cancellation and the names of the errors
    that left it."""
    scopes = []

    async def main():
        with trio.CancelScope() as scope:
            scopes.append(scope)
            if cancel_first:
                scope.cancel()
            async with wrap() as loop:
                await body(scope, loop)
    try:
        run_trio(main)
        errors = []
    except BaseException as exc:
        errors = sorted(type(e).__name__ for e in leaf_errors(exc))
    return scopes[0].cancelled_caught, errors


def leaf_errors(exc):
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for e in exc.exceptions for leaf in leaf_errors(e)]
    return [exc]


# open_loop's block reports a cancellation exactly as a nursery block does.
# On Trio >= 0.23 that is: only if a Cancelled left the block (before, a
# nursery's exit was a checkpoint and reported any pending cancellation).

def test_block_that_finishes_despite_a_cancel_reports_what_trio_does():
    # Cancelled from inside, but the block shields itself and ends normally.
    async def body(scope, loop):
        with trio.CancelScope(shield=True):
            scope.cancel()
            await trio.sleep(0)
    expected = what_leaves(plain_nursery, body)
    assert what_leaves(impl().open_loop, body) == expected


def test_block_entered_cancelled_that_ends_shielded_reports_what_trio_does():
    # trio-asyncio's test_asyncgens[0-*-False]: the scope is cancelled
    # before the block starts; the loop still runs for the shielded body.
    async def body(scope, loop):
        with trio.CancelScope(shield=True):
            if loop is not None:
                await loop.synchronize()
            await trio.sleep(0)
    expected = what_leaves(plain_nursery, body, cancel_first=True)
    assert what_leaves(impl().open_loop, body, cancel_first=True) == expected


def test_error_that_replaces_a_cancel_reports_what_trio_does():
    # The body's Cancelled turns into an error while unwinding.
    async def body(scope, loop):
        scope.cancel()
        try:
            await trio.sleep_forever()
        finally:
            raise Boom()
    expected = what_leaves(plain_nursery, body)
    assert expected[1] == ["Boom"]
    assert what_leaves(impl().open_loop, body) == expected


@pytest.mark.parametrize("delay", [0, 3600])
def test_cancelled_asyncgen_finalizer_reports_the_cancellation(delay):
    # An async generator left alive is finalized at exit, unshielded once
    # it has started; a cancellation pending then is the finalizer's to
    # see, and leaves open_loop, even if the finalizer ends in one step
    # (trio-asyncio's test_asyncgens[0-*-True]).
    mod = impl()
    log = []

    async def agen():
        try:
            yield 1
        finally:
            try:
                await asyncio.sleep(delay)
                log.append("finalizer done")
            except asyncio.CancelledError:
                log.append("finalizer cancelled")

    async def start(holder):
        gen = agen()
        await gen.asend(None)
        holder.append(gen)

    async def main():
        holder = []
        with trio.CancelScope() as scope:
            async with mod.open_loop() as loop:
                with trio.CancelScope(shield=True):
                    await loop.run_aio_coroutine(start(holder))
                    scope.cancel()
        return scope.cancelled_caught
    assert run_trio(main) is True
    if delay:
        assert log == ["finalizer cancelled"]
    else:
        assert len(log) == 1


def test_closed_loop_refuses_work():
    mod = impl()

    async def main():
        async with mod.open_loop() as loop:
            pass
        assert loop.is_closed()
        with pytest.raises(RuntimeError):
            loop.call_soon(print)
        with pytest.raises(RuntimeError):
            loop.call_later(1, print)
        with pytest.raises(RuntimeError):
            loop.call_soon_threadsafe(print)
        coro = asyncio.sleep(0)
        with pytest.raises(RuntimeError):
            await loop.run_aio_coroutine(coro)
    run_trio(main)


def test_stock_asyncio_closed_loop_refuses_work():
    # The same rule on stock asyncio, for comparison.
    loop = asyncio.SelectorEventLoop()
    loop.close()
    with pytest.raises(RuntimeError, match="closed"):
        loop.call_soon(print)
    with pytest.raises(RuntimeError, match="closed"):
        loop.call_later(1, print)


def test_loop_can_be_opened_again_after_close():
    mod = impl()

    async def main():
        results = []
        for i in range(3):
            async with mod.open_loop():
                results.append(await mod.aio_as_trio(asyncio.sleep)(0, i))
        return results
    assert run_trio(main) == [0, 1, 2]


class Boom(Exception):
    pass


def test_error_raised_by_a_task_while_cancelled_at_exit_is_not_lost():
    mod = impl()

    async def stubborn():
        try:
            await asyncio.sleep(3600)
        finally:
            raise Boom("raised while being cancelled")

    async def main():
        async with mod.open_loop() as loop:
            loop.create_task(stubborn())
            await loop.synchronize()
    with pytest.raises(Boom, match="while being cancelled"):
        run_trio(main)


def test_unretrieved_task_error_is_not_lost():
    mod = impl()

    async def failing():
        raise Boom("never retrieved")

    async def main():
        async with mod.open_loop() as loop:
            # No reference kept: the finished task is freed at once and
            # reports its unretrieved error to the loop's handler.
            loop.create_task(failing())
            await loop.synchronize()
            await loop.synchronize()
    with pytest.raises(Boom, match="never retrieved"):
        run_trio(main)
