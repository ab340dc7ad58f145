"""A local holding a shim's awaitable is awaited where the shim says."""
import asyncio

import trio
from trioaio import trio_as_aio


async def tick():
    await trio.sleep(0)
    return 42


async def kept():
    pending = trio_as_aio(tick)()  # right: the awaitable is asyncio-facing
    assert await pending == 42


async def bare():
    pending = tick()
    assert await pending == 42  # TA002


asyncio.run(kept())
asyncio.run(bare())
