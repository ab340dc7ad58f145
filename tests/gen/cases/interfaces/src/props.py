"""A property's return annotation is what `self.prop` is."""
from typing import TYPE_CHECKING

import trio_asyncio

if TYPE_CHECKING:
    from asyncpg.transaction import Transaction as AsyncPGTransaction


class Transaction:
    def __init__(self, conn):
        self._conn = conn

    @property
    def trans(self) -> "AsyncPGTransaction":
        return self._conn.transaction()

    @trio_asyncio.aio_as_trio
    async def commit(self):
        return await self.trans.commit()

    async def start(self):
        return await self.trans.start()  # wrong: a Trio-facing class
