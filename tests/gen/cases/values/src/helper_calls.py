"""A helper that calls its argument runs what it returns in its caller's
task: `await in_context(lambda: g(...))` and `await in_context(g)` await
g's coroutine where the caller is."""
import asyncpg
import pytest
import trio
from trioaio import aio_as_trio


async def in_context(func, *args):
    with trio.move_on_after(5):
        return await func(*args)


async def handed_on(func):
    # It hands its argument to something else too: not followed.
    await in_context(func)
    return await func()


@pytest.mark.trio
async def test_lambda_wrong(conn: asyncpg.Connection):
    await in_context(lambda: conn.fetch("select 1"))  # TA001


@pytest.mark.trio
async def test_lambda_right(conn: asyncpg.Connection):
    await in_context(lambda: aio_as_trio(conn.fetch)("select 1"))


@pytest.mark.trio
async def test_reference_wrong():
    await in_context(asyncpg.connect)  # TA001


@pytest.mark.trio
async def test_reference_right():
    await in_context(aio_as_trio(asyncpg.connect))


@pytest.mark.trio
async def test_lambda_parameter(conn: asyncpg.Connection):
    # A lambda's own parameters are not the test's names: unknown.
    await in_context(lambda c: c.fetch("select 1"), conn)


@pytest.mark.trio
async def test_handed_on(conn: asyncpg.Connection):
    await handed_on(lambda: conn.fetch("select 1"))
