"""Registering signal handlers on a loop driven from synchronous code:
what is refused, replacing and removing a handler, what close() puts back,
and run_task's errors.  The same tests run on a stock SelectorEventLoop
and on trioaio's synchronous loop."""
import asyncio
import importlib
import os
import signal
import threading

import pytest

import _testbase


class _TestSignalRegistry:
    def new_loop(self):
        raise NotImplementedError

    @pytest.fixture
    def loop(self):
        before = signal.getsignal(signal.SIGUSR1)
        loop = self.new_loop()
        yield loop
        loop.close()
        signal.signal(signal.SIGUSR1, before)

    def test_uncatchable_signals_are_refused(self, loop):
        for sig in (signal.SIGKILL, signal.SIGSTOP):
            with pytest.raises(RuntimeError):
                loop.add_signal_handler(sig, print)

    def test_only_the_main_thread_may_add_handlers(self, loop):
        errors = []

        def other_thread():
            try:
                loop.add_signal_handler(signal.SIGUSR1, print)
            except Exception as exc:
                errors.append(exc)
        t = threading.Thread(target=other_thread)
        t.start()
        t.join()
        assert [type(e) for e in errors] == [RuntimeError]

    def test_second_handler_replaces_the_first(self, loop):
        ran = []
        loop.add_signal_handler(signal.SIGUSR1, ran.append, "first")
        loop.add_signal_handler(signal.SIGUSR1, ran.append, "second")

        async def main():
            os.kill(os.getpid(), signal.SIGUSR1)
            for _ in range(100):
                if ran:
                    break
                await asyncio.sleep(0.01)
        loop.run_until_complete(main())
        assert ran == ["second"]
        assert loop.remove_signal_handler(signal.SIGUSR1) is True
        assert loop.remove_signal_handler(signal.SIGUSR1) is False

    def test_removing_the_sigint_handler_restores_keyboard_interrupt(
            self, loop):
        before = signal.getsignal(signal.SIGINT)
        try:
            loop.add_signal_handler(signal.SIGINT, print)
            assert loop.remove_signal_handler(signal.SIGINT) is True
            assert signal.getsignal(signal.SIGINT) is \
                signal.default_int_handler
        finally:
            signal.signal(signal.SIGINT, before)

    def test_close_removes_the_handlers(self):
        before = signal.getsignal(signal.SIGUSR1)
        loop = self.new_loop()
        loop.add_signal_handler(signal.SIGUSR1, print)
        assert signal.getsignal(signal.SIGUSR1) is not before
        loop.close()
        loop.close()  # closing twice is harmless
        assert signal.getsignal(signal.SIGUSR1) in (before, signal.SIG_DFL)
        signal.signal(signal.SIGUSR1, before)

    def test_close_from_a_callback_is_refused(self, loop):
        errors = []

        def close_now():
            try:
                loop.close()
            except RuntimeError as exc:
                errors.append(str(exc))
        loop.call_soon(close_now)
        loop.run_until_complete(asyncio.sleep(0))
        assert errors == ["Cannot close a running event loop"]


class TestSignalRegistry_asyncio(_TestSignalRegistry):
    def new_loop(self):
        return asyncio.SelectorEventLoop()


class TestSignalRegistry_trioaio(_TestSignalRegistry):
    def new_loop(self):
        _testbase.reference_lacks("its sync loop's own signal registry")
        sync = importlib.import_module(_testbase.IMPL_NAME + "._sync")
        return sync.SyncTrioEventLoop()


def test_run_task_raises_the_trio_functions_error():
    _testbase.reference_lacks("run_task")
    sync = importlib.import_module(_testbase.IMPL_NAME + "._sync")
    loop = sync.SyncTrioEventLoop()

    async def fails(x):
        raise LookupError(x)

    try:
        with pytest.raises(LookupError, match="missing"):
            loop.run_task(fails, "missing")
        # The loop is usable afterwards.
        assert loop.run_until_complete(asyncio.sleep(0, "again")) == "again"
    finally:
        loop.close()
