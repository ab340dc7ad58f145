"""The C core's live-object counters balance: no handle, loop or fd
watcher outlives its use (a leak would show up here first)."""
import asyncio
import gc
import socket

import trio

import trioaio
from trioaio import _core


def _settle():
    for _ in range(3):
        gc.collect()
    return _core._live_counts()


def test_handles_loops_and_watchers_balance():
    before = _settle()

    async def aio_work(loop, rsock):
        got = loop.create_future()
        loop.add_reader(rsock, lambda: got.set_result(rsock.recv(1)))
        for i in range(100):
            loop.call_soon(lambda: None)
            loop.call_later(10, lambda: None).cancel()
        await got
        loop.remove_reader(rsock)
        await asyncio.sleep(0)

    async def main():
        r, w = socket.socketpair()
        with r, w:
            async with trioaio.open_loop() as loop:
                w.send(b"x")
                await trioaio.aio_as_trio(aio_work)(loop, r)
                assert loop._timer_count() == 0

    trio.run(main)
    after = _settle()
    assert after == before


def test_cancelled_timers_leave_the_heap():
    async def main():
        async with trioaio.open_loop() as loop:
            handles = [loop.call_later(100, print) for _ in range(100_000)]
            assert loop._timer_count() == 100_000
            for h in handles:
                h.cancel()
            assert loop._timer_count() == 0

    trio.run(main)
