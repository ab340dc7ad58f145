"""Async generators abandoned half-way are finalized where they belong.

A thread has one pair of async generator hooks, shared by Trio and every
running loop.  A generator first iterated by asyncio code is closed on its
loop (as stock asyncio does); one first iterated by Trio code is left to
Trio's own finalizer, even after the loop has stopped; one that outlives its
closed loop is dropped quietly, as asyncio does.
"""
import asyncio
import gc
import importlib
import sys

import sniffio
import trio

import _testbase
from _testbase import AsyncioCase, TrioAioCase


def _collect():
    # Twice: the first pass may only break the cycle a frame left behind.
    gc.collect()
    gc.collect()


class _TestAbandoned:
    def test_abandoned_generator_is_closed_on_its_loop(self):
        async def main(loop):
            closed_on = []

            async def agen():
                try:
                    yield 1
                    yield 2
                finally:
                    closed_on.append(asyncio.get_running_loop())

            gen = agen()
            assert await gen.__anext__() == 1
            del gen
            _collect()
            for _ in range(100):
                if closed_on:
                    break
                await asyncio.sleep(0)
            return closed_on == [loop]
        assert self.run_aio(main) is True


class TestAbandoned_asyncio(_TestAbandoned, AsyncioCase):
    pass


class TestAbandoned_trioaio(_TestAbandoned, TrioAioCase):
    pass


def test_trio_generator_abandoned_in_a_running_loop_goes_to_trio():
    mod = _testbase.impl()
    finalized_in = []

    async def trio_gen():
        try:
            yield 1
            yield 2
        finally:
            finalized_in.append(sniffio.current_async_library())

    async def main():
        async with mod.open_loop():
            gen = trio_gen()
            assert await gen.__anext__() == 1
            del gen
            _collect()
            for _ in range(100):
                if finalized_in:
                    break
                await trio.sleep(0)
        return finalized_in

    assert _testbase.run_trio(main) == ["trio"]


def test_trio_generator_abandoned_after_the_loop_stopped_goes_to_trio():
    # First iterated while the loop (and so our hooks) were installed, but
    # collected after open_loop() ended: Trio's finalizer still applies.
    mod = _testbase.impl()
    finalized_in = []

    async def trio_gen():
        try:
            yield 1
            yield 2
        finally:
            finalized_in.append(sniffio.current_async_library())

    async def main():
        async with mod.open_loop():
            gen = trio_gen()
            assert await gen.__anext__() == 1
        del gen
        _collect()
        for _ in range(100):
            if finalized_in:
                break
            await trio.sleep(0)
        return finalized_in

    assert _testbase.run_trio(main) == ["trio"]


class _TestOutlivesLoop:
    """A generator suspended when its loop is closed (no
    shutdown_asyncgens) is dropped without running its ``finally`` and
    without an error, on stock asyncio and on the synchronous loop."""

    def new_loop(self):
        raise NotImplementedError

    def test_generator_collected_after_its_loop_closed(self, monkeypatch):
        unraisable = []
        monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
        finalized = []

        async def agen():
            try:
                yield 1
                yield 2
            finally:
                finalized.append(True)

        async def first(gen):
            # The first __anext__() call, inside the loop, is what hands the
            # generator to the loop's hooks.
            return await gen.__anext__()

        loop = self.new_loop()
        try:
            gen = agen()
            assert loop.run_until_complete(first(gen)) == 1
        finally:
            loop.close()
        del gen
        _collect()
        assert finalized == [] and unraisable == []


class TestOutlivesLoop_asyncio(_TestOutlivesLoop):
    def new_loop(self):
        return asyncio.SelectorEventLoop()


class TestOutlivesLoop_trioaio(_TestOutlivesLoop):
    def new_loop(self):
        sync = importlib.import_module(_testbase.IMPL_NAME + "._sync")
        return sync.SyncTrioEventLoop()


@_testbase.trioaio_only
def test_registry_of_generators_does_not_grow_without_bound():
    # The hooks remember each generator's owner until it is finalized; those
    # that run to the end are never finalized, so the registry must forget
    # them by itself (it prunes dead entries once it holds 1024).
    from trioaio import _base

    async def agen():
        yield 1

    async def finished_generators(n):
        gens = [agen() for _ in range(n)]
        for gen in gens:
            async for _ in gen:
                pass
        return gens

    async def churn():
        # Alive, so each has its own entry (ids are not reused).
        gens = await finished_generators(1100)
        size_alive = len(_base._asyncgen_hooks()._owner)
        del gens
        await finished_generators(1)
        return size_alive, len(_base._asyncgen_hooks()._owner)

    async def main():
        async with _testbase.impl().open_loop():
            return await _testbase.impl().aio_as_trio(churn)()

    size_alive, size_after = _testbase.run_trio(main)
    assert size_alive >= 1100 and size_after <= 2
