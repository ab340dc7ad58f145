"""A constructor parameter is what every caller passes."""
from contextlib import asynccontextmanager

import aioredis
import trio
from trio_asyncio import aio_as_trio


class Store:
    def __init__(self, redis):
        self.redis = redis

    async def get(self, key):
        return await self.redis.get(key)


class Cache:
    def __init__(self, backend):
        self.backend = backend

    async def get(self, key):
        # Right: one caller passes aioredis's client, the other a value
        # the checker cannot name, so backend stays unknown.
        return await self.backend.get(key)


@asynccontextmanager
async def connected(url):
    redis = await aio_as_trio(aioredis.create_redis_pool)(url)
    try:
        yield redis
    finally:
        redis.close()


async def main(url, other):
    await trio.sleep(0)
    async with connected(url) as redis:
        store = Store(redis)
        await store.get("k")  # wrong: Store.get awaits aioredis
        await aio_as_trio(store.get)("k")  # right
        await Cache(redis).get("k")
        await Cache(other).get("k")
