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
        self._owner = weakref.WeakKeyDictionary()  # agen -> loop
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

    def firstiter(self, agen):
        loop = self._get_running_loop()
        if isinstance(loop, self._loop_type) and not loop.is_closed():
            self._owner[agen] = loop
            loop._asyncgen_firstiter_hook(agen)
        elif self._prev is not None and self._prev.firstiter is not None:
            self._prev.firstiter(agen)

    def finalizer(self, agen):
        loop = self._owner.pop(agen, None)
        if loop is not None:
            if not loop.is_closed():
                loop._asyncgen_finalizer_hook(agen)
        elif self._prev is not None and self._prev.finalizer is not None:
            self._prev.finalizer(agen)
