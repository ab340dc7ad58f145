"""Edge cases of asyncio's own behaviour, on stock asyncio and on trioaio:
cancellation inside a pass, many threads, extreme timers, cancelled I/O,
and the everyday asyncio primitives built on top of the loop."""
import asyncio
import random
import socket
import sys
import threading

import pytest

from _testbase import AsyncioCase, TrioAioCase, reference_lacks


class _TestEdges:

    def test_handle_cancelled_by_earlier_callback_in_same_pass(self):
        async def main(loop):
            seen = []
            done = loop.create_future()
            victim = []

            def first():
                seen.append("first")
                victim[0].cancel()
            loop.call_soon(first)
            victim.append(loop.call_soon(seen.append, "victim"))
            loop.call_soon(done.set_result, None)
            await done
            return seen
        assert self.run_aio(main) == ["first"]

    def test_timer_cancelled_by_earlier_timer_with_same_deadline(self):
        async def main(loop):
            seen = []
            done = loop.create_future()
            when = loop.time() + 0.002
            victim = []

            def first():
                seen.append("first")
                victim[0].cancel()
            loop.call_at(when, first)
            victim.append(loop.call_at(when + 1e-9, seen.append, "victim"))
            loop.call_at(when + 0.001, done.set_result, None)
            await done
            return seen
        assert self.run_aio(main) == ["first"]

    def test_many_random_timers_run_in_deadline_order(self):
        if self.is_trioaio:
            reference_lacks("timers with close deadlines may run out of order")

        async def main(loop):
            rng = random.Random(1234)
            fired = []
            done = loop.create_future()
            now = loop.time()
            whens = [now + rng.uniform(0, 0.02) for _ in range(1000)]
            for w in whens:
                loop.call_at(w, fired.append, w)
            loop.call_at(now + 0.021, done.set_result, None)
            await done
            return fired, whens
        fired, whens = self.run_aio(main)
        assert fired == sorted(whens)

    def test_timer_in_the_past_runs_before_later_ones(self):
        async def main(loop):
            seen = []
            done = loop.create_future()
            loop.call_at(loop.time() + 0.002, seen.append, "later")
            loop.call_at(loop.time() - 10, seen.append, "past")
            loop.call_at(loop.time() + 0.003, done.set_result, None)
            await done
            return seen
        assert self.run_aio(main) == ["past", "later"]

    def test_huge_delay_timer_does_not_break_the_loop(self):
        async def main(loop):
            far = loop.call_later(1e10, lambda: None)
            await asyncio.sleep(0.001)
            far.cancel()
            await asyncio.sleep(0.001)
            return "ok"
        assert self.run_aio(main) == "ok"

    def test_call_soon_threadsafe_from_many_threads(self):
        async def main(loop):
            n_threads, per_thread = 8, 500
            counter = [0]
            done = loop.create_future()
            total = n_threads * per_thread

            def bump():
                counter[0] += 1
                if counter[0] == total:
                    done.set_result(None)
            start = threading.Barrier(n_threads)

            def worker():
                start.wait()
                for _ in range(per_thread):
                    loop.call_soon_threadsafe(bump)
            threads = [threading.Thread(target=worker)
                       for _ in range(n_threads)]
            for t in threads:
                t.start()
            await done
            for t in threads:
                t.join()
            return counter[0]
        assert self.run_aio(main) == 8 * 500

    def test_exception_handler_that_raises(self, caplog):
        async def main(loop):
            done = loop.create_future()

            def handler(lp, ctx):
                raise RuntimeError("handler broke")
            loop.set_exception_handler(handler)

            def bad():
                raise ValueError("callback broke")
            loop.call_soon(bad)
            loop.call_soon(done.set_result, "loop survived")
            return await done
        if not self.handler_errors_escape:
            # Stock asyncio (and loops run its way) log the handler's
            # failure and carry on.
            assert self.run_aio(main) == "loop survived"
        else:
            # The Trio loops log it too, then (as trio-asyncio does) let the
            # error escape open_loop rather than lose it.  (trio-asyncio may
            # report it twice, as a group.)
            with pytest.raises((RuntimeError, BaseExceptionGroup)) as info:
                self.run_aio(main)
            leaves = _leaves(info.value)
            assert leaves and all(
                isinstance(e, RuntimeError) and str(e) == "handler broke"
                for e in leaves), leaves
        assert any("exception handler" in r.getMessage()
                   for r in caplog.records)

    def test_add_reader_rejects_invalid_fd(self):
        if self.is_trioaio:
            reference_lacks("add_reader(-1) is accepted upstream")

        async def main(loop):
            with pytest.raises(ValueError):
                loop.add_reader(-1, lambda: None)
            with pytest.raises(ValueError):
                loop.add_writer(-1, lambda: None)
        self.run_aio(main)

    def test_cancelled_sock_recv_leaves_socket_usable(self):
        async def main(loop):
            a, b = socket.socketpair()
            a.setblocking(False)
            b.setblocking(False)
            try:
                recv = loop.create_task(loop.sock_recv(b, 100))
                await asyncio.sleep(0)
                recv.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await recv
                a.send(b"after cancel")
                return await loop.sock_recv(b, 100)
            finally:
                a.close()
                b.close()
        assert self.run_aio(main) == b"after cancel"

    def test_cancelling_run_in_executor_future(self):
        if self.is_trioaio:
            reference_lacks("the executor future cannot be cancelled")

        async def main(loop):
            release = threading.Event()
            fut = loop.run_in_executor(None, release.wait, 2)
            await asyncio.sleep(0)
            fut.cancel()
            with pytest.raises(asyncio.CancelledError):
                await fut
            release.set()
        self.run_aio(main)

    def test_wait_for_and_timeout(self):
        async def main(loop):
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.sleep(10), 0.005)
            if sys.version_info >= (3, 11):
                with pytest.raises(TimeoutError):
                    async with asyncio.timeout(0.005):
                        await asyncio.sleep(10)
            return await asyncio.wait_for(asyncio.sleep(0, "in time"), 5)
        assert self.run_aio(main) == "in time"

    def test_asyncio_primitives(self):
        async def main(loop):
            queue = asyncio.Queue(maxsize=2)
            lock = asyncio.Lock()
            event = asyncio.Event()
            out = []

            async def producer():
                for i in range(10):
                    await queue.put(i)
                await queue.put(None)

            async def consumer():
                while (item := await queue.get()) is not None:
                    async with lock:
                        out.append(item)
                event.set()
            await asyncio.gather(producer(), consumer())
            await event.wait()
            results = await asyncio.gather(
                asyncio.sleep(0.002, "b"), asyncio.sleep(0.001, "a"))
            done, pending = await asyncio.wait(
                [loop.create_task(asyncio.sleep(0, i)) for i in range(3)])
            return out, results, sorted(t.result() for t in done), pending
        assert self.run_aio(main) == (list(range(10)), ["b", "a"],
                                      [0, 1, 2], set())

    def test_concurrent_subprocesses(self):
        async def main(loop):
            procs = [await asyncio.create_subprocess_exec(
                sys.executable, "-c", "import sys; sys.exit(%d)" % i)
                for i in range(4)]
            return sorted(await asyncio.gather(*[p.wait() for p in procs]))
        assert self.run_aio(main) == [0, 1, 2, 3]

    def test_run_coroutine_threadsafe(self):
        async def main(loop):
            async def add(a, b):
                await asyncio.sleep(0)
                return a + b
            done = loop.create_future()

            def in_thread():
                # Blocks this thread, not the loop, until add() has run.
                result = asyncio.run_coroutine_threadsafe(
                    add(1, 2), loop).result(timeout=5)
                loop.call_soon_threadsafe(done.set_result, [result])
            t = threading.Thread(target=in_thread)
            t.start()
            result = await done
            t.join()
            return result
        assert self.run_aio(main) == [3]


def _leaves(exc):
    """The non-group exceptions inside `exc`."""
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for e in exc.exceptions for leaf in _leaves(e)]
    return [exc]


class TestEdges_asyncio(_TestEdges, AsyncioCase):
    pass


class TestEdges_trioaio(_TestEdges, TrioAioCase):
    pass
