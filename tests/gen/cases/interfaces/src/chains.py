"""Constructor arguments typed by other constructors' parameters, and
callers that pass different objects of one library."""
import asyncpg
import trio_asyncio


class Cursor:
    def __init__(self, asyncpg_cursor):
        self._cursor = asyncpg_cursor

    @trio_asyncio.aio_as_trio
    async def fetchrow(self):
        return await self._cursor.fetchrow()

    async def fetch(self, n):
        return await self._cursor.fetch(n)  # wrong: a Trio-facing class


class CursorFactory:
    def __init__(self, factory):
        self._factory = factory

    @trio_asyncio.aio_as_trio
    async def open(self):
        # Right: awaiting an asyncpg cursor factory, in asyncio code.
        return Cursor(await self._factory)


class Statement:
    def __init__(self, asyncpg_statement):
        self._statement = asyncpg_statement

    def cursor(self):
        return CursorFactory(self._statement.cursor())


class Connection:
    def __init__(self, conn):
        self._conn = conn

    def cursor(self):
        return CursorFactory(self._conn.cursor())

    async def prepare(self, query):
        stmt = await trio_asyncio.aio_as_trio(self._conn.prepare(query))
        return Statement(stmt)


async def connect(dsn):
    conn = await trio_asyncio.aio_as_trio(asyncpg.connect)(dsn)
    return Connection(conn)
