"""Shared test machinery for the runtime suite.

The implementation under test is chosen by the environment variable
``TRIOAIO_IMPL`` (default ``trioaio``); ``TRIOAIO_IMPL=trio_asyncio`` runs the
same suite against upstream trio-asyncio 0.16 so that the tests themselves can
be checked against the reference.

Behaviour that is asyncio's own is written once in a mixin (``_TestX``) and
bound to two runners, uvloop-style::

    class TestX_asyncio(_TestX, AsyncioCase): ...
    class TestX_trioaio(_TestX, TrioAioCase): ...

Each mixin test is an asyncio-flavoured coroutine function taking the loop,
passed to ``self.run_aio``.  The runners fail the test if the loop's exception
handler was called unexpectedly.
"""
import asyncio
import contextlib
import importlib
import os
import sys
import threading
import warnings

import pytest
import trio

IMPL_NAME = os.environ.get("TRIOAIO_IMPL", "trioaio")
IS_REFERENCE = IMPL_NAME == "trio_asyncio"

# Every test runs under a deadline; a hang is a failure, not a stuck CI job.
TIMEOUT = 10.0

# Tests of trioaio additions that upstream trio-asyncio 0.16 does not have.
trioaio_only = pytest.mark.skipif(
    IS_REFERENCE, reason="trioaio addition; trio-asyncio 0.16 lacks it")


def internal_avoided(name):
    """Is trioaio's use of the private internal *name* (see
    trioaio/_internals.py) turned off by TRIOAIO_AVOID_INTERNALS?"""
    names = {n.strip() for n in os.environ.get(
        "TRIOAIO_AVOID_INTERNALS", "").split(",")}
    return "all" in names or name in names


def needs_internal(name, why):
    """Skip a test of what a private internal buys when its fallback is
    forced (TRIOAIO_AVOID_INTERNALS)."""
    return pytest.mark.skipif(
        internal_avoided(name),
        reason="%s is forced off, and its fallback does not %s" % (
            name, why))


def impl():
    """Return the implementation module (trioaio, or trio_asyncio)."""
    return importlib.import_module(IMPL_NAME)


def reference_lacks(reason):
    """Skip the current test when running against upstream trio-asyncio."""
    if IS_REFERENCE:
        pytest.skip("trio-asyncio 0.16 lacks this: " + reason)


@contextlib.contextmanager
def watchdog(timeout=TIMEOUT):
    """Inside Trio: fail with ``trio.TooSlowError`` after `timeout` real
    seconds.

    Unlike ``trio.fail_after`` it counts real time, so it also holds under
    ``MockClock(autojump_threshold=0)``, whose virtual time jumps ahead.
    """
    token = trio.lowlevel.current_trio_token()
    with trio.CancelScope() as scope:
        timer = threading.Timer(timeout, token.run_sync_soon,
                                args=(scope.cancel,))
        timer.start()
        try:
            yield
        finally:
            timer.cancel()
    if scope.cancelled_caught:
        raise trio.TooSlowError("test took more than %s s" % timeout)


def run_trio(fn, *args, clock=None, timeout=TIMEOUT, **run_options):
    """``trio.run(fn, *args)`` under a `watchdog`.

    Loose exception groups unless the test asks otherwise: the default of
    Trio 0.22, and what the tests that check errors arrive unchanged were
    written against; on Trio >= 0.25 (strict by default) that is a
    deprecated option, so its warning is silenced here.  The shapes under
    strict groups are checked in test_exception_groups.py.
    """
    async def guarded():
        with watchdog(timeout):
            return await fn(*args)
    run_options.setdefault("strict_exception_groups", False)
    with warnings.catch_warnings():
        if not run_options["strict_exception_groups"]:
            warnings.filterwarnings(
                "ignore", message=r".*strict_exception_groups=False",
                category=getattr(trio, "TrioDeprecationWarning", Warning))
        return trio.run(guarded, clock=clock, **run_options)


def run_in_loop(fn, *args, clock=None, timeout=TIMEOUT):
    """Run Trio-flavoured ``fn(loop, *args)`` inside ``open_loop()``."""
    async def main():
        async with impl().open_loop() as loop:
            return await fn(loop, *args)
    return run_trio(main, clock=clock, timeout=timeout)


def timer_count(loop):
    """Number of live entries in the loop's timer heap.

    trioaio exposes ``loop._timer_count()``; stock asyncio keeps its heap in
    ``loop._scheduled``.  Skips when neither is available (trio-asyncio).
    """
    if hasattr(loop, "_timer_count"):
        return loop._timer_count()
    if isinstance(getattr(loop, "_scheduled", None), list):
        return len(loop._scheduled)
    pytest.skip("no timer-heap introspection on " + type(loop).__name__)


class _LoopCase:
    """Common part of the two runners."""

    impl_name = None

    def setup_method(self, method):
        self.handler_calls = []

    def _record(self, loop, context):
        self.handler_calls.append(context)

    def _check_handler_calls(self):
        assert not self.handler_calls, (
            "unexpected call_exception_handler calls: %r" % self.handler_calls)

    def run_aio(self, corofn, *args, timeout=TIMEOUT):
        """Run asyncio-flavoured ``corofn(loop, *args)`` on this case's loop."""
        raise NotImplementedError

    @property
    def is_trioaio(self):
        return self.impl_name == "trioaio"


class RunUntilCompleteCase(_LoopCase):
    """A loop driven from synchronous code, the stock asyncio way: a fresh
    loop from ``new_loop()`` per test, run with ``run_until_complete``."""

    # Whether an error raised by the exception handler escapes the loop
    # (open_loop's loops) or is only logged (stock asyncio's behaviour).
    handler_errors_escape = False

    def new_loop(self):
        raise NotImplementedError

    def run_aio(self, corofn, *args, timeout=TIMEOUT):
        loop = self.new_loop()
        loop.set_exception_handler(self._record)
        try:
            return loop.run_until_complete(
                asyncio.wait_for(corofn(loop, *args), timeout))
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()
            self._check_handler_calls()


class AsyncioCase(RunUntilCompleteCase):
    """Stock asyncio: a fresh SelectorEventLoop per test.

    The loop is created directly rather than through the event loop policy,
    because importing trio-asyncio replaces the policy's loop factory.
    """

    impl_name = "asyncio"

    def new_loop(self):
        return asyncio.SelectorEventLoop()


class TrioAioCase(_LoopCase):
    """trioaio (or the reference): ``trio.run`` + ``open_loop`` + ``aio_as_trio``."""

    impl_name = "trioaio"
    clock = None
    handler_errors_escape = True

    def run_aio(self, corofn, *args, timeout=TIMEOUT):
        mod = impl()

        async def main():
            async with mod.open_loop() as loop:
                loop.set_exception_handler(self._record)
                return await mod.aio_as_trio(corofn)(loop, *args)
        try:
            return run_trio(main, clock=self.clock, timeout=timeout)
        finally:
            self._check_handler_calls()


ON_LINUX = sys.platform.startswith("linux")
