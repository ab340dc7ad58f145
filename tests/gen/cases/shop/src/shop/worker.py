import trio
from trio_asyncio import trio_as_aio


@trio_as_aio
async def crunch(x: int, y: int = 2) -> int:
    """Crunch on Trio."""
    await trio.sleep(0)
    return x * y
