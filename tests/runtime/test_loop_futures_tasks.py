"""loop.create_future() and loop.create_task() behave as asyncio's own.

trioaio makes both in C (runtime/src/loop_tasks.c): the common case calls
asyncio's Future or Task type directly, everything else (a task factory,
debug mode, a closed loop, a bad call) goes to BaseEventLoop.create_task.
The same tests run on stock asyncio and on trioaio's loops.
"""
import asyncio
import contextvars

import pytest

from _testbase import AsyncioCase, TrioAioCase

var = contextvars.ContextVar("var", default="unset")


async def answer():
    return 42


async def read_var():
    return var.get()


class _TestFuturesTasks:

    def test_create_future_is_a_pending_future_of_this_loop(self):
        async def main(loop):
            fut = loop.create_future()
            assert type(fut) is asyncio.Future
            assert fut.get_loop() is loop and not fut.done()
            loop.call_soon(fut.set_result, 7)
            return await fut
        assert self.run_aio(main) == 7

    def test_create_future_honours_a_patched_future_class(self, monkeypatch):
        class MyFuture(asyncio.Future):
            pass
        monkeypatch.setattr(asyncio.futures, "Future", MyFuture)

        async def main(loop):
            return type(loop.create_future())
        assert self.run_aio(main) is MyFuture

    def test_create_task_runs_the_coroutine(self):
        async def main(loop):
            task = loop.create_task(answer())
            assert isinstance(task, asyncio.Task) and task.get_loop() is loop
            return await task
        assert self.run_aio(main) == 42

    @pytest.mark.parametrize("how", ["keyword", "none", "omitted"])
    def test_create_task_name(self, how):
        async def main(loop):
            if how == "keyword":
                task = loop.create_task(answer(), name="the-answer")
            elif how == "none":
                task = loop.create_task(answer(), name=None)
            else:
                task = loop.create_task(answer())
            await task
            return task.get_name()
        name = self.run_aio(main)
        if how == "keyword":
            assert name == "the-answer"
        else:
            assert name.startswith("Task-")

    def test_create_task_runs_in_the_given_context(self):
        async def main(loop):
            ctx = contextvars.copy_context()
            ctx.run(var.set, "in ctx")
            in_ctx = loop.create_task(read_var(), context=ctx)
            named = loop.create_task(read_var(), name="n", context=ctx)
            plain = loop.create_task(read_var())
            return (await in_ctx, await named, named.get_name(), await plain)
        assert self.run_aio(main) == ("in ctx", "in ctx", "n", "unset")

    def test_a_task_factory_is_used_with_and_without_context(self):
        made = []

        def factory(loop, coro, **kwargs):
            made.append(sorted(kwargs))
            return asyncio.Task(coro, loop=loop, **kwargs)

        async def main(loop):
            loop.set_task_factory(factory)
            try:
                t1 = loop.create_task(answer(), name="f1")
                t2 = loop.create_task(answer(),
                                      context=contextvars.copy_context())
                return await t1, await t2, t1.get_name()
            finally:
                loop.set_task_factory(None)
        assert self.run_aio(main) == (42, 42, "f1")
        assert made == [[], ["context"]]

    def test_debug_mode_trims_create_task_from_the_traceback(self):
        async def main(loop):
            loop.set_debug(True)
            try:
                task = loop.create_task(answer())
                await task
                # asyncio drops its own create_task frame: the last entry
                # is the caller's line.
                return task._source_traceback[-1].name
            finally:
                loop.set_debug(False)
        assert self.run_aio(main) == "main"

    def test_bad_calls_raise_asyncio_s_errors(self):
        async def main(loop):
            errors = []
            for call in (lambda: loop.create_task(),
                         lambda: loop.create_task(answer(), bogus=1),
                         lambda: loop.create_task(answer(), "positional")):
                try:
                    call()
                except TypeError as exc:
                    errors.append("create_task()" in str(exc))
            return errors
        # The coroutines of the failed calls are never awaited.
        with pytest.warns(RuntimeWarning, match="never awaited"):
            assert self.run_aio(main) == [True, True, True]

    def test_many_bad_keywords_name_the_first(self):
        async def main(loop):
            coro = answer()
            try:
                loop.create_task(coro, **{"k%d" % i: i for i in range(9)})
            except TypeError as exc:
                return str(exc)
            finally:
                coro.close()
        assert "'k0'" in self.run_aio(main)

    @pytest.mark.parametrize("module, name", [("futures", "Future"),
                                              ("tasks", "Task")])
    def test_a_missing_class_raises_attribute_error(self, monkeypatch,
                                                    module, name):
        async def main(loop):
            monkeypatch.delattr(getattr(asyncio, module), name)
            coro = answer()
            try:
                if name == "Future":
                    loop.create_future()
                else:
                    loop.create_task(coro)
            except AttributeError as exc:
                return name in str(exc)
            finally:
                monkeypatch.undo()
                coro.close()
        assert self.run_aio(main) is True

    def test_create_task_on_a_closed_loop_raises(self):
        loop = self.closed_loop()
        coro = answer()
        with pytest.raises(RuntimeError, match="Event loop is closed"):
            loop.create_task(coro)
        coro.close()


class TestFuturesTasks_asyncio(_TestFuturesTasks, AsyncioCase):
    def closed_loop(self):
        loop = asyncio.SelectorEventLoop()
        loop.close()
        return loop


class TestFuturesTasks_trioaio(_TestFuturesTasks, TrioAioCase):
    def closed_loop(self):
        from trioaio._sync import SyncTrioEventLoop
        loop = SyncTrioEventLoop()
        loop.close()
        return loop

    def test_the_methods_are_the_c_core_s(self):
        from trioaio import _core
        from trioaio._sync import SyncTrioEventLoop
        assert SyncTrioEventLoop.create_task is _core.Loop.create_task
        assert SyncTrioEventLoop.create_future is _core.Loop.create_future
