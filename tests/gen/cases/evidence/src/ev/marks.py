import asyncio

import pytest
import trio
import trio_asyncio
from trio_asyncio import aio_as_trio


async def aio_fetch():
    await asyncio.sleep(0)


@aio_as_trio
async def wrapped_fetch():
    await asyncio.sleep(0)


@pytest.mark.trio
async def test_trio_awaits_asyncio():
    await aio_fetch()


@pytest.mark.asyncio
async def test_asyncio_awaits_trio():
    await trio_job()


async def trio_job():
    await trio.sleep(0)


async def main():
    await aio_fetch()


async def main2():
    await aio_fetch()


async def amain():
    await trio_job()


async def child(task_status=trio.TASK_STATUS_IGNORED):
    await aio_fetch()


async def spawned():
    await aio_fetch()


async def parent():
    async with trio.open_nursery() as nursery:
        nursery.start_soon(spawned)


async def scoped():
    with trio.move_on_after(1):
        await aio_fetch()


async def calls_boundary():
    await wrapped_fetch()


async def t1():
    await trio_job()


async def t2():
    await trio_job()


def run_all(loop):
    trio.run(main)
    trio_asyncio.run(main2)
    asyncio.run(amain())
    asyncio.gather(t1(), t2())
    loop.run_until_complete(t1())


@pytest.mark.trio
async def clash():
    await trio.sleep(0)


def also():
    asyncio.run(clash())
