"""Wrong: the shim awaits its asyncio coroutine in the Trio caller's task."""


async def run_aio_coroutine(coro):
    return await coro  # TA001


async def run_aio_future(future):
    # Not followed: aio_as_trio, the fix, would end in this function.
    return await future
