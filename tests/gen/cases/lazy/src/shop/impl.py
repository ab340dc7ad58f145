import asyncio


async def fetch():
    await asyncio.sleep(0)
