"""`await x` inside `if isinstance(x, T):` awaits a T."""
import asyncio

import pytest
from trioaio import aio_as_trio


@pytest.mark.trio
async def test_narrowed_wrong(x):
    if isinstance(x, asyncio.Future):
        await x  # TA001


@pytest.mark.trio
async def test_narrowed_right(x):
    if isinstance(x, asyncio.Future):
        await aio_as_trio(x)


@pytest.mark.trio
async def test_else_unknown(x):
    if isinstance(x, asyncio.Future):
        pass
    else:
        await x  # not a Future: unknown


@pytest.mark.trio
async def test_negated_unknown(x):
    if not isinstance(x, asyncio.Future):
        await x  # unknown


@pytest.mark.trio
async def test_rebound_unknown(x, make):
    if isinstance(x, asyncio.Future):
        x = make()
        await x  # rebound in the block: unknown
