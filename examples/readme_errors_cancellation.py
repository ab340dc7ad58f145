"""The original trio-asyncio README, "Errors and cancellations".

Errors cross the boundary unchanged.  Cancellation follows four rules:

1. the code called from run_trio() is cancelled when you cancel its future;
2. when that code is cancelled, the future is cancelled;
3. the future used in run_future() is cancelled when the calling Trio code
   is stopped;
4. when the future passed to run_future() is cancelled, the
   asyncio.CancelledError is passed along unchanged.
"""
import asyncio

import trio

import trioaio


async def trio_sleeper(started):
    started.set()
    try:
        await trio.sleep_forever()
    except trio.Cancelled:
        print("rule 1: the Trio code was cancelled")
        raise


async def rule_1_and_2(loop):
    started = trio.Event()
    fut = loop.run_trio(trio_sleeper, started)
    await trioaio.trio_as_aio(started.wait)()
    fut.cancel()
    try:
        await fut
    except asyncio.CancelledError:
        print("rule 2: its future ended cancelled:", fut.cancelled())


async def failing_asyncio_code():
    await asyncio.sleep(0)
    raise ValueError("raised in asyncio")


async def main():
    async with trioaio.open_loop() as loop:
        await trioaio.aio_as_trio(rule_1_and_2)(loop)

        fut = loop.create_future()
        with trio.move_on_after(0.01):
            await loop.run_future(fut)
        print("rule 3: stopping the Trio caller cancelled the future:",
              fut.cancelled())

        fut = loop.create_future()
        loop.call_soon(fut.cancel)
        try:
            await trioaio.run_aio_future(fut)
        except asyncio.CancelledError:
            print("rule 4: asyncio.CancelledError passed along unchanged")

        try:
            await loop.run_asyncio(failing_asyncio_code)
        except ValueError as exc:
            print("errors: Trio caught", repr(exc))


if __name__ == "__main__":
    trio.run(main)
