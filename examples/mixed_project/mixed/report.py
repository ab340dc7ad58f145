"""Trio code that uses both halves.

`summary` crosses correctly; `careless_summary` awaits asyncio code
directly from Trio code, which trioaio-gen reports (TA001).
"""

import trio

from . import quotes
from .quotes import _lookup


async def summary() -> str:
    await trio.sleep(0)
    price = await quotes.fetch_quote("TRIO")
    return f"TRIO at {price}"


async def careless_summary() -> str:
    await trio.sleep(0)
    price = await _lookup("TRIO")
    return f"TRIO at {price}"
