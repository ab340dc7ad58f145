"""Unknown: a rebound parameter is no longer the caller's coroutine."""
from ._state import wrap


async def run_aio_coroutine(coro):
    coro = wrap(coro)
    return await coro


class Loop:
    async def run_aio_coroutine(self, coro):
        # The loop's method: what aio_as_trio ends in, not followed.
        return await coro
