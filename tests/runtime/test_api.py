"""The modern (trio-asyncio 0.16) API: loops, shims, helpers, loop methods."""
import asyncio
import contextvars
import threading

import pytest
import sniffio
import trio
import trio.testing

from _testbase import impl, run_in_loop, run_trio, watchdog

cvar = contextvars.ContextVar("cvar", default="unset")


async def aio_double(x, *, plus=0):
    await asyncio.sleep(0)
    assert sniffio.current_async_library() == "asyncio"
    return x * 2 + plus


async def trio_double(x, *, plus=0):
    await trio.sleep(0)
    assert sniffio.current_async_library() == "trio"
    return x * 2 + plus


# ---------------------------------------------------------------- loops

def test_open_loop_provides_an_asyncio_loop():
    mod = impl()

    async def main():
        assert mod.current_loop.get() is None
        async with mod.open_loop() as loop:
            assert isinstance(loop, mod.TrioEventLoop)
            assert isinstance(loop, asyncio.AbstractEventLoop)
            assert mod.current_loop.get() is loop
            assert not loop.is_closed()
        assert mod.current_loop.get() is None
        assert loop.is_closed()
    run_trio(main)


def test_current_loop_is_a_contextvar():
    assert isinstance(impl().current_loop, contextvars.ContextVar)


def test_run_is_trio_run_plus_open_loop():
    mod = impl()

    async def body(x, y):
        with watchdog():
            loop = mod.current_loop.get()
            assert loop is not None
            return await mod.aio_as_trio(aio_double)(x, plus=y)
    assert mod.run(body, 20, 2) == 42


def test_run_passes_trio_run_options():
    mod = impl()
    clock = trio.testing.MockClock(autojump_threshold=0)

    async def body():
        with watchdog():
            await mod.aio_as_trio(asyncio.sleep)(1000)
            return trio.current_time()
    assert mod.run(body, clock=clock) >= 1000


def test_mock_clock_autojump_drives_asyncio_timers():
    mod = impl()
    clock = trio.testing.MockClock(autojump_threshold=0)

    async def main(loop):
        t0 = trio.current_time()
        assert loop.time() == t0
        fired = []
        loop.call_later(7200, fired.append, "timer")
        await mod.aio_as_trio(asyncio.sleep)(3600)
        assert trio.current_time() - t0 >= 3600
        assert loop.time() == trio.current_time()
        await trio.sleep(3600)
        await loop.synchronize()
        return fired
    assert run_in_loop(main, clock=clock) == ["timer"]


def test_timer_when_under_a_frozen_clock():
    clock = trio.testing.MockClock()  # time moves only when jumped

    async def main(loop):
        now = loop.time()
        th = loop.call_later(5, print)
        assert th.when() == now + 5
        fired = trio.Event()
        loop.call_later(10, fired.set)
        clock.jump(10)
        await fired.wait()
        th.cancel()
    run_in_loop(main, clock=clock)


def test_busy_asyncio_code_does_not_starve_trio(run_in_loop):
    # A callback that always reschedules itself keeps the ready queue
    # non-empty forever; Trio tasks must still get to run.
    mod = impl()

    async def main(loop):
        spins = [0]
        stop = [False]

        def spin():
            spins[0] += 1
            if not stop[0]:
                loop.call_soon(spin)
        loop.call_soon(spin)

        async def busy_task():
            while not stop[0]:
                await asyncio.sleep(0)
        task = loop.create_task(busy_task())
        # Both of these need Trio to schedule us again, repeatedly.
        for _ in range(20):
            await trio.sleep(0)
        await trio.sleep(0.01)
        stop[0] = True
        await mod.run_aio_future(task)
        return spins[0]
    assert run_in_loop(main) > 0


def test_several_loops_at_once():
    mod = impl()
    loops = {}

    async def one(name, ready):
        async with mod.open_loop() as loop:
            loops[name] = loop
            ready.set()

            async def which():
                await asyncio.sleep(0)
                return asyncio.get_running_loop()
            assert await mod.aio_as_trio(which)() is loop
            assert asyncio.get_event_loop() is loop

    async def main():
        async with trio.open_nursery() as nursery:
            e1, e2 = trio.Event(), trio.Event()
            nursery.start_soon(one, "a", e1)
            nursery.start_soon(one, "b", e2)
            await e1.wait()
            await e2.wait()
        assert loops["a"] is not loops["b"]
    run_trio(main)


def test_shim_bound_to_another_loop():
    mod = impl()

    async def main():
        async with mod.open_loop() as loop_a:
            async with mod.open_loop() as loop_b:
                assert mod.current_loop.get() is loop_b

                async def which():
                    return asyncio.get_running_loop()
                assert await mod.aio_as_trio(which, loop=loop_a)() is loop_a
                assert await mod.aio_as_trio(which)() is loop_b
    run_trio(main)


def test_nested_loops():
    mod = impl()

    async def main():
        async with mod.open_loop() as outer:
            async with mod.open_loop() as inner:
                assert inner is not outer
                assert mod.current_loop.get() is inner
                assert asyncio.get_event_loop() is inner
                assert await mod.aio_as_trio(aio_double)(1) == 2
            assert inner.is_closed() and not outer.is_closed()
            assert mod.current_loop.get() is outer
            assert asyncio.get_event_loop() is outer
            assert await mod.aio_as_trio(aio_double)(2) == 4
    run_trio(main)


def test_loop_per_trio_task_subtree():
    mod = impl()

    async def child(expected):
        # A Trio task inherits the loop of the subtree it was started in.
        assert mod.current_loop.get() is expected
        assert asyncio.get_event_loop() is expected

    async def main():
        async with mod.open_loop() as loop:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(child, loop)
    run_trio(main)


# ------------------------------------------------------ asyncio globals

def test_asyncio_globals_from_trio_code(run_in_loop):
    async def main(loop):
        assert asyncio.get_event_loop() is loop
        assert asyncio.get_running_loop() is loop
        # Trio code is not inside an asyncio task.
        assert asyncio.current_task() is None
        assert sniffio.current_async_library() == "trio"
    run_in_loop(main)


def test_asyncio_globals_from_asyncio_code(run_in_loop):
    mod = impl()

    async def aio_side(loop):
        assert asyncio.get_event_loop() is loop
        assert asyncio.get_running_loop() is loop
        task = asyncio.current_task()
        assert isinstance(task, asyncio.Task) and not task.done()
        return sniffio.current_async_library()

    async def main(loop):
        return await mod.aio_as_trio(aio_side)(loop)
    assert run_in_loop(main) == "asyncio"


def test_sniffio_in_callbacks_and_tasks(run_in_loop):
    mod = impl()

    async def main(loop):
        seen = []
        done = trio.Event()

        def callback():
            seen.append(("callback", sniffio.current_async_library()))
            done.set()
        loop.call_soon(callback)
        await done.wait()

        async def aio_task():
            return sniffio.current_async_library()
        seen.append(("task", await mod.aio_as_trio(aio_task)()))

        async def trio_callee():
            return sniffio.current_async_library()

        async def aio_calls_trio():
            return await mod.trio_as_aio(trio_callee)()
        seen.append(("trio_as_aio", await mod.aio_as_trio(aio_calls_trio)()))
        seen.append(("trio", sniffio.current_async_library()))
        return seen
    assert run_in_loop(main) == [
        ("callback", "asyncio"), ("task", "asyncio"),
        ("trio_as_aio", "trio"), ("trio", "trio")]


def test_contextvars_flow_across_both_shims(run_in_loop):
    mod = impl()

    async def trio_callee():
        seen = cvar.get()
        cvar.set("changed-by-trio-callee")
        return seen

    async def aio_callee():
        seen = cvar.get()
        cvar.set("aio-side")
        from_trio = await mod.trio_as_aio(trio_callee)()
        # The Trio callee ran in a copy of our context.
        return seen, from_trio, cvar.get()

    async def main(loop):
        cvar.set("trio-side")
        result = await mod.aio_as_trio(aio_callee)()
        # ... and the asyncio callee in a copy of ours.
        assert cvar.get() == "trio-side"
        return result
    assert run_in_loop(main) == ("trio-side", "aio-side", "aio-side")


# ------------------------------------------------------------ aio_as_trio

def test_aio_as_trio_call_wrapper_with_kwargs(run_in_loop):
    mod = impl()

    async def main(loop):
        return await mod.aio_as_trio(aio_double)(20, plus=2)
    assert run_in_loop(main) == 42


def test_aio_as_trio_on_awaitables(run_in_loop):
    mod = impl()

    async def main(loop):
        a = await mod.aio_as_trio(aio_double(5))
        fut = loop.create_future()
        loop.call_soon(fut.set_result, "future")
        b = await mod.aio_as_trio(fut)
        return a, b
    assert run_in_loop(main) == (10, "future")


def test_aio_as_trio_alias():
    mod = impl()
    assert mod.asyncio_as_trio is mod.aio_as_trio
    assert mod.trio_as_asyncio is mod.trio_as_aio


def test_aio_as_trio_as_decorator_on_function_and_method(run_in_loop):
    mod = impl()

    @mod.aio_as_trio
    async def decorated(x):
        await asyncio.sleep(0)
        return sniffio.current_async_library(), x

    class Service:
        factor = 3

        @mod.aio_as_trio
        async def method(self, x):
            await asyncio.sleep(0)
            return self.factor * x

    async def main(loop):
        return await decorated(1), await Service().method(4)
    assert run_in_loop(main) == (("asyncio", 1), 12)


def test_aio_as_trio_on_async_context_manager(run_in_loop):
    mod = impl()
    log = []

    class AioResource:
        async def __aenter__(self):
            await asyncio.sleep(0)
            log.append(("enter", sniffio.current_async_library()))
            return self

        async def __aexit__(self, *exc):
            await asyncio.sleep(0)
            log.append(("exit", exc[0]))
            return False

    async def main(loop):
        async with mod.aio_as_trio(AioResource()) as res:
            assert isinstance(res, AioResource)
            log.append(("body", sniffio.current_async_library()))
        with pytest.raises(KeyError):
            async with mod.aio_as_trio(AioResource()):
                raise KeyError
    run_in_loop(main)
    assert log == [("enter", "asyncio"), ("body", "trio"), ("exit", None),
                   ("enter", "asyncio"), ("exit", KeyError)]


def test_aio_as_trio_on_async_iterator(run_in_loop):
    mod = impl()
    finalized = []

    async def aio_gen(n):
        try:
            for i in range(n):
                await asyncio.sleep(0)
                yield i, sniffio.current_async_library()
        finally:
            finalized.append(True)

    async def main(loop):
        return [item async for item in mod.aio_as_trio(aio_gen(3))]
    assert run_in_loop(main) == [(0, "asyncio"), (1, "asyncio"), (2, "asyncio")]
    assert finalized == [True]


def test_run_aio_generator(run_in_loop):
    mod = impl()

    async def aio_gen():
        for i in range(3):
            await asyncio.sleep(0)
            yield i

    async def main(loop):
        return [i async for i in mod.run_aio_generator(loop, aio_gen())]
    assert run_in_loop(main) == [0, 1, 2]


def test_run_aio_future(run_in_loop):
    mod = impl()

    async def main(loop):
        fut = loop.create_future()
        loop.call_later(0.001, fut.set_result, "resolved")
        a = await mod.run_aio_future(fut)
        fut2 = loop.create_future()
        loop.call_soon(fut2.set_exception, ValueError("failed"))
        with pytest.raises(ValueError, match="failed"):
            await loop.run_aio_future(fut2)
        return a
    assert run_in_loop(main) == "resolved"


def test_run_aio_coroutine_function_and_method(run_in_loop):
    mod = impl()

    async def main(loop):
        a = await mod.run_aio_coroutine(aio_double(1))
        b = await loop.run_aio_coroutine(aio_double(2))
        return a, b
    assert run_in_loop(main) == (2, 4)


# ------------------------------------------------------------ trio_as_aio

def test_trio_as_aio_call_wrapper_returns_future(run_in_loop):
    mod = impl()

    async def aio_side():
        fut = mod.trio_as_aio(trio_double)(20, plus=2)
        assert isinstance(fut, asyncio.Future)
        return await fut

    async def main(loop):
        return await mod.aio_as_trio(aio_side)()
    assert run_in_loop(main) == 42


def test_trio_as_aio_as_decorator_on_function_and_method(run_in_loop):
    mod = impl()

    @mod.trio_as_aio
    async def decorated(x):
        await trio.sleep(0)
        return sniffio.current_async_library(), x

    class Service:
        factor = 5

        @mod.trio_as_aio
        async def method(self, x):
            await trio.sleep(0)
            return self.factor * x

    async def aio_side():
        return await decorated(1), await Service().method(2)

    async def main(loop):
        return await mod.aio_as_trio(aio_side)()
    assert run_in_loop(main) == (("trio", 1), 10)


def test_trio_as_aio_on_async_context_manager(run_in_loop):
    mod = impl()
    log = []

    class TrioResource:
        async def __aenter__(self):
            await trio.sleep(0)
            log.append(("enter", sniffio.current_async_library()))
            return "resource"

        async def __aexit__(self, *exc):
            await trio.sleep(0)
            log.append(("exit", exc[0]))
            return False

    async def aio_side():
        async with mod.trio_as_aio(TrioResource()) as res:
            log.append(("body", sniffio.current_async_library(), res))

    async def main(loop):
        await mod.aio_as_trio(aio_side)()
    run_in_loop(main)
    assert log == [("enter", "trio"), ("body", "asyncio", "resource"),
                   ("exit", None)]


def test_trio_as_aio_on_async_iterator(run_in_loop):
    mod = impl()

    async def trio_gen(n):
        for i in range(n):
            await trio.sleep(0)
            yield i, sniffio.current_async_library()

    async def aio_side():
        return [item async for item in mod.trio_as_aio(trio_gen(3))]

    async def main(loop):
        return await mod.aio_as_trio(aio_side)()
    assert run_in_loop(main) == [(0, "trio"), (1, "trio"), (2, "trio")]


def test_run_trio_module_function(run_in_loop):
    mod = impl()

    async def aio_side():
        fut = mod.run_trio(trio_double, 4)
        assert isinstance(fut, asyncio.Future)
        return await fut

    async def main(loop):
        return await mod.aio_as_trio(aio_side)()
    assert run_in_loop(main) == 8


def test_trio_as_future_from_sync_callback(run_in_loop):
    mod = impl()

    async def main(loop):
        futures = []
        done = trio.Event()

        def callback():
            # Synchronous context: start the Trio call, keep the future.
            futures.append(loop.trio_as_future(trio_double, 21))
            done.set()
        loop.call_soon(callback)
        await done.wait()
        return await mod.run_aio_future(futures[0])
    assert run_in_loop(main) == 42


def test_run_trio_task(run_in_loop):
    mod = impl()

    async def main(loop):
        results = []
        done = trio.Event()

        async def background(x):
            await trio.sleep(0)
            results.append((x, sniffio.current_async_library()))
            if len(results) == 2:
                done.set()
        loop.run_trio_task(background, "method")
        mod.run_trio_task(background, "function")
        await done.wait()
        return sorted(results)
    assert run_in_loop(main) == [("function", "trio"), ("method", "trio")]


def test_allow_asyncio_mixes_both_flavours(run_in_loop):
    mod = impl()

    async def mixed(x):
        # asyncio.sleep(0) yields a bare None, which allow_asyncio cannot
        # tell from a Trio yield; a real timer yields a Future.
        await asyncio.sleep(0.001)
        await trio.sleep(0)
        fut = asyncio.get_event_loop().create_future()
        asyncio.get_event_loop().call_soon(fut.set_result, x)
        return await fut

    async def main(loop):
        return await mod.allow_asyncio(mixed, "both")
    assert run_in_loop(main) == "both"


def test_allow_asyncio_awaits_a_future_that_fn_returns(run_in_loop):
    mod = impl()

    async def main(loop):
        return await mod.allow_asyncio(loop.run_in_executor, None, len, "abc")
    assert run_in_loop(main) == 3


def test_allow_asyncio_raises_an_asyncio_failure_into_fn(run_in_loop):
    mod = impl()

    async def mixed():
        fut = asyncio.get_event_loop().create_future()
        asyncio.get_event_loop().call_soon(fut.set_exception, KeyError("k"))
        try:
            await fut
        except KeyError as exc:
            return "caught %s" % exc

    async def main(loop):
        return await mod.allow_asyncio(mixed)
    assert run_in_loop(main) == "caught 'k'"


def test_allow_asyncio_nested_runs_the_inner_call_directly(run_in_loop):
    mod = impl()

    async def inner(x):
        await asyncio.sleep(0.001)
        return x * 2

    async def outer(x):
        return await mod.allow_asyncio(inner, x) + 1

    async def main(loop):
        return await mod.allow_asyncio(outer, 20)
    assert run_in_loop(main) == 41


# ---------------------------------------------------------- loop methods

def test_synchronize_runs_queued_callbacks(run_in_loop):
    async def main(loop):
        seen = []
        for i in range(5):
            loop.call_soon(seen.append, i)
        await loop.synchronize()
        return seen
    assert run_in_loop(main) == [0, 1, 2, 3, 4]


def test_stop_returns_trio_event_and_wait_stopped(run_in_loop):
    async def main(loop):
        assert loop.is_running()
        event = loop.stop()
        assert isinstance(event, trio.Event)
        await event.wait()
        await loop.wait_stopped()
        assert not loop.is_running()
    run_in_loop(main)


def test_autoclose_and_no_autoclose():
    import os
    import socket
    mod = impl()
    pairs = [socket.socketpair() for _ in range(2)]
    try:
        async def main():
            async with mod.open_loop() as loop:
                (a, _), (c, _) = pairs
                loop.add_reader(a.fileno(), lambda: None)
                loop.autoclose(a.fileno())
                loop.add_reader(c.fileno(), lambda: None)
                loop.autoclose(c.fileno())
                loop.no_autoclose(c.fileno())
                loop.remove_reader(c.fileno())
            return pairs[0][0].fileno(), pairs[1][0].fileno()
        closed_fd, kept_fd = run_trio(main)
        with pytest.raises(OSError):
            os.fstat(closed_fd)
        os.fstat(kept_fd)  # still open
    finally:
        for a, b in pairs:
            b.close()
            try:
                a.close()
            except OSError:
                # a's fd was closed underneath the socket object.
                pass


def test_trio_executor(run_in_loop):
    mod = impl()

    async def aio_side(loop):
        ex = mod.TrioExecutor(max_workers=2)
        main_thread = threading.current_thread()
        results = await asyncio.gather(*[
            loop.run_in_executor(
                ex, lambda i=i: (i, threading.current_thread() is main_thread))
            for i in range(4)])
        return results

    async def main(loop):
        return await mod.aio_as_trio(aio_side)(loop)
    assert run_in_loop(main) == [(i, False) for i in range(4)]


def test_trio_executor_with_a_capacity_limiter(run_in_loop):
    mod = impl()
    limiter = trio.CapacityLimiter(1)
    active = []
    peak = []

    def job(i):
        # With one token, no two jobs may overlap.
        active.append(i)
        peak.append(len(active))
        active.remove(i)
        return i

    async def aio_side(loop):
        ex = mod.TrioExecutor(limiter=limiter)
        return await asyncio.gather(
            *[loop.run_in_executor(ex, job, i) for i in range(5)])

    async def main(loop):
        return await mod.aio_as_trio(aio_side)(loop)
    assert run_in_loop(main) == [0, 1, 2, 3, 4]
    assert max(peak) == 1
    assert limiter.borrowed_tokens == 0


def test_deprecation_warning_class():
    mod = impl()
    assert issubclass(mod.TrioAsyncioDeprecationWarning, Warning)
    assert issubclass(mod.TrioAsyncioDeprecationWarning, FutureWarning)


def test_public_names_match_trio_asyncio():
    mod = impl()
    for name in ("open_loop", "run", "current_loop", "aio_as_trio",
                 "trio_as_aio", "asyncio_as_trio", "trio_as_asyncio",
                 "run_aio_future", "run_aio_coroutine", "run_aio_generator",
                 "run_trio", "run_trio_task", "allow_asyncio", "TrioExecutor",
                 "TrioEventLoop", "BaseTrioEventLoop",
                 "TrioAsyncioDeprecationWarning", "__version__"):
        assert hasattr(mod, name), name
    for name in ("run_aio_coroutine", "run_aio_future", "trio_as_future",
                 "run_trio_task", "synchronize", "autoclose", "no_autoclose",
                 "wait_stopped", "stop"):
        assert callable(getattr(mod.TrioEventLoop, name)), name


def test_call_soon_on_another_loop_runs_in_that_loop():
    mod = impl()

    async def main():
        async with mod.open_loop() as outer:
            async with mod.open_loop():
                seen = trio.Event()
                where = []

                def callback():
                    where.append((asyncio.get_running_loop(),
                                  sniffio.current_async_library()))
                    seen.set()
                # Scheduled from code running in `inner`'s context.
                await mod.aio_as_trio(_call_soon_on)(outer, callback)
                await seen.wait()
                assert where == [(outer, "asyncio")]
    run_trio(main)


async def _call_soon_on(loop, callback):
    loop.call_soon(callback)


def test_trio_task_started_by_the_loop_sees_the_loop(run_in_loop):
    mod = impl()

    async def main(loop):
        seen = []
        done = trio.Event()

        async def background():
            seen.append(mod.current_loop.get() is loop)
            seen.append(asyncio.get_event_loop() is loop)
            done.set()
        loop.run_trio_task(background)
        await done.wait()
        return seen
    assert run_in_loop(main) == [True, True]


def test_trio_code_called_from_asyncio_can_open_its_own_loop(run_in_loop):
    mod = impl()

    async def trio_side():
        async with mod.open_loop() as own:
            return own, await mod.aio_as_trio(_running_loop)()

    async def aio_side():
        return await mod.trio_as_aio(trio_side)()

    async def main(loop):
        own, seen = await mod.aio_as_trio(aio_side)()
        assert own is not loop and seen is own
        assert mod.current_loop.get() is loop
    run_in_loop(main)


async def _running_loop():
    return asyncio.get_running_loop()


def test_shutdown_runs_callbacks_scheduled_by_unwinding_tasks():
    mod = impl()
    log = []

    async def task_body(loop):
        try:
            await asyncio.sleep(3600)
        finally:
            loop.call_soon(log.append, "callback from a cancelled task")

    async def main():
        async with mod.open_loop() as loop:
            loop.create_task(task_body(loop))
            await loop.synchronize()
    run_trio(main)
    assert log == ["callback from a cancelled task"]


def test_aio_as_trio_on_a_done_future(run_in_loop):
    mod = impl()

    async def main(loop):
        fut = loop.create_future()
        fut.set_result("already")
        return await mod.aio_as_trio(fut)
    assert run_in_loop(main) == "already"


def test_readers_on_two_loops_at_once():
    import socket
    mod = impl()

    both_ready = trio.Event()

    async def one_loop(ready, results):
        async with mod.open_loop() as loop:
            a, b = socket.socketpair()
            try:
                got = trio.Event()
                loop.add_reader(a, got.set)
                ready.append(b)
                if len(ready) == 2:
                    both_ready.set()
                await got.wait()
                loop.remove_reader(a)
                results.append(a.recv(10))
            finally:
                a.close()
                b.close()

    async def main():
        ready, results = [], []
        async with trio.open_nursery() as nursery:
            nursery.start_soon(one_loop, ready, results)
            nursery.start_soon(one_loop, ready, results)
            await both_ready.wait()
            ready[0].send(b"first")
            ready[1].send(b"second")
        return sorted(results)
    assert run_trio(main) == [b"first", b"second"]


def test_open_loop_and_run_accept_queue_len():
    # trio-asyncio's signature; None (unbounded) is the documented default.
    mod = impl()

    async def body():
        with watchdog():
            async with mod.open_loop(queue_len=None) as loop:
                return await mod.aio_as_trio(asyncio.sleep)(0, loop)
    loop = mod.run(body, queue_len=None)
    assert loop.is_closed()


def test_sniffio_names_each_side_across_loops_and_threads():
    # The core writes sniffio's thread-local dict directly, cached per loop
    # run and thread: each run, in each thread, must see its own.
    async def answer():
        await asyncio.sleep(0)
        return sniffio.current_async_library()

    async def one_run():
        seen = []
        for _ in range(2):  # two loops, one after another, in one run
            async with impl().open_loop() as loop:
                callback_saw = []
                loop.call_soon(lambda: callback_saw.append(
                    sniffio.current_async_library()))
                seen.append(await impl().aio_as_trio(answer)())
                await loop.synchronize()
                seen.extend(callback_saw)
                seen.append(sniffio.current_async_library())
        return seen

    expected = ["asyncio", "asyncio", "trio"] * 2
    assert run_trio(one_run) == expected
    results = []
    t = threading.Thread(target=lambda: results.append(run_trio(one_run)))
    t.start()
    t.join(30)
    assert results == [expected]
    # This thread's value is untouched by the other thread's runs.
    assert sniffio.thread_local.name is None
