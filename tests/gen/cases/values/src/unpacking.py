"""`*_, ch = await ...`: an element of a library's result is that
library's object; of anything else, unknown."""
import aioredis
import trio
from trioaio import aio_as_trio


async def helper():
    return 1, 2


async def listen():
    redis = await aio_as_trio(aioredis.create_redis_pool)("redis://")
    *_, channel = await aio_as_trio(redis.subscribe)("updates")
    await trio.sleep(0)
    await channel.get()  # TA001
    await aio_as_trio(channel.get)()
    first, second = await helper()
    await first.get()  # not reported: a project value stays unknown
