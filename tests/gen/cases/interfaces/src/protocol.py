"""`async with` runs __aenter__ and __aexit__ in one task: one domain."""
import asyncpg
import trio_asyncio


class WrongTransaction:
    def __init__(self, dsn):
        self._dsn = dsn
        self._conn = None

    async def __aenter__(self):
        self._conn = await asyncpg.connect(self._dsn)  # wrong: no shim
        return self

    @trio_asyncio.aio_as_trio
    async def __aexit__(self, *exc):
        await self._conn.close()


class RightTransaction:
    def __init__(self, dsn):
        self._dsn = dsn
        self._conn = None

    @trio_asyncio.aio_as_trio
    async def __aenter__(self):
        self._conn = await asyncpg.connect(self._dsn)
        return self

    @trio_asyncio.aio_as_trio
    async def __aexit__(self, *exc):
        await self._conn.close()


class WrongPool:
    def __init__(self, dsn):
        self._dsn = dsn
        self._pool = None

    async def __aenter__(self):
        self._pool = await trio_asyncio.aio_as_trio(asyncpg.create_pool)(
            self._dsn
        )
        return self

    async def __aexit__(self, *exc):
        await self.close()  # wrong: close is asyncio, __aexit__ is Trio

    async def close(self):
        await self._pool.close()
