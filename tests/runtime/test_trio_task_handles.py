"""What run_trio_task() returns: a handle whose cancel() stops the Trio
task, with cancelled() and a repr that say so; keyword arguments reach the
task; and set_default_executor() refuses what is not an executor."""
import pytest
import trio

import _testbase


def test_cancel_stops_the_trio_task_and_is_reported(run_in_loop):
    _testbase.reference_lacks("a handle from run_trio_task")

    async def fn(loop):
        events = []

        async def sleeper(*, label):
            try:
                await trio.sleep_forever()
            finally:
                events.append(label)

        handle = loop.run_trio_task(sleeper, label="stopped")
        assert not handle.cancelled()
        assert repr(handle).startswith("<TrioTaskHandle functools.partial(")
        for _ in range(5):
            await trio.sleep(0)
        handle.cancel()
        assert handle.cancelled()
        assert repr(handle).startswith("<TrioTaskHandle cancelled ")
        for _ in range(10):
            if events:
                break
            await trio.sleep(0)
        return events
    assert run_in_loop(fn) == ["stopped"]


def test_default_executor_must_be_an_executor(run_in_loop):
    _testbase.reference_lacks("checking the executor's type")
    async def fn(loop):
        with pytest.raises(TypeError):
            loop.set_default_executor(object())
        return True
    assert run_in_loop(fn)
