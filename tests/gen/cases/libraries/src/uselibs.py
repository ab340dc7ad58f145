"""Each library class: asyncio packages awaited from Trio code are TA001,
Trio packages from asyncio code TA002, neutral packages and the project's
own `aio_databases` package nothing."""
import aiohttp
import anyio
import asyncpg
import asyncssh
import grpc.aio
import httpx
import motor.motor_asyncio
import outcome
import pytest
import redis.asyncio
import sniffio
import trio_websocket
import websockets

import aio_databases
import aiounknown
import trio_something


@pytest.mark.trio
async def test_asyncio_libraries():
    await asyncpg.connect("x")
    await asyncssh.connect("h")
    await websockets.connect("ws://x")
    r = redis.asyncio.from_url("r")
    await r.ping()
    channel = grpc.aio.insecure_channel("x")
    await channel.close()
    client = motor.motor_asyncio.AsyncIOMotorClient()
    await client.list_database_names()
    await aiohttp.request("GET", "u")
    await aiounknown.fetch()


@pytest.mark.trio
async def test_neutral_libraries():
    await anyio.sleep(0)
    await httpx.AsyncClient().get("x")
    await outcome.acapture(anyio.sleep, 0)
    sniffio.current_async_library()
    await aio_databases.connect()


@pytest.mark.asyncio
async def test_trio_libraries():
    await trio_websocket.open_websocket_url("x")
    await trio_something.go()
