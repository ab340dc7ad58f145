"""The original trio-asyncio README, "Startup and shutdown / Trio main loop".

A Trio program gains an asyncio loop: `trio.run(your_code, *args)` becomes
`trioaio.run(your_code, *args)`, which is `trio.run` plus `open_loop()`.
Inside `your_code` the asyncio loop is active; it stops when the function
returns.
"""
import asyncio

import trio

import trioaio


async def your_code(name):
    loop = asyncio.get_event_loop()
    print("asyncio loop inside Trio:", type(loop).__name__)
    await trio.sleep(0.01)                       # Trio code ...
    await trioaio.aio_as_trio(asyncio.sleep)(0.01)   # ... and asyncio code
    return "hello, " + name


def main():
    # before:  trio.run(your_code, "world")
    result = trioaio.run(your_code, "world")
    print("result:", result)


if __name__ == "__main__":
    main()
