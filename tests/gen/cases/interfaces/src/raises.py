"""pytest.raises() hides only what a crossing raises."""
import asyncio

import pytest


@pytest.mark.trio
async def test_expects_a_crossing_error():
    with pytest.raises(RuntimeError):
        await asyncio.sleep(0)  # right: the test expects the crossing


@pytest.mark.trio
async def test_expects_another_error():
    with pytest.raises(ValueError):
        await asyncio.sleep(0)  # wrong: a crossing, not a ValueError
