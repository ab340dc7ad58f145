"""State shared by the package's modules, and one process-wide copy of it.

The loop of the enclosing ``open_loop()`` (``current_loop``), the
synchronous loop whose ``trio.run`` this thread is in (``sync_runs``),
whether this thread is inside Trio (``in_trio()``), and asyncio's own
functions as they were before trioaio patched them (``originals``).

Every module that needs these imports them from here; this module imports
nothing of the package but ``_internals``, so dependencies run one way.
``shared()`` keeps one object per process even when the package is
imported twice under two names (the compatibility suite does).
"""
import asyncio
import os
import sys
import threading
from contextvars import ContextVar

import trio

from . import _internals


def shared(name, factory):
    """One object per process, even when this module is imported twice."""
    holder = sys.modules.setdefault("trioaio._shared_state",
                                    type(sys)("trioaio._shared_state"))
    if not hasattr(holder, name):
        setattr(holder, name, factory())
    return getattr(holder, name)


# The root task of the parent's Trio run that this (forked) process was
# forked inside: that run can never go on here, so it does not count.  A
# plain global: only the forking thread lives on in the child.
_dead_root = None


def in_trio():
    try:
        trio.lowlevel.current_task()
    except RuntimeError:
        return False
    return _dead_root is None or (
        trio.lowlevel.current_root_task() is not _dead_root)


#: The loop of the innermost enclosing ``open_loop()``, or None.
current_loop = shared("current_loop",
                      lambda: ContextVar("trioaio_loop", default=None))

#: asyncio's functions and policy from before trioaio patched them.
originals = shared("originals", lambda: {
    "_get_running_loop": _internals.get_running_loop_or_none,
    "current_task": asyncio.tasks.current_task,
    "policy": _internals.get_policy(),
})


class _SyncRuns(threading.local):
    loop = None  # the SyncTrioEventLoop whose trio.run this thread is in


#: Set by SyncTrioEventLoop for the length of its trio.run.  A thread-local,
#: not the current_loop context variable: asyncio code may run in a context
#: copied before the run began (IsolatedAsyncioTestCase does), where that
#: variable is unset.
sync_runs = shared("sync_runs", _SyncRuns)


# Fork safety: a child must not believe it is inside the parent's Trio run.
def _after_fork_in_child():
    current_loop.set(None)
    global _dead_root
    try:
        _dead_root = trio.lowlevel.current_root_task()
    except RuntimeError:
        pass  # not forked inside a Trio run


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
