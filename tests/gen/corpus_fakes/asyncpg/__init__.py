"""An asyncio-only stand-in for asyncpg (enough of it for triopg).

Every coroutine checks that it runs as asyncio code; `LOG` records what
was done, so a test can compare what the original and its adapter did.
"""
import asyncio

import sniffio

LOG = []


def _asyncio_only():
    asyncio.get_running_loop()
    if sniffio.current_async_library() != "asyncio":
        raise RuntimeError("asyncpg stand-in called outside asyncio")


class Transaction:
    def __init__(self, conn):
        self._conn = conn

    async def __aenter__(self):
        _asyncio_only()
        await asyncio.sleep(0)
        LOG.append("begin")

    async def __aexit__(self, *exc):
        _asyncio_only()
        await asyncio.sleep(0.2)
        LOG.append("rollback" if exc[0] else "commit")
        return False


class Cursor:
    def __init__(self, rows):
        self._rows = list(rows)

    async def fetch(self, n):
        _asyncio_only()
        await asyncio.sleep(0)
        out, self._rows = self._rows[:n], self._rows[n:]
        return out

    async def fetchrow(self):
        rows = await self.fetch(1)
        return rows[0] if rows else None

    async def forward(self, n):
        await self.fetch(n)
        return n


class _CursorIterator:
    def __init__(self, rows):
        self._rows = iter(rows)

    def __aiter__(self):
        return self

    async def __anext__(self):
        _asyncio_only()
        await asyncio.sleep(0)
        try:
            return next(self._rows)
        except StopIteration:
            raise StopAsyncIteration from None


class CursorFactory:
    def __init__(self, rows):
        self._rows = rows

    def __await__(self):
        return self._make().__await__()

    async def _make(self):
        _asyncio_only()
        await asyncio.sleep(0)
        return Cursor(self._rows)

    def __aiter__(self):
        return _CursorIterator(self._rows)


class Connection:
    def __init__(self, **options):
        self.options = options
        self.closed = False

    async def fetch(self, query, *args, timeout=None):
        _asyncio_only()
        await asyncio.sleep(0)
        if query == "fail":
            raise ValueError("syntax error at or near fail")
        return [query, *args]

    async def fetchval(self, query, *args, timeout=None):
        return (await self.fetch(query, *args))[0]

    async def execute(self, query, *args, timeout=None):
        await self.fetch(query, *args)
        return "EXECUTE 1"

    async def slow(self):
        _asyncio_only()
        await asyncio.sleep(1)
        return "slow"

    def transaction(self):
        return Transaction(self)

    def cursor(self, query, *args):
        return CursorFactory([(query, i) for i in range(3)])

    async def close(self):
        _asyncio_only()
        await asyncio.sleep(0.2)
        self.closed = True
        LOG.append("connection closed")


class _Acquire:
    def __init__(self, pool):
        self._pool = pool

    async def __aenter__(self):
        _asyncio_only()
        await asyncio.sleep(0)
        LOG.append("acquire")
        return _PoolConnectionProxy(Connection())

    async def __aexit__(self, *exc):
        _asyncio_only()
        await asyncio.sleep(0.2)
        LOG.append("release")


class _PoolConnectionProxy:
    def __init__(self, con):
        self._con = con


class Pool:
    def __init__(self, **options):
        self.options = options
        self.closed = False

    def acquire(self):
        return _Acquire(self)

    async def close(self):
        _asyncio_only()
        await asyncio.sleep(0.2)
        self.closed = True
        LOG.append("pool closed")

    def terminate(self):
        self.closed = True


async def connect(*args, **kwargs):
    _asyncio_only()
    await asyncio.sleep(0)
    return Connection(**kwargs)


async def create_pool(*args, **kwargs):
    _asyncio_only()
    await asyncio.sleep(0)
    return Pool(**kwargs)
