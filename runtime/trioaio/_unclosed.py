"""Report synchronous loops left open when their thread ends.

A SyncTrioEventLoop runs only in the thread that calls ``run_*``, and it
holds OS resources (a libuv loop, its fds) until ``close()``.  asyncio's own
"unclosed event loop" ResourceWarning comes only when the loop is collected,
and is hidden by default.  Here a worker thread that last used the loop
reports it when the thread ends (a RuntimeWarning, shown by default).  The
main thread is left alone: its end is the process's, which frees
everything, and the ``get_event_loop()`` idiom never closes its loop.
Nothing waits on an unclosed loop, so the process never hangs on one.
"""
import threading
import warnings
import weakref

from ._state import shared as _shared

#: Every open sync loop, with the name of the thread that last used it.
_owners = _shared("sync_loop_owners", weakref.WeakKeyDictionary)
# Reentrant: a finalizer run by the GC inside a locked section may report.
_owners_lock = _shared("sync_loop_owners_rlock", threading.RLock)


class _ThreadEndSentinel:
    """Lives in a thread-local; Python drops it when the thread ends."""

    def __init__(self):
        self.thread = threading.current_thread()
        self.loops = weakref.WeakSet()

    def __del__(self):
        for loop in list(self.loops):
            if _owners.get(loop) is self.thread:
                _report(loop, self.thread)


class _PerThread(threading.local):
    sentinel = None


_per_thread = _shared("sync_loop_per_thread", _PerThread)


def claim(loop):
    """Record that the current thread uses *loop* (at creation and at each
    run): this thread answers for closing it."""
    if threading.current_thread() is threading.main_thread():
        with _owners_lock:
            _owners.pop(loop, None)  # handed back to the main thread
        return
    if _per_thread.sentinel is None:
        _per_thread.sentinel = _ThreadEndSentinel()
    _per_thread.sentinel.loops.add(loop)
    with _owners_lock:
        _owners[loop] = threading.current_thread()


def release(loop):
    """The loop was closed: nothing to report."""
    with _owners_lock:
        _owners.pop(loop, None)


def _report(loop, thread):
    with _owners_lock:
        if _owners.pop(loop, None) is None:
            return  # closed, or reported already
    if loop.is_closed():
        return
    # No Python frame is to blame (the thread has ended): name the thread.
    warnings.warn_explicit(
        "%r was never closed, and %s; it keeps its file descriptors until "
        "it is garbage-collected.  Call loop.close() when done with it (or "
        "use asyncio.run() / asyncio.Runner, which close it)"
        % (loop, "its thread %r ended" % thread.name),
        RuntimeWarning, filename="<thread %s>" % thread.name, lineno=0)
