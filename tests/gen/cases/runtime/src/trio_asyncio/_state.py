from contextvars import ContextVar

current_loop = ContextVar("trio_asyncio_loop", default=None)


def _running_loop():
    loop = current_loop.get()
    if loop is None:
        raise RuntimeError("You are not within a trio_asyncio loop")
    return loop


def wrap(coro):
    return _running_loop().run_aio_coroutine(coro)
