"""trio_asyncio.run(aio_as_trio, f): the shim runs f as asyncio code."""
import functools

import trio
import trio_asyncio


async def tick():
    await trio.sleep(0)


async def wrong(n):
    await tick()  # TA002: wrong is asyncio, tick is Trio


async def right(n):
    await trio_asyncio.trio_as_aio(tick)()


trio_asyncio.run(trio_asyncio.aio_as_trio, functools.partial(wrong, 1))
trio_asyncio.run(trio_asyncio.aio_as_trio, right, 1)
