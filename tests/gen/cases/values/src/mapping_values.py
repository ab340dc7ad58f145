"""`d.pop(k)` and `d.get(k)` of a `dict[K, V]` are a V."""
from typing import Dict

import asyncpg
import pytest
from trioaio import aio_as_trio


class Pool:
    def __init__(self):
        self.conns: dict[str, asyncpg.Connection] = {}
        self.names: Dict[str, str] = {}

    @pytest.mark.trio
    async def test_pop_wrong(self):
        conn = self.conns.pop("a")
        await conn.close()  # TA001

    @pytest.mark.trio
    async def test_pop_right(self):
        conn = self.conns.pop("a")
        await aio_as_trio(conn.close)()


@pytest.mark.trio
async def test_get_wrong(conns: Dict[str, asyncpg.Connection]):
    conn = conns.get("a")
    await conn.execute("select 1")  # TA001


@pytest.mark.trio
async def test_union_unknown(conns: dict[str, asyncpg.Connection | int]):
    conn = conns.pop("a")
    await conn.close()  # a union: unknown


@pytest.mark.trio
async def test_items_unknown(conns: dict[str, asyncpg.Connection]):
    for conn in conns.items():
        await conn.close()  # not an element the model follows
