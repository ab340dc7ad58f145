import asyncio


async def café():
    x = "éé"; await asyncio.sleep(0)
