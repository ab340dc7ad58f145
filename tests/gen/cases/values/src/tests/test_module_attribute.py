import pytest
import trio_asyncio


async def pause(asyncio, delay):
    await asyncio.sleep(delay)


async def rest(asyncio, delay):
    await asyncio.sleep(delay)


@pytest.mark.trio
async def test_wrong(settings):
    await settings.asyncio.sleep(settings.timeout)  # TA001


@pytest.mark.trio
async def test_right(settings):
    await trio_asyncio.aio_as_trio(settings.asyncio.sleep)(settings.timeout)


@pytest.mark.trio
async def test_module_argument_wrong(settings):
    await pause(settings.asyncio, settings.timeout)  # TA001


@pytest.mark.trio
async def test_module_argument_right(settings):
    await trio_asyncio.aio_as_trio(rest)(settings.asyncio, settings.timeout)


@pytest.mark.trio
async def test_other_attribute(settings):
    await settings.codec.loads("{}")  # json is not a library of either
