import trio
from trioaio import aio_as_trio

import app
from . import helpers
from .aio.net import fetch
from .helpers import relay as relay_it


async def ok():
    await trio.sleep(0)
    await aio_as_trio(fetch)("a")
    await aio_as_trio(helpers.relay)("b")


async def bad():
    await trio.sleep(0)
    await fetch("c")
    await helpers.fetch_twice("d")
    await relay_it("e")
    await app.fetch_url("f")
