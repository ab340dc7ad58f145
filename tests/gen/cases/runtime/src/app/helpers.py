"""An application's own function of the same name is what its body says."""


async def run_aio_coroutine(coro):
    return await coro
