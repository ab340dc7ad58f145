import asyncpg
import pytest
import trio_asyncio
from settings import Settings


@pytest.fixture
async def conn():
    c = await trio_asyncio.aio_as_trio(asyncpg.connect)()
    yield c


@pytest.fixture
def execute(conn):
    async def _execute(sql):
        return await conn.execute(sql)

    return _execute


@pytest.fixture
def execute_trio(conn):
    @trio_asyncio.aio_as_trio
    async def _execute(sql):
        return await conn.execute(sql)

    return _execute


@pytest.fixture
def settings():
    return Settings()
