"""A helper that only awaits its argument runs it in its caller's task."""
import aioredis
import pytest
import trio_asyncio


async def run_asyncio(coroutine):
    # An app's own helper named like trio-asyncio's loop method: what its
    # body does counts, not its name.
    return await coroutine


async def run_bridged(coroutine):
    return await trio_asyncio.run_aio_coroutine(coroutine)


@pytest.mark.trio
async def test_wrong():
    await run_asyncio(aioredis.create_redis_pool("redis://"))  # TA001


@pytest.mark.trio
async def test_right():
    await run_bridged(aioredis.create_redis_pool("redis://"))


@pytest.mark.trio
async def test_unknown(make):
    await run_asyncio(make())  # what make() is, is unknown


async def fetch():
    redis = await aioredis.create_redis_pool("redis://")
    return await redis.get("k")


@pytest.mark.trio
async def test_project_wrong():
    await run_asyncio(fetch())  # TA001


@pytest.mark.trio
async def test_project_right():
    await run_bridged(fetch())


async def run_wrapped(coroutine):
    # Rebound: what it awaits is no longer the caller's coroutine.
    coroutine = trio_asyncio.aio_as_trio(coroutine)
    return await coroutine


@pytest.mark.trio
async def test_rebound():
    await run_wrapped(aioredis.create_redis_pool("redis://"))
