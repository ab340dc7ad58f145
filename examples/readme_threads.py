"""The original trio-asyncio README, "Threads": `loop.run_in_executor()` works
as usual, with the default executor (`None`) or a
`trioaio.TrioExecutor(max_workers)`."""
import asyncio
import hashlib
import threading

import trio

import trioaio


def blocking_work(data):
    # Runs in a worker thread, off the event loop.
    return threading.current_thread() is not threading.main_thread(), \
        hashlib.sha256(data).hexdigest()[:12]


async def asyncio_code():
    loop = asyncio.get_running_loop()
    off_thread, digest = await loop.run_in_executor(None, blocking_work, b"a")
    print("default executor: off the loop thread=%s digest=%s" %
          (off_thread, digest))
    executor = trioaio.TrioExecutor(max_workers=2)
    results = await asyncio.gather(*[
        loop.run_in_executor(executor, blocking_work, bytes([i]))
        for i in range(3)])
    print("TrioExecutor(max_workers=2): %d jobs, all off the loop thread=%s" %
          (len(results), all(r[0] for r in results)))
    # Threads can hand work back to the loop.
    done = loop.create_future()
    threading.Thread(target=loop.call_soon_threadsafe,
                     args=(done.set_result, "from a thread")).start()
    print("call_soon_threadsafe:", await done)


async def main():
    async with trioaio.open_loop():
        await trioaio.aio_as_trio(asyncio_code)()


if __name__ == "__main__":
    trio.run(main)
