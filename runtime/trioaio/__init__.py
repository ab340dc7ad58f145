"""trioaio: run asyncio code inside Trio programs.

An asyncio event loop that runs as a Trio task, with its core in C, and
explicit shims across the boundary::

    async with trioaio.open_loop() as loop:
        await trioaio.aio_as_trio(some_asyncio_fn)(args)   # Trio -> asyncio
        # and in asyncio code: await trioaio.trio_as_aio(trio_fn)(args)

The API is trio-asyncio's (0.16), so ``import trioaio as trio_asyncio``
works; the classic names of the original trio-asyncio README
(``run_asyncio``, ``run_future``, ``trio2aio``, ``aio2trio``...) are here
too.
"""
import sniffio as _sniffio
import trio as _trio

from . import _boundary, _core, _internals

_core._configure(_trio.lowlevel.reschedule, _internals.SYSTEM_CLOCK,
                 getattr(_sniffio, "thread_local", None),
                 _boundary.rewrite_bad_yield, _internals.STEP_WRAPPER_TYPE)

from . import _policy  # noqa: E402
from ._sync import SyncTrioEventLoop  # noqa: E402

_policy.install(SyncTrioEventLoop)

from ._deprecate import TrioAsyncioDeprecationWarning  # noqa: E402
from ._util import run_aio_future, run_aio_generator  # noqa: E402
from ._executor import TrioExecutor  # noqa: E402
from ._base import BaseTrioEventLoop  # noqa: E402
from ._async import TrioEventLoop, open_loop, run  # noqa: E402
from ._policy import TrioPolicy  # noqa: E402
from ._state import current_loop  # noqa: E402
from ._adapter import (  # noqa: E402
    aio_as_trio,
    trio_as_aio,
    asyncio_as_trio,
    trio_as_asyncio,
    trio2aio,
    aio2trio,
    allow_asyncio,
)

__version__ = "0.1.0"


def _running_loop():
    loop = current_loop.get()
    if loop is None:
        raise RuntimeError(
            "You are not within a trioaio loop: use "
            "'async with trioaio.open_loop():'")
    return loop


async def run_aio_coroutine(coro):
    """Run an asyncio coroutine on the current loop and wait for it from
    Trio (``current_loop.get().run_aio_coroutine(coro)``)."""
    return await _running_loop().run_aio_coroutine(coro)


def run_trio(proc, *args, **kwargs):
    """Start a Trio function from asyncio (or sync) code; return an
    asyncio Future (``loop.trio_as_future``)."""
    return _running_loop().trio_as_future(proc, *args, **kwargs)


def run_trio_task(proc, *args, **kwargs):
    """Start a Trio task whose errors end the loop (``loop.run_trio_task``);
    returns nothing."""
    _running_loop().run_trio_task(proc, *args, **kwargs)


# Classic module-level names (from the original trio-asyncio README).
async def run_asyncio(proc, *args, **kwargs):
    """Classic name: ``await aio_as_trio(proc)(*args, **kwargs)``."""
    return await _running_loop().run_asyncio(proc, *args, **kwargs)


run_future = run_aio_future


async def run_coroutine(coro):
    """Classic name of ``run_aio_coroutine``."""
    return await run_aio_coroutine(coro)


__all__ = [
    "open_loop", "run", "current_loop", "aio_as_trio", "trio_as_aio",
    "asyncio_as_trio", "trio_as_asyncio", "trio2aio", "aio2trio",
    "run_aio_future", "run_aio_coroutine", "run_aio_generator", "run_trio",
    "run_trio_task", "allow_asyncio", "TrioExecutor", "TrioEventLoop",
    "BaseTrioEventLoop", "SyncTrioEventLoop", "TrioAsyncioDeprecationWarning",
    "TrioPolicy",
    "run_asyncio", "run_future", "run_coroutine",
]
