"""Every private name of Trio and CPython that trioaio relies on.

Nothing else in the package reaches into another project's private names:
each one is probed here, once, and every probe has a fallback that uses
public API only, correct if slower.  ``INTERNALS`` lists them;
``tests/runtime/test_internals.py`` fails, naming the internal, when a new
Trio or CPython changes one, and runs the fallbacks.  The C core's side of
this (how it reads the objects handed to it) is ``runtime/src/internals.h``.

The environment variable ``TRIOAIO_AVOID_INTERNALS`` (names from
``INTERNALS``, comma-separated, or ``all``) forces the fallbacks; it is
read once, at import, and exists for the tests.

This module is a leaf: it imports nothing from trioaio.
"""
import asyncio
import gc
import os
import sys
import time
import types
import warnings
from asyncio import events as _events

import trio

#: What BaseTrioEventLoop and SyncTrioEventLoop use of asyncio's loop.
LOOP_MEMBERS = (
    "_check_closed", "_check_running", "_check_callback", "_check_signal",
    "_set_coroutine_origin_tracking", "_default_executor", "_thread_id",
    "_executor_shutdown_called", "_task_factory", "_debug")

#: name -> (the private thing, what trioaio does without it)
INTERNALS = {
    "trio_run_queue": (
        "trio._core._run.GLOBAL_RUN_CONTEXT.runner.runq (its len())",
        "a burst of callbacks cannot see other Trio tasks waiting, so it "
        "yields to Trio only when its time budget (1 ms) is spent, and so "
        "does a Trio -> asyncio call that completes inline"),
    "trio_system_clock": (
        "trio._core._run.SystemClock: its `offset`, its `offset=` "
        "argument, and current_time() == offset + time.perf_counter() "
        "with perf_counter on CLOCK_MONOTONIC",
        "the C core calls clock.current_time() for loop.time() (a Python "
        "call), and the synchronous loop runs Trio with a public-API "
        "clock of offset 0 (ZeroOffsetClock)"),
    "trio_abandoned_run": (
        "what trio.run() leaves when an error escapes its scheduler: the "
        "run's generator (`unrolled_run`) in a local of its frame in the "
        "traceback, the generator's `runner` and the runner's `tasks`",
        "a sync loop run that a signal handler's error abandoned is left "
        "to the garbage collector: until then Trio's SIGINT handler stays "
        "and a new run in that thread is refused, and its tasks print "
        "tracebacks when they are collected"),
    "trio_epoll_reader": (
        "trio's epoll I/O manager: runner.io_manager._registered (fd -> "
        "EpollWaiters with read_task, write_task, current_flags) and "
        "_update_registrations(fd), which arm the fd with EPOLLONESHOT",
        "the parked loop waits for libuv's backend fd through a watcher "
        "task (trio.lowlevel.wait_readable): an I/O or cross-thread wakeup "
        "takes three Trio task steps (watcher, loop task, watcher) and an "
        "epoll_ctl per park instead of one step"),
    "trio_task_next_send": (
        "trio.lowlevel.Task._next_send (what the next step sends in)",
        "asyncio code awaited directly in a Trio task gets Trio's generic "
        "TypeError, which does not name the shim"),
    "asyncio_step_wrapper": (
        "_asyncio.TaskStepMethWrapper, the C Task's step callback, and "
        "that gc.get_referents() (tp_traverse) reveals the error it "
        "carries",
        "the C core looks for the 'bad yield' error in every callback "
        "handed to call_soon() with a context (each Task step and Future "
        "callback), not only in step wrappers"),
    "asyncio_running_loop": (
        "asyncio.events._get_running_loop (a loop implementation's hook, "
        "in asyncio.events.__all__)",
        "asyncio.events.get_running_loop() with its RuntimeError caught"),
    "asyncio_policy_names": (
        "asyncio's private policy names: events._get_event_loop_policy, "
        "_set_event_loop_policy, _AbstractEventLoopPolicy, "
        "_DefaultEventLoopPolicy (3.14+), events._lock and "
        "events._event_loop_policy",
        "the public names, with their 3.14 DeprecationWarning silenced, and "
        "asyncio.set_event_loop_policy() to install trioaio's policy"),
    "asyncio_child_watcher": (
        "the `_watcher` attribute of asyncio's Unix policy (Python < 3.14): "
        "the child watcher set or created, if any",
        "child processes are reaped by a thread of trioaio's own, as on "
        "3.14, even when a child watcher was set"),
    "asyncio_subprocess_transport": (
        "asyncio.unix_events._UnixSubprocessTransport and its "
        "_process_exited() and _wait()",
        "none: subprocesses need asyncio's transport"),
    "asyncio_ssl_protocol": (
        "asyncio.sslproto.SSLProtocol's constructor and its _app_transport "
        "(what asyncio's own _make_ssl_transport() returns)",
        "TLS connections run on asyncio's Python socket transport instead "
        "of the C stream transport"),
    "asyncio_loop_methods": (
        "the private members of asyncio.BaseEventLoop that its subclasses "
        "use: " + ", ".join(LOOP_MEMBERS),
        "none: trioaio's loops are asyncio.SelectorEventLoop subclasses"),
}

_ALL = "all"


def _avoided(environ=os.environ):
    """The internals named by TRIOAIO_AVOID_INTERNALS."""
    text = environ.get("TRIOAIO_AVOID_INTERNALS", "").strip()
    if not text:
        return frozenset()
    names = {n.strip() for n in text.split(",") if n.strip()}
    if _ALL in names:
        return frozenset(INTERNALS)
    unknown = names - set(INTERNALS)
    if unknown:
        raise ValueError(
            "TRIOAIO_AVOID_INTERNALS names unknown internals %s; use 'all' "
            "or some of: %s" % (", ".join(sorted(unknown)),
                                ", ".join(INTERNALS)))
    return frozenset(names)


AVOIDED = _avoided()


def _allowed(name):
    return name not in AVOIDED


# ------------------------------------------------------------------ Trio

def trio_run_queue():
    """Trio's run queue in the current run (a sized container), or None.

    Call inside ``trio.run``.  The C core only asks its length, to see
    whether other tasks wait.
    """
    if not _allowed("trio_run_queue"):
        return None
    try:
        from trio._core._run import GLOBAL_RUN_CONTEXT
        runq = GLOBAL_RUN_CONTEXT.runner.runq
        len(runq)
        return runq
    except Exception:
        return None


def _probe_system_clock():
    if not _allowed("trio_system_clock"):
        return None
    try:
        from trio._core._run import SystemClock
        clock = SystemClock(offset=0.0)
        if type(clock.offset) is not float or clock.offset != 0.0:
            return None
    except Exception:
        return None
    # The C core computes current_time() itself from CLOCK_MONOTONIC.
    info = time.get_clock_info("perf_counter")
    if "CLOCK_MONOTONIC" not in info.implementation or (
            "RAW" in info.implementation):
        return None
    if abs(clock.current_time() - time.perf_counter()) > 0.05:
        return None
    return SystemClock


#: Trio's SystemClock class, whose current_time() the C core computes
#: without a Python call; None when it cannot (see INTERNALS).
SYSTEM_CLOCK = _probe_system_clock()


class ZeroOffsetClock(trio.abc.Clock):
    """Trio's default clock, with offset 0 and public API only."""

    def start_clock(self):
        pass

    def current_time(self):
        return time.perf_counter()

    def deadline_to_sleep_time(self, deadline):
        return deadline - time.perf_counter()


def zero_offset_clock():
    """A clock for ``trio.run`` whose time is ``time.perf_counter()``, so
    that loop.time() (and timers queued with it) mean the same in every
    run of a synchronous loop."""
    if SYSTEM_CLOCK is not None:
        return SYSTEM_CLOCK(offset=0.0)
    return ZeroOffsetClock()


def finish_abandoned_trio_run(exc):
    """Finish, quietly, a Trio run that *exc* left half-way; return True
    if it was found.

    A Python signal handler that raises while Trio waits for I/O (the
    common ``signal.signal(SIGTERM, lambda *a: sys.exit(0))``) raises out
    of Trio's scheduler, and trio.run() lets the error through without
    finishing the run.  Here the run's generator is closed, which runs
    Trio's own clean-up (and its warning that the run was abandoned, which
    says nothing the error does not), then each task's coroutine; and
    Trio's frames in the traceback let go of the run.  What the tasks
    report on their way out is dropped, for the same reason.
    """
    if not _allowed("trio_abandoned_run"):
        return False
    try:
        return _finish_abandoned_trio_run(exc)
    except Exception:
        # Never hide the error that abandoned the run: without this clean-up
        # the collector does it later.
        return False


def _finish_abandoned_trio_run(exc):
    tb = exc.__traceback__
    while tb is not None:
        gens = [value for value in tb.tb_frame.f_locals.values()
                if isinstance(value, types.GeneratorType)
                and value.gi_code.co_name == "unrolled_run"]
        if gens:
            break
        tb = tb.tb_next
    else:
        return False
    gen = gens[0]
    if gen.gi_frame is None:
        return False
    runner = gen.gi_frame.f_locals.get("runner")
    coros = [task.coro for task in getattr(runner, "tasks", ())]
    hook = sys.unraisablehook
    sys.unraisablehook = _ignore_unraisable
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            gen.close()
            for coro in coros:
                # A coroutine may await again while it unwinds: close it
                # until it has ended.
                for _ in range(100):
                    if coro.cr_frame is None:
                        break
                    try:
                        coro.close()
                    except BaseException:
                        pass
        del gens, gen, runner, coros
        # Trio's frames have returned: drop their locals (the run's state,
        # and the snapshot of them read above).
        while tb is not None:
            frame = tb.tb_frame
            if frame.f_globals.get("__name__", "").startswith("trio."):
                snapshot = frame.f_locals
                if isinstance(snapshot, dict):  # before 3.13 (PEP 667)
                    snapshot.clear()
                frame.clear()
            tb = tb.tb_next
        gc.collect()
    finally:
        sys.unraisablehook = hook
    return True


def _ignore_unraisable(unraisable):
    pass


class EpollReader:
    """Makes the loop task itself Trio's reader of libuv's backend fd.

    ``trio.lowlevel.wait_readable`` would do, but nothing other than the fd
    can end that wait.  Here the loop task parks in
    ``wait_task_rescheduled`` with itself as the fd's ``read_task`` in
    Trio's epoll I/O manager: readiness reschedules it straight away, and
    whatever else wakes it (call_soon, a due timer) first takes it off the
    record (``waiters.read_task = None``; the C core does that, see
    ``ta_loop_take_reader``).  The fd's registration then stays armed, so
    the next park costs no ``epoll_ctl``; it is re-armed (one
    ``epoll_ctl``, as ``wait_readable`` makes) only after it fired.
    """

    __slots__ = ("waiters", "_registered", "_update", "_fd")

    def __init__(self, io_manager, waiters_type, fd):
        self.waiters = waiters_type()
        self._registered = io_manager._registered
        self._update = io_manager._update_registrations
        self._fd = fd

    def arm(self, task):
        """Record *task* as the fd's reader, before it parks."""
        waiters = self.waiters
        waiters.read_task = task
        if not waiters.current_flags:
            # New, or Trio disarmed (and forgot) the fd when it fired.
            self._registered[self._fd] = waiters
            self._update(self._fd)

    def release(self):
        """Forget the fd (when the loop task ends), as wait_readable's own
        abort does: Trio's record must not outlive libuv's loop."""
        waiters = self.waiters
        waiters.read_task = None
        if self._registered.get(self._fd) is waiters:
            self._update(self._fd)


def epoll_reader(fd):
    """An `EpollReader` for *fd* in the current Trio run, or None if Trio's
    I/O manager is not the epoll one this was written for.  Call inside
    ``trio.run``."""
    if not _allowed("trio_epoll_reader"):
        return None
    try:
        from trio._core import _io_epoll
        from trio._core._run import GLOBAL_RUN_CONTEXT
        io_manager = GLOBAL_RUN_CONTEXT.runner.io_manager
        if type(io_manager) is not _io_epoll.EpollIOManager:
            return None
        waiters_type = _io_epoll.EpollWaiters
        probe = waiters_type()
        if (probe.read_task, probe.write_task, probe.current_flags) != (
                None, None, 0):
            return None
        registered = io_manager._registered
        if not callable(io_manager._update_registrations) or (
                registered.default_factory is not waiters_type):
            return None
        if fd in registered:
            return None  # someone else waits on it: not ours to take
        return EpollReader(io_manager, waiters_type, fd)
    except Exception:
        return None


def _probe_next_send():
    if not _allowed("trio_task_next_send"):
        return False
    return hasattr(trio.lowlevel.Task, "_next_send")


#: Can ``task_next_send()`` see what Trio sends into a task next?
HAVE_NEXT_SEND = _probe_next_send()


def task_next_send(task):
    """What Trio sends (or throws) into *task* at its next step, or None.
    Valid in an Instrument's after_task_step."""
    return getattr(task, "_next_send", None)


# --------------------------------------------------------------- asyncio

class _RecordingLoop:
    """Just enough of a loop for a Task to schedule its steps on."""

    callback = None

    def get_debug(self):
        return False

    def call_soon(self, callback, *args, context=None):
        self.callback = callback


class _ForeignYield:
    """Neither a Future nor None: asyncio's Task calls it a bad yield."""


@types.coroutine
def _yield_foreign():
    yield _ForeignYield()


def _probe_step_wrapper():
    """The type of the callback with which asyncio's C Task schedules its
    steps, checked to reveal (through tp_traverse) the RuntimeError of a
    bad yield; None if that is not how this Python works."""
    if not _allowed("asyncio_step_wrapper"):
        return None
    task_type = getattr(asyncio.tasks, "_CTask", None)
    if task_type is None:
        return None  # pure-Python Tasks pass the error as an argument
    loop = _RecordingLoop()

    async def bad():
        await _yield_foreign()

    coro = bad()
    try:
        task = task_type(coro, loop=loop)
        task._log_destroy_pending = False
        first = loop.callback
        first()  # the step: a bad yield, and a new step with the error
        step = loop.callback
        errors = [o for o in gc.get_referents(step)
                  if type(o) is RuntimeError]
        if (type(step) is not type(first) or step is first
                or type(step) is types.MethodType or len(errors) != 1
                or "bad yield" not in str(errors[0])):
            return None
        return type(step)
    except Exception:
        return None
    finally:
        coro.close()


#: ``_asyncio.TaskStepMethWrapper``, or None (see INTERNALS).
STEP_WRAPPER_TYPE = _probe_step_wrapper()


_public_get_running_loop = _events.get_running_loop


def running_loop_via_public_api():
    """The fallback of ``get_running_loop_or_none``."""
    try:
        return _public_get_running_loop()
    except RuntimeError:
        return None


def _probe_running_loop():
    fn = vars(_events).get("_get_running_loop")
    if fn is not None and _allowed("asyncio_running_loop"):
        return fn
    return running_loop_via_public_api


#: asyncio's own running-loop lookup, captured before trioaio patches it:
#: the running loop or None.
get_running_loop_or_none = _probe_running_loop()

_PRIVATE_POLICY = _allowed("asyncio_policy_names")


def asyncio_name(module, name):
    """``module._name`` where it exists (the policy names of 3.14+, which
    do not warn), else ``module.name``; read from the module's dict, past
    any deprecating ``__getattr__``."""
    found = vars(module).get("_" + name) if _PRIVATE_POLICY else None
    return found if found is not None else vars(module)[name]


def quiet(fn):
    """*fn* with asyncio's policy DeprecationWarning (3.14+) silenced."""
    def call(*args):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return fn(*args)
    call.__name__ = getattr(fn, "__name__", "call")
    return call


AbstractPolicy = asyncio_name(_events, "AbstractEventLoopPolicy")
DefaultPolicy = asyncio_name(
    asyncio.windows_events if sys.platform == "win32"
    else asyncio.unix_events, "DefaultEventLoopPolicy")
#: asyncio's own current policy lookup (call before trioaio patches it).
get_policy = quiet(asyncio_name(_events, "get_event_loop_policy"))

#: Does asyncio itself look the policy up through the private functions
#: (3.14+), which trioaio must then patch too?
PATCH_PRIVATE_POLICY_FUNCTIONS = _PRIVATE_POLICY and (
    "_get_event_loop_policy" in vars(_events))


def install_global_policy(policy):
    """Make *policy* asyncio's global policy, through neither the public
    setter (which 3.14 deprecates) nor trioaio's patched one."""
    if _PRIVATE_POLICY and "_event_loop_policy" in vars(_events) and (
            hasattr(_events, "_lock")):
        with _events._lock:
            _events._event_loop_policy = policy
        return
    quiet(_ORIGINAL_SET_POLICY)(policy)


#: asyncio's own setter, captured before trioaio patches it.
_ORIGINAL_SET_POLICY = asyncio_name(_events, "set_event_loop_policy")


def child_watcher(policy):
    """The child watcher set on (or created by) asyncio's Unix *policy*,
    or None; Python 3.14 has none."""
    if not _allowed("asyncio_child_watcher"):
        return None
    return getattr(policy, "_watcher", None)


def subprocess_transport():
    """asyncio's Unix subprocess transport class."""
    return asyncio.unix_events._UnixSubprocessTransport


def ssl_protocol(*args, **kwargs):
    """asyncio's TLS protocol and the transport it gives the application:
    (SSLProtocol(*args, **kwargs), its app transport); None when avoided."""
    if not _allowed("asyncio_ssl_protocol"):
        return None
    from asyncio import sslproto
    proto = sslproto.SSLProtocol(*args, **kwargs)
    return proto, proto._app_transport
