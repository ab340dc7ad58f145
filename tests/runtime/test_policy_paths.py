"""The event loop policy trioaio installs: what it forwards to a policy set
with asyncio.set_event_loop_policy(), what it refuses, and a policy object
kept from inside Trio and used outside."""
import asyncio
import contextvars
import threading
import warnings

import pytest
import trio

from _testbase import trioaio_only, impl

pytestmark = trioaio_only

# Imported first: a policy set before the import counts as asyncio's
# original one, whose loop factory trioaio replaces.
impl()


class RecordingPolicy(asyncio.DefaultEventLoopPolicy):
    """A user's policy whose loops are stock asyncio's."""

    def __init__(self):
        super().__init__()
        self.made = []

    def new_event_loop(self):
        loop = asyncio.SelectorEventLoop()
        self.made.append(loop)
        return loop


@pytest.fixture
def user_policy():
    p = RecordingPolicy()
    set_policy(p)
    try:
        yield p
    finally:
        set_policy(None)
        for loop in p.made:
            loop.close()


def set_policy(p):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # 3.14
        asyncio.set_event_loop_policy(p)


def trio_policy():
    """The policy object code sees inside Trio (trioaio's TrioPolicy)."""
    async def main():
        async with impl().open_loop():
            return asyncio.get_event_loop_policy()
    return trio.run(main)


def test_outside_any_loop_running_loop_and_current_task_raise():
    # As in asyncio.
    with pytest.raises(RuntimeError, match="no running event loop"):
        asyncio.get_running_loop()
    with pytest.raises(RuntimeError, match="no running event loop"):
        asyncio.current_task()


def test_new_event_loop_comes_from_the_users_policy(user_policy):
    loop = asyncio.new_event_loop()
    assert user_policy.made == [loop]
    assert type(loop) is asyncio.SelectorEventLoop


def test_a_policy_kept_from_inside_trio_forwards_outside(user_policy):
    p = trio_policy()
    assert isinstance(p, impl().TrioPolicy)
    loop = p.new_event_loop()
    assert user_policy.made == [loop]
    p.set_event_loop(loop)
    assert p.get_event_loop() is loop
    assert user_policy.get_event_loop() is loop
    p.set_event_loop(None)


def test_set_event_loop_inside_trio_sets_this_context_only():
    async def main():
        async with impl().open_loop() as loop:
            policy = asyncio.get_event_loop_policy()
            ctx = contextvars.copy_context()
            ctx.run(policy.set_event_loop, None)
            with pytest.raises(RuntimeError, match="no trioaio loop"):
                ctx.run(asyncio.get_event_loop)
            # This task's context still has the loop.
            assert asyncio.get_event_loop() is loop
    trio.run(main)


@pytest.mark.skipif(not hasattr(asyncio.AbstractEventLoopPolicy,
                                "get_child_watcher"),
                    reason="child watchers are gone in Python 3.14")
def test_one_child_watcher_inside_trio_and_out():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+
        outside = asyncio.get_child_watcher()
        p = trio_policy()
        assert p.get_child_watcher() is outside
        p.set_child_watcher(outside)
        assert asyncio.get_child_watcher() is outside


def test_set_event_loop_policy_refusals():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # 3.14
        with pytest.raises(RuntimeError, match="cannot be set manually"):
            asyncio.set_event_loop_policy(impl().TrioPolicy())
        with pytest.raises(TypeError, match="not 'object'"):
            asyncio.set_event_loop_policy(object())

        async def main():
            with pytest.raises(RuntimeError, match="inside Trio"):
                asyncio.set_event_loop_policy(None)
        trio.run(main)


def test_the_users_policy_is_per_thread(user_policy):
    # As asyncio's: set in one thread, another thread has the default.
    seen = []

    def other_thread():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # 3.14
            seen.append(asyncio.get_event_loop_policy())
    t = threading.Thread(target=other_thread)
    t.start()
    t.join()
    assert seen and seen[0] is not user_policy
    assert not isinstance(seen[0], impl().TrioPolicy)


def test_inside_trio_without_open_loop_asyncio_has_no_loop():
    async def main():
        with pytest.raises(RuntimeError, match="open_loop"):
            asyncio.get_event_loop()
        with pytest.raises(RuntimeError, match="within a Trio environment"):
            asyncio.new_event_loop()
        with pytest.raises(RuntimeError, match="^no running event loop$"):
            asyncio.get_running_loop()
        with pytest.raises(RuntimeError, match="^no running event loop$"):
            asyncio.current_task()
    trio.run(main)
