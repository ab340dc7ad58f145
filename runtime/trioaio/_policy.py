"""Which loop asyncio sees, inside and outside Trio.

Inside ``open_loop()`` the loop lives in the ``current_loop`` context
variable, so asyncio's lookups (``get_running_loop``, ``get_event_loop``,
``current_task``) find it from asyncio callbacks and from Trio tasks alike.
While the loop runs its callbacks it is also asyncio's C-level running loop,
which is what asyncio's own C code consults.  Outside Trio, asyncio behaves
as it always does.

Patching is idempotent: the package may be imported twice under two names
(the compatibility suite does), and the second import must not wrap the
first one's functions.
"""
import asyncio
import sys
import threading
from asyncio import events as _events

from . import _internals
from ._state import current_loop, originals as _orig, shared as _shared
from ._state import in_trio as _in_trio, sync_runs

_PATCH_MARK = "__trioaio_patch__"

#: What new_event_loop() creates outside Trio: set by install().
_sync_loop_class = None

# Python 3.14 deprecates the policy system's public names (removal is
# planned for 3.16).  Its private names are the same objects and do not
# warn, so trioaio uses those where they exist (see _internals); users
# calling the public names still get asyncio's DeprecationWarning.
POLICY_DEPRECATED = sys.version_info >= (3, 14)

_AbstractPolicy = _internals.AbstractPolicy
_DefaultPolicy = _internals.DefaultPolicy

def _in_sync_loop_run():
    """Is this Trio run a synchronous loop's (where asyncio code may create
    loops, as it could under stock asyncio)?"""
    return sync_runs.loop is not None


def _get_running_loop():
    loop = _orig["_get_running_loop"]()
    if loop is not None:
        return loop
    if _in_trio():
        return current_loop.get()
    return None


def get_running_loop():
    loop = _get_running_loop()
    if loop is None:
        raise RuntimeError("no running event loop")
    return loop


def get_event_loop():
    loop = _get_running_loop()
    if loop is not None:
        return loop
    return policy().get_event_loop()


# On 3.12 and 3.13 a policy's get_event_loop() warns "There is no current
# event loop" at the first caller outside asyncio.  asyncio's own (C)
# get_event_loop() adds no Python frame, and it already does what
# get_event_loop() above does: its running loop, else the policy's
# get_event_loop(), which inside Trio is open_loop()'s loop (TrioPolicy).
# So keep it there, and the warning points at the user's line.
_KEEP_ASYNCIO_GET_EVENT_LOOP = (3, 12) <= sys.version_info < (3, 14)
_asyncio_get_event_loop = _shared("asyncio_get_event_loop",
                                  lambda: _events.get_event_loop)


def current_task(loop=None):
    if loop is None:
        loop = _get_running_loop()
        if loop is None:
            raise RuntimeError("no running event loop")
    return _orig["current_task"](loop)


def _trio_event_loop():
    """get_event_loop() inside Trio: the enclosing open_loop()'s loop."""
    loop = current_loop.get()
    if loop is None:
        raise RuntimeError(
            "no trioaio loop in this Trio context; wrap the code "
            "in 'async with trioaio.open_loop():'")
    return loop


class _UserPolicy(threading.local):
    policy = None  # set with asyncio.set_event_loop_policy() outside Trio


_user_policy = _shared("user_policy", _UserPolicy)


def _outside_policy():
    """The policy set with asyncio.set_event_loop_policy() outside Trio in
    this thread, or None."""
    return _user_policy.policy


class TrioPolicy(_DefaultPolicy):
    """The event loop policy while trioaio is imported.

    Inside Trio, ``get_event_loop()`` is the loop of the enclosing
    ``open_loop()`` and ``set_event_loop()`` sets it for the current
    context; creating loops there is refused (use ``open_loop()``).
    Outside Trio every call goes to the policy asyncio would otherwise use
    (one set with ``asyncio.set_event_loop_policy()``, or the original).
    """

    def new_event_loop(self):
        if _in_trio() and not _in_sync_loop_run():
            raise RuntimeError(
                "You're within a Trio environment; use "
                "'async with trioaio.open_loop()' instead of "
                "new_event_loop()")
        user = _outside_policy()
        if user is not None:
            return user.new_event_loop()
        return _sync_loop_class()

    @property
    def get_event_loop(self):
        # A property that hands out the method to call, so that no trioaio
        # frame sits between the caller and the policy that does the work:
        # asyncio (3.12+) attributes its "no current event loop" warning to
        # the first frame outside asyncio, which must be the user's.
        if _in_trio():
            return _trio_event_loop
        user = _outside_policy()
        if user is not None:
            return user.get_event_loop
        return super().get_event_loop

    if hasattr(_DefaultPolicy, "set_child_watcher"):
        # Python < 3.14.  One child watcher, inside Trio and out: the one
        # of the policy used outside.
        def get_child_watcher(self):
            return _policy_outside_trio().get_child_watcher()

        def set_child_watcher(self, watcher):
            _policy_outside_trio().set_child_watcher(watcher)

    def set_event_loop(self, loop):
        if _in_trio():
            current_loop.set(loop)
            return
        user = _outside_policy()
        if user is not None:
            user.set_event_loop(loop)
        else:
            super().set_event_loop(loop)


def _policy_outside_trio():
    return _outside_policy() or _orig["policy"]


def child_watcher_in_use():
    """The child watcher set with asyncio.set_child_watcher() (or created
    by get_child_watcher()), inside or outside Trio; None if there is none.
    Python 3.14 has no child watchers: always None there."""
    return _internals.child_watcher(_policy_outside_trio())


def _get_policy():
    """Inside Trio: trioaio's TrioPolicy; outside: the policy set with
    set_event_loop_policy(), else the one asyncio had before trioaio (the
    loops themselves come from trioaio: see new_event_loop())."""
    if _in_trio():
        return policy()
    return _policy_outside_trio()


def _warn_policy_deprecated(name):
    if POLICY_DEPRECATED:
        import warnings
        warnings.warn("'asyncio.%s' is deprecated and slated for removal in "
                      "Python 3.16" % name, DeprecationWarning, stacklevel=3)


def get_event_loop_policy():
    _warn_policy_deprecated("get_event_loop_policy")
    return _get_policy()


get_event_loop_policy.__doc__ = _get_policy.__doc__


def new_event_loop():
    """A new loop: outside Trio, a trioaio SyncTrioEventLoop (or the loop of
    the policy set with set_event_loop_policy())."""
    return policy().new_event_loop()


def set_event_loop(loop):
    policy().set_event_loop(loop)


def _set_policy(new_policy):
    """Set the policy used outside Trio (per thread); refused inside."""
    if isinstance(new_policy, TrioPolicy):
        raise RuntimeError("trioaio's TrioPolicy cannot be set manually")
    if _in_trio():
        raise RuntimeError(
            "the event loop policy cannot be changed inside Trio")
    if new_policy is not None and not isinstance(new_policy, _AbstractPolicy):
        raise TypeError(
            "policy must be an instance of AbstractEventLoopPolicy or None, "
            "not '%s'" % type(new_policy).__name__)
    _user_policy.policy = new_policy
    if new_policy is None:
        # As in asyncio, None means a fresh default policy: no child watcher
        # or loop left from before.
        _orig["policy"] = type(_orig["policy"])()


def set_event_loop_policy(new_policy):
    _warn_policy_deprecated("set_event_loop_policy")
    _set_policy(new_policy)


set_event_loop_policy.__doc__ = _set_policy.__doc__


def install(sync_loop_class):
    """Patch asyncio's loop lookups (once per process).  Outside Trio,
    ``new_event_loop()`` then creates a *sync_loop_class*."""
    global _sync_loop_class
    _sync_loop_class = sync_loop_class
    if getattr(_events.get_running_loop, _PATCH_MARK, False):
        return
    for fn in (_get_running_loop, get_running_loop, get_event_loop,
               current_task, get_event_loop_policy, set_event_loop_policy,
               _get_policy, _set_policy, new_event_loop, set_event_loop):
        setattr(fn, _PATCH_MARK, True)
    if _internals.PATCH_PRIVATE_POLICY_FUNCTIONS:
        # What asyncio itself calls on 3.14+.
        _events._get_event_loop_policy = _get_policy
        _events._set_event_loop_policy = _set_policy
    for mod in (_events, asyncio):
        mod._get_running_loop = _get_running_loop
        mod.get_running_loop = get_running_loop
        mod.get_event_loop = (_asyncio_get_event_loop
                              if _KEEP_ASYNCIO_GET_EVENT_LOOP
                              else get_event_loop)
        mod.get_event_loop_policy = get_event_loop_policy
        mod.set_event_loop_policy = set_event_loop_policy
        mod.new_event_loop = new_event_loop
        mod.set_event_loop = set_event_loop
    asyncio.tasks.current_task = current_task
    asyncio.current_task = current_task
    _internals.install_global_policy(_shared("policy", TrioPolicy))


def policy():
    return _shared("policy", TrioPolicy)

