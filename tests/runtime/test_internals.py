"""trioaio's reliance on private names of Trio and CPython (_internals.py).

Each ``test_present_*`` fails, naming the internal and its fallback, when a
new Trio or CPython changes it: trioaio then still works (on the fallback,
slower), and trioaio/_internals.py (and runtime/src/internals.h) need a
look.  The fallbacks are tested by forcing them: in-process where the C core
can be reconfigured, and with the whole runtime suite in a subprocess under
``TRIOAIO_AVOID_INTERNALS=all``.
"""
import asyncio
import os
import ssl
import subprocess
import sys
import time

import pytest
import sniffio
import trio
import trio.testing

import trioaio
from trioaio import _boundary, _core, _internals

from _testbase import run_in_loop, run_trio

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def _require(name, ok):
    if name in _internals.AVOIDED:
        pytest.skip("%s is forced off (TRIOAIO_AVOID_INTERNALS)" % name)
    what, without = _internals.INTERNALS[name]
    assert ok, (
        "a private internal changed: %s.  trioaio falls back: %s.  Look at "
        "trioaio/_internals.py and runtime/src/internals.h." % (what,
                                                               without))


def test_every_internal_is_in_the_docs():
    with open(os.path.join(ROOT, "docs", "internals.md")) as f:
        text = f.read()
    missing = [n for n in _internals.INTERNALS if "`%s`" % n not in text]
    assert not missing, "docs/internals.md does not list %s" % missing


def test_every_internal_has_a_test_here():
    names = {n[len("test_present_"):] for n in globals()
             if n.startswith("test_present_")}
    assert names == set(_internals.INTERNALS)


def test_present_trio_run_queue():
    async def main():
        runq = _internals.trio_run_queue()
        if runq is None:
            return False
        async with trio.open_nursery() as nursery:
            before = len(runq)
            nursery.start_soon(trio.sleep, 0)
            return len(runq) == before + 1
    _require("trio_run_queue", run_trio(main))


def test_present_trio_system_clock():
    async def main(loop):
        # The fast path is taken only if Trio's default clock is that type.
        return (type(trio.lowlevel.current_clock()) is _internals.SYSTEM_CLOCK
                and abs(loop.time() - trio.current_time()) < 0.01)
    _require("trio_system_clock", _internals.SYSTEM_CLOCK is not None
             and run_in_loop(main))


class _FromAHandler(Exception):
    pass


def _raise_from_a_handler(signum, frame):
    raise _FromAHandler


def test_present_trio_abandoned_run():
    # A signal handler raises while Trio waits for I/O: trio.run() lets the
    # error out without finishing, and only finishing the run lets a new
    # one start in this thread.
    import signal
    import threading
    if "trio_abandoned_run" in _internals.AVOIDED:
        # Abandoning a run here would leave its tasks to the collector.
        pytest.skip("trio_abandoned_run is forced off")
    previous = signal.signal(signal.SIGUSR2, _raise_from_a_handler)
    try:
        threading.Timer(0.1, os.kill, (os.getpid(), signal.SIGUSR2)).start()
        with pytest.raises(_FromAHandler) as info:
            trio.run(trio.sleep, 30)
        found = _internals.finish_abandoned_trio_run(info.value)
    finally:
        signal.signal(signal.SIGUSR2, previous)
    _require("trio_abandoned_run", found)
    assert trio.run(trio.sleep, 0) is None


def test_an_error_not_from_an_abandoned_run_finds_nothing_to_finish():
    # Raised outside trio.run, or by a run that finished normally: no
    # run's generator on the traceback, nothing to close.
    def fails():
        raise LookupError("not Trio's")
    with pytest.raises(LookupError) as outside:
        fails()

    async def main():
        raise LookupError("from a task")
    with pytest.raises(LookupError) as finished:
        trio.run(main)
    assert _internals.finish_abandoned_trio_run(outside.value) is False
    assert _internals.finish_abandoned_trio_run(finished.value) is False
    assert _internals.finish_abandoned_trio_run(LookupError()) is False
    assert trio.run(trio.sleep, 0) is None


@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="Trio uses epoll on Linux only")
def test_present_trio_epoll_reader():
    async def main(loop):
        # The parked loop took libuv's backend fd as its own Trio read.
        await trio.testing.wait_all_tasks_blocked()
        reader = loop._epoll_reader
        return reader is not None and reader.waiters.current_flags != 0
    _require("trio_epoll_reader", run_in_loop(main))


def test_present_trio_task_next_send():
    _require("trio_task_next_send", _internals.HAVE_NEXT_SEND)


def test_present_asyncio_step_wrapper():
    tp = _internals.STEP_WRAPPER_TYPE
    _require("asyncio_step_wrapper",
             tp is not None and tp.__name__ == "TaskStepMethWrapper")


def test_present_asyncio_running_loop():
    _require("asyncio_running_loop",
             _internals.get_running_loop_or_none
             is not _internals.running_loop_via_public_api
             and "_get_running_loop" in asyncio.events.__all__)


def test_present_asyncio_policy_names():
    events = vars(asyncio.events)
    ok = "_lock" in events and "_event_loop_policy" in events and (
        isinstance(events["_event_loop_policy"], trioaio.TrioPolicy))
    if sys.version_info >= (3, 14):
        ok = ok and all(n in events for n in (
            "_get_event_loop_policy", "_set_event_loop_policy",
            "_AbstractEventLoopPolicy")) and (
            "_DefaultEventLoopPolicy" in vars(asyncio.unix_events))
    _require("asyncio_policy_names", ok)


@pytest.mark.skipif(sys.version_info >= (3, 14),
                    reason="Python 3.14 has no child watchers")
def test_present_asyncio_child_watcher():
    policy = _internals.DefaultPolicy()
    _require("asyncio_child_watcher", hasattr(policy, "_watcher")
             and _internals.child_watcher(policy) is None)


def test_present_asyncio_subprocess_transport():
    ok = True
    try:
        tp = _internals.subprocess_transport()
        ok = all(callable(getattr(tp, n, None))
                 for n in ("_process_exited", "_wait", "get_pid"))
    except AttributeError:
        ok = False
    _require("asyncio_subprocess_transport", ok)


def test_present_asyncio_ssl_protocol():
    loop = asyncio.SelectorEventLoop()
    try:
        made = _internals.ssl_protocol(
            loop, asyncio.Protocol(), ssl.create_default_context(), None)
        ok = made is not None and made[1] is made[0]._app_transport and \
            isinstance(made[1], asyncio.Transport)
    except (AttributeError, TypeError):
        ok = False
    finally:
        loop.close()
    _require("asyncio_ssl_protocol", ok)


def test_present_asyncio_loop_methods():
    loop = asyncio.SelectorEventLoop()
    try:
        missing = [n for n in _internals.LOOP_MEMBERS
                   if not hasattr(loop, n)]
    finally:
        loop.close()
    _require("asyncio_loop_methods", not missing)


@pytest.mark.parametrize("module, name", [
    ("_asyncio", "_get_running_loop"),
    ("_asyncio", "_set_running_loop"),
    ("asyncio.format_helpers", "_format_callback_source"),
    ("asyncio.base_events", "_format_handle"),
])
def test_the_private_names_the_c_core_imports_exist(module, name):
    mod = __import__(module, fromlist=[name])
    assert callable(getattr(mod, name, None)), (
        "CPython no longer has %s.%s, which runtime/src/module.c imports"
        % (module, name))


def test_an_unknown_internal_name_is_refused_with_the_valid_ones():
    with pytest.raises(ValueError, match="nope.*trio_run_queue"):
        _internals._avoided({"TRIOAIO_AVOID_INTERNALS": "trio_run_queue,nope"})
    assert _internals._avoided(
        {"TRIOAIO_AVOID_INTERNALS": "all"}) == set(_internals.INTERNALS)


# ------------------------------------------------------------ fallbacks

def test_zero_offset_clock_is_perf_counter_and_sleeps():
    async def main():
        now = trio.current_time()
        await trio.sleep(0.01)
        return now, trio.current_time()

    before = time.perf_counter()
    start, end = trio.run(main, clock=_internals.ZeroOffsetClock())
    assert before <= start <= end <= time.perf_counter()
    assert end - start >= 0.01


def test_sync_loop_time_is_continuous_on_the_public_clock(monkeypatch):
    monkeypatch.setattr(_internals, "SYSTEM_CLOCK", None)
    loop = asyncio.new_event_loop()
    try:
        async def now():
            return loop.time(), type(trio.lowlevel.current_clock())

        first, clock_type = loop.run_until_complete(now())
        second, _ = loop.run_until_complete(now())
        assert clock_type is _internals.ZeroOffsetClock
        assert first <= second <= time.perf_counter()
        fired = []
        loop.call_later(0.01, fired.append, 1)
        loop.run_until_complete(asyncio.sleep(0.02))
        assert fired == [1]
    finally:
        loop.close()


def _configure(step_wrapper_type):
    _core._configure(trio.lowlevel.reschedule, _internals.SYSTEM_CLOCK,
                     sniffio.thread_local, _boundary.rewrite_bad_yield,
                     step_wrapper_type)


def _bad_yield_message(task_factory=None):
    async def aio_side():
        try:
            await trio.sleep(0)
        except RuntimeError as exc:
            return str(exc)

    async def main(loop):
        if task_factory is not None:
            loop.set_task_factory(task_factory)
        return await trioaio.aio_as_trio(aio_side)()
    return run_in_loop(main)


@pytest.mark.parametrize("known_type", [True, False],
                         ids=["step-wrapper-type", "fallback"])
def test_bad_yield_names_the_shim_with_and_without_the_wrapper_type(
        known_type):
    _configure(_internals.STEP_WRAPPER_TYPE if known_type else None)
    try:
        message = _bad_yield_message()
    finally:
        _configure(_internals.STEP_WRAPPER_TYPE)
    assert "trio_as_aio" in message, message


def test_bad_yield_of_the_pure_python_task_names_the_shim():
    py_task = getattr(asyncio.tasks, "_PyTask", None)
    if py_task is None:
        pytest.skip("this Python has no pure-Python Task")
    message = _bad_yield_message(
        lambda loop, coro, **kw: py_task(coro, loop=loop, **kw))
    assert "trio_as_aio" in message, message


def test_forced_fallbacks_are_really_taken():
    if set(_internals.AVOIDED) != set(_internals.INTERNALS):
        pytest.skip("run by test_the_runtime_suite_passes_on_the_fallbacks")
    assert _internals.SYSTEM_CLOCK is None
    assert _internals.STEP_WRAPPER_TYPE is None
    assert not _internals.HAVE_NEXT_SEND
    assert run_trio(_async_run_queue) is None
    assert (_internals.get_running_loop_or_none
            is _internals.running_loop_via_public_api)
    assert not _internals.PATCH_PRIVATE_POLICY_FUNCTIONS
    assert _internals.child_watcher(_internals.DefaultPolicy()) is None


async def _async_run_queue():
    return _internals.trio_run_queue()


@pytest.mark.skipif(bool(_internals.AVOIDED), reason="this is the sub-run")
def test_the_runtime_suite_passes_on_the_fallbacks():
    env = dict(os.environ, TRIOAIO_AVOID_INTERNALS="all")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
         "--rootdir", ROOT, os.path.join(ROOT, "tests", "runtime"),
         os.path.join(ROOT, "examples")],
        env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout
