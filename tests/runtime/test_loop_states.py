"""An async trioaio loop outside its open_loop() block: what a loop that
never ran refuses, closing while running, and what the loop puts right
when its block ends (signal handlers left installed, autoclosed fds that
were closed meanwhile)."""
import asyncio
import os
import signal

import pytest
import trio

from _testbase import impl, reference_lacks, run_in_loop, run_trio


@pytest.fixture
def mod():
    reference_lacks("trioaio's loop states")
    return impl()


async def _trio_noop():
    pass


def test_a_loop_that_never_ran_refuses_work(mod):
    async def main():
        loop = mod.TrioEventLoop()
        try:
            with pytest.raises(RuntimeError, match="not running"):
                loop.trio_as_future(_trio_noop)
            with pytest.raises(RuntimeError, match="^this loop is not running$"):
                loop.run_trio_task(_trio_noop)
            with pytest.raises(RuntimeError, match="needs a running loop"):
                loop.add_signal_handler(signal.SIGUSR1, print)
            stopped = loop.stop()  # nothing to stop: set at once
            assert stopped.is_set()
        finally:
            loop.close()
        loop.close()  # closing twice is harmless
        assert loop.is_closed()
        with pytest.raises(RuntimeError, match="closed"):
            loop.call_soon(print)
    run_trio(main)


def test_closing_a_running_loop_is_refused(mod):
    async def main(loop):
        async def close_it():
            with pytest.raises(RuntimeError,
                               match="^Cannot close a running event loop$"):
                loop.close()
            return loop.is_closed()
        return await mod.aio_as_trio(close_it)()
    assert run_in_loop(main) is False


def test_handlers_left_installed_are_removed_at_the_end(mod):
    before = signal.getsignal(signal.SIGUSR1)

    async def main():
        async with mod.open_loop() as loop:
            got = trio.Event()
            loop.add_signal_handler(signal.SIGUSR1, got.set)
            os.kill(os.getpid(), signal.SIGUSR1)
            await got.wait()
        return loop.remove_signal_handler(signal.SIGUSR1)
    assert run_trio(main) is False  # nothing left to remove
    assert signal.getsignal(signal.SIGUSR1) == before


def test_an_autoclosed_fd_closed_meanwhile_is_skipped(mod):
    async def main(loop):
        r, w = os.pipe()
        loop.autoclose(r)
        loop.autoclose(w)
        os.close(r)  # closed by hand: the loop's close of it fails quietly
        return w
    w = run_in_loop(main)
    with pytest.raises(OSError):
        os.fstat(w)  # the other one the loop closed


def test_set_event_loop_inside_trio_sets_it_for_the_context(mod):
    async def main(loop):
        assert asyncio.get_event_loop() is loop
        asyncio.set_event_loop(None)
        with pytest.raises(RuntimeError, match="open_loop"):
            asyncio.get_event_loop()
        asyncio.set_event_loop(loop)
        return asyncio.get_event_loop() is loop
    assert run_in_loop(main) is True
