"""The original trio-asyncio README, "Deferred Calls": `call_soon`,
`call_later`, `call_at` work as usual."""
import asyncio

import trioaio


async def asyncio_code():
    loop = asyncio.get_running_loop()
    order = []
    done = loop.create_future()
    loop.call_later(0.02, order.append, "call_later(0.02)")
    loop.call_at(loop.time() + 0.01, order.append, "call_at(now + 0.01)")
    loop.call_soon(order.append, "call_soon")
    cancelled = loop.call_later(0.005, order.append, "never")
    cancelled.cancel()
    loop.call_later(0.03, done.set_result, None)
    await done
    for entry in order:
        print("ran:", entry)


if __name__ == "__main__":
    trioaio.run(trioaio.aio_as_trio(asyncio_code))
