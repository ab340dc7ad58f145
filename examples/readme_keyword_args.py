"""The original trio-asyncio README, "Extensions": every call that takes a
function and plain arguments also takes keyword arguments."""
import asyncio

import trio

import trioaio


async def aio_greet(name, *, punctuation="."):
    await asyncio.sleep(0)
    return "asyncio greets " + name + punctuation


async def trio_greet(name, *, punctuation="."):
    await trio.sleep(0)
    return "Trio greets " + name + punctuation


async def asyncio_side(loop):
    print(await loop.run_trio(trio_greet, "asyncio", punctuation="!"))
    print(await trioaio.trio_as_aio(trio_greet)("asyncio", punctuation="?"))
    print(await loop.trio_as_future(trio_greet, "asyncio", punctuation="~"))


async def main():
    async with trioaio.open_loop() as loop:
        print(await loop.run_asyncio(aio_greet, "Trio", punctuation="!"))
        print(await trioaio.aio_as_trio(aio_greet)("Trio", punctuation="?"))
        done = trio.Event()

        async def background(*, message):
            print(message)
            done.set()
        loop.run_trio_task(background, message="run_trio_task with kwargs")
        await done.wait()
        await trioaio.aio_as_trio(asyncio_side)(loop)


if __name__ == "__main__":
    trio.run(main)
