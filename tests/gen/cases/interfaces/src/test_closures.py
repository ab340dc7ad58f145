"""A helper defined inside a test uses the test's fixture parameters."""
import pytest
import trio_asyncio


@pytest.fixture
async def loop():
    async with trio_asyncio.open_loop() as loop:
        yield loop


@pytest.mark.trio
async def test_helper(loop):
    async def wrong_connect():
        await loop.run_in_executor(None, print)

    @trio_asyncio.aio_as_trio
    async def right_connect():
        await loop.run_in_executor(None, print)

    await wrong_connect()  # wrong: the helper is asyncio code
    await right_connect()
