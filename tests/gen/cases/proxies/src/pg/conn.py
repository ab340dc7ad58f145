"""A triopg-like proxy layer: asyncio objects behind Trio-facing classes.

The shapes the adapters must keep: a decorator stacked above the boundary
(_shielded, as triopg marks __aexit__ and close), a cursor factory that sets
its cursor in __aiter__, __getattr__ forwarding, static and class methods,
a nested class, definitions inside if/try, and a builtin (ConnectionError)
in a default.
"""
import asyncio
import sys
from functools import wraps
from typing import TYPE_CHECKING

import trio
import trio_asyncio

if TYPE_CHECKING:
    from collections.abc import Sequence

LOG = []


def _shielded(f):
    @wraps(f)
    async def wrapper(*args, **kwargs):
        with trio.CancelScope(shield=True):
            return await f(*args, **kwargs)

    return wrapper


def _tagged(tag):
    def deco(f):
        return f

    return deco


class Backend:
    """The asyncio object the proxies stand for."""

    def __init__(self, rows):
        self.rows = list(rows)
        self.closed = False

    async def fetch(self, n):
        await asyncio.sleep(0)
        return self.rows[:n]

    async def close(self):
        await asyncio.sleep(0.2)
        self.closed = True
        LOG.append("closed")

    def cursor(self):
        return iter(self.rows)


class Transaction:
    def __init__(self, backend):
        self._backend = backend

    @trio_asyncio.aio_as_trio
    async def __aenter__(self):
        await asyncio.sleep(0)
        LOG.append("begin")
        return self

    @_shielded
    @trio_asyncio.aio_as_trio
    async def __aexit__(self, *exc):
        await asyncio.sleep(0.2)
        LOG.append("rollback" if exc[0] else "commit")
        return False


class CursorFactory:
    def __init__(self, backend):
        self._backend = backend
        self._cursor = None

    def __aiter__(self):
        self._cursor = self._backend.cursor()
        return self

    @trio_asyncio.aio_as_trio
    async def __anext__(self):
        await asyncio.sleep(0)
        try:
            return next(self._cursor)
        except StopIteration:
            raise StopAsyncIteration from None


class Connection:
    """A Trio-facing connection."""

    retries = 3

    def __init__(self, rows=(1, 2, 3), *, error: type = ConnectionError):
        self._backend = Backend(rows)
        self._error = error

    def transaction(self):
        return Transaction(self._backend)

    def cursor(self):
        return CursorFactory(self._backend)

    def __getattr__(self, attr):
        return getattr(self._backend, attr)

    @trio_asyncio.aio_as_trio
    async def fetch(self, n: int, timeout: float = 1.0) -> "Sequence[int]":
        '''  Fetch n rows.

        Raises the connection's error when n is negative.  '''
        await asyncio.sleep(0)
        if n < 0:
            raise self._error(f"bad n {n}")
        return await self._backend.fetch(n)

    @_shielded
    @trio_asyncio.aio_as_trio
    async def close(self):
        return await self._backend.close()

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()

    def __len__(self):
        return len(self._backend.rows)

    @staticmethod
    @trio_asyncio.aio_as_trio
    async def ping(value):
        await asyncio.sleep(0)
        return ("pong", value)

    @classmethod
    @trio_asyncio.aio_as_trio
    async def open(cls, *rows):
        await asyncio.sleep(0)
        return cls(rows)

    @staticmethod
    def version():
        return "1.0"

    class Listener:
        def __init__(self, channel):
            self.channel = channel

        @trio_asyncio.aio_as_trio
        async def wait(self):
            await asyncio.sleep(0)
            return self.channel

    @_tagged("x")
    @trio_asyncio.aio_as_trio
    async def tagged(self):
        return 1


if sys.version_info >= (3, 0):

    @trio_asyncio.aio_as_trio
    async def conditional(x):
        await asyncio.sleep(0)
        return x * 2

else:

    @trio_asyncio.aio_as_trio
    async def conditional(x):
        return x

try:

    @trio_asyncio.trio_as_aio
    async def back_in_trio(x):
        await trio.sleep(0)
        return x + 1

except ImportError:
    pass
