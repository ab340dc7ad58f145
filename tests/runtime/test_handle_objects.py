"""trioaio's Handle and TimerHandle (C) behave as asyncio's own classes.

The same tests run on ``asyncio.Handle``/``asyncio.TimerHandle`` with a
stock loop and on ``trioaio._core.Handle``/``TimerHandle`` with a trioaio
loop: construction, repr, cancel, running the callback (its context, how
errors reach the loop's exception handler), and the ordering, equality
and hashing the timer heap and user code rely on.
"""
import asyncio
import contextvars
import gc
import logging
import sys
import weakref

import pytest

from trioaio import _core
from trioaio._sync import SyncTrioEventLoop

var = contextvars.ContextVar("var", default="unset")


def callback(*args):
    return args


class _TestHandles:
    Handle = TimerHandle = None

    def new_loop(self):
        raise NotImplementedError

    @pytest.fixture
    def loop(self):
        loop = self.new_loop()
        self.reported = []
        loop.set_exception_handler(
            lambda loop, context: self.reported.append(context))
        yield loop
        loop.close()

    def test_repr_names_the_callback_and_its_arguments(self, loop):
        h = self.Handle(callback, (1, "x"), loop)
        text = repr(h)
        # Python 3.13 shows the arguments only in debug mode.
        args = "(1, 'x')" if sys.version_info < (3, 13) else "()"
        assert text.startswith("<Handle callback%s at " % args)
        assert text.endswith(">") and "cancelled" not in text
        h.cancel()
        # A cancelled handle forgets its callback (asyncio outside debug).
        assert repr(h) == "<Handle cancelled>"

    def test_repr_of_a_timer_shows_when(self, loop):
        t = self.TimerHandle(12.5, callback, (), loop)
        assert repr(t).startswith("<TimerHandle when=12.5 callback() at ")
        t.cancel()
        assert repr(t) == "<TimerHandle cancelled when=12.5>"

    def test_repr_names_where_the_handle_was_created(self, loop):
        h = self.Handle(callback, (), loop)
        h._source_traceback = [("somefile.py", 42, "fn", "code")]
        assert repr(h).endswith(" created at somefile.py:42>")
        h._source_traceback = None
        assert "created at" not in repr(h)

    def test_cancel_drops_the_callback_and_is_idempotent(self, loop):
        h = self.Handle(callback, (1,), loop)
        assert not h.cancelled() and h._callback is callback
        h.cancel()
        h.cancel()
        assert h.cancelled() and h._cancelled
        assert h._callback is None and h._args is None

    def test_run_calls_back_in_the_handles_context(self, loop):
        seen = []
        ctx = contextvars.copy_context()
        ctx.run(var.set, "in handle's context")
        h = self.Handle(lambda a: seen.append((a, var.get())), ("arg",),
                        loop, ctx)
        assert h._context is ctx
        h._run()
        assert seen == [("arg", "in handle's context")]
        assert var.get() == "unset"

    def test_default_context_is_a_copy_of_the_current_one(self, loop):
        token = var.set("current")
        try:
            h = self.Handle(callback, (), loop)
        finally:
            var.reset(token)
        assert h._context[var] == "current"

    def test_error_in_callback_goes_to_the_exception_handler(self, loop):
        def fails(x):
            raise ValueError(x)

        h = self.Handle(fails, ("bad",), loop)
        source = repr(h)[len("<Handle "):-1]
        h._run()
        (context,) = self.reported
        assert context["message"] == "Exception in callback " + source
        assert isinstance(context["exception"], ValueError)
        assert context["exception"].__traceback__ is not None
        assert context["handle"] is h
        assert "source_traceback" not in context

    def test_a_context_entered_elsewhere_is_reported_not_raised(
            self, loop, caplog):
        # A loop run inside ctx.run(...) meets a callback scheduled with
        # ctx itself: asyncio's Handle._run reports context.run()'s
        # RuntimeError like any error of the callback, and the loop goes on.
        seen = []
        ctx = contextvars.copy_context()
        h = self.Handle(seen.append, ("never",), loop, ctx)
        with caplog.at_level(logging.ERROR, logger="asyncio"):
            ctx.run(h._run)
        assert seen == []
        if sys.version_info >= (3, 12):
            # From 3.12 on, asyncio runs the exception handler in the
            # handle's context too; entering it fails the same way, so
            # the handler is never called and the loop logs both errors.
            assert self.reported == []
            assert "Unhandled error in exception handler" in caplog.text
            assert "is already entered" in caplog.text
        else:
            (context,) = self.reported
            assert isinstance(context["exception"], RuntimeError)
            assert "is already entered" in str(context["exception"])
            assert context["handle"] is h
            assert context["message"].startswith("Exception in callback ")
        h._run()  # once left, the context can be entered again
        assert seen == ["never"]

    def test_error_report_carries_the_source_traceback(self, loop):
        def fails():
            raise ValueError

        h = self.Handle(fails, (), loop)
        tb = [("somefile.py", 7, "fn", "code")]
        h._source_traceback = tb
        h._run()
        assert self.reported[0]["source_traceback"] == tb

    @pytest.mark.parametrize("exc", [SystemExit, KeyboardInterrupt])
    def test_exit_exceptions_are_not_reported_but_raised(self, loop, exc):
        def fails():
            raise exc

        with pytest.raises(exc):
            self.Handle(fails, (), loop)._run()
        assert self.reported == []

    def test_timer_when_and_ordering(self, loop):
        early = self.TimerHandle(1.0, callback, (), loop)
        late = self.TimerHandle(2.0, callback, (), loop)
        assert early.when() == 1.0 and late._when == 2.0
        assert early < late and late > early
        assert early <= late and late >= early
        assert not early > late and not late < early
        assert sorted([late, early]) == [early, late]

    def test_timer_equality_compares_when_callback_args_and_state(self, loop):
        a = self.TimerHandle(1.0, callback, (1,), loop)
        same = self.TimerHandle(1.0, callback, (1,), loop)
        other_args = self.TimerHandle(1.0, callback, (2,), loop)
        other_cb = self.TimerHandle(1.0, print, (1,), loop)
        assert a == same and not a != same
        assert a <= same and a >= same
        assert a != other_args and a != other_cb
        assert not a <= other_cb and not a >= other_args
        same.cancel()
        assert a != same

    def test_timer_hash_is_the_hash_of_when(self, loop):
        a = self.TimerHandle(3.25, callback, (), loop)
        b = self.TimerHandle(3.25, print, (), loop)
        assert hash(a) == hash(b) == hash(3.25)
        assert len({a, b}) == 2

    def test_timer_compared_with_something_else(self, loop):
        t = self.TimerHandle(1.0, callback, (), loop)
        assert t != 1.0 and not t == "x"
        with pytest.raises(TypeError):
            t < 1.0

    def test_timer_equality_passes_a_comparison_error_on(self, loop):
        class Touchy:
            """A callable whose == answers *equal*, or raises if None."""

            def __init__(self, equal):
                self.equal = equal

            def __call__(self):
                pass

            def __eq__(self, other):
                if self.equal is None:
                    raise LookupError("not comparable")
                return self.equal

            __hash__ = object.__hash__

        a = self.TimerHandle(1.0, Touchy(None), (), loop)
        b = self.TimerHandle(1.0, Touchy(None), (), loop)
        with pytest.raises(LookupError, match="not comparable"):
            a == b
        # Equal callbacks: then the arguments are compared.
        c = self.TimerHandle(1.0, Touchy(True), (Touchy(None),), loop)
        d = self.TimerHandle(1.0, Touchy(True), (Touchy(None),), loop)
        with pytest.raises(LookupError, match="not comparable"):
            c == d

    def test_missing_constructor_arguments_are_refused(self, loop):
        with pytest.raises(TypeError):
            self.Handle(callback)
        with pytest.raises(TypeError):
            self.TimerHandle(1.0, callback)

    def test_handles_are_weakly_referenceable(self, loop):
        died = []
        h = self.Handle(callback, (), loop)
        ref = weakref.ref(h, lambda r: died.append(True))
        assert ref() is h
        del h
        gc.collect()
        assert died == [True] and ref() is None


class TestHandles_asyncio(_TestHandles):
    Handle = asyncio.Handle
    TimerHandle = asyncio.TimerHandle

    def new_loop(self):
        return asyncio.SelectorEventLoop()


class TestHandles_trioaio(_TestHandles):
    Handle = _core.Handle
    TimerHandle = _core.TimerHandle

    def new_loop(self):
        return SyncTrioEventLoop()


def test_callback_arguments_must_be_a_sequence():
    loop = SyncTrioEventLoop()
    try:
        with pytest.raises(TypeError):
            _core.Handle(callback, 5, loop)
        with pytest.raises(TypeError):
            _core.TimerHandle(1.0, callback, 5, loop)
        with pytest.raises(TypeError):
            _core.TimerHandle("soon", callback, (), loop)
        assert _core.Handle(callback, None, loop)._args == ()
        assert _core.TimerHandle(1.0, callback, [1], loop)._args == (1,)
    finally:
        loop.close()


def test_timer_scheduled_flag_follows_the_heap():
    loop = SyncTrioEventLoop()
    try:
        t = loop.call_later(3600, callback)
        assert t._scheduled
        t.cancel()
        assert not t._scheduled and loop._timer_count() == 0
        assert not _core.TimerHandle(1.0, callback, (), loop)._scheduled
    finally:
        loop.close()


def test_cancelled_handle_does_not_run_and_get_context():
    # asyncio's loop skips cancelled handles before calling _run(); the C
    # handle checks itself, so a cancelled one never calls back.
    loop = SyncTrioEventLoop()
    try:
        ran = []
        h = _core.Handle(ran.append, (1,), loop)
        assert h.get_context() is h._context
        h.cancel()
        h._run()
        assert ran == []
    finally:
        loop.close()


def test_callback_that_cancels_its_own_handle_and_fails_is_reported():
    loop = SyncTrioEventLoop()
    reported = []
    loop.set_exception_handler(lambda loop, context: reported.append(context))
    try:
        def fails():
            h.cancel()
            raise ValueError("after cancel")

        h = _core.Handle(fails, (), loop)
        h._run()
        (context,) = reported
        assert context["message"].startswith(
            "Exception in callback test_callback_that_cancels_its_own_handle"
            "_and_fails_is_reported.<locals>.fails() at ")
        assert str(context["exception"]) == "after cancel"
    finally:
        loop.close()
