import asyncio

import pytest
import sniffio
import trio
import trio_asyncio


async def sleep(seconds):
    if sniffio.current_async_library() == "trio":
        await trio.sleep(seconds)
    else:
        await asyncio.sleep(seconds)


async def sleep_bad(seconds):
    if sniffio.current_async_library() == "trio":
        await asyncio.sleep(seconds)
    elif sniffio.current_async_library() == "asyncio":
        await trio.sleep(seconds)


async def backend_sleep(backend, seconds):
    if backend == "asyncio":
        await asyncio.sleep(seconds)
    elif backend == "trio":
        await trio.sleep(seconds)


async def negated(seconds):
    if sniffio.current_async_library() != "trio":
        await asyncio.sleep(seconds)
    else:
        await trio.sleep(seconds)


async def user():
    await trio.sleep(0)
    await sleep(1)


async def matched(backend):
    match backend:
        case "trio":
            await trio.sleep(0)
        case "asyncio":
            await trio.sleep(0)
        case _:
            await asyncio.sleep(0)


async def subscripted(aiolib):
    if aiolib[0] == "trio":
        await asyncio.sleep(0)


async def job():
    await asyncio.sleep(0)


async def spawns(aiolib):
    if aiolib[0] == "trio":
        async with trio.open_nursery() as nursery:
            nursery.start_soon(job)
    else:
        await asyncio.gather(job(), job())


async def guarded(seconds):
    if sniffio.current_async_library() != "trio":
        await asyncio.sleep(seconds)
        return
    await asyncio.sleep(seconds)


async def expects_failure():
    await trio.sleep(0)
    with pytest.raises(RuntimeError):
        await asyncio.sleep(0)


async def hybrid():
    await trio.sleep(0)
    await asyncio.sleep(0)


def run_hybrid():
    trio_asyncio.run(trio_asyncio.allow_asyncio, hybrid)
