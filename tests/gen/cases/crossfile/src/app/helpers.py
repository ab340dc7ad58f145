"""No event-loop import here: domains come from what the helpers await."""
from .aio import net


async def fetch_twice(url):
    await net.fetch(url)
    return await net.fetch(url)


async def relay(url):
    return await fetch_twice(url)
