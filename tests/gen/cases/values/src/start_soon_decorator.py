"""`@nursery.start_soon` on a def starts it as a Trio task."""
import asyncio

import trio
from trioaio import aio_as_trio


async def fetch():
    await asyncio.sleep(0)


async def main():
    async with trio.open_nursery() as nursery:

        @nursery.start_soon
        async def wrong():
            await fetch()  # TA001: a Trio task awaits asyncio code

        @nursery.start_soon
        async def right():
            await aio_as_trio(fetch)()
