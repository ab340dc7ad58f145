"""The original trio-asyncio README, "Signals": `add_signal_handler` works as
usual."""
import asyncio
import os
import signal

import trioaio


async def asyncio_code():
    loop = asyncio.get_running_loop()
    got = loop.create_future()
    loop.add_signal_handler(signal.SIGUSR1, got.set_result, "SIGUSR1")
    try:
        os.kill(os.getpid(), signal.SIGUSR1)
        print("signal handler ran for", await got)
    finally:
        loop.remove_signal_handler(signal.SIGUSR1)


if __name__ == "__main__":
    trioaio.run(trioaio.aio_as_trio(asyncio_code))
