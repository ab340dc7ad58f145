"""Marked only through an alias: nothing here is spelled like a boundary
decorator, so gen reads the file a second time to write its adapter."""
import asyncio

from trioaio import aio_as_trio as cross


@cross
async def hop(n: int) -> int:
    await asyncio.sleep(0)
    return n + 1
