"""trioaio's synchronous loop against asyncio's behaviour: the
asyncio-behaviour mixins of the other test modules bound to it, and the
loop's own guarantees (restart, errors, signals, threads).  The
implementation-neutral sync-loop tests are in test_sync_loop.py."""
import asyncio
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import trio

import trioaio
from trioaio import _internals
from _testbase import (TIMEOUT, IS_REFERENCE, RunUntilCompleteCase,
                       needs_internal)
import test_callbacks
import test_edges
import test_io
import test_run_control
from test_io import tls  # noqa: F401  (the TLS mixin's fixture)

pytestmark = pytest.mark.skipif(
    IS_REFERENCE, reason="runs trioaio's synchronous loop")


class SyncTrioAioCase(RunUntilCompleteCase):
    """trioaio's synchronous loop, driven like a stock asyncio loop."""

    impl_name = "trioaio"

    def new_loop(self):
        return trioaio.SyncTrioEventLoop()


class TestCallbacks_sync(test_callbacks._TestCallbacks, SyncTrioAioCase):
    pass


class TestEdges_sync(test_edges._TestEdges, SyncTrioAioCase):
    pass


class TestFds_sync(test_io._TestFds, SyncTrioAioCase):
    pass


class TestSockets_sync(test_io._TestSockets, SyncTrioAioCase):
    pass


class TestStreams_sync(test_io._TestStreams, SyncTrioAioCase):
    pass


class TestTLS_sync(test_io._TestTLS, SyncTrioAioCase):
    pass


class TestBulk_sync(test_io._TestBulk, SyncTrioAioCase):
    pass


class TestSubprocess_sync(test_io._TestSubprocess, SyncTrioAioCase):
    pass


class TestRunControl_sync(test_run_control._TestRunControl, SyncTrioAioCase):
    loop_imports = "import trioaio"
    loop_source = "trioaio.SyncTrioEventLoop()"
    abandoned_runs_finish = "trio_abandoned_run" not in _internals.AVOIDED


async def answer(x=21):
    await asyncio.sleep(0.001)
    return 2 * x


def test_asyncio_entry_points_give_trioaio_loops():
    loop = asyncio.new_event_loop()
    try:
        assert isinstance(loop, trioaio.SyncTrioEventLoop)
    finally:
        loop.close()
    assert asyncio.run(answer()) == 42
    with asyncio.Runner() as runner:
        assert isinstance(runner.get_loop(), trioaio.SyncTrioEventLoop)
        assert runner.run(answer(1)) == 2


@pytest.mark.skipif(IS_REFERENCE, reason="trio-asyncio 0.16 predates 3.14")
def test_entry_points_raise_no_deprecation_warning():
    # Python 3.14 deprecates the policy system; trioaio must install itself
    # without tripping it (the check is meaningful there, and holds on
    # every version).
    import subprocess
    script = (
        "import asyncio, trioaio\n"
        "async def main():\n"
        "    return type(asyncio.get_running_loop()).__name__\n"
        "assert asyncio.run(main()) == 'SyncTrioEventLoop'\n"
        "with asyncio.Runner() as runner:\n"
        "    runner.run(main())\n"
        "loop = asyncio.new_event_loop()\n"
        "asyncio.set_event_loop(loop)\n"
        "assert asyncio.get_event_loop() is loop\n"
        "asyncio.set_event_loop(None)\n"
        "loop.close()\n")
    done = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", "-c", script],
        capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr


@pytest.mark.skipif(not (3, 12) <= sys.version_info < (3, 14),
                    reason="asyncio warns 'no current event loop' on 3.12-3.13")
@pytest.mark.parametrize("setup, call", [
    ("", "asyncio.get_event_loop()"),
    ("asyncio.set_event_loop_policy(asyncio.DefaultEventLoopPolicy())",
     "asyncio.get_event_loop()"),
    ("", "asyncio.get_event_loop_policy().get_event_loop()"),
    # CPython's TestCGetEventLoop: its C function, a policy of the user's.
    ("asyncio.set_event_loop_policy(asyncio.DefaultEventLoopPolicy())",
     "asyncio.events._c_get_event_loop()"),
])
def test_no_current_loop_warning_points_at_the_caller(tmp_path, setup, call):
    # asyncio attributes it to the first frame outside asyncio: the line
    # that called get_event_loop(), never a trioaio frame in between.
    script = tmp_path / "caller.py"
    script.write_text(
        "import asyncio, warnings, trioaio\n"
        + setup + "\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    loop = " + call + "\n"
        "loop.close()\n"
        "[w] = [w for w in caught if 'no current event loop' in str(w.message)]\n"
        "print(w.filename, w.lineno)\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True,
                          text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "%s 5\n" % script


@pytest.mark.skipif(sys.version_info < (3, 14),
                    reason="the policy system is deprecated from 3.14")
def test_deprecated_policy_calls_still_warn_as_asyncio_does():
    with pytest.warns(DeprecationWarning, match="get_event_loop_policy"):
        policy = asyncio.get_event_loop_policy()
    with pytest.warns(DeprecationWarning, match="set_event_loop_policy"):
        asyncio.set_event_loop_policy(policy)
    asyncio.events._set_event_loop_policy(None)


def test_restartable_with_state_kept_between_runs():
    loop = asyncio.new_event_loop()
    try:
        assert loop.run_until_complete(answer()) == 42
        assert not loop.is_running()
        fired = []
        loop.call_later(0.01, fired.append, "timer")
        loop.call_soon(fired.append, "soon")
        loop.call_later(0.02, loop.stop)
        t0 = loop.time()
        loop.run_forever()
        assert fired == ["soon", "timer"]
        assert loop.time() - t0 >= 0.02
        # stop() before a run: the run does what is queued, then stops.
        loop.call_soon(fired.append, "queued")
        loop.stop()
        loop.run_forever()
        assert fired[-1] == "queued"
        assert loop.run_until_complete(answer(5)) == 10
    finally:
        loop.close()
    assert loop.is_closed()
    with pytest.raises(RuntimeError, match="closed"):
        loop.call_soon(print)


def test_trio_code_inside_a_sync_run():
    async def trio_part(x):
        await trio.sleep(0.001)
        return x + 1

    async def aio_part():
        return await trioaio.trio_as_aio(trio_part)(41)

    loop = asyncio.new_event_loop()
    try:
        assert loop.run_until_complete(aio_part()) == 42
        # run_task() of the original trio-asyncio README: a Trio function
        # with the loop active.
        async def trio_main(x):
            return await trioaio.aio_as_trio(answer)(x)
        assert loop.run_task(trio_main, 4) == 8
    finally:
        loop.close()


def test_errors_propagate_bare_like_asyncio():
    class Boom(Exception):
        pass

    async def fail():
        await asyncio.sleep(0)
        raise Boom("boom")

    with pytest.raises(Boom):
        asyncio.run(fail())

    async def leave():
        raise SystemExit(3)

    with pytest.raises(SystemExit) as info:
        asyncio.run(leave())
    assert info.value.code == 3


def test_nesting_and_running_inside_trio_fail_like_asyncio():
    loop = asyncio.new_event_loop()
    try:
        async def nested():
            coro = asyncio.sleep(0)
            try:
                loop.run_until_complete(coro)
            finally:
                coro.close()

        with pytest.raises(RuntimeError, match="already running"):
            loop.run_until_complete(nested())
    finally:
        loop.close()

    other = trioaio.SyncTrioEventLoop()

    async def inside_trio():
        with pytest.raises(RuntimeError, match="another loop is running"):
            other.run_forever()
        with pytest.raises(RuntimeError, match="open_loop"):
            asyncio.new_event_loop()

    try:
        trio.run(inside_trio)
    finally:
        other.close()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_reaches_the_caller():
    async def interrupted():
        await asyncio.sleep(0.01)
        signal.raise_signal(signal.SIGINT)
        await asyncio.sleep(5)

    loop = asyncio.new_event_loop()
    try:
        t0 = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            loop.run_until_complete(interrupted())
        assert time.monotonic() - t0 < 4
    finally:
        loop.close()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_signal_handler_stays_across_runs():
    loop = asyncio.new_event_loop()
    got = []
    try:
        loop.add_signal_handler(signal.SIGUSR1, got.append, "usr1")
        for _ in range(2):
            async def poke():
                os.kill(os.getpid(), signal.SIGUSR1)
                for _ in range(100):
                    await asyncio.sleep(0.001)
                    if len(got) > len(seen):
                        return
            seen = list(got)
            loop.run_until_complete(poke())
        assert got == ["usr1", "usr1"]
        assert loop.remove_signal_handler(signal.SIGUSR1)
    finally:
        loop.close()
    assert signal.getsignal(signal.SIGUSR1) == signal.SIG_DFL


def test_a_sync_loop_in_another_thread():
    results = []

    def worker():
        loop = asyncio.new_event_loop()
        try:
            results.append(loop.run_until_complete(answer(10)))
            fut = loop.create_future()
            threading.Timer(0.01, loop.call_soon_threadsafe,
                            (fut.set_result, "woken")).start()
            results.append(loop.run_until_complete(fut))
        finally:
            loop.close()

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(TIMEOUT)
    assert not thread.is_alive()
    assert results == [20, "woken"]


def test_attaching_keeps_a_watcher_that_waits_for_the_loop():
    # When a run starts, wakeups sent while the loop was stopped may leave
    # libuv's backend fd readable, so the new run's watcher can fire (and
    # wait for the loop to drain libuv) before the loop task attaches.
    # Attaching must not forget that the watcher waits: it would never be
    # resumed, and the run would miss every later cross-thread wakeup.
    loop = trioaio.SyncTrioEventLoop()
    try:
        loop._core_io_ready()  # what the watcher does on readiness
        assert loop._core_stats()["watcher_waiting"] == 1

        async def attach():
            task = trio.lowlevel.current_task()
            loop._core_attach(task, task, trio.lowlevel.current_clock(),
                              None)
            try:
                return loop._core_stats()["watcher_waiting"]
            finally:
                loop._core_watcher_abort()
                loop._core_detach()

        assert trio.run(attach) == 1
    finally:
        loop.close()


def _run_in_thread(target, name):
    thread = threading.Thread(target=target, name=name)
    thread.start()
    thread.join(TIMEOUT)
    assert not thread.is_alive()


def _ran_once():
    loop = asyncio.new_event_loop()
    loop.run_until_complete(asyncio.sleep(0))
    return loop


@pytest.mark.skipif(IS_REFERENCE, reason="trioaio's own report")
def test_a_loop_left_open_reports_when_its_thread_ends():
    kept = []
    with pytest.warns(RuntimeWarning, match=r"never closed.*thread "
                      r"'forgetful' ended.*loop\.close\(\)") as record:
        _run_in_thread(lambda: kept.append(_ran_once()), "forgetful")
    assert [str(w.filename) for w in record
            if "never closed" in str(w.message)] == ["<thread forgetful>"]
    kept[0].close()  # the report leaves the loop usable and closable


@pytest.mark.skipif(IS_REFERENCE, reason="trioaio's own report")
def test_closed_or_handed_back_loops_are_not_reported(recwarn):
    def tidy():
        _ran_once().close()

    _run_in_thread(tidy, "tidy")
    # A worker runs the loop, the main thread takes it over before the
    # worker ends: the main thread answers for it now.
    loop = asyncio.new_event_loop()
    ran, taken_over = threading.Event(), threading.Event()

    def lend():
        loop.run_until_complete(asyncio.sleep(0))
        ran.set()
        taken_over.wait(TIMEOUT)

    lender = threading.Thread(target=lend, name="lender")
    lender.start()
    try:
        assert ran.wait(TIMEOUT)
        assert loop.run_until_complete(answer(1)) == 2
        taken_over.set()
        lender.join(TIMEOUT)
    finally:
        taken_over.set()
        loop.close()
    assert not [w for w in recwarn if "never closed" in str(w.message)]


@pytest.mark.skipif(IS_REFERENCE, reason="trioaio's own report")
def test_a_leaked_thread_loop_does_not_hold_up_exit():
    # The whole program: the warning reaches stderr, and the process ends
    # at once with status 0.
    script = (
        "import asyncio, threading, trioaio\n"
        "def work():\n"
        "    asyncio.new_event_loop().run_until_complete(asyncio.sleep(0))\n"
        "t = threading.Thread(target=work, name='worker')\n"
        "t.start(); t.join()\n"
        "loop = asyncio.new_event_loop()\n"  # main thread: not reported
        "loop.run_until_complete(asyncio.sleep(0))\n"
        "print('finished')\n")
    import subprocess
    done = subprocess.run([sys.executable, "-c", script], capture_output=True,
                          text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "finished\n"
    assert done.stderr.count("never closed") == 1
    assert "thread 'worker' ended" in done.stderr


@pytest.mark.skipif(sys.platform == "win32" or sys.version_info >= (3, 14),
                    reason="asyncio child watchers (POSIX, Python < 3.14)")
@needs_internal("asyncio_child_watcher", "see child watchers")
def test_an_explicit_child_watcher_is_honoured(recwarn):
    # asyncio refuses to start a child when the watcher set with
    # set_child_watcher() is not active; so does trioaio, rather than
    # silently reaping it elsewhere.
    from unittest import mock
    # The watcher asyncio checks inside `with watcher:` is what __enter__
    # returns up to 3.11, the watcher itself from 3.12 on (an autospec
    # mock's __enter__ returns a new mock).  The one checked is inactive,
    # the other active: using the wrong one starts the child.
    checks_entered = sys.version_info < (3, 12)

    class Watcher(asyncio.AbstractChildWatcher):
        add_child_handler = mock.Mock()
        remove_child_handler = attach_loop = close = mock.Mock()

        def __init__(self, active):
            self.active = active

        def is_active(self):
            return self.active

        def __enter__(self):
            return Watcher(not checks_entered)

        def __exit__(self, *exc):
            pass

    async def spawn():
        asyncio.set_child_watcher(Watcher(checks_entered))
        with pytest.raises(RuntimeError, match="not activated"):
            await asyncio.create_subprocess_exec(sys.executable, "-c", "")

    try:
        asyncio.run(spawn())
        assert not Watcher.add_child_handler.called
    finally:
        asyncio.set_event_loop_policy(None)  # a fresh policy, no watcher
    # With no watcher, trioaio reaps the child itself.
    async def spawn_and_wait():
        proc = await asyncio.create_subprocess_exec(sys.executable, "-c", "")
        return await proc.wait()

    assert asyncio.run(spawn_and_wait()) == 0


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_child_forked_inside_a_run_is_outside_trio():
    # The parent's trio.run cannot go on in the child: there, asyncio's
    # lookups behave as outside Trio (as CPython's TestFork expects).
    r, w = os.pipe()

    async def fork_here():
        pid = os.fork()
        if pid == 0:
            try:
                import warnings
                with warnings.catch_warnings():  # deprecated on 3.14
                    warnings.simplefilter("ignore", DeprecationWarning)
                    policy = asyncio.get_event_loop_policy()
                os.write(w, b"inside" if isinstance(
                    policy, trioaio.TrioPolicy) else b"outside")
            except BaseException as exc:
                os.write(w, ascii(exc).encode()[:200])
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        return os.read(r, 200)

    loop = asyncio.new_event_loop()
    try:
        assert loop.run_until_complete(fork_here()) == b"outside"
    finally:
        loop.close()
        os.close(r)
        os.close(w)
