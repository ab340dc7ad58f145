"""An asyncio store with a few Trio-facing entry points."""
import asyncio
import contextlib
from typing import AsyncIterator, Optional

from trio_asyncio import aio_as_trio, trio_as_aio

DEFAULT_TIMEOUT = 2.5


class Item:
    def __init__(self, name: str) -> None:
        self.name = name


@aio_as_trio
async def fetch(key: str, *, timeout: float = DEFAULT_TIMEOUT) -> Optional[Item]:
    """Fetch one item.

    Waits on the asyncio loop.
    """
    await asyncio.sleep(0)
    return Item(key) if key else None


@aio_as_trio
async def ticks(n: int, /, step: int = 1, *rest, **opts) -> AsyncIterator[int]:
    """Count on the asyncio side."""
    for i in range(0, n, step):
        await asyncio.sleep(0)
        yield i


@aio_as_trio
@contextlib.asynccontextmanager
async def session(name: str):
    await asyncio.sleep(0)
    yield {"name": name}


class Store:
    """A store of items."""

    def __init__(self, prefix: str = "k") -> None:
        self.prefix = prefix
        self.n = 0

    @aio_as_trio
    async def get(self, key: str) -> str:
        await asyncio.sleep(0)
        return self.prefix + key

    @aio_as_trio
    async def __aenter__(self):
        await asyncio.sleep(0)
        return self

    @aio_as_trio
    async def __aexit__(self, *exc_info):
        await asyncio.sleep(0)
        return False

    @aio_as_trio
    async def __anext__(self) -> int:
        await asyncio.sleep(0)
        self.n += 1
        if self.n > 3:
            raise StopAsyncIteration
        return self.n

    def __aiter__(self):
        return self

    @staticmethod
    @aio_as_trio
    async def version() -> str:
        """Static methods are not adapted (another calling convention)."""
        await asyncio.sleep(0)
        return "1"
