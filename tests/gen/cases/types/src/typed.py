"""What objects are: constructors, `async with ... as`, annotations,
`self.x = ...` in `__init__`, project return types, library factories,
methods of project classes and their bases.  Unknown stays unknown."""
import aiohttp
import asyncpg
import pytest
import redis.asyncio
import trio
from aiortc import RTCPeerConnection
from trioaio import open_loop


@pytest.mark.trio
async def test_annotated(conn: asyncpg.Connection, later: "asyncpg.Pool"):
    await conn.fetch("q")
    await later.fetch("q")


@pytest.mark.trio
async def test_constructed():
    pc = RTCPeerConnection()
    await pc.createOffer()
    c2 = await asyncpg.connect()
    await c2.execute("x")
    async with aiohttp.ClientSession() as session:
        await session.get("u")


@pytest.mark.trio
async def test_loop_is_asyncio():
    async with open_loop() as loop:
        await loop.run_in_executor(None, print)
        await loop.run_asyncio(asyncpg.connect)


@pytest.mark.trio
async def test_unknown_stays_unknown(thing):
    await thing.fetch()
    other = make_unknown()
    await other.fetch()


class Store:
    def __init__(self):
        self.redis = redis.asyncio.from_url("x")

    @pytest.mark.trio
    async def test_attribute(self):
        return await self.redis.get("k")


class Base:
    async def helper(self):
        await asyncpg.connect()


class Child(Base):
    async def run(self):
        await trio.sleep(0)
        await self.helper()


def make_pool() -> asyncpg.Pool:
    return None


@pytest.mark.trio
async def test_return_type():
    pool = make_pool()
    await pool.fetch("x")


class Client:
    async def get(self):
        await trio.sleep(0)


@pytest.mark.asyncio
async def test_project_class():
    c = Client()
    await c.get()


class Peer:
    def __init__(self, client: redis.asyncio.Redis):
        self.client = client

    @pytest.mark.trio
    async def test_parameter_attribute(self):
        await self.client.get("k")


class Connection(RTCPeerConnection):
    @pytest.mark.trio
    async def test_super(self):
        await super().createOffer()


@pytest.mark.trio
async def test_closure_and_chain():
    r = redis.asyncio.from_url("x")

    async def inner(task_status=trio.TASK_STATUS_IGNORED):
        channel = r.pubsub()
        await channel.subscribe("c")

    async with trio.open_nursery() as nursery:
        await nursery.start(inner)
