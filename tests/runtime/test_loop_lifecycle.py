"""A loop's lifecycle at its edges: Trio calls on a loop that is not
running, stop() on a stopped loop, close() while running or twice."""
import asyncio

import pytest
import trio

from _testbase import impl, reference_lacks, trioaio_only


async def _trio_proc():
    pass


@trioaio_only
def test_trio_calls_on_a_loop_that_is_not_running_are_refused():
    impl()
    loop = asyncio.new_event_loop()
    try:
        with pytest.raises(RuntimeError, match="this loop is not running"):
            loop.run_trio_task(_trio_proc)
        with pytest.raises(RuntimeError, match="inside 'async with"):
            loop.trio_as_future(_trio_proc)
    finally:
        loop.close()


def test_stop_on_a_stopped_loop_is_already_done():
    reference_lacks("its stop() returns a waiter only while running")
    impl()
    loop = asyncio.new_event_loop()
    try:
        assert loop.stop().is_set()
        waiter = trio.Event()
        assert loop.stop(waiter) is waiter and waiter.is_set()
    finally:
        loop.close()


def test_close_twice_is_harmless_and_a_running_loop_refuses():
    reference_lacks("asyncio's message for closing a running loop")
    async def main():
        async with impl().open_loop() as loop:
            with pytest.raises(RuntimeError,
                               match="Cannot close a running event loop"):
                loop.close()
        loop.close()
        assert loop.is_closed()
    trio.run(main)
