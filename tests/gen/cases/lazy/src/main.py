import aioredis
import trio
from trio_asyncio import aio_as_trio

from shop import fetch
from shop.store import Cache, Store


async def main(url):
    await trio.sleep(0)
    await fetch()
    redis = await aio_as_trio(aioredis.create_redis_pool)(url)
    store = Store(redis)
    await store.get("k")
    cache = Cache(redis)
    await cache.get("k")
