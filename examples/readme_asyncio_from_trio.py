"""The original trio-asyncio README, "Calling asyncio from Trio".

`loop.run_asyncio(fn, *args)` (modern: `aio_as_trio(fn)(*args)`) runs asyncio
code with Trio's task semantics; `run_coroutine` (modern:
`run_aio_coroutine` / `run_aio_future`) awaits an existing coroutine or
future; the `trio2aio` decorator (modern: `aio_as_trio`) wraps asyncio code
for Trio callers.
"""
import asyncio

import trio

import trioaio


async def some_asyncio_code(foo):
    await asyncio.sleep(0.01)
    return foo * 20


class Service:
    @trioaio.trio2aio              # classic name; == trioaio.aio_as_trio
    async def some_asyncio_code(self, foo):
        await asyncio.sleep(0.01)
        return foo + 33


async def main():
    async with trioaio.open_loop() as loop:
        res = await loop.run_asyncio(some_asyncio_code, 21)      # classic
        assert res == 420
        print("loop.run_asyncio(some_asyncio_code, 21) ->", res)
        res = await trioaio.aio_as_trio(some_asyncio_code)(21)   # modern
        print("aio_as_trio(some_asyncio_code)(21) ->", res)

        fut = asyncio.ensure_future(some_asyncio_code(21))
        res = await trioaio.run_coroutine(fut)                   # classic
        assert res == 420
        print("run_coroutine(ensure_future(...)) ->", res)
        res = await loop.run_coroutine(some_asyncio_code(1))
        print("loop.run_coroutine(coroutine) ->", res)
        res = await trioaio.run_aio_coroutine(some_asyncio_code(2))  # modern
        print("run_aio_coroutine(coroutine) ->", res)
        fut = asyncio.ensure_future(some_asyncio_code(3))
        print("run_aio_future(future) ->", await trioaio.run_aio_future(fut))

        res = await Service().some_asyncio_code(9)
        assert res == 42
        print("@trio2aio method: some_asyncio_code(9) ->", res)


if __name__ == "__main__":
    trio.run(main)
