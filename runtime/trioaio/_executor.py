"""TrioExecutor: run_in_executor() work on Trio's worker threads."""
import concurrent.futures
import inspect

import trio


def _abandon_on_cancel_kwarg():
    # Trio 0.23 renamed run_sync's `cancellable` to `abandon_on_cancel`.
    params = inspect.signature(trio.to_thread.run_sync).parameters
    name = ("abandon_on_cancel" if "abandon_on_cancel" in params
            else "cancellable")
    return {name: True}


_ABANDON_ON_CANCEL = _abandon_on_cancel_kwarg()


class TrioExecutor(concurrent.futures.ThreadPoolExecutor):
    """An executor that runs sync functions with ``trio.to_thread.run_sync``.

    ``TrioExecutor(max_workers)`` bounds the number of threads in use at
    once; a ``trio.CapacityLimiter`` may be passed instead (as the first
    argument or as ``limiter=``).  Pass it to ``loop.run_in_executor()`` or
    ``loop.set_default_executor()``.
    """

    def __init__(self, max_workers=None, thread_name_prefix=None, *,
                 limiter=None):
        if isinstance(max_workers, trio.CapacityLimiter):
            limiter, max_workers = max_workers, None
        if limiter is None and max_workers is not None:
            if max_workers <= 0:
                raise ValueError("max_workers must be greater than 0")
            limiter = trio.CapacityLimiter(max_workers)
        self._limiter = limiter
        self._thread_name_prefix = thread_name_prefix
        self._running = True

    async def submit(self, func, *args):
        """Run ``func(*args)`` in a worker thread (Trio-flavored)."""
        if not self._running:
            raise RuntimeError("Executor is down")
        # Cancelling the asyncio future abandons the thread (it runs on,
        # its result is dropped), as asyncio's executors do.
        return await trio.to_thread.run_sync(func, *args,
                                             limiter=self._limiter,
                                             **_ABANDON_ON_CANCEL)

    def shutdown(self, wait=None, *, cancel_futures=False):
        """Refuse further work; running calls finish on their own."""
        self._running = False
