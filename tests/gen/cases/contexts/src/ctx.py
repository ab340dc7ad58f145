"""async with / async for across the boundary, library and project code."""
import asyncio
import contextlib

import trio
from trioaio import aio_as_trio, run_aio_coroutine, trio_as_aio


class AioResource:
    async def __aenter__(self):
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc):
        await asyncio.sleep(0)


class TrioTicker:
    def __aiter__(self):
        return self

    async def __anext__(self):
        await trio.sleep(0)
        return 1


@contextlib.asynccontextmanager
async def trio_scope():
    async with trio.open_nursery() as nursery:
        yield nursery


async def trio_main():
    await trio.sleep(0)
    async with AioResource():
        pass
    async with aio_as_trio(AioResource()):
        pass
    async with trio_scope():
        pass
    values = [x async for x in TrioTicker()]
    await run_aio_coroutine(asyncio.sleep(0))
    return values


async def aio_main():
    await asyncio.sleep(0)
    async with trio.open_nursery():
        pass
    async with trio_scope() as n:
        pass
    async with trio_as_aio(trio_scope()) as n:
        pass
    async for x in TrioTicker():
        pass
    async for x in trio_as_aio(TrioTicker()):
        pass
    total = [x async for x in trio_as_aio(TrioTicker())]
    await run_aio_coroutine(asyncio.sleep(0))
    return n, total


async def only_contexts():
    async with asyncio.timeout(1):
        await trio.sleep(0)
