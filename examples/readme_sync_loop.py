"""The original trio-asyncio README, "Trio main loop" (the `run_task` form) and
"Compatibility mode".
A *sync loop* is started from ordinary synchronous code: `run_task` runs a
Trio function, `run_until_complete` an asyncio coroutine, and `stop()` /
`run_forever()` pause and restart the loop as with stock asyncio.  Behind
the scenes Trio runs in lock-step with the calling thread.  A sync loop
used in another thread must be stopped and closed before the thread ends.
"""
import asyncio
import threading

import trio

import trioaio  # noqa: F401  (importing it installs trioaio's loops)


async def your_code(foo):
    await trio.sleep(0.01)
    return foo * 2


async def some_asyncio_code(foo):
    await asyncio.sleep(0.01)
    return foo * 20


def in_a_thread(results):
    loop = asyncio.new_event_loop()
    try:
        results.append(loop.run_until_complete(some_asyncio_code(1)))
    finally:
        loop.close()  # required: a sync loop must not outlive its thread


def main():
    # The original trio-asyncio README writes asyncio.get_event_loop(),
    # which, outside a running loop, only Python < 3.14 answers with a new
    # loop; new_event_loop() works on every version.
    loop = asyncio.new_event_loop()
    print("sync loop:", type(loop).__name__)
    print("loop.run_task(your_code, 21) ->", loop.run_task(your_code, 21))
    print("loop.run_until_complete(some_asyncio_code(21)) ->",
          loop.run_until_complete(some_asyncio_code(21)))

    loop.call_later(0.01, loop.stop)
    loop.run_forever()
    print("stopped by loop.stop(); restarted:",
          loop.run_until_complete(some_asyncio_code(2)))
    loop.close()

    results = []
    t = threading.Thread(target=in_a_thread, args=(results,))
    t.start()
    t.join()
    print("sync loop in a thread ->", results[0])


if __name__ == "__main__":
    main()
