"""An assertion of the running library states the function's domain."""
import asyncio

import sniffio
import trio
from trioaio import aio_as_trio


async def fetch():
    await asyncio.sleep(0)


async def in_trio_wrong():
    assert sniffio.current_async_library() == "trio"
    await fetch()  # TA001


async def in_trio_right():
    assert sniffio.current_async_library() == "trio"
    await aio_as_trio(fetch)()


async def not_stated(flag):
    if flag:
        assert sniffio.current_async_library() == "trio"
    await fetch()  # a nested assert states nothing of the function


async def negated():
    assert sniffio.current_async_library() != "asyncio"
    await fetch()  # "not asyncio" is not "Trio"
