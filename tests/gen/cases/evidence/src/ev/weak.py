import asyncio

import pytest
from trio_asyncio import aio_as_trio


@aio_as_trio
async def wrapped():
    await asyncio.sleep(0)


async def uses_boundary():
    await wrapped()
    await asyncio.sleep(0)


@pytest.mark.trio
async def test_marked():
    await asyncio.sleep(0)
