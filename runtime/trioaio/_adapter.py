"""The shims: aio_as_trio and trio_as_aio, and their classic names."""
import asyncio
import types
from contextvars import ContextVar
from functools import partial

import trio

from ._base import BaseTrioEventLoop
from ._state import current_loop, originals as _orig
from ._util import run_aio_future, run_aio_generator, run_trio_generator


def _loop_or_raise(loop, shim):
    if loop is None:
        # In asyncio code, the loop running it (a synchronous loop's tasks
        # may have been created outside any open_loop() context); in Trio
        # code, the enclosing open_loop().
        loop = _orig["_get_running_loop"]()
        if not isinstance(loop, BaseTrioEventLoop):
            loop = current_loop.get()
    if loop is None:
        raise RuntimeError(
            "%s needs a running trioaio loop: use it inside "
            "'async with trioaio.open_loop():'" % shim)
    return loop


async def _call(proc, args, kwargs):
    # Called inside the asyncio task, so that proc(...) itself runs in
    # asyncio context (some libraries look at the loop when called).
    return await proc(*args, **kwargs)


class _Shim:
    """What both shims share: the wrapped object, a lazily found loop, and
    method binding when used as a decorator."""

    _name = None  # the shim's public name, for error messages

    def __init__(self, proc, loop=None):
        self.proc = proc
        self._loop = loop
        self.__wrapped__ = proc
        for attr in ("__name__", "__qualname__", "__doc__", "__module__"):
            try:
                setattr(self, attr, getattr(proc, attr))
            except (AttributeError, TypeError):
                pass

    @property
    def loop(self):
        return _loop_or_raise(self._loop, self._name)

    def __get__(self, obj, cls):
        # Decorating a method: bind the instance (or class) first.
        if obj is None:
            return partial(self.__call__, cls)
        return partial(self.__call__, obj)


class AioAsTrio(_Shim):
    """A Trio-flavored view of an asyncio function, awaitable, async
    context manager or async iterator.  Made by ``aio_as_trio()``."""

    _name = "aio_as_trio"

    async def __call__(self, *args, **kwargs):
        loop = self._loop
        if loop is None:
            # _loop_or_raise inlined for the usual case, Trio code (no
            # running asyncio loop): a Python call less per call.
            loop = _orig["_get_running_loop"]()
            if loop is None or not isinstance(loop, BaseTrioEventLoop):
                loop = current_loop.get()
                if loop is None:
                    loop = _loop_or_raise(None, "aio_as_trio")
        return await loop.run_aio_coroutine(_call(self.proc, args, kwargs))

    def __await__(self):
        proc = self.proc
        if not hasattr(proc, "__await__"):
            # An async function awaited without a call: call it bare.
            proc = _call(proc, (), {})
        return self.loop.run_aio_coroutine(proc).__await__()

    def __aenter__(self):
        enter = getattr(self.proc, "__aenter__", None)
        if enter is None:
            raise TypeError(
                "aio_as_trio(x): x is not an async context manager; write "
                "'async with aio_as_trio(factory(*args))'")
        return self.loop.run_aio_coroutine(enter())

    def __aexit__(self, *exc_info):
        return self.loop.run_aio_coroutine(self.proc.__aexit__(*exc_info))

    def __aiter__(self):
        aiter = getattr(self.proc, "__aiter__", None)
        if aiter is None:
            raise TypeError(
                "aio_as_trio(x): x is not an async iterator; write "
                "'async for v in aio_as_trio(gen(*args))'")
        return run_aio_generator(self.loop, aiter())


def aio_as_trio(proc, *, loop=None):
    """Make asyncio code callable from Trio.

    ``await aio_as_trio(fn)(*args, **kwargs)`` runs ``fn`` as an asyncio
    task and waits for it from Trio; also works as a decorator (on
    functions and methods), on awaitables (``await aio_as_trio(fut)``),
    async context managers and async iterators.  Classic name:
    ``trio2aio``.
    """
    return AioAsTrio(proc, loop=loop)


class TrioAsAio(_Shim):
    """An asyncio-flavored view of a Trio function, async context manager
    or async iterator.  Made by ``trio_as_aio()``."""

    _name = "trio_as_aio"

    def __call__(self, *args, **kwargs):
        return self.loop.trio_as_future(self.proc, *args, **kwargs)

    def __aenter__(self):
        enter = getattr(self.proc, "__aenter__", None)
        if enter is None:
            raise TypeError(
                "trio_as_aio(x): x is not an async context manager; write "
                "'async with trio_as_aio(factory(*args))'")
        return self.loop.trio_as_future(enter)

    def __aexit__(self, *exc_info):
        return self.loop.trio_as_future(self.proc.__aexit__, *exc_info)

    def __aiter__(self):
        aiter = getattr(self.proc, "__aiter__", None)
        if aiter is None:
            raise TypeError(
                "trio_as_aio(x): x is not an async iterator; write "
                "'async for v in trio_as_aio(gen(*args))'")
        return run_trio_generator(self.loop, aiter())


def trio_as_aio(proc, *, loop=None):
    """Make Trio code callable from asyncio.

    ``await trio_as_aio(fn)(*args, **kwargs)`` runs ``fn`` as a Trio task
    and returns an asyncio Future for it; also a decorator (functions and
    methods), and works on async context managers and async iterators.
    Classic name: ``aio2trio``.
    """
    return TrioAsAio(proc, loop=loop)


asyncio_as_trio = aio_as_trio
trio_as_asyncio = trio_as_aio
# The names of the original trio-asyncio README read the other way round:
# trio2aio is the decorator for asyncio code called from Trio.
trio2aio = aio_as_trio
aio2trio = trio_as_aio

_allow_asyncio_active = ContextVar("trioaio_allow_asyncio", default=False)


@types.coroutine
def _drive_mixed(fn, args):
    coro = fn(*args)
    if isinstance(coro, asyncio.Future):
        return (yield from run_aio_future(coro).__await__())
    send, value = coro.send, None
    while True:
        try:
            yielded = send(value)
        except StopIteration as stop:
            return stop.value
        try:
            if isinstance(yielded, asyncio.Future):
                value = yield from run_aio_future(yielded).__await__()
            elif yielded is None:
                # asyncio's bare yield (asyncio.sleep(0)): a Trio checkpoint.
                value = yield from trio.lowlevel.checkpoint().__await__()
            else:
                value = yield yielded
        except BaseException as exc:
            send, value = coro.throw, exc
        else:
            send = coro.send


async def allow_asyncio(fn, *args):
    """Run ``await fn(*args)`` from Trio, letting *fn* await both Trio and
    asyncio objects without shims (Trio-flavored).

    Caveat: asyncio code inside sees ``trio.Cancelled``, not
    ``asyncio.CancelledError``, when cancelled; prefer explicit shims.
    """
    if _allow_asyncio_active.get():
        return await fn(*args)
    token = _allow_asyncio_active.set(True)
    try:
        return await _drive_mixed(fn, args)
    finally:
        _allow_asyncio_active.reset(token)
