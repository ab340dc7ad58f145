"""Stopping and interrupting a loop driven from synchronous code.

Asyncio's own behaviour, written once: bound here to stock asyncio (and,
for the signal tests, uvloop), and in test_sync_conformance.py to trioaio's
synchronous loop.  A case says how to
make its loop twice: ``new_loop()`` in this process, and ``loop_source``, a
Python expression (with the imports in ``loop_imports``) that makes one in
a child process.

The signal tests run a child process: a signal must reach a loop that idles
in the main thread, and the child restores Python's default SIGINT handler
itself, because a shell's background job starts with SIGINT ignored.
"""
import asyncio
import socket
import subprocess
import sys
import textwrap

import pytest

from _testbase import TIMEOUT, AsyncioCase

pytestmark = pytest.mark.skipif(sys.platform == "win32",
                                reason="POSIX signals and fds")

# What every child script starts with, before its loop is made.
_PRELUDE = """\
import asyncio, os, signal, sys, threading
signal.signal(signal.SIGINT, signal.default_int_handler)


def send_later(sig):
    # From another thread, so that the signal finds the loop idle.
    threading.Timer(0.2, os.kill, (os.getpid(), sig)).start()
"""


class _TestRunControl:

    loop_imports = ""
    loop_source = None
    # Can a run that a signal handler's error abandoned be finished at
    # once (trioaio: only with a Trio internal; see _internals.py)?
    abandoned_runs_finish = True

    def run_child(self, body):
        """Run *body* in a child process whose `loop` is this case's loop;
        return (exit status, stdout lines, stderr)."""
        script = "%s%s\nloop = %s\n%s" % (
            _PRELUDE, self.loop_imports, self.loop_source,
            textwrap.dedent(body))
        try:
            done = subprocess.run([sys.executable, "-c", script],
                                  capture_output=True, text=True,
                                  timeout=TIMEOUT)
        except subprocess.TimeoutExpired as exc:
            err = exc.stderr or b""
            if isinstance(err, bytes):
                err = err.decode(errors="replace")
            pytest.fail("the child hung (no reaction to the signal?): " + err)
        return done.returncode, done.stdout.splitlines(), done.stderr

    # --------------------------------------------------------------- Ctrl-C

    def test_ctrl_c_interrupts_run_until_complete_at_once(self):
        # The signal arrives while the loop waits for a task that would take
        # an hour: KeyboardInterrupt comes out of run_until_complete() at
        # once, the task stays pending, and the loop stays usable.
        status, out, err = self.run_child("""
            task = loop.create_task(asyncio.sleep(3600))
            send_later(signal.SIGINT)
            try:
                loop.run_until_complete(task)
            except KeyboardInterrupt:
                print("interrupted")
            print("running" if loop.is_running() else "stopped")
            print("pending" if not task.done() else "done")
            print(loop.run_until_complete(asyncio.sleep(0, "usable")))
            task.cancel()
            loop.run_until_complete(asyncio.wait([task]))
            loop.close()
            print("closed")
        """)
        assert (status, out) == (
            0, ["interrupted", "stopped", "pending", "usable", "closed"]), err

    def test_ctrl_c_interrupts_run_forever_at_once(self):
        status, out, err = self.run_child("""
            send_later(signal.SIGINT)
            try:
                loop.run_forever()
            except KeyboardInterrupt:
                print("interrupted")
            print("running" if loop.is_running() else "stopped")
            print(loop.run_until_complete(asyncio.sleep(0, "usable")))
            loop.close()
            print("closed")
        """)
        assert (status, out) == (
            0, ["interrupted", "stopped", "usable", "closed"]), err

    def test_ctrl_c_in_a_runner_cancels_the_main_task_first(self):
        # asyncio.Runner (and asyncio.run) turn the first SIGINT into a
        # cancellation of the main task, then raise KeyboardInterrupt.
        status, out, err = self.run_child("""
            async def main():
                try:
                    await asyncio.sleep(3600)
                except asyncio.CancelledError:
                    print("cancelled")
                    raise

            send_later(signal.SIGINT)
            try:
                with asyncio.Runner(loop_factory=lambda: loop) as runner:
                    runner.run(main())
            except KeyboardInterrupt:
                print("interrupted")
            print("closed" if loop.is_closed() else "open")
        """)
        assert (status, out) == (0, ["cancelled", "interrupted", "closed"]), err

    # ------------------------------------------- errors of signal handlers

    def test_a_signal_handler_that_exits_while_the_loop_idles(self):
        # The common `signal.signal(SIGTERM, lambda *a: sys.exit(0))`: the
        # SystemExit comes out of the run, the loop is stopped (it can be
        # run again and closed) and the process exits with status 0.
        if not self.abandoned_runs_finish:
            pytest.skip("a new run needs the abandoned one finished")
        status, out, err = self.run_child("""
            signal.signal(signal.SIGTERM, lambda *args: sys.exit(0))
            send_later(signal.SIGTERM)
            try:
                loop.run_forever()
            except SystemExit:
                print("exiting")
                print("running" if loop.is_running() else "stopped")
                print(loop.run_until_complete(asyncio.sleep(0, "usable")))
                loop.close()
                print("closed")
                raise
        """)
        assert (status, out) == (
            0, ["exiting", "stopped", "usable", "closed"]), err
        assert err == ""

    def test_a_signal_handler_that_exits_ends_the_program_cleanly(self):
        # The same without any handling: the program just ends, status 0.
        if not self.abandoned_runs_finish:
            pytest.skip("the abandoned run's tasks report when collected")
        status, out, err = self.run_child("""
            signal.signal(signal.SIGTERM, lambda *args: sys.exit(0))
            send_later(signal.SIGTERM)
            try:
                loop.run_until_complete(asyncio.sleep(3600))
            finally:
                loop.close()
                print("closed")
        """)
        assert (status, out, err) == (0, ["closed"], "")

    # ----------------------------------------------------------- stopping

    def test_stop_in_an_io_callback_ends_the_run_after_this_iteration(self):
        # asyncio: stop() ends the run once the current iteration is over.
        # Each ready fd's callback runs once in it; what the callbacks
        # schedule waits for the next run.
        loop = self.new_loop()
        a, b = socket.socketpair()
        calls = []
        try:
            b.send(b"ready to read")

            def on_writable():
                calls.append("write")
                a.send(b"x")
                loop.call_soon(calls.append, "scheduled")
                loop.stop()

            def on_readable():
                calls.append("read")
                a.recv(100)

            loop.add_writer(a, on_writable)
            loop.add_reader(a, on_readable)
            loop.run_forever()
            assert sorted(calls) == ["read", "write"]
            loop.remove_writer(a)
            loop.remove_reader(a)
            loop.run_until_complete(asyncio.sleep(0))
            assert calls[2:] == ["scheduled"]
        finally:
            loop.close()
            a.close()
            b.close()

    # ------------------------------------------------------ introspection

    def test_internal_fds_count_the_wakeup_fd(self):
        # asyncio's selector loops count their self-pipe; code and tests
        # (CPython's test_internal_fds) read the count.
        loop = self.new_loop()
        try:
            assert loop._internal_fds == 1
            loop.run_until_complete(asyncio.sleep(0))
            assert loop._internal_fds == 1
        finally:
            loop.close()
        assert loop._internal_fds == 0


class TestRunControl_asyncio(_TestRunControl, AsyncioCase):
    loop_source = "asyncio.SelectorEventLoop()"


class TestRunControl_uvloop(_TestRunControl, AsyncioCase):
    """uvloop reacts to signals as asyncio does; its stop() and its
    introspection are its own, so those two tests are asyncio's only."""

    impl_name = "uvloop"
    loop_imports = "import uvloop"
    loop_source = "uvloop.new_event_loop()"

    def setup_method(self, method):
        super().setup_method(method)
        pytest.importorskip("uvloop")

    def test_stop_in_an_io_callback_ends_the_run_after_this_iteration(self):
        pytest.skip("uvloop runs a stopped iteration its own way")

    def test_internal_fds_count_the_wakeup_fd(self):
        pytest.skip("uvloop has no _internal_fds")
