"""Handles, timers, ordering, contexts and callback errors.

Asyncio's own behaviour: every test runs on stock asyncio and on trioaio.
"""
import asyncio
import contextvars
import gc
import logging
import threading
import weakref

import pytest

from _testbase import AsyncioCase, TrioAioCase, reference_lacks, timer_count

cvar = contextvars.ContextVar("cvar", default="unset")


def _noop(*args):
    pass


class _TestCallbacks:

    def test_call_soon_runs_in_fifo_order(self):
        async def main(loop):
            seen = []
            done = loop.create_future()
            for i in range(10):
                loop.call_soon(seen.append, i)
            loop.call_soon(done.set_result, None)
            await done
            return seen
        assert self.run_aio(main) == list(range(10))

    def test_ready_callbacks_run_before_ones_they_schedule(self):
        # asyncio's rule: a pass runs the callbacks that were ready when it
        # started; a callback scheduled during the pass runs in the next one.
        async def main(loop):
            seen = []
            done = loop.create_future()

            def first():
                seen.append("first")
                loop.call_soon(seen.append, "scheduled-by-first")
                loop.call_soon(done.set_result, None)
            loop.call_soon(first)
            loop.call_soon(seen.append, "second")
            await done
            return seen
        assert self.run_aio(main) == ["first", "second", "scheduled-by-first"]

    def test_call_soon_passes_args(self):
        async def main(loop):
            fut = loop.create_future()
            loop.call_soon(lambda *a: fut.set_result(a), 1, "two", None)
            return await fut
        assert self.run_aio(main) == (1, "two", None)

    def test_cancelled_handle_does_not_run(self):
        async def main(loop):
            seen = []
            done = loop.create_future()
            h = loop.call_soon(seen.append, "cancelled")
            assert not h.cancelled()
            h.cancel()
            h.cancel()  # idempotent
            assert h.cancelled()
            loop.call_soon(done.set_result, None)
            await done
            return seen
        assert self.run_aio(main) == []

    def test_handle_repr(self):
        def my_callback(*args):
            pass

        async def main(loop):
            h = loop.call_soon(my_callback, 1, 2)
            r = repr(h)
            assert r.startswith("<Handle") and "my_callback" in r, r
            assert "cancelled" not in r
            h.cancel()
            assert "cancelled" in repr(h)
            th = loop.call_later(100, my_callback)
            tr = repr(th)
            assert tr.startswith("<TimerHandle") and "when=" in tr, tr
            assert "my_callback" in tr
            th.cancel()
            assert "cancelled" in repr(th)
        self.run_aio(main)

    def test_handle_repr_in_debug_mode_says_where_it_was_created(self):
        async def main(loop):
            loop.set_debug(True)
            try:
                h = loop.call_soon(_noop)
                th = loop.call_later(10, _noop)
            finally:
                loop.set_debug(False)
            r, tr = repr(h), repr(th)
            th.cancel()
            return r, tr
        r, tr = self.run_aio(main)
        assert "created at" in r and __file__.rstrip("c") in r, r
        assert "created at" in tr, tr

    def test_cancelled_handle_releases_its_callback(self):
        class Payload:
            def __call__(self):
                pass

        async def main(loop):
            p = Payload()
            ref = weakref.ref(p)
            h = loop.call_soon(p)
            h.cancel()
            del p
            gc.collect()
            alive = ref() is not None
            await asyncio.sleep(0)
            return alive
        assert self.run_aio(main) is False

    def test_handle_get_context(self):
        def context_of(h):
            # Handle.get_context() is new in Python 3.12; trioaio's Handle
            # has it on every version, stock 3.11 handles only _context.
            if hasattr(h, "get_context"):
                return h.get_context()
            if self.is_trioaio:
                reference_lacks("Handle.get_context() before Python 3.12")
                pytest.fail("trioaio Handle lacks get_context()")
            return h._context

        async def main(loop):
            ctx = contextvars.copy_context()
            h = loop.call_soon(_noop, context=ctx)
            assert context_of(h) is ctx
            th = loop.call_later(10, _noop, context=ctx)
            assert context_of(th) is ctx
            th.cancel()
            # Without context=, the handle gets a copy of the current one.
            token = cvar.set("outer")
            try:
                h2 = loop.call_soon(_noop)
            finally:
                cvar.reset(token)
            assert context_of(h2).get(cvar) == "outer"
        self.run_aio(main)

    def test_timer_handle_when(self):
        async def main(loop):
            when = loop.time() + 50
            th = loop.call_at(when, _noop)
            assert th.when() == when
            before = loop.time()
            th2 = loop.call_later(30, _noop)
            assert before + 30 <= th2.when() <= loop.time() + 30
            th.cancel()
            th2.cancel()
        self.run_aio(main)

    def test_timer_handles_compare_by_when(self):
        async def main(loop):
            now = loop.time()
            a = loop.call_at(now + 10, _noop)
            b = loop.call_at(now + 20, _noop)
            assert a < b and b > a and a <= b and a != b
            a.cancel()
            b.cancel()
        self.run_aio(main)

    def test_timers_run_in_deadline_order(self):
        async def main(loop):
            seen = []
            done = loop.create_future()
            now = loop.time()
            for i in (5, 1, 4, 2, 3):
                loop.call_at(now + i * 0.002, seen.append, i)
            loop.call_at(now + 0.02, done.set_result, None)
            await done
            return seen
        assert self.run_aio(main) == [1, 2, 3, 4, 5]

    def test_equal_deadlines_run_fifo(self):
        # trioaio orders its heap by (when, seq); stock asyncio's heapq of
        # TimerHandles compares `when` only, so it is not FIFO.
        if isinstance(self, AsyncioCase):
            pytest.skip("stock asyncio does not promise FIFO for equal deadlines")
        reference_lacks("its timer order is not FIFO for equal deadlines")

        async def main(loop):
            seen = []
            done = loop.create_future()
            when = loop.time() + 0.005
            for i in range(200):
                loop.call_at(when, seen.append, i)
            loop.call_at(when, done.set_result, None)
            await done
            return seen
        assert self.run_aio(main) == list(range(200))

    def test_call_later_negative_delay_runs(self):
        if self.is_trioaio:
            reference_lacks("call_later asserts delay >= 0")

        async def main(loop):
            fut = loop.create_future()
            loop.call_later(-5, fut.set_result, "ran")
            return await fut
        assert self.run_aio(main) == "ran"

    def test_asyncio_sleep_sees_time_advance(self):
        async def main(loop):
            t0 = loop.time()
            await asyncio.sleep(0.01)
            return loop.time() - t0
        assert self.run_aio(main) >= 0.01

    def test_cancelled_timer_does_not_run(self):
        async def main(loop):
            seen = []
            th = loop.call_later(0.001, seen.append, "x")
            th.cancel()
            await asyncio.sleep(0.01)
            return seen
        assert self.run_aio(main) == []

    def test_cancelled_timer_releases_its_callback(self):
        class Payload:
            pass

        async def main(loop):
            p = Payload()
            ref = weakref.ref(p)
            th = loop.call_later(3600, _noop, p)
            th.cancel()
            del p
            gc.collect()
            return ref() is None
        assert self.run_aio(main)

    @pytest.mark.introspection
    def test_cancelled_timers_do_not_pile_up(self):
        async def main(loop):
            handles = [loop.call_later(3600, _noop) for _ in range(100_000)]
            for h in handles:
                h.cancel()
            del handles
            # Let the loop run a few passes; asyncio compacts there.
            for _ in range(3):
                await asyncio.sleep(0)
            return timer_count(loop)
        assert self.run_aio(main) <= 100

    def test_callback_runs_in_given_context(self):
        async def main(loop):
            ctx = contextvars.copy_context()
            ctx.run(cvar.set, "in-ctx")
            fut = loop.create_future()
            loop.call_soon(lambda: fut.set_result(cvar.get()), context=ctx)
            assert await fut == "in-ctx"
            assert cvar.get() == "unset"
            # call_later with a context, too
            fut2 = loop.create_future()
            loop.call_later(0, lambda: fut2.set_result(cvar.get()), context=ctx)
            assert await fut2 == "in-ctx"
        self.run_aio(main)

    def test_callback_changes_stay_in_its_context(self):
        async def main(loop):
            token = cvar.set("caller")
            done = loop.create_future()

            def cb():
                cvar.set("changed-in-callback")
                done.set_result(None)
            loop.call_soon(cb)
            await done
            assert cvar.get() == "caller"
            cvar.reset(token)
        self.run_aio(main)

    def test_callback_error_goes_to_exception_handler(self):
        async def main(loop):
            calls = []
            loop.set_exception_handler(lambda lp, ctx: calls.append(ctx))
            done = loop.create_future()
            err = ValueError("boom")

            def bad():
                raise err
            h = loop.call_soon(bad)
            loop.call_soon(done.set_result, "later callbacks still run")
            assert await done == "later callbacks still run"
            assert len(calls) == 1
            assert calls[0]["exception"] is err
            assert calls[0]["handle"] is h
            assert "message" in calls[0]
        self.run_aio(main)

    def _strict_checks(self, loop):
        # Stock asyncio before 3.12 checks callbacks only in debug mode;
        # trioaio always checks, as asyncio 3.12+ does.
        if not self.is_trioaio:
            loop.set_debug(True)

    def test_base_fails_on_unexpected_handler_calls(self):
        # The runners must notice errors that only reach the handler.
        async def main(loop):
            done = loop.create_future()

            def bad():
                raise LookupError("unnoticed")
            loop.call_soon(bad)
            loop.call_soon(done.set_result, None)
            await done
        with pytest.raises(AssertionError, match="unexpected call_exception"):
            self.run_aio(main)

    def test_non_callable_callback_is_rejected(self):
        async def main(loop):
            self._strict_checks(loop)
            for bad in (1, "not callable", None):
                with pytest.raises(TypeError):
                    loop.call_soon(bad)
                with pytest.raises(TypeError):
                    loop.call_later(1, bad)
                with pytest.raises(TypeError):
                    loop.call_at(loop.time() + 1, bad)
                with pytest.raises(TypeError):
                    loop.call_soon_threadsafe(bad)
        self.run_aio(main)

    def test_coroutines_are_rejected_as_callbacks(self):
        async def coro_fn():
            pass

        async def main(loop):
            self._strict_checks(loop)
            coro = coro_fn()
            try:
                with pytest.raises(TypeError, match="coroutine"):
                    loop.call_soon(coro)
                with pytest.raises(TypeError, match="coroutine"):
                    loop.call_later(1, coro)
            finally:
                coro.close()
            with pytest.raises(TypeError, match="coroutine"):
                loop.call_soon(coro_fn)
        self.run_aio(main)

    def test_call_soon_threadsafe_from_another_thread(self):
        async def main(loop):
            fut = loop.create_future()
            ctx_value = []

            def in_loop(value):
                ctx_value.append(threading.current_thread())
                fut.set_result(value)
            t = threading.Thread(
                target=loop.call_soon_threadsafe, args=(in_loop, 42))
            t.start()
            result = await fut
            t.join()
            assert ctx_value == [threading.current_thread()]
            return result
        assert self.run_aio(main) == 42

    def test_call_soon_threadsafe_returns_handle(self):
        if not isinstance(self, AsyncioCase):
            reference_lacks("call_soon_threadsafe returns None upstream")

        async def main(loop):
            seen = []
            h = loop.call_soon_threadsafe(seen.append, 1)
            h.cancel()
            assert h.cancelled()
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            return seen
        assert self.run_aio(main) == []

    def test_wrong_thread_in_debug_mode_raises(self):
        if not isinstance(self, AsyncioCase):
            reference_lacks("no thread check in call_soon upstream")

        async def main(loop):
            loop.set_debug(True)
            errors = []

            def other_thread():
                try:
                    loop.call_soon(_noop)
                except RuntimeError as exc:
                    errors.append(exc)
            t = threading.Thread(target=other_thread)
            t.start()
            t.join()
            loop.set_debug(False)
            return errors
        errors = self.run_aio(main)
        assert len(errors) == 1 and "thread" in str(errors[0])

    def test_time_is_monotonic(self):
        async def main(loop):
            times = []
            for _ in range(5):
                times.append(loop.time())
                await asyncio.sleep(0)
            return times
        times = self.run_aio(main)
        assert times == sorted(times)

    def test_running_loop_and_current_task(self):
        async def main(loop):
            assert asyncio.get_running_loop() is loop
            assert asyncio.get_event_loop() is loop
            assert loop.is_running()
            assert not loop.is_closed()
            task = asyncio.current_task()
            assert task is not None and not task.done()
            inner = loop.create_task(_current_task_and_loop())
            t2, l2 = await inner
            assert t2 is inner and l2 is loop
        self.run_aio(main)

    def test_slow_callback_warning_in_debug_mode(self, caplog):
        if self.is_trioaio:
            reference_lacks("no slow-callback warnings")

        async def main(loop):
            loop.set_debug(True)
            assert loop.get_debug()
            loop.slow_callback_duration = 0.0
            done = loop.create_future()

            def slow_one():
                done.set_result(None)
            with caplog.at_level(logging.WARNING, logger="asyncio"):
                loop.call_soon(slow_one)
                await done
                await asyncio.sleep(0)
            loop.set_debug(False)
        self.run_aio(main)
        msgs = [r.getMessage() for r in caplog.records]
        assert any("slow_one" in m and "took" in m for m in msgs), msgs

    def test_slow_callback_warning_names_the_task(self, caplog):
        # asyncio logs a slow task step as the task itself, so the user
        # sees which coroutine was slow (not the task's step wrapper).
        if self.is_trioaio:
            reference_lacks("no slow-callback warnings")

        async def slow_coroutine():
            await asyncio.sleep(0)

        async def main(loop):
            loop.set_debug(True)
            loop.slow_callback_duration = 0.0
            with caplog.at_level(logging.WARNING, logger="asyncio"):
                await loop.create_task(slow_coroutine())
            loop.set_debug(False)
        self.run_aio(main)
        msgs = [r.getMessage() for r in caplog.records
                if "slow_coroutine" in r.getMessage()]
        assert msgs, [r.getMessage() for r in caplog.records]
        assert all(m.startswith("Executing <Task ") and "took" in m
                   for m in msgs), msgs

    def test_set_debug_from_another_thread(self):
        # asyncio hands the per-thread part of set_debug() to the loop's
        # thread with call_soon_threadsafe(), so any thread may call it.
        async def main(loop):
            errors = []

            def other_thread():
                try:
                    loop.set_debug(True)
                except Exception as exc:
                    errors.append(exc)
            t = threading.Thread(target=other_thread)
            t.start()
            t.join()
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            debug = loop.get_debug()
            loop.set_debug(False)
            return errors, debug
        assert self.run_aio(main) == ([], True)

    def test_handle_types_can_be_subclassed(self):
        async def main(loop):
            handle_type = type(loop.call_soon(_noop))
            timer = loop.call_later(3600, _noop)
            timer.cancel()

            class MyHandle(handle_type):
                pass

            class MyTimerHandle(type(timer)):
                pass

            ran = []
            handle = MyHandle(ran.append, ("soon",), loop)
            when = loop.time()
            timer = MyTimerHandle(when, ran.append, ("timer",), loop)
            assert isinstance(handle, handle_type)
            assert timer.when() == when and not timer.cancelled()
            handle._run()
            timer._run()
            timer.cancel()
            assert timer.cancelled()
            return ran
        assert self.run_aio(main) == ["soon", "timer"]

    def test_task_factory(self):
        async def main(loop):
            made = []

            def factory(lp, coro, **kw):
                task = asyncio.Task(coro, loop=lp, **kw)
                made.append(task)
                return task
            assert loop.get_task_factory() is None
            loop.set_task_factory(factory)
            try:
                assert loop.get_task_factory() is factory
                task = loop.create_task(asyncio.sleep(0, "done"))
                assert made == [task]
                assert await task == "done"
            finally:
                loop.set_task_factory(None)
        self.run_aio(main)

    def test_shutdown_asyncgens_finalizes_generators(self):
        async def main(loop):
            finalized = []

            async def agen():
                try:
                    yield 1
                    yield 2
                finally:
                    finalized.append(True)
            gen = agen()
            assert await gen.__anext__() == 1
            await loop.shutdown_asyncgens()
            return finalized
        assert self.run_aio(main) == [True]

    def test_run_in_executor_default(self):
        async def main(loop):
            main_thread = threading.current_thread()

            def work(a, b):
                return a + b, threading.current_thread() is not main_thread
            result = await loop.run_in_executor(None, work, 2, 3)
            await loop.shutdown_default_executor()
            return result
        assert self.run_aio(main) == (5, True)

    def test_shutdown_default_executor(self):
        async def main(loop):
            threads = []
            await loop.run_in_executor(
                None, lambda: threads.append(threading.current_thread()))
            assert await loop.shutdown_default_executor() is None
            if isinstance(self, AsyncioCase):
                # Stock asyncio joins its pool's threads.  A Trio-based
                # default executor runs jobs on Trio's cached daemon threads,
                # which outlive it by design.
                assert not threads[0].is_alive()
        self.run_aio(main)

    def test_run_in_executor_concurrent_futures(self):
        import concurrent.futures
        if not isinstance(self, AsyncioCase):
            reference_lacks("only TrioExecutor is accepted upstream")

        async def main(loop):
            with concurrent.futures.ThreadPoolExecutor(2) as ex:
                return await loop.run_in_executor(ex, pow, 2, 10)
        assert self.run_aio(main) == 1024

    def test_set_default_executor(self):
        import concurrent.futures
        if not isinstance(self, AsyncioCase):
            reference_lacks("non-TrioExecutor default executors are ignored")

        async def main(loop):
            ex = concurrent.futures.ThreadPoolExecutor(
                1, thread_name_prefix="custom-default")
            loop.set_default_executor(ex)
            name = await loop.run_in_executor(
                None, lambda: threading.current_thread().name)
            await loop.shutdown_default_executor()
            return name
        assert self.run_aio(main).startswith("custom-default")

    def test_run_in_executor_error_propagates(self):
        async def main(loop):
            def fail():
                raise KeyError("from thread")
            with pytest.raises(KeyError, match="from thread"):
                await loop.run_in_executor(None, fail)
        self.run_aio(main)


async def _current_task_and_loop():
    return asyncio.current_task(), asyncio.get_running_loop()


class TestCallbacks_asyncio(_TestCallbacks, AsyncioCase):
    pass


class TestCallbacks_trioaio(_TestCallbacks, TrioAioCase):
    pass
