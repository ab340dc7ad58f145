"""Right: the shim hands the coroutine to the loop."""
from ._state import _running_loop


async def run_aio_coroutine(coro):
    return await _running_loop().run_aio_coroutine(coro)
