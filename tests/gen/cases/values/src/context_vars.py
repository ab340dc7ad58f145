"""`x = var.get()` of a ContextVar is what the module sets it to."""
from contextvars import ContextVar

import asyncpg
import trio
from trioaio import aio_as_trio

db_var = ContextVar("db")
either_var = ContextVar("either")
plain = {}


class Store:
    def __init__(self, conn: asyncpg.Connection):
        self.conn = conn

    async def count(self):
        return await self.conn.fetchval("select count(*) from t")


class Other:
    async def count(self):
        await trio.sleep(0)


async def setup(conn):
    db_var.set(Store(conn))
    either_var.set(Store(conn))
    plain["db"] = Store(conn)


def setup_other():
    either_var.set(Other())  # two types: what get() gives stays unknown


async def wrong():
    store = db_var.get()
    await trio.sleep(0)
    return await store.count()  # TA001


async def right():
    store = db_var.get()
    await trio.sleep(0)
    return await aio_as_trio(store.count)()


async def unknown():
    store = either_var.get()
    await trio.sleep(0)
    return await store.count()  # not reported: unknown stays unknown


async def not_a_var():
    store = plain.get("db")
    await trio.sleep(0)
    return await store.count()  # not reported: a dict's value is unknown
