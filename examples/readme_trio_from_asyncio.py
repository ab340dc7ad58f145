"""The original trio-asyncio README, "Calling Trio from asyncio".

`loop.run_trio(fn, *args)` (modern: `trio_as_aio(fn)(*args)`) starts the Trio
function and returns an asyncio Future; the `aio2trio` decorator (modern:
`trio_as_aio`) makes a Trio function or method awaitable from asyncio.
`run_trio_task` starts a Trio task whose errors propagate out of the loop.
"""
import asyncio

import trio

import trioaio


async def some_trio_code(foo):
    await trio.sleep(0.01)
    return foo * 2


class Calculator:
    @trioaio.aio2trio              # classic name; == trioaio.trio_as_aio
    async def some_trio_code(self, foo):
        await trio.sleep(0.01)
        return foo + 33


@trioaio.trio_as_aio               # modern name
async def modern_trio_code(foo):
    await trio.sleep(0.01)
    return foo - 1


async def asyncio_code():
    loop = asyncio.get_event_loop()

    future = loop.run_trio(some_trio_code, 21)       # classic
    assert isinstance(future, asyncio.Future)
    res = await future
    assert res == 42
    print("loop.run_trio(some_trio_code, 21) ->", res)

    res = await trioaio.trio_as_aio(some_trio_code)(21)  # modern
    print("trio_as_aio(some_trio_code)(21) ->", res)

    res = await Calculator().some_trio_code(9)
    assert res == 42
    print("@aio2trio method: some_trio_code(9) ->", res)
    print("@trio_as_aio function: modern_trio_code(43) ->",
          await modern_trio_code(43))

    # From a synchronous callback: keep the future and check it later.
    done = loop.create_future()
    loop.call_soon(lambda: done.set_result(loop.run_trio(some_trio_code, 5)))
    print("run_trio from a callback ->", await (await done))

    # A monitored Trio task (errors would terminate the loop).
    finished = trio.Event()

    async def background():
        await trio.sleep(0.01)
        print("run_trio_task: background Trio task ran")
        finished.set()
    loop.run_trio_task(background)
    await trioaio.trio_as_aio(finished.wait)()


async def main():
    async with trioaio.open_loop():
        await trioaio.aio_as_trio(asyncio_code)()


if __name__ == "__main__":
    trio.run(main)
