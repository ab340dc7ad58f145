"""The less common forms of the shims: a shimmed method looked up on its
class, an async function awaited through the shim without a call, objects
that are not context managers or iterators (a TypeError that says what to
write), and TrioExecutor's arguments and shutdown.  Run against both
implementations; trioaio's wording of the errors is checked on trioaio."""
import asyncio
import importlib

import pytest
import trio

import _testbase


def test_shimmed_method_looked_up_on_the_class_binds_the_class(run_in_loop):
    mod = _testbase.impl()

    class Service:
        @mod.aio_as_trio
        async def describe(self, suffix):
            await asyncio.sleep(0)
            return (self, suffix)

    async def fn(loop):
        on_class = await Service.describe("!")
        instance = Service()
        on_instance = await instance.describe("?")
        return on_class, on_instance == (instance, "?")
    assert run_in_loop(fn) == ((Service, "!"), True)


def test_awaiting_the_shim_of_an_async_function_calls_it(run_in_loop):
    mod = _testbase.impl()

    async def answer():
        await asyncio.sleep(0)
        return 42

    async def fn(loop):
        return await mod.aio_as_trio(answer)
    assert run_in_loop(fn) == 42


@pytest.mark.parametrize("shim_name", ["aio_as_trio", "trio_as_aio"])
def test_not_a_context_manager_or_iterator(run_in_loop, shim_name):
    _testbase.reference_lacks("a TypeError (it raises RuntimeError)")
    mod = _testbase.impl()
    shim = getattr(mod, shim_name)

    async def trio_side(loop):
        with pytest.raises(TypeError) as cm:
            async with shim(object()):
                pass
        with pytest.raises(TypeError) as it:
            async for _ in shim(object()):
                pass
        return str(cm.value), str(it.value)

    async def fn(loop):
        if shim_name == "aio_as_trio":
            return await trio_side(loop)
        return await mod.aio_as_trio(trio_side)(loop)
    cm, it = run_in_loop(fn)
    assert "'async with %s(factory(*args))'" % shim_name in cm
    assert "'async for v in %s(gen(*args))'" % shim_name in it


def _executor_module():
    return importlib.import_module(_testbase.IMPL_NAME)


def test_executor_workers_must_be_positive():
    _testbase.reference_lacks("checking max_workers")
    with pytest.raises(ValueError, match="max_workers must be greater"):
        _executor_module().TrioExecutor(max_workers=0)


def test_executor_takes_a_capacity_limiter_positionally(run_in_loop):
    _testbase.reference_lacks("a CapacityLimiter as the first argument")
    limiter = trio.CapacityLimiter(1)
    ex = _executor_module().TrioExecutor(limiter)

    async def fn(loop):
        return await ex.submit(lambda: limiter.borrowed_tokens)
    assert run_in_loop(fn) == 1


def test_executor_refuses_work_after_shutdown(run_in_loop):
    ex = _executor_module().TrioExecutor(max_workers=1)

    async def fn(loop):
        assert await ex.submit(sum, [1, 2]) == 3
        ex.shutdown()
        with pytest.raises(RuntimeError, match="Executor is down"):
            await ex.submit(sum, [1, 2])
        return True
    assert run_in_loop(fn)


def test_trio_asyncio_loop_module_names():
    # Code written for trio-asyncio imports these from trio_asyncio._loop.
    mod = _testbase.impl()
    loop_module = importlib.import_module(_testbase.IMPL_NAME + "._loop")
    assert loop_module.open_loop is mod.open_loop
    assert loop_module.run is mod.run
    assert loop_module.current_loop is mod.current_loop
    assert loop_module.TrioPolicy is mod.TrioPolicy
