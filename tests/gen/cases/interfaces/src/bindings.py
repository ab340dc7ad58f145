"""Values made through a shim or a partial keep their library's type."""
from functools import partial

import asyncpg
import trio
import trio_asyncio


async def through_shim(dsn):
    await trio.sleep(0)
    conn = await trio_asyncio.aio_as_trio(asyncpg.connect)(dsn)
    await conn.execute("SELECT 1")  # wrong: conn is asyncpg's
    await trio_asyncio.aio_as_trio(conn.close)()  # right


class Proxy:
    def __init__(self, dsn):
        self._connect = partial(asyncpg.connect, dsn)
        self._conn = None

    async def open(self):
        self._conn = await trio_asyncio.aio_as_trio(self._connect)()
        return self

    async def wrong_fetch(self):
        await trio.sleep(0)
        return await self._conn.fetch("SELECT 1")  # wrong: asyncpg's

    async def right_fetch(self):
        return await trio_asyncio.aio_as_trio(self._conn.fetch)("SELECT 1")

    async def wrong_reopen(self):
        await trio.sleep(0)
        return await self._connect()  # wrong: calls asyncpg.connect
