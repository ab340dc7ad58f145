"""SyncTrioEventLoop: the "compatibility mode" of the original trio-asyncio
README.

Code written the asyncio way (``run_until_complete``, ``run_forever``,
``stop`` and restart, ``asyncio.run``) runs unchanged: each run of the loop
is a ``trio.run`` in the calling thread, with the loop task inside it, so
Trio's signal handling (Ctrl-C) reaches the caller as asyncio's does.
Between runs the loop's callbacks, timers, fds, Futures and Tasks stay
queued in the C core; Trio tasks started for asyncio code
(``trio_as_aio``) live as long as the run that started them.
"""
import asyncio
import signal
import threading

import trio

from . import _core, _internals, _unclosed
from ._base import BaseTrioEventLoop
from ._state import current_loop, in_trio as _in_trio, sync_runs


def _single_error(group):
    """The one error in a (nested) exception group, ignoring Trio's
    Cancelled; None if there are several."""
    errors = []

    def walk(exc):
        if isinstance(exc, BaseExceptionGroup):
            for inner in exc.exceptions:
                walk(inner)
        elif not isinstance(exc, trio.Cancelled):
            errors.append(exc)

    walk(group)
    return errors[0] if len(errors) == 1 else None


class SyncTrioEventLoop(BaseTrioEventLoop):
    """A trioaio loop run from synchronous code, as asyncio loops are.

    ``asyncio.new_event_loop()``, ``asyncio.run()`` and ``asyncio.Runner``
    create one once trioaio is imported.  Close it when done
    (``loop.close()``), as with any asyncio loop.
    """

    run_until_complete = asyncio.BaseEventLoop.run_until_complete

    def __init__(self, queue_len=None):
        super().__init__(queue_len=queue_len)
        # asyncio's default executor: work can be handed to it while the
        # loop is not running (a TrioExecutor needs a running Trio).
        self._default_executor = None
        self._stop_before_run = False
        self._sync_run = None  # identifies the trio.run in progress
        self._sync_signals = {}
        _unclosed.claim(self)

    def run_forever(self):
        """Run until stop() is called (a ``trio.run`` in this thread)."""
        self._run_sync()

    def _run_sync(self, first=None):
        self._check_closed()
        self._check_running()
        if _in_trio():
            raise RuntimeError(
                "Cannot run the event loop while another loop is running "
                "(this thread is inside trio.run(); use "
                "'async with trioaio.open_loop()' there)")
        self._set_coroutine_origin_tracking(self._debug)
        _unclosed.claim(self)
        try:
            sync_runs.loop = self
            run = self._sync_run = object()
            try:
                # Offset 0: loop.time() (and the timers queued with it)
                # mean the same in every run of the loop.
                trio.run(self._sync_main, first, run,
                         clock=_internals.zero_offset_clock())
            except BaseExceptionGroup as group:
                # asyncio's callers expect the error itself.
                single = _single_error(group)
                if single is None:
                    raise
                raise single from None
            except BaseException as exc:
                if self._sync_run is run:
                    self._recover_abandoned_run(exc)
                raise
        finally:
            sync_runs.loop = None
            self._set_coroutine_origin_tracking(False)

    async def _sync_main(self, first, run):
        token = current_loop.set(self)
        try:
            async with trio.open_nursery() as system_nursery:
                async with trio.open_nursery() as tasks_nursery:
                    # Set before the loop task starts: callbacks queued
                    # before this run may start Trio tasks at once.
                    self._trio_nursery = tasks_nursery
                    try:
                        with trio.CancelScope(shield=True):
                            await self._start(system_nursery)
                        if self._stop_before_run:
                            self._stop_before_run = False
                            self.call_soon(self._core_request_stop)
                        if first is not None:
                            tasks_nursery.start_soon(first)
                        await self.wait_stopped()
                    except BaseException:
                        # Trio delivers Ctrl-C to this task (the loop task
                        # is shielded): end the loop at once, as asyncio's
                        # ends when its select() raises KeyboardInterrupt.
                        self._halt()
                        raise
                    self._trio_nursery = None
                    tasks_nursery.cancel_scope.cancel()
                system_nursery.cancel_scope.cancel()
        finally:
            if self._sync_run is run:  # else _recover_abandoned_run did it
                self._sync_run = None
                self._trio_nursery = None
                self._finish(close_fds=False)
                current_loop.reset(token)

    def _halt(self):
        """End the loop task before it runs anything else; what is queued
        stays for the next run."""
        if self._task is not None:
            self._core_request_stop()
            self._core_wake()
        elif self._watcher_scope is not None:
            self._watcher_scope.cancel()  # started, but no loop task yet

    def _recover_abandoned_run(self, exc):
        """After trio.run() raised without finishing the run (a Python
        signal handler raised inside Trio's scheduler: see
        _internals.finish_abandoned_trio_run), leave the loop stopped,
        doing what the run's tasks would have done on their way out."""
        self._sync_run = None
        if self._task is not None:
            self._task = None  # the loop task's own clean-up now skips
            self._thread_id = None
            self._core_detach()
        stopped = trio.Event()
        stopped.set()
        self._stopped = stopped
        self._stop_waiters = []  # Trio events of the dead run
        self._trio_nursery = None
        self._watcher_scope = None
        self._epoll_reader = None  # of the dead run's I/O manager
        self._finish(close_fds=False)
        _internals.finish_abandoned_trio_run(exc)

    def stop(self, waiter=None):
        """Stop as asyncio's loops do: called from a callback, the run ends
        once the current pass is over (what the pass's callbacks schedule
        waits for the next run); called from Trio code, after the
        callbacks already queued.  Called while the loop is not running,
        the next run processes what is queued and stops."""
        if waiter is None:
            waiter = trio.Event()
        if not self.is_running():
            self._stop_before_run = True
            waiter.set()
            return waiter
        if not self._core_stats()["in_burst"]:
            return super().stop(waiter)
        self._stop_waiters.append(waiter)
        self._core_request_stop()
        return waiter

    def close(self):
        if self.is_running():
            raise RuntimeError("Cannot close a running event loop")
        if self.is_closed():
            return
        for sig in list(self._sync_signals):
            self.remove_signal_handler(sig)
        self._close_autoclose_fds()
        super().close()
        _unclosed.release(self)

    # Signals: asyncio's semantics (a handler stays while the loop exists,
    # and a signal that arrives between runs is handled by the next run).
    def add_signal_handler(self, sig, callback, *args):
        self._check_closed()
        self._check_signal(sig)
        self._check_callback(callback, "add_signal_handler")
        if sig in (signal.SIGKILL, signal.SIGSTOP):
            raise RuntimeError("sig {} cannot be caught".format(sig))
        if threading.current_thread() is not threading.main_thread():
            # RuntimeError, as asyncio's unix loop raises here.
            raise RuntimeError(
                "signals can only be handled in the main thread")
        handle = _core.Handle(callback, args, self, None)
        previous = self._sync_signals.get(sig)

        def on_signal(signum, frame):
            if not handle.cancelled():
                # call_soon_threadsafe is signal-safe (see loop.c).
                self.call_soon_threadsafe(handle._run)

        old = signal.signal(sig, on_signal)
        signal.siginterrupt(sig, False)
        if previous is not None:
            previous[0].cancel()
            old = previous[1]
        self._sync_signals[sig] = (handle, old)

    def remove_signal_handler(self, sig):
        self._check_signal(sig)
        entry = self._sync_signals.pop(sig, None)
        if entry is None:
            return False
        handle, old = entry
        handle.cancel()
        if sig == signal.SIGINT and old is None:
            old = signal.default_int_handler
        signal.signal(sig, old if old is not None else signal.SIG_DFL)
        return True

    def run_task(self, proc, *args):
        """The entry point of the original trio-asyncio README: run the
        Trio function ``proc(*args)`` with this loop active, from
        synchronous code, and return its result; the loop stops when it
        returns."""
        outcome_box = []

        async def first():
            try:
                outcome_box.append((True, await proc(*args)))
            except BaseException as exc:
                outcome_box.append((False, exc))
            finally:
                self.stop()

        self._run_sync(first)
        ok, value = outcome_box[0]
        if not ok:
            raise value
        return value
