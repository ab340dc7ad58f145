"""A generator-based coroutine (`@types.coroutine`) awaits with `yield
from`."""
import asyncio
import types

import trio_asyncio


@types.coroutine
def pause_wrong(fut):
    yield from trio_asyncio.run_aio_future(fut)
    yield from asyncio.sleep(0)  # TA001


@types.coroutine
def pause_right(fut):
    yield from trio_asyncio.run_aio_future(fut)
    yield from trio_asyncio.aio_as_trio(asyncio.sleep)(0).__await__()


@types.coroutine
def relay(coro):
    if isinstance(coro, asyncio.Future):
        return (yield from coro)  # TA001
    return (yield from trio_asyncio.run_aio_future(coro))


def plain(items):
    # A plain generator: its yield from is no await.
    yield from asyncio.sleep(0)
