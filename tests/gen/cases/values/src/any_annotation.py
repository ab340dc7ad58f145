"""`x: Any = call()` is what the call makes: Any types nothing."""
from typing import Any

from aiortc import RTCDataChannel
import trio
from trioaio import aio_as_trio


async def close_bridged(channel: RTCDataChannel):
    result: Any = channel.close()
    if result is not None:
        await aio_as_trio(result)  # right: the shim runs it in asyncio


async def close_bare(channel: RTCDataChannel):
    result: Any = channel.close()
    if result is not None:
        await result


async def close_unknown(channel):
    result: Any = channel.close()
    await result  # nothing is known of channel


async def main(channel: RTCDataChannel, other):
    await trio.sleep(0)
    await close_bridged(channel)
    await close_bare(channel)  # TA001
    await close_unknown(other)
