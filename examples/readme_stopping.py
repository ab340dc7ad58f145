"""The original trio-asyncio README, "Stopping".

Call `loop.stop()` (it returns a `trio.Event` that is set once the loop has
stopped), or simply leave the `async with` block.  Unlike `trio.run`, which
waits for its tasks, leaving `open_loop()` stops everything it started.
"""
import asyncio

import trio

import trioaio


async def forever(name):
    try:
        await asyncio.sleep(3600)
    except asyncio.CancelledError:
        print("asyncio task %s was cancelled at loop exit" % name)
        raise


async def main():
    async with trioaio.open_loop() as loop:
        task = loop.create_task(forever("A"))
        await loop.synchronize()  # let the task start
        print("leaving the open_loop() block with task A still running")
    print("task A cancelled:", task.cancelled())

    async with trioaio.open_loop() as loop:
        stopped = loop.stop()
        print("stop() returned a", type(stopped).__module__ + "." +
              type(stopped).__name__)
        await stopped.wait()
        print("loop stopped, running:", loop.is_running())


if __name__ == "__main__":
    trio.run(main)
