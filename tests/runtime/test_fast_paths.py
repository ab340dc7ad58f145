"""Behaviour around the core's fast paths: bursts run inline in the Trio
task that hands the parked loop a coroutine (run_aio_coroutine) or
finishes a trio_as_aio call, and the loop's shutdown."""
import asyncio

import pytest
import trio

import trioaio


def run(main):
    async def wrapper():
        with trio.fail_after(5):
            async with trioaio.open_loop() as loop:
                return await main(loop)
    return trio.run(wrapper)


def test_inline_calls_keep_fifo_order_and_asyncio_context():
    order = []

    async def aio_step(i):
        order.append(("task", i))
        assert asyncio.current_task() is not None
        assert asyncio.get_running_loop() is loop_box[0]
        return i

    loop_box = []

    async def main(loop):
        loop_box.append(loop)
        results = []
        for i in range(50):
            loop.call_soon(order.append, ("cb", i))
            results.append(await trioaio.aio_as_trio(aio_step)(i))
        return results

    assert run(main) == list(range(50))
    # Each callback queued before a call ran before that call's task.
    for i in range(50):
        assert order.index(("cb", i)) < order.index(("task", i))


def test_stop_requested_inside_an_inline_burst_stops_the_loop():
    async def main(loop):
        async def stop_then_return():
            loop.stop()
            return 7

        assert await trioaio.aio_as_trio(stop_then_return)() == 7
        with trio.fail_after(2):
            await loop.wait_stopped()
        return loop.is_running()

    assert run(main) is False


def test_an_error_of_an_inline_burst_reaches_the_caller():
    # Debug mode times each callback against slow_callback_duration; a
    # value that cannot be compared fails the burst (TypeError, as asyncio
    # fails its run).  Run inline, the burst's error is the caller's, and
    # the loop goes on once the value is repaired.
    ran = []

    async def aio_step(i):
        ran.append(i)
        return i

    async def main(loop):
        loop.set_debug(True)
        await trio.sleep(0.01)  # parked: the next call runs inline
        loop.slow_callback_duration = "slow"
        try:
            with pytest.raises(TypeError, match="must be real number"):
                await loop.run_aio_coroutine(aio_step(1))
        finally:
            loop.slow_callback_duration = 0.1
        return await loop.run_aio_coroutine(aio_step(2))

    assert run(main) == 2
    assert ran == [1, 2]


def test_timer_added_inline_wakes_the_parked_loop():
    async def main(loop):
        fired = trio.Event()

        async def arm():
            loop.call_later(0.01, fired.set)

        await trioaio.aio_as_trio(arm)()
        with trio.fail_after(2):
            await fired.wait()
        return True

    assert run(main)


def test_many_round_trips_both_ways():
    async def trio_double(x):
        await trio.sleep(0)
        return 2 * x

    async def aio_side(n):
        total = 0
        for i in range(n):
            total += await trioaio.trio_as_aio(trio_double)(i)
        return total

    async def main(loop):
        return await trioaio.aio_as_trio(aio_side)(200)

    assert run(main) == 2 * sum(range(200))


def test_allow_asyncio_mixes_bare_awaits():
    async def mixed():
        await asyncio.sleep(0)
        await trio.sleep(0)
        await asyncio.sleep(0.001)
        return "both"

    async def main(loop):
        return await trioaio.allow_asyncio(mixed)

    assert run(main) == "both"


def test_error_raised_by_a_task_cancelled_at_exit_is_not_lost():
    class Unwind(Exception):
        pass

    async def stubborn():
        try:
            await asyncio.sleep(100)
        except asyncio.CancelledError:
            raise Unwind("raised while being cancelled")

    async def main():
        async with trioaio.open_loop() as loop:
            loop.create_task(stubborn())
            await trio.sleep(0.01)

    from _testbase import run_trio  # loose groups: the error arrives bare
    with pytest.raises(Unwind):
        run_trio(main)


async def _answer():
    return 42


def test_inline_calls_do_not_starve_other_trio_tasks():
    # A call that completes inline skips Trio's schedule point while
    # nothing else waits, but never for longer than the loop's budget: a
    # task that is ready keeps getting turns.
    async def main(loop):
        ticks = []
        stop = trio.Event()

        async def ticker():
            while not stop.is_set():
                ticks.append(len(ticks))
                await trio.sleep(0)

        async with trio.open_nursery() as nursery:
            nursery.start_soon(ticker)
            await trio.sleep(0)
            before = len(ticks)
            call = trioaio.aio_as_trio(_answer)
            for calls in range(10 ** 7):
                assert await call() == 42
                if len(ticks) - before >= 5:
                    break
            stop.set()
        return calls

    assert run(main) < 10 ** 7 - 1


def test_a_deadline_ends_a_loop_of_inline_calls():
    # Trio sees deadlines only in its scheduler rounds: inline calls that
    # skip the schedule point must still give it one within the budget.
    async def main(loop):
        call = trioaio.aio_as_trio(_answer)
        calls = 0
        with trio.move_on_after(0.05) as scope:
            for calls in range(10 ** 7):
                await call()
        return scope.cancelled_caught, calls

    cancelled, calls = run(main)
    assert cancelled
    assert calls < 10 ** 7 - 1


def test_inline_calls_are_checkpoints_for_cancellation():
    async def main(loop):
        call = trioaio.aio_as_trio(_answer)
        with trio.CancelScope() as scope:
            scope.cancel()
            await call()
            return "not cancelled"
        return scope.cancelled_caught

    assert run(main) is True
