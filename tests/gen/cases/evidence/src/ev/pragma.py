# trioaio-gen: domain=trio
from . import marks


async def f():
    await marks.aio_fetch()
