import asyncio

import trio


async def aio_fetch():
    await asyncio.sleep(0)


async def main():
    await trio.sleep(0)
    await aio_fetch()  # noqa: TA001
    await aio_fetch()  # noqa
    await aio_fetch()  # NOQA:TA001,TA002
    await aio_fetch()  # noqa: TA002
    await aio_fetch()  # a comment that mentions no qa
    await aio_fetch()  # noqa:TA0
