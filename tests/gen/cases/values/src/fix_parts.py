"""No shim around a whole function that has code of both domains."""
import asyncio

import pytest
import trio


async def fetch():
    with trio.move_on_after(1):
        await asyncio.sleep(0)


@pytest.mark.trio
async def test_fetch():
    await fetch()  # TA001, without a fix that wraps fetch
