"""The original trio-asyncio README, "Startup and shutdown / Asyncio main
loop".
An asyncio program that used

    loop = asyncio.get_event_loop()
    loop.run_until_complete(your_code())

becomes a Trio program that opens an asyncio loop with `open_loop()` and
calls the asyncio code through a shim: the classic `loop.run_asyncio` (the
original README's `run_asyncio`) or the modern `aio_as_trio`.
"""
import asyncio

import trio

import trioaio


async def your_code(greeting):
    # Plain asyncio code; it never needs to be passed the loop.
    loop = asyncio.get_event_loop()
    await asyncio.sleep(0.01)
    return "%s from %s" % (greeting, type(loop).__name__)


async def trio_main():
    async with trioaio.open_loop() as loop:
        # classic spelling (the original trio-asyncio README's)
        print(await loop.run_asyncio(your_code, "classic"))
        print(await trioaio.run_asyncio(your_code, "classic, module-level"))
        # modern (trio-asyncio 0.16) spelling
        print(await trioaio.aio_as_trio(your_code)("modern"))
    # The loop ends with the `async with` block; it cannot be restarted.
    print("loop closed:", loop.is_closed())


def main():
    trio.run(trio_main)


if __name__ == "__main__":
    main()
