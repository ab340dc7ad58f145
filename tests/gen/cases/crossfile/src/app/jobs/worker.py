"""Two levels up: the asyncio helper comes from a sibling package."""
import trio

from ..aio.net import fetch
from ..helpers import fetch_twice as twice


async def work():
    await trio.sleep(0)
    await fetch("x")
    await twice("y")
