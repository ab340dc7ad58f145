import asyncio

import trio


async def fine_but_wrong():
    await trio.sleep(0)
    await asyncio.sleep(0)


async def broken(:
    await trio.sleep(0)
    await asyncio.sleep(0)


async def after_the_error():
    await trio.sleep(0)
    await asyncio.sleep(0)
