"""The classic names of the original trio-asyncio README (trioaio additions,
absent from trio-asyncio 0.16).
``loop.run_asyncio``, ``loop.run_trio``, ``loop.run_future``,
``loop.run_coroutine``, ``loop.run_trio_task``, the ``trio2aio`` and
``aio2trio`` decorators (named backwards: ``trio2aio`` == ``aio_as_trio``),
module-level equivalents, and keyword arguments everywhere.
"""
import asyncio

import pytest
import sniffio
import trio

from _testbase import impl, run_in_loop, trioaio_only

pytestmark = trioaio_only


async def aio_fn(x, *, times=1):
    await asyncio.sleep(0)
    assert sniffio.current_async_library() == "asyncio"
    return x * times


async def trio_fn(x, *, times=1):
    await trio.sleep(0)
    assert sniffio.current_async_library() == "trio"
    return x * times


def test_loop_run_asyncio_with_kwargs():
    async def main(loop):
        return await loop.run_asyncio(aio_fn, 21, times=2)
    assert run_in_loop(main) == 42


def test_module_run_asyncio():
    mod = impl()

    async def main(loop):
        return await mod.run_asyncio(aio_fn, 4, times=5)
    assert run_in_loop(main) == 20


def test_loop_run_trio_returns_future_with_kwargs():
    mod = impl()

    async def aio_side(loop):
        fut = loop.run_trio(trio_fn, 21, times=2)
        assert isinstance(fut, asyncio.Future)
        return await fut

    async def main(loop):
        return await mod.aio_as_trio(aio_side)(loop)
    assert run_in_loop(main) == 42


def test_module_run_trio_with_kwargs():
    mod = impl()

    async def aio_side():
        return await mod.run_trio(trio_fn, 3, times=3)

    async def main(loop):
        return await mod.aio_as_trio(aio_side)()
    assert run_in_loop(main) == 9


def test_run_future_and_run_coroutine():
    mod = impl()

    async def main(loop):
        fut = loop.create_future()
        loop.call_soon(fut.set_result, "f")
        a = await loop.run_future(fut)
        b = await loop.run_coroutine(aio_fn(2, times=3))
        fut2 = loop.create_future()
        loop.call_soon(fut2.set_result, "g")
        c = await mod.run_future(fut2)
        d = await mod.run_coroutine(aio_fn(1))
        # The original trio-asyncio README also passes a Task (from
        # ensure_future) to run_coroutine.
        task = asyncio.ensure_future(aio_fn(5), loop=loop)
        e = await mod.run_coroutine(task)
        return a, b, c, d, e
    assert run_in_loop(main) == ("f", 6, "g", 1, 5)


def test_loop_run_trio_task_with_kwargs():
    async def main(loop):
        done = trio.Event()
        got = []

        async def background(x, *, tag):
            got.append((x, tag))
            done.set()
        loop.run_trio_task(background, 1, tag="kw")
        await done.wait()
        return got
    assert run_in_loop(main) == [(1, "kw")]


def test_trio_as_future_with_kwargs():
    mod = impl()

    async def aio_side(loop):
        return await loop.trio_as_future(trio_fn, 7, times=6)

    async def main(loop):
        return await mod.aio_as_trio(aio_side)(loop)
    assert run_in_loop(main) == 42


def test_decorators_are_the_modern_shims():
    mod = impl()

    @mod.trio2aio
    async def asyncio_code(foo):
        await asyncio.sleep(0)
        return foo + 33

    class Holder:
        @mod.aio2trio
        async def trio_code(self, foo):
            await trio.sleep(0)
            return foo + 33

    async def aio_side():
        return await Holder().trio_code(9)

    async def main(loop):
        a = await asyncio_code(9)
        b = await mod.aio_as_trio(aio_side)()
        return a, b
    assert run_in_loop(main) == (42, 42)


def test_classic_names_exist():
    mod = impl()
    for name in ("run_asyncio", "run_future", "run_coroutine", "trio2aio",
                 "aio2trio", "run_trio", "run_trio_task"):
        assert hasattr(mod, name), name
    for name in ("run_asyncio", "run_trio", "run_future", "run_coroutine",
                 "run_trio_task"):
        assert callable(getattr(mod.TrioEventLoop, name)), name


def test_loop_time_is_trios_clock():
    import trio.testing
    clock = trio.testing.MockClock()  # frozen unless jumped

    async def main(loop):
        assert loop.time() == trio.current_time()
        clock.jump(5)
        assert loop.time() == trio.current_time()
    run_in_loop(main, clock=clock)


@pytest.mark.introspection
def test_timer_count_hook_tracks_live_timers():
    async def main(loop):
        base = loop._timer_count()
        handles = [loop.call_later(3600, print) for _ in range(10)]
        assert loop._timer_count() == base + 10
        for h in handles:
            h.cancel()
        await loop.synchronize()
        return loop._timer_count() - base
    assert run_in_loop(main) <= 0


def test_trio_executor_takes_the_number_of_workers():
    # The original trio-asyncio README: "The constructor of this class
    # accepts one argument: the number of workers."  (trio-asyncio 0.16
    # takes a CapacityLimiter first.)
    import threading
    mod = impl()

    async def aio_side(loop):
        executor = mod.TrioExecutor(2)
        return await loop.run_in_executor(
            executor, lambda: threading.current_thread().name)

    async def main(loop):
        return await mod.aio_as_trio(aio_side)(loop)
    assert run_in_loop(main) != threading.current_thread().name
