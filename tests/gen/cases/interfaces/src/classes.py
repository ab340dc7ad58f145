"""A class whose methods are @aio_as_trio is for Trio callers."""
import asyncpg
import trio
import trio_asyncio


class WrongCursor:
    def __init__(self, dsn):
        self._dsn = dsn

    @trio_asyncio.aio_as_trio
    async def fetchrow(self):
        conn = await asyncpg.connect(self._dsn)
        return await conn.fetchrow("SELECT 1")

    async def fetch(self):
        conn = await asyncpg.connect(self._dsn)  # wrong: forgot the shim
        return await conn.fetch("SELECT 1")


class RightCursor:
    def __init__(self, dsn):
        self._dsn = dsn

    @trio_asyncio.aio_as_trio
    async def fetchrow(self):
        return await self._fetch_one()

    async def _fetch_one(self):
        # Right: only asyncio code (fetchrow's body) awaits it.
        conn = await asyncpg.connect(self._dsn)
        return await conn.fetchrow("SELECT 1")

    async def wait(self):
        await trio.sleep(0)  # right: Trio code of its own
