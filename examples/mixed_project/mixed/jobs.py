"""The Trio half: work that runs as Trio tasks.

`crunch` is marked @trio_as_aio: asyncio code may call it.
"""

import trio

from trioaio import trio_as_aio


@trio_as_aio
async def crunch(values: list, factor: int = 2) -> list:
    """Scale values on the Trio side, one checkpoint each."""
    out = []
    for v in values:
        await trio.sleep(0)
        out.append(v * factor)
    return out
