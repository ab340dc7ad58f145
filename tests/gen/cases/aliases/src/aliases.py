import asyncio

import trio
import trio_asyncio
import trioaio as ta
from trioaio import aio_as_trio as a2t
from trioaio import run_aio_coroutine


@ta.aio_as_trio
async def one():
    await asyncio.sleep(0)


@trio_asyncio.trio2aio
async def two():
    await asyncio.sleep(0)


@a2t
async def three():
    await asyncio.sleep(0)


@trio_asyncio.aio2trio
async def four():
    await trio.sleep(0)


async def trio_user(loop):
    await trio.sleep(0)
    await one()
    await two()
    await three()
    await loop.run_asyncio(asyncio.sleep, 0)
    await run_aio_coroutine(asyncio.sleep(0))
    await four()


async def aio_user(loop):
    await asyncio.sleep(0)
    await four()
    await loop.run_trio(trio.sleep, 0)
    await one()


@ta.aio_as_trio(loop=None)
async def factory_misuse():
    await asyncio.sleep(0)


@ta.trio_as_aio
def not_async():
    return 1


@ta.aio_as_trio
class Client:
    pass
