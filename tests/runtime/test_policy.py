"""The event loop policy while trioaio is imported: what is refused inside
and outside Trio, and a policy set with set_event_loop_policy() doing the
work outside Trio (per thread, as asyncio's policy does)."""
import asyncio
import sys
import threading
import warnings

import pytest
import trio

from _testbase import impl, reference_lacks, run_trio

impl()  # importing it installs the policy

pytestmark = pytest.mark.skipif(sys.version_info >= (3, 14),
                                reason="the policy system is deprecated")


class RecordingPolicy(asyncio.DefaultEventLoopPolicy):
    """A user's policy: records what reaches it."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def new_event_loop(self):
        self.calls.append("new_event_loop")
        return super().new_event_loop()

    def set_event_loop(self, loop):
        self.calls.append("set_event_loop")
        super().set_event_loop(loop)


@pytest.fixture
def user_policy():
    reference_lacks("trioaio's policy")
    policy = RecordingPolicy()
    asyncio.set_event_loop_policy(policy)
    try:
        yield policy
    finally:
        asyncio.set_event_loop_policy(None)


def test_the_users_policy_makes_and_sets_loops_outside_trio(user_policy):
    assert asyncio.get_event_loop_policy() is user_policy
    loop = asyncio.new_event_loop()
    try:
        asyncio.set_event_loop(loop)
        assert asyncio.get_event_loop() is loop
        assert user_policy.get_event_loop() is loop
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    assert user_policy.calls == ["new_event_loop", "set_event_loop",
                                 "set_event_loop"]


def test_the_users_policy_is_per_thread(user_policy):
    seen = []
    t = threading.Thread(
        target=lambda: seen.append(asyncio.get_event_loop_policy()))
    t.start()
    t.join()
    assert seen[0] is not user_policy


def test_inside_trio_the_policy_is_trioaios(user_policy):
    async def main():
        return type(asyncio.get_event_loop_policy()).__name__
    assert run_trio(main) == "TrioPolicy"


def test_setting_a_policy_is_refused_where_it_cannot_apply():
    reference_lacks("trioaio's policy")

    async def inside():
        with pytest.raises(RuntimeError, match="cannot be changed inside"):
            asyncio.set_event_loop_policy(asyncio.DefaultEventLoopPolicy())
        return type(asyncio.get_event_loop_policy()).__name__
    assert run_trio(inside) == "TrioPolicy"

    async def get_trio_policy():
        return asyncio.get_event_loop_policy()
    trio_policy = run_trio(get_trio_policy)
    with pytest.raises(RuntimeError, match="cannot be set manually"):
        asyncio.set_event_loop_policy(trio_policy)
    # asyncio's own check and message.
    with pytest.raises(TypeError, match=r"^policy must be an instance of "
                       r"AbstractEventLoopPolicy or None, not 'str'$"):
        asyncio.set_event_loop_policy("default")


def test_inside_trio_without_open_loop():
    reference_lacks("trioaio's messages")

    async def main():
        with pytest.raises(RuntimeError, match="open_loop"):
            asyncio.get_event_loop()
        with pytest.raises(RuntimeError, match="within a Trio environment"):
            asyncio.new_event_loop()
        with pytest.raises(RuntimeError, match="^no running event loop$"):
            asyncio.get_running_loop()
        with pytest.raises(RuntimeError, match="^no running event loop$"):
            asyncio.current_task()
    run_trio(main)


@pytest.mark.skipif(not hasattr(asyncio, "set_child_watcher"),
                    reason="no child watchers")
def test_one_child_watcher_inside_trio_and_out(user_policy):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        watcher = asyncio.SafeChildWatcher()
        asyncio.set_child_watcher(watcher)
        try:
            async def main():
                policy = asyncio.get_event_loop_policy()
                return type(policy).__name__, policy.get_child_watcher()
            assert run_trio(main) == ("TrioPolicy", watcher)
            assert user_policy.get_child_watcher() is watcher

            async def unset():
                asyncio.get_event_loop_policy().set_child_watcher(None)
            run_trio(unset)
            assert user_policy._watcher is None
        finally:
            watcher.close()
