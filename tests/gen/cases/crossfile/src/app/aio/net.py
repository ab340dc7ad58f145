import asyncio


async def fetch(url):
    await asyncio.sleep(0)
    return url


async def open_stream():
    reader, writer = await asyncio.open_connection("localhost", 80)
    return reader
