"""The asyncio half: a quote service written against asyncio.

The functions marked with @aio_as_trio are the boundary: Trio code may call
them.  `trioaio-gen gen` turns each into an explicit adapter.
"""

import asyncio
import contextlib
from typing import AsyncIterator, Dict

from trioaio import aio_as_trio

PRICES: Dict[str, float] = {"TRIO": 42.0, "AIO": 17.5}


async def _lookup(symbol: str) -> float:
    await asyncio.sleep(0.001)
    return PRICES[symbol]


@aio_as_trio
async def fetch_quote(symbol: str, *, scale: float = 1.0) -> float:
    """Return the price of symbol, scaled."""
    return await _lookup(symbol) * scale


# The decorator alone cannot make `async for x in ticker()` work from Trio
# (TA004); the generated adapter can, so Trio code imports that instead.
@aio_as_trio  # noqa: TA004
async def ticker(symbol: str, count: int = 3) -> AsyncIterator[float]:
    """Yield count successive prices of symbol."""
    price = await _lookup(symbol)
    for i in range(count):
        await asyncio.sleep(0)
        yield price + i


@aio_as_trio  # noqa: TA004 -- called through the generated adapter
@contextlib.asynccontextmanager
async def session(name: str) -> AsyncIterator[Dict[str, str]]:
    """An asyncio-side session for one client."""
    await asyncio.sleep(0)
    yield {"client": name}


class Portfolio:
    """Holdings, valued with asyncio code."""

    def __init__(self, **holdings: int) -> None:
        self.holdings = holdings

    @aio_as_trio
    async def value(self) -> float:
        """Total value of the holdings."""
        total = 0.0
        for symbol, n in self.holdings.items():
            total += n * await _lookup(symbol)
        return total
