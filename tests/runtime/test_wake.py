"""The one-hop wake: whatever has work for a parked loop (call_soon, I/O on
a watched fd, a due timer, call_soon_threadsafe from another thread)
resumes the loop task itself, in one Trio task step, and a park makes no
Trio object (docs/internals.md, "Waking a parked loop")."""
import socket
import sys
import threading

import pytest
import trio
import trio.testing

from _testbase import needs_internal, run_in_loop, trioaio_only

pytestmark = trioaio_only


class _Steps(trio.abc.Instrument):
    """The tasks Trio steps, in order, with markers put in between."""

    def __init__(self):
        self.log = []

    def before_task_step(self, task):
        self.log.append(task)


def _run_with(instrument, fn):
    async def main():
        trio.lowlevel.add_instrument(instrument)
        try:
            return await fn()
        finally:
            trio.lowlevel.remove_instrument(instrument)
    return main


def _wake_then_steps(steps, driver):
    """For each "cb" marker in the log: how many task steps ran between
    the driver's last step and the callback."""
    gaps = []
    last_driver = -1  # the driver's step that added the instrument
    for i, entry in enumerate(steps.log):
        if entry is driver:
            last_driver = i
        elif entry == "cb":
            gaps.append(i - last_driver - 1)
    return gaps


def _socketpair():
    a, b = socket.socketpair()
    a.setblocking(False)
    b.setblocking(False)
    return a, b


N = 50


@needs_internal("trio_epoll_reader", "let Trio's I/O wake the loop task")
@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="Trio uses epoll on Linux only")
def test_an_io_wakeup_takes_one_task_step():
    steps = _Steps()

    async def body(loop):
        driver = trio.lowlevel.current_task()
        a, b = _socketpair()
        waiting = [None]

        def readable():
            b.recv(64)
            steps.log.append("cb")
            waiting[0].set()

        loop.add_reader(b.fileno(), readable)
        try:
            await trio.testing.wait_all_tasks_blocked()
            trio.lowlevel.add_instrument(steps)
            for _ in range(N):
                done = waiting[0] = trio.Event()
                a.send(b"x")
                await done.wait()
                # The loop parks again before the next byte.
                await trio.testing.wait_all_tasks_blocked()
        finally:
            trio.lowlevel.remove_instrument(steps)
            loop.remove_reader(b.fileno())
            a.close()
            b.close()
        return driver, loop._task

    driver, loop_task = run_in_loop(body)
    gaps = _wake_then_steps(steps, driver)
    assert len(gaps) == N
    # Driver writes and waits; the very next step is the loop task's, which
    # runs the reader (no watcher task in between).
    assert gaps == [1] * N
    woken = {e for e in steps.log if e not in ("cb", driver)}
    assert woken == {loop_task}


def test_a_call_soon_wakeup_takes_one_task_step():
    steps = _Steps()

    async def body(loop):
        driver = trio.lowlevel.current_task()
        await trio.testing.wait_all_tasks_blocked()
        trio.lowlevel.add_instrument(steps)
        try:
            for _ in range(N):
                done = trio.Event()

                def callback(done=done):
                    steps.log.append("cb")
                    done.set()

                loop.call_soon(callback)
                await done.wait()
        finally:
            trio.lowlevel.remove_instrument(steps)
        return driver

    driver = run_in_loop(body)
    assert _wake_then_steps(steps, driver) == [1] * N


@needs_internal("trio_epoll_reader", "let Trio's I/O wake the loop task")
def test_a_threadsafe_wakeup_takes_one_task_step():
    steps = _Steps()

    async def body(loop):
        driver = trio.lowlevel.current_task()
        await trio.testing.wait_all_tasks_blocked()
        go, woke = threading.Event(), []
        done = trio.Event()
        token = trio.lowlevel.current_trio_token()

        def callback():
            steps.log.append("cb")
            woke.append(threading.get_ident())
            if len(woke) < N:
                # The loop parks again before the thread's next wakeup.
                token.run_sync_soon(go.set)
            else:
                done.set()

        def thread():
            for _ in range(N):
                go.wait(5)
                go.clear()
                loop.call_soon_threadsafe(callback)

        t = threading.Thread(target=thread)
        trio.lowlevel.add_instrument(steps)
        try:
            t.start()
            go.set()
            with trio.fail_after(5):
                await done.wait()
        finally:
            trio.lowlevel.remove_instrument(steps)
            t.join(5)
        return loop._task, woke

    loop_task, woke = run_in_loop(body)
    assert woke == [threading.get_ident()] * N
    # Each callback runs in a step of the loop task; no other task steps
    # (no watcher) except the one that waits for the end.
    before_cb = [steps.log[i - 1] for i, e in enumerate(steps.log)
                 if e == "cb"]
    assert before_cb == [loop_task] * N
    # Trio's own run_sync_soon task is the test's relay.
    tasks = {e.name for e in steps.log if e != "cb"
             and "run_sync_soon" not in e.name}
    assert tasks <= {loop_task.name, "_testbase.run_trio.<locals>.guarded"}


def test_a_due_timer_wakes_the_loop_in_one_task_step(monkeypatch):
    steps = _Steps()
    made = _count_scopes(monkeypatch)

    async def body(loop):
        done = trio.Event()
        fired = []

        def callback():
            steps.log.append("cb")
            fired.append(loop.time())
            if len(fired) < N:
                # Scheduled from the burst: the loop parks on it at once.
                loop.call_later(0.001, callback)
            else:
                done.set()

        await trio.testing.wait_all_tasks_blocked()
        trio.lowlevel.add_instrument(steps)
        before = len(made)
        try:
            loop.call_later(0.001, callback)
            with trio.fail_after(5):
                await done.wait()
        finally:
            trio.lowlevel.remove_instrument(steps)
        return loop._task, len(made) - before

    loop_task, scopes = run_in_loop(body)
    cbs = [i for i, e in enumerate(steps.log) if e == "cb"]
    assert len(cbs) == N
    # Between one timer's callback and the next, the loop task parked on
    # the deadline and Trio resumed it once: no other task, no extra step.
    between = [steps.log[a + 1:b] for a, b in zip(cbs, cbs[1:])]
    assert between == [[loop_task]] * (N - 1)
    # One cancel scope per park a timer ended (Trio cannot uncancel one).
    assert scopes == N


def _count_scopes(monkeypatch):
    """Count the trio.CancelScope objects trioaio's own code makes."""
    made = []
    # __init__, not __attrs_post_init__: Trio before 0.23 has no post-init.
    init = trio.CancelScope.__init__

    def counting(self, *args, **kwargs):
        caller = sys._getframe(1).f_code.co_filename
        if "trioaio" in caller:
            made.append(caller)
        init(self, *args, **kwargs)

    monkeypatch.setattr(trio.CancelScope, "__init__", counting)
    return made


def test_a_park_with_a_timer_waiting_makes_no_cancel_scope(monkeypatch):
    made = _count_scopes(monkeypatch)

    async def body(loop):
        # A far timer: every park below has a deadline.
        far = loop.call_later(3600, lambda: None)
        a, b = _socketpair()
        loop.add_reader(b.fileno(), b.recv, 64)
        try:
            await trio.testing.wait_all_tasks_blocked()
            before = len(made)
            for _ in range(N):
                await loop.synchronize()  # a call_soon wakeup
                a.send(b"x")  # an I/O wakeup
                await trio.testing.wait_all_tasks_blocked()
            return len(made) - before
        finally:
            far.cancel()
            loop.remove_reader(b.fileno())
            a.close()
            b.close()

    assert run_in_loop(body) == 0


def test_due_timers_wake_the_parked_loop_in_order():
    async def body(loop):
        fired = []
        done = trio.Event()
        now = loop.time()
        # Out of order, and one earlier than the deadline armed before it.
        for delay in (0.05, 0.02, 0.08, 0.01):
            loop.call_later(delay, fired.append, delay)
        cancelled = loop.call_later(0.03, fired.append, "cancelled")
        cancelled.cancel()
        loop.call_later(0.1, done.set)
        with trio.fail_after(5):
            await done.wait()
        return fired, loop.time() - now

    fired, elapsed = run_in_loop(body)
    assert fired == [0.01, 0.02, 0.05, 0.08]
    assert elapsed >= 0.1


def test_timers_keep_waking_the_loop_after_each_one_fired():
    # Each due timer ends a park through the timer scope; the next park
    # must still get its deadline (a fresh scope after one fired).
    async def body(loop):
        fired = []
        for i in range(20):
            done = trio.Event()
            loop.call_later(0.001, done.set)
            with trio.fail_after(5):
                await done.wait()
            fired.append(i)
            await trio.testing.wait_all_tasks_blocked()
        return fired

    assert run_in_loop(body) == list(range(20))


def test_a_timer_added_while_parked_on_a_far_deadline_wakes_the_loop():
    async def body(loop):
        loop.call_later(3600, lambda: None)
        await trio.testing.wait_all_tasks_blocked()
        done = trio.Event()
        loop.call_later(0.01, done.set)
        with trio.fail_after(5):
            await done.wait()
        return True

    assert run_in_loop(body)


def test_io_still_wakes_the_loop_after_call_soon_wakeups():
    # A call_soon wakeup leaves the backend fd armed in Trio; the I/O that
    # follows must still wake the loop (and a fired fd be re-armed).
    async def body(loop):
        a, b = _socketpair()
        got = []
        waiting = [None]

        def readable():
            got.append(b.recv(64))
            waiting[0].set()

        loop.add_reader(b.fileno(), readable)
        try:
            for i in range(10):
                await loop.synchronize()
                await trio.testing.wait_all_tasks_blocked()
                done = waiting[0] = trio.Event()
                a.send(bytes([i]))
                with trio.fail_after(5):
                    await done.wait()
                await trio.testing.wait_all_tasks_blocked()
        finally:
            loop.remove_reader(b.fileno())
            a.close()
            b.close()
        return got

    assert run_in_loop(body) == [bytes([i]) for i in range(10)]


def test_loops_one_after_another_in_one_run_leave_trio_io_clean():
    # Each loop's backend fd is Trio's to forget when the loop ends; a
    # later fd with the same number must still be waited on properly.
    import trioaio

    async def main():
        for _ in range(3):
            async with trioaio.open_loop() as loop:
                await loop.synchronize()
                fd = loop._uv_backend_fd()
            # The closed backend fd's number is usually the next one given
            # out: wait on the socket that got it.
            a, b = _socketpair()
            if a.fileno() == fd:
                a, b = b, a
            try:
                a.send(b"x")
                with trio.fail_after(5):
                    await trio.lowlevel.wait_readable(b)
            finally:
                a.close()
                b.close()
        return True

    assert trio.run(main)
