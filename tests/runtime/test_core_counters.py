"""The C core's live-object counters balance: no handle, loop or fd
watcher outlives its use (a leak would show up here first)."""
import asyncio
import gc
import os
import socket

import pytest
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


_OUT_OF_MEMORY_SCRIPT = """
import contextvars, _testcapi
import trioaio
from trioaio import _core

loop = trioaio.SyncTrioEventLoop()
given = contextvars.copy_context()
for kind in (_core.Handle, _core.TimerHandle):
    args = (print, (), loop) if kind is _core.Handle else (0.0, print, (), loop)
    failures = 0
    for nth in range(6):
        # The block a handle just freed is what the next one gets: before
        # the fix its stale fields were used on the failure path.
        kind(*args, given)
        # Empty the context free list, so that copying the current context
        # (the constructor's second allocation) really allocates.
        drain = [contextvars.copy_context() for _ in range(300)]
        _testcapi.set_nomemory(nth, nth + 1)
        try:
            kind(*args)
        except MemoryError:
            failures += 1
        finally:
            _testcapi.remove_mem_hooks()
        del drain
    print(kind.__name__, failures, _core._live_counts()["handles"])
loop.close()
"""


def test_constructors_fail_cleanly_when_memory_runs_out():
    # Each allocation of Handle() and TimerHandle() fails once in turn
    # (object, then its context).  Python's debug allocator fills fresh
    # memory with a pattern, so a field used before it was set crashes.
    import subprocess
    import sys
    _testcapi = pytest.importorskip("_testcapi")
    if not hasattr(_testcapi, "set_nomemory"):
        pytest.skip("this Python's _testcapi cannot fail allocations")
    done = subprocess.run(
        [sys.executable, "-c", _OUT_OF_MEMORY_SCRIPT], capture_output=True,
        text=True, timeout=60, env=dict(os.environ, PYTHONMALLOC="debug"))
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split("\n") == ["Handle 2 0", "TimerHandle 2 0", ""]
