"""Async generator hooks shared by Trio and every running trioaio loop.

Python has one pair of async generator hooks per thread, and Trio installs
its own.  While a trioaio loop runs, these hooks send each generator to the
loop it was first iterated in (asyncio's C-level running loop, which is set
only while a loop runs its callbacks) and everything else to the hooks that
were installed before.
"""
import sys
import weakref


class AsyncGenHooks:
    """Installed while at least one loop in this thread is running."""

    def __init__(self, get_running_loop, loop_type):
        self._get_running_loop = get_running_loop
        self._loop_type = loop_type
        # id(agen) -> (weakref to agen, loop or None, finalizer to
        # delegate to).  Keyed by id because a
        # generator's weakrefs are cleared before its finalizer runs; while
        # the generator lives no other object can take its id, so the entry
        # found at finalization is its own.
        self._owner = {}
        self._users = 0
        self._prev = None

    def acquire(self):
        if self._users == 0:
            self._prev = sys.get_asyncgen_hooks()
            sys.set_asyncgen_hooks(firstiter=self.firstiter,
                                   finalizer=self.finalizer)
        self._users += 1

    def release(self):
        self._users -= 1
        if self._users == 0:
            prev, self._prev = self._prev, None
            sys.set_asyncgen_hooks(*prev)

    def _prune(self):
        """Forget generators that ended without needing finalization."""
        dead = [key for key, entry in self._owner.items() if entry[0]() is None]
        for key in dead:
            del self._owner[key]

    def firstiter(self, agen):
        if len(self._owner) >= 1024:
            self._prune()
        loop = self._get_running_loop()
        if isinstance(loop, self._loop_type) and not loop.is_closed():
            self._owner[id(agen)] = (weakref.ref(agen), loop, None)
            loop._asyncgen_firstiter_hook(agen)
            return
        # Not ours (Trio's, usually): remember whose finalizer applies, as
        # it may be needed after our hooks are uninstalled.
        prev = self._prev
        if prev is not None:
            self._owner[id(agen)] = (weakref.ref(agen), None, prev.finalizer)
            if prev.firstiter is not None:
                prev.firstiter(agen)

    def finalizer(self, agen):
        entry = self._owner.pop(id(agen), None)
        if entry is None:
            delegate = self._prev.finalizer if self._prev else None
            if delegate is not None:
                delegate(agen)
            return
        _, loop, delegate = entry
        if loop is not None:
            if not loop.is_closed():
                loop._asyncgen_finalizer_hook(agen)
        elif delegate is not None:
            delegate(agen)
