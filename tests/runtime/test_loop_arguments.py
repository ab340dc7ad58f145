"""Bad calls into the loop fail as on stock asyncio, and a closed loop
refuses new work; the read-only ``loop._selector`` view of the fd watchers
answers as a selector does.  Each test runs on a stock SelectorEventLoop
and on trioaio's loop (its scheduling methods are C)."""
import asyncio
import importlib
import math
import os
import selectors
import socket
import tempfile

import pytest

import _testbase


def callback(*args):
    pass


class _TestArguments:
    def new_loop(self):
        raise NotImplementedError

    def reference_lacks(self, reason):
        """Skip on trio-asyncio 0.16 (its loop is another design)."""

    @pytest.fixture
    def loop(self):
        loop = self.new_loop()
        yield loop
        loop.close()

    @pytest.fixture
    def pair(self):
        a, b = socket.socketpair()
        yield a, b
        a.close()
        b.close()

    def test_unknown_keyword_is_a_type_error(self, loop):
        for method, lead in ((loop.call_soon, ()),
                             (loop.call_soon_threadsafe, ()),
                             (loop.call_later, (1,)),
                             (loop.call_at, (1,))):
            with pytest.raises(TypeError):
                method(*lead, callback, bogus=1)

    def test_missing_callback_is_a_type_error(self, loop):
        with pytest.raises(TypeError):
            loop.call_soon()
        with pytest.raises(TypeError):
            loop.call_later(1)
        with pytest.raises(TypeError):
            loop.call_later()
        with pytest.raises(TypeError):
            loop.call_at()

    def test_not_callable_is_a_type_error(self, loop):
        loop.set_debug(True)  # stock asyncio checks only in debug mode
        with pytest.raises(TypeError, match="callable"):
            loop.call_soon("not callable")
        with pytest.raises(TypeError, match="callable"):
            loop.call_later(1, 42)

    def test_time_must_not_be_none(self, loop):
        self.reference_lacks("it queues a timer for None")
        with pytest.raises(TypeError):
            loop.call_later(None, callback)
        with pytest.raises(TypeError):
            loop.call_at(None, callback)

    def test_time_must_be_a_number(self, loop):
        with pytest.raises(TypeError):
            loop.call_later("soon", callback)

    def test_context_keyword_is_used(self, loop):
        import contextvars
        ctx = contextvars.copy_context()
        assert loop.call_soon(callback, context=ctx)._context is ctx
        assert loop.call_later(1, callback, context=ctx)._context is ctx

    def test_closed_loop_refuses_new_callbacks(self, loop):
        loop.close()
        for call in (lambda: loop.call_soon(callback),
                     lambda: loop.call_later(1, callback),
                     lambda: loop.call_at(1, callback),
                     lambda: loop.call_soon_threadsafe(callback)):
            with pytest.raises(RuntimeError, match="closed"):
                call()

    def test_closed_loop_refuses_new_readers(self, loop, pair):
        loop.close()
        with pytest.raises(RuntimeError, match="closed"):
            loop.add_reader(pair[0], callback)
        with pytest.raises(RuntimeError, match="closed"):
            loop.add_writer(pair[0], callback)

    def test_reader_needs_a_callback(self, loop, pair):
        with pytest.raises(TypeError):
            loop.add_reader(pair[0])
        with pytest.raises(TypeError):
            loop.add_writer(pair[0])

    def test_reader_needs_a_file_descriptor(self, loop):
        with pytest.raises((TypeError, ValueError)):
            loop.add_reader("not a file", callback)
        with pytest.raises(ValueError):
            loop.add_reader(-1, callback)

    def test_regular_file_cannot_be_watched(self, loop):
        # epoll refuses regular files (EPERM), as selectors report.
        self.reference_lacks("it waits through Trio, which polls them")
        with tempfile.TemporaryFile() as f:
            with pytest.raises(PermissionError):
                loop.add_reader(f.fileno(), callback)
            assert loop.remove_reader(f.fileno()) is False

    def test_remove_unknown_reader_or_writer(self, loop, pair):
        assert loop.remove_reader(pair[0]) is False
        assert loop.remove_writer(pair[0]) is False
        loop.add_reader(pair[0], callback)
        assert loop.remove_writer(pair[0]) is False
        assert loop.remove_reader(pair[0]) is True
        assert loop.remove_reader(pair[0]) is False

    def test_replacing_a_reader_cancels_the_old_handle(self, loop, pair):
        loop.add_reader(pair[0], callback, 1)
        first = loop._selector.get_key(pair[0]).data[0]
        loop.add_reader(pair[0], callback, 2)
        assert first.cancelled()
        assert loop._selector.get_key(pair[0]).data[0]._args == (2,)
        loop.remove_reader(pair[0])

    def test_selector_view_of_watchers(self, loop, pair):
        a, b = pair
        selector = loop._selector
        with pytest.raises(KeyError):
            selector.get_key(a)
        loop.add_reader(a, callback)
        key = selector.get_key(a)
        assert key.fileobj is a and key.fd == a.fileno()
        assert key.events == selectors.EVENT_READ
        reader, writer = key.data
        assert reader._callback is callback and writer is None
        loop.add_writer(a.fileno(), callback)
        key = selector.get_key(a.fileno())
        assert key.events == selectors.EVENT_READ | selectors.EVENT_WRITE
        loop.add_writer(b, callback)
        assert set(selector.get_map()) >= {a.fileno(), b.fileno()}
        loop.remove_reader(a)
        loop.remove_writer(a)
        loop.remove_writer(b)
        with pytest.raises(KeyError):
            selector.get_key(a)
        assert a.fileno() not in selector.get_map()

    def test_selector_view_rejects_bad_file_objects(self, loop):
        with pytest.raises(ValueError):
            loop._selector.get_key(object())
        with pytest.raises(ValueError):
            loop._selector.get_key(-5)

    def test_removing_watchers_of_a_closed_loop(self, loop, pair):
        loop.add_reader(pair[0], callback)
        loop.close()
        assert loop.remove_reader(pair[0]) is False
        assert loop.remove_writer(pair[0]) is False


class TestArguments_asyncio(_TestArguments):
    def new_loop(self):
        return asyncio.SelectorEventLoop()


class TestArguments_trioaio(_TestArguments):
    def reference_lacks(self, reason):
        _testbase.reference_lacks(reason)

    def new_loop(self):
        sync = importlib.import_module(_testbase.IMPL_NAME + "._sync")
        return sync.SyncTrioEventLoop()


@_testbase.trioaio_only
def test_time_must_not_be_nan():
    # asyncio would queue a timer that never fires (NaN compares false with
    # every time); trioaio's heap needs an order, so it says so at once.
    sync = importlib.import_module(_testbase.IMPL_NAME + "._sync")
    loop = sync.SyncTrioEventLoop()
    try:
        with pytest.raises(ValueError, match="delay must not be NaN"):
            loop.call_later(math.nan, callback)
        with pytest.raises(ValueError, match="when must not be NaN"):
            loop.call_at(math.nan, callback)
    finally:
        loop.close()


@_testbase.trioaio_only
def test_reader_must_be_callable():
    # Checked at once (stock asyncio fails only when the fd is ready).
    sync = importlib.import_module(_testbase.IMPL_NAME + "._sync")
    loop = sync.SyncTrioEventLoop()
    a, b = socket.socketpair()
    try:
        with pytest.raises(TypeError, match="add_reader"):
            loop.add_reader(a, "not callable")
        with pytest.raises(TypeError, match="add_writer"):
            loop.add_writer(a, 42)
        assert loop.remove_reader(a) is False
    finally:
        loop.close()
        a.close()
        b.close()


def test_selector_does_not_select():
    sync = importlib.import_module(_testbase.IMPL_NAME + "._sync")
    loop = sync.SyncTrioEventLoop()
    try:
        _testbase.reference_lacks("it has a real selector")
        with pytest.raises(NotImplementedError):
            loop._selector.register(0, selectors.EVENT_READ)
        with pytest.raises(NotImplementedError):
            loop._selector.unregister(0)
        with pytest.raises(RuntimeError, match="Trio"):
            loop._selector.select()
    finally:
        loop.close()


def test_os_pipe_watchers_are_cleaned_up_on_close():
    sync = importlib.import_module(_testbase.IMPL_NAME + "._sync")
    loop = sync.SyncTrioEventLoop()
    r, w = os.pipe()
    try:
        loop.add_reader(r, callback)
        loop.add_writer(w, callback)
        loop.close()
        # The loop gave the fds back untouched (still open, still blocking).
        assert os.get_blocking(r) and os.get_blocking(w)
        os.write(w, b"x")
        assert os.read(r, 1) == b"x"
    finally:
        os.close(r)
        os.close(w)


class _TestCancelledWatcher:
    """A reader whose handle was cancelled (not removed) is dropped when
    its fd becomes ready, without running, as asyncio's selector loop
    does; a reader ready at the same time still runs."""

    def new_loop(self):
        raise NotImplementedError

    def test_cancelled_reader_is_dropped_when_ready(self):
        loop = self.new_loop()
        a, b = socket.socketpair()
        c, d = socket.socketpair()
        ran = []
        try:
            loop.add_reader(a, ran.append, "cancelled one")
            loop._selector.get_key(a).data[0].cancel()

            async def main():
                other = loop.create_future()
                loop.add_reader(c, lambda: other.done() or
                                other.set_result(c.recv(1)))
                b.send(b"x")
                d.send(b"y")
                assert await asyncio.wait_for(other, 5) == b"y"
                loop.remove_reader(c)
                # The ready-and-cancelled reader was seen in the same pass.
                return loop.remove_reader(a)

            assert loop.run_until_complete(main()) is False
            assert ran == []
        finally:
            loop.close()
            for s in (a, b, c, d):
                s.close()


class TestCancelledWatcher_asyncio(_TestCancelledWatcher):
    def new_loop(self):
        return asyncio.SelectorEventLoop()


class TestCancelledWatcher_trioaio(_TestCancelledWatcher):
    def new_loop(self):
        _testbase.reference_lacks("its readers are Trio tasks")
        sync = importlib.import_module(_testbase.IMPL_NAME + "._sync")
        return sync.SyncTrioEventLoop()
