"""Errors that name the shim when code crosses the boundary without one.

Trio rejects an asyncio object awaited in a Trio task, and asyncio rejects
a Trio trap yielded in an asyncio task, each with a generic message.  While
a trioaio loop runs, both messages are rewritten (same exception type, same
moment) to say which shim to use.
"""
import trio

from . import _internals

_TRIO_PREFIX = "trio.run received unrecognized yield message"
_ASYNCIO_PREFIX = "Task got bad yield:"

TRIO_SIDE = (
    "asyncio code was awaited directly in a Trio task ({detail}); wrap it "
    "in a shim: 'await trioaio.aio_as_trio(fn)(*args)' or "
    "'await trioaio.aio_as_trio(awaitable)'")
ASYNCIO_SIDE = (
    "Trio code was awaited directly in an asyncio task ({detail}); wrap it "
    "in a shim: 'await trioaio.trio_as_aio(fn)(*args)'")


class _NameTheShim(trio.abc.Instrument):
    """Rewrites Trio's 'unrecognized yield message' TypeError just after
    the step that produced it, before it is thrown into the task."""

    def __init__(self):
        self.users = 0

    def after_task_step(self, task):
        exc = _internals.task_next_send(task)
        if type(exc) is TypeError and exc.args and isinstance(
                exc.args[0], str) and exc.args[0].startswith(_TRIO_PREFIX):
            detail = exc.args[0][len(_TRIO_PREFIX):].split(".")[0].strip()
            exc.args = (TRIO_SIDE.format(detail="yielded " + detail),)


_instruments = {}  # trio run (by its token) -> _NameTheShim


def acquire():
    token = trio.lowlevel.current_trio_token()
    if not _internals.HAVE_NEXT_SEND:
        return token  # Trio's own message, and no instrument to pay for
    instrument = _instruments.get(token)
    if instrument is None:
        instrument = _instruments[token] = _NameTheShim()
        trio.lowlevel.add_instrument(instrument)
    instrument.users += 1
    return token


def release(token):
    instrument = _instruments.get(token)
    if instrument is None:
        return
    instrument.users -= 1
    if instrument.users == 0:
        del _instruments[token]
        try:
            trio.lowlevel.remove_instrument(instrument)
        except (KeyError, RuntimeError):
            pass


def rewrite_bad_yield(exc):
    """Called by the C core when asyncio schedules a task step with a
    RuntimeError: name the shim if a Trio trap was yielded."""
    msg = exc.args[0] if exc.args else None
    if isinstance(msg, str) and msg.startswith(_ASYNCIO_PREFIX) and (
            "trio" in msg):
        detail = msg[len(_ASYNCIO_PREFIX):].strip()
        exc.args = (ASYNCIO_SIDE.format(detail="yielded " + detail),)
