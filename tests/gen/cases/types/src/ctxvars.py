"""A module-level ContextVar holds what every `set()` of the module passes."""

from contextvars import ContextVar

import pytest
import redis.asyncio
import trio

store = ContextVar("store")
mixed = ContextVar("mixed")
unknown = ContextVar("unknown")


class Store:
    def __init__(self, client):
        self.client = client

    async def load(self, key):
        return await self.client.get(key)


async def setup(url):
    store.set(Store(redis.asyncio.from_url(url)))
    mixed.set(Store(redis.asyncio.from_url(url)))
    mixed.set(trio.Event())
    unknown.set(url)


@pytest.mark.trio
async def test_get():
    s = store.get()
    await s.load("k")


@pytest.mark.trio
async def test_two_types_set_stay_unknown():
    s = mixed.get()
    await s.load("k")


@pytest.mark.trio
async def test_an_unknown_set_stays_unknown():
    s = unknown.get()
    await s.load("k")


@pytest.mark.trio
async def test_a_local_shadows(store):
    s = store.get()
    await s.load("k")
