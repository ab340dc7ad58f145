"""BaseTrioEventLoop: the asyncio loop whose core is trioaio._core.Loop.

The C base class owns the hot paths (call_soon & co., time(), the timer
heap, fd watchers, the passes that run callbacks).  asyncio's
SelectorEventLoop, second in the MRO, supplies everything else: streams,
transports, TLS, subprocesses, sockets, executors.  This module adds what
ties the loop to Trio: the Trio task that runs it, the shims' loop
methods, signals, and shutdown.
"""
import asyncio
import concurrent.futures
import contextlib
import math
import os
import selectors
import signal
import socket
import stat
import sys
import threading
from functools import partial
from types import CoroutineType as _CoroutineType

import trio

from . import _boundary, _core, _internals, _policy
from ._asyncgens import AsyncGenHooks
from ._executor import TrioExecutor
from ._state import originals as _orig_asyncio
from ._util import run_aio_future

_BURST_MORE = 1
_BURST_STOPPED = 2


# TRIOAIO_PY_TRANSPORTS=1 makes the loop use asyncio's Python transports
# instead of the C ones (to compare them, or to rule them out).
_PY_TRANSPORTS = os.environ.get("TRIOAIO_PY_TRANSPORTS", "") not in ("", "0")


def _c_datagram_transport(sock):
    return (_core.UDPTransport is not None and not _PY_TRANSPORTS
            and isinstance(sock, socket.socket)
            and sock.family in (socket.AF_INET, socket.AF_INET6)
            and sock.type == socket.SOCK_DGRAM)


_STREAM_FAMILIES = (socket.AF_INET, socket.AF_INET6, socket.AF_UNIX)


def _c_stream_transport(loop, sock):
    # Debug mode keeps asyncio's transports: their debug logging and slow
    # callback reports are asyncio's own.
    return (_core.StreamTransport is not None and not _PY_TRANSPORTS
            and not loop.get_debug()
            and isinstance(sock, socket.socket)
            and sock.family in _STREAM_FAMILIES
            and sock.type == socket.SOCK_STREAM)


def _c_pipe_transport(loop, pipe):
    # Pipes and sockets only: asyncio's own transports take the character
    # devices (libuv cannot watch some, /dev/null say) and refuse the rest.
    if (_core.ReadPipeTransport is None or _PY_TRANSPORTS
            or loop.get_debug()):
        return False
    try:
        mode = os.fstat(pipe.fileno()).st_mode
    except (AttributeError, TypeError, ValueError, OSError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def _fileobj_to_fd(fileobj):
    """The fd of an int or of an object with fileno(), as selectors do."""
    if isinstance(fileobj, int):
        fd = fileobj
    else:
        try:
            fd = int(fileobj.fileno())
        except (AttributeError, TypeError, ValueError):
            raise ValueError(
                "Invalid file object: {!r}".format(fileobj)) from None
    if fd < 0:
        raise ValueError("Invalid file descriptor: {}".format(fd))
    return fd


class _FdSelector(selectors.BaseSelector):
    """A read-only view of the loop's fd watchers in selector form.

    asyncio internals and tests look at ``loop._selector``; the watchers
    themselves live in the C core (libuv), so this only answers questions.
    """

    def __init__(self, loop):
        self._loop = loop

    def register(self, fileobj, events, data=None):
        raise NotImplementedError("use loop.add_reader()/add_writer()")

    def unregister(self, fileobj):
        raise NotImplementedError("use loop.remove_reader()/remove_writer()")

    def select(self, timeout=None):
        raise RuntimeError("a trioaio loop waits through Trio, not select()")

    def close(self):
        pass

    def _key(self, fd):
        handles = self._loop._io_handles(fd)
        if handles is None:
            return None
        reader, writer = handles
        events = (selectors.EVENT_READ if reader is not None else 0) | (
            selectors.EVENT_WRITE if writer is not None else 0)
        return selectors.SelectorKey(fd, fd, events, handles)

    def get_key(self, fileobj):
        fd = _fileobj_to_fd(fileobj)
        key = self._key(fd)
        if key is None:
            raise KeyError("{!r} is not registered".format(fileobj))
        return key._replace(fileobj=fileobj)

    def get_map(self):
        return {fd: self._key(fd) for fd in self._loop._io_fds()}


class TrioTaskHandle:
    """What ``run_trio_task()`` returns: cancel() cancels the Trio task."""

    def __init__(self, proc):
        self._proc = proc
        self._scope = trio.CancelScope()
        self._cancelled = False

    def cancel(self):
        self._cancelled = True
        self._scope.cancel()

    def cancelled(self):
        return self._cancelled

    def __repr__(self):
        state = " cancelled" if self._cancelled else ""
        return "<TrioTaskHandle%s %r>" % (state, self._proc)


class _TrioFuture(asyncio.Future):
    """The Future of a Trio call started from asyncio (``trio_as_future``).

    cancel() cancels the Trio task; the future becomes cancelled when that
    task has actually stopped (rules 1 and 2 of the original trio-asyncio
    README), so cleanup in the Trio code is finished when an awaiting
    asyncio task sees CancelledError.
    """

    _scope = None
    _cancel_pending = False

    def cancel(self, msg=None):
        if self.done():
            return False
        self._cancel_pending = True
        if self._scope is not None:
            self._scope.cancel()
        return True

    def _finish_cancelled(self):
        if not self.done():
            super().cancel()


class _AlwaysSet:
    @staticmethod
    def is_set():
        return True


_hooks_local = threading.local()


def _asyncgen_hooks():
    hooks = getattr(_hooks_local, "hooks", None)
    if hooks is None:
        hooks = _hooks_local.hooks = AsyncGenHooks(
            _orig_asyncio["_get_running_loop"], BaseTrioEventLoop)
    return hooks


class BaseTrioEventLoop(_core.Loop, asyncio.SelectorEventLoop):
    """An asyncio event loop that runs as a Trio task.

    Every trioaio loop derives from this class (and so from
    ``asyncio.SelectorEventLoop`` and ``asyncio.AbstractEventLoop``).

    *queue_len* is accepted for compatibility with trio-asyncio; the ready
    queue is unbounded (it grows in C without per-item overhead).
    """

    # Class-level default: asyncio's __init__ asks is_running() early.
    _stopped = _AlwaysSet()

    def __init__(self, queue_len=None):
        super().__init__(_FdSelector(self))
        self._default_executor = TrioExecutor()
        self._trio_nursery = None  # Trio tasks started for asyncio code
        self._system_nursery = None  # the loop task, watcher, signals
        self._task = None
        self._token = None
        self._stopped = trio.Event()
        self._stopped.set()
        self._stop_waiters = []
        self._autoclose_fds = set()
        self._signal_receivers = {}
        self._hooks = None
        self._boundary_token = None
        self._watcher_scope = None  # the libuv watcher's, while it runs
        self._epoll_reader = None  # the one-hop wake's (see _run), or None

    def __repr__(self):
        state = ("closed" if self.is_closed() else
                 "running" if self.is_running() else "stopped")
        return "<%s %s at 0x%x>" % (type(self).__name__, state, id(self))

    # ---------------------------------------------------- asyncio plumbing

    def _make_self_pipe(self):
        # Wakeups go through libuv's async handle (call_soon_threadsafe):
        # it is this loop's wakeup fd, counted as asyncio counts its
        # self-pipe.
        self._ssock = self._csock = None
        self._internal_fds += 1

    def _close_self_pipe(self):
        self._internal_fds -= 1

    def _write_to_self(self):
        self.call_soon_threadsafe(_noop)

    def _process_self_data(self, data):
        pass

    def is_running(self):
        return not self._stopped.is_set()

    def set_default_executor(self, executor):
        if not isinstance(executor, concurrent.futures.Executor):
            raise TypeError("executor must be a concurrent.futures.Executor")
        self._default_executor = executor

    def run_in_executor(self, executor, func, *args):
        """Run ``func(*args)`` in *executor* and return an asyncio Future.

        *executor* may be None (the default: a TrioExecutor), a
        TrioExecutor (runs on Trio's worker threads, as a Trio task of this
        loop), or any ``concurrent.futures.Executor``.
        """
        self._check_closed()
        self._check_callback(func, "run_in_executor")
        if executor is None:
            executor = self._default_executor
        if isinstance(executor, TrioExecutor):
            return self.trio_as_future(executor.submit, func, *args)
        return super().run_in_executor(executor, func, *args)

    async def shutdown_default_executor(self, timeout=None):
        executor = self._default_executor
        self._executor_shutdown_called = True
        if executor is None or isinstance(executor, TrioExecutor):
            if executor is not None:
                executor.shutdown()
            return
        if sys.version_info >= (3, 12):
            await super().shutdown_default_executor(timeout)
        else:
            await super().shutdown_default_executor()

    def set_debug(self, enabled):
        self._debug = bool(enabled)
        if self.is_running():
            # Any thread may call this (as asyncio's): the per-thread part
            # runs in the loop's thread.
            self.call_soon_threadsafe(self._set_coroutine_origin_tracking,
                                      self._debug)

    def _make_datagram_transport(self, sock, protocol, address=None,
                                 waiter=None, extra=None):
        """asyncio's datagram transport, in C on libuv for the IP
        families; anything else (AF_UNIX, TRIOAIO_PY_TRANSPORTS) gets
        asyncio's own Python transport."""
        if _c_datagram_transport(sock):
            return _core.UDPTransport(self, sock, protocol, address, waiter,
                                      extra)
        return super()._make_datagram_transport(sock, protocol, address,
                                                waiter, extra)

    def _make_socket_transport(self, sock, protocol, waiter=None, *,
                               extra=None, server=None):
        """asyncio's socket transport, in C on libuv for TCP and Unix
        stream sockets; anything else gets asyncio's own."""
        if _c_stream_transport(self, sock):
            return _core.StreamTransport(self, sock, protocol, waiter, extra,
                                         server)
        return super()._make_socket_transport(sock, protocol, waiter,
                                              extra=extra, server=server)

    def _make_read_pipe_transport(self, pipe, protocol, waiter=None,
                                  extra=None):
        """asyncio's Unix read pipe transport, in C on libuv for pipes and
        sockets; anything else gets asyncio's own."""
        if _c_pipe_transport(self, pipe):
            return _core.ReadPipeTransport(self, pipe, protocol, waiter,
                                           extra)
        return super()._make_read_pipe_transport(pipe, protocol, waiter,
                                                 extra)

    def _make_write_pipe_transport(self, pipe, protocol, waiter=None,
                                   extra=None):
        """asyncio's Unix write pipe transport, in C on libuv for pipes and
        sockets; anything else gets asyncio's own."""
        if _c_pipe_transport(self, pipe):
            return _core.WritePipeTransport(self, pipe, protocol, waiter,
                                            extra)
        return super()._make_write_pipe_transport(pipe, protocol, waiter,
                                                  extra)

    def _make_ssl_transport(self, rawsock, protocol, sslcontext, waiter=None,
                            *, server_side=False, server_hostname=None,
                            extra=None, server=None,
                            ssl_handshake_timeout=(
                                asyncio.constants.SSL_HANDSHAKE_TIMEOUT),
                            ssl_shutdown_timeout=(
                                asyncio.constants.SSL_SHUTDOWN_TIMEOUT)):
        """asyncio's TLS layer (sslproto) on the C stream transport."""
        made = None
        if _c_stream_transport(self, rawsock):
            made = _internals.ssl_protocol(
                self, protocol, sslcontext, waiter, server_side,
                server_hostname, ssl_handshake_timeout=ssl_handshake_timeout,
                ssl_shutdown_timeout=ssl_shutdown_timeout)
        if made is None:
            return super()._make_ssl_transport(
                rawsock, protocol, sslcontext, waiter,
                server_side=server_side, server_hostname=server_hostname,
                extra=extra, server=server,
                ssl_handshake_timeout=ssl_handshake_timeout,
                ssl_shutdown_timeout=ssl_shutdown_timeout)
        ssl_protocol, app_transport = made
        _core.StreamTransport(self, rawsock, ssl_protocol, None, extra,
                              server)
        return app_transport

    def _timer_handle_cancelled(self, handle):
        pass  # the C core removes cancelled timers from its heap itself

    async def _make_subprocess_transport(self, protocol, args, shell, stdin,
                                         stdout, stderr, bufsize, extra=None,
                                         **kwargs):
        """asyncio's Unix subprocess transport.  The child is reaped by a
        thread of our own, unless a child watcher was set with
        asyncio.set_child_watcher() (Python < 3.14): then that watcher, as
        in asyncio, and an inactive one refuses to start the process."""
        watcher = _policy.child_watcher_in_use()
        with (watcher if watcher is not None
              else contextlib.nullcontext()) as entered:
            # The one asyncio uses inside the block: what __enter__ returns
            # up to 3.11, the watcher itself from 3.12 on.
            if sys.version_info < (3, 12):
                watcher = entered
            if watcher is None:
                reap = _reap_in_thread
            elif watcher.is_active():
                reap = _reap_with(watcher)
            else:
                raise RuntimeError(
                    "asyncio.get_child_watcher() is not activated, so "
                    "subprocesses cannot be reaped; attach the watcher to "
                    "a loop, or set_child_watcher(None) to let trioaio "
                    "reap them")
            return await self._spawn_child(
                reap, protocol, args, shell, stdin, stdout, stderr, bufsize,
                extra, kwargs)

    async def _spawn_child(self, reap, protocol, args, shell, stdin, stdout,
                           stderr, bufsize, extra, kwargs):
        waiter = self.create_future()
        transp = _internals.subprocess_transport()(
            self, protocol, args, shell, stdin, stdout, stderr, bufsize,
            waiter=waiter, extra=extra, **kwargs)
        reap(self, transp.get_pid(), transp._process_exited)
        try:
            await waiter
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException:
            transp.close()
            await transp._wait()
            raise
        return transp

    # ----------------------------------------------------------- the shims

    run_aio_future = staticmethod(run_aio_future)

    async def run_aio_coroutine(self, coro):
        """Run an asyncio coroutine (or awaitable) as an asyncio Task on
        this loop and wait for it from Trio; see ``run_aio_future`` for
        how cancellation crosses over.

        This is a Trio-flavored async function.
        """
        try:
            await trio.lowlevel.checkpoint_if_cancelled()
        except BaseException:
            if asyncio.iscoroutine(coro):
                coro.close()  # never started: no "never awaited" warning
            raise
        # Fast path: with the loop parked, run its burst in this Trio task
        # (see _core_inline_enter in loop.c).
        inline = self._core_inline_enter()
        try:
            if self._closed:
                self._check_closed()
            if self._task_factory is None and (
                    type(coro) is _CoroutineType
                    or asyncio.iscoroutine(coro)):
                fut = asyncio.Task(coro, loop=self)  # ensure_future, inlined
            else:
                fut = asyncio.ensure_future(coro, loop=self)
        except BaseException:
            if inline:
                self._core_inline_abort()
            if asyncio.iscoroutine(coro):
                coro.close()
            raise
        if inline:
            # The schedule point half of the checkpoint, unless nothing
            # else waits for Trio (see _core_inline_run in loop.c).
            if self._core_inline_run() and fut.done():
                await trio.lowlevel.cancel_shielded_checkpoint()
            if fut.done():
                return fut.result()
        return await run_aio_future(fut)

    @staticmethod
    def _check_trio_callable(proc, method):
        if asyncio.iscoroutine(proc) or not callable(proc):
            raise TypeError(
                "%s() needs a Trio async function and its arguments, got "
                "%r; write trio_as_aio(fn)(*args) rather than "
                "trio_as_aio(fn(*args))" % (method, proc))

    def trio_as_future(self, proc, *args, **kwargs):
        """Start ``await proc(*args, **kwargs)`` as a Trio task; return an
        asyncio Future for its outcome.

        Cancelling the Future cancels the Trio task; a Trio task that ends
        cancelled leaves the Future cancelled.  Errors only resolve the
        Future: await it (or add a done callback) to see them.
        """
        self._check_trio_callable(proc, "trio_as_future")
        if kwargs:
            proc = partial(proc, **kwargs)
        self._check_closed()
        nursery = self._trio_nursery
        if nursery is None:
            raise RuntimeError(
                "this loop is not running; call Trio code from asyncio "
                "inside 'async with trioaio.open_loop():'")
        fut = _TrioFuture(loop=self)
        nursery.start_soon(self._run_trio_call, fut, proc, args,
                           name=proc)
        return fut

    async def _run_trio_call(self, fut, proc, args):
        if fut._cancel_pending:
            fut._finish_cancelled()
            return
        try:
            with trio.CancelScope() as scope:
                fut._scope = scope
                result = await proc(*args)
        except BaseException as exc:
            # The Future gets every error except Trio's own cancellations,
            # which must keep unwinding to the scope they belong to.
            cancelled, rest = _split(exc, trio.Cancelled)
            if not fut.done():
                if rest is not None:
                    fut.set_exception(rest)
                else:
                    fut._finish_cancelled()
            if cancelled is not None:
                raise cancelled
            return
        # The awaiting asyncio task usually is all the loop will run next:
        # run that burst here rather than wake the parked loop task.
        inline = self._core_inline_enter()
        try:
            if scope.cancelled_caught:
                fut._finish_cancelled()
            elif not fut.done():
                fut.set_result(result)
        finally:
            if inline:
                self._core_inline_run()

    def run_trio_task(self, proc, *args, **kwargs):
        """Start ``await proc(*args, **kwargs)`` as a Trio task whose
        errors propagate out of the loop (ending it).

        Returns a handle whose ``cancel()`` cancels the task.
        """
        self._check_trio_callable(proc, "run_trio_task")
        if kwargs:
            proc = partial(proc, **kwargs)
        self._check_closed()
        if self._trio_nursery is None:
            raise RuntimeError("this loop is not running")
        handle = TrioTaskHandle(proc)

        async def run():
            try:
                with handle._scope:
                    await proc(*args)
            except BaseException as exc:
                # Errors go to the loop's exception handler (which by
                # default ends the loop with them); BaseExceptions such as
                # SystemExit and Cancelled keep propagating.
                errors, base = _split(exc, Exception)
                if errors is not None:
                    self.call_exception_handler({
                        "message": "Exception in Trio task %r" % (proc,),
                        "exception": errors,
                    })
                if base is not None:
                    raise base

        self._trio_nursery.start_soon(run, name=proc)
        return handle

    async def synchronize(self):
        """Wait until every callback queued so far with call_soon() has
        run.  (From asyncio: ``await trio_as_aio(loop.synchronize)()``.)

        This is a Trio-flavored async function.
        """
        done = trio.Event()
        self.call_soon(done.set)
        await done.wait()

    # Classic names, from the original trio-asyncio README.
    async def run_asyncio(self, proc, *args, **kwargs):
        """Classic name: ``await aio_as_trio(proc)(*args, **kwargs)``."""
        return await self.run_aio_coroutine(proc(*args, **kwargs))

    run_future = staticmethod(run_aio_future)

    async def run_coroutine(self, coro):
        """Classic name of ``run_aio_coroutine``."""
        return await self.run_aio_coroutine(coro)

    def run_trio(self, proc, *args, **kwargs):
        """Classic name of ``trio_as_future``."""
        return self.trio_as_future(proc, *args, **kwargs)

    # ------------------------------------------------------------- signals

    def add_signal_handler(self, sig, callback, *args):
        """Run ``callback(*args)`` on this loop when *sig* arrives.

        Goes through Trio's signal handling (``trio.open_signal_receiver``),
        so Trio keeps its own wakeup fd.  Main thread only, as in asyncio.
        """
        self._check_closed()
        self._check_signal(sig)
        self._check_callback(callback, "add_signal_handler")
        if sig == signal.SIGKILL or sig == signal.SIGSTOP:
            raise RuntimeError("sig {} cannot be caught".format(sig))
        if self._system_nursery is None:
            raise RuntimeError("add_signal_handler() needs a running loop")
        if threading.current_thread() is not threading.main_thread():
            raise ValueError("signals can only be handled in the main thread")
        self.remove_signal_handler(sig)
        handle = _core.Handle(callback, args, self, None)
        receiver_cm = trio.open_signal_receiver(sig)
        receiver = receiver_cm.__enter__()
        scope = trio.CancelScope()
        self._signal_receivers[sig] = (handle, receiver_cm, scope)

        async def deliver():
            with scope:
                async for _ in receiver:
                    if not handle.cancelled():
                        self._core_push(handle)

        self._system_nursery.start_soon(deliver)
        return None

    def remove_signal_handler(self, sig):
        """Stop handling *sig*; return True if a handler was removed."""
        self._check_signal(sig)
        entry = self._signal_receivers.pop(sig, None)
        if entry is None:
            return False
        handle, receiver_cm, scope = entry
        handle.cancel()
        scope.cancel()
        receiver_cm.__exit__(None, None, None)
        return True

    # --------------------------------------------------------------- fds

    def autoclose(self, fd):
        """Close *fd* when the loop ends (for fds given to add_reader or
        add_writer).  A supplement to ``finally:``, not a replacement."""
        self._autoclose_fds.add(_fileobj_to_fd(fd))

    def no_autoclose(self, fd):
        """Undo ``autoclose(fd)``."""
        self._autoclose_fds.discard(_fileobj_to_fd(fd))

    def _close_autoclose_fds(self):
        fds, self._autoclose_fds = self._autoclose_fds, set()
        for fd in fds:
            self._remove_reader(fd)
            self._remove_writer(fd)
            try:
                os.close(fd)
            except OSError:
                pass

    # ------------------------------------------------------ running, stop

    def run_forever(self):
        raise RuntimeError(
            "This is not a sync loop: an async trioaio loop runs as long "
            "as its 'async with open_loop()' block; there is nothing to "
            "run_forever()")

    def run_until_complete(self, future):
        raise RuntimeError(
            "This is not a sync loop: an async trioaio loop cannot "
            "run_until_complete(); in Trio code use "
            "'await trioaio.aio_as_trio(...)'")

    def stop(self, waiter=None):
        """Ask the loop to stop after the callbacks already queued.

        Returns a ``trio.Event`` that is set once the loop has stopped
        (pass *waiter* to use your own).  An async loop cannot be
        restarted.
        """
        if waiter is None:
            waiter = trio.Event()
        if self._stopped.is_set():
            waiter.set()
            return waiter
        self._stop_waiters.append(waiter)
        if len(self._stop_waiters) == 1:
            self.call_soon(self._core_request_stop)
        return waiter

    async def wait_stopped(self):
        """Wait until the loop has stopped (Trio-flavored)."""
        await self._stopped.wait()

    def close(self):
        if self.is_running():
            raise RuntimeError("Cannot close a running event loop")
        if self.is_closed():
            return
        super().close()
        self._core_close()

    async def _start(self, system_nursery):
        """Start the loop task and its libuv watcher in *system_nursery*."""
        if not self._stopped.is_set() or self._system_nursery is not None:
            raise RuntimeError("You can't enter a loop twice")
        self._system_nursery = system_nursery
        self._token = trio.lowlevel.current_trio_token()
        self._hooks = _asyncgen_hooks()
        self._hooks.acquire()
        self._boundary_token = _boundary.acquire()
        # The loop task waits on libuv's backend fd itself where Trio's
        # I/O manager allows it (the one-hop wake); else a watcher task
        # does.
        self._epoll_reader = _internals.epoll_reader(self._uv_backend_fd())
        watcher = None
        if self._epoll_reader is None:
            watcher = await system_nursery.start(self._watch_io)
        self._stopped = trio.Event()
        self._thread_id = threading.get_ident()
        await system_nursery.start(self._run, watcher)

    async def _watch_io(self, task_status=trio.TASK_STATUS_IGNORED):
        """Wait on libuv's backend fd while the loop is parked; the loop
        resumes us once it has run libuv (see loop_io.h)."""
        fd = self._uv_backend_fd()
        wait = trio.lowlevel.wait_task_rescheduled

        def abort(raise_cancel):
            self._core_watcher_abort()
            return trio.lowlevel.Abort.SUCCEEDED

        # Shielded: the watcher lives exactly as long as the loop task (an
        # outer cancellation must not leave a running loop deaf to I/O).
        with trio.CancelScope(shield=True) as self._watcher_scope:
            task_status.started(trio.lowlevel.current_task())
            while True:
                await trio.lowlevel.wait_readable(fd)
                self._core_io_ready()
                await wait(abort)

    async def _run(self, watcher, task_status=trio.TASK_STATUS_IGNORED):
        """The loop task: bursts of callbacks in C, Trio in between.

        Parked, it waits in ``wait_task_rescheduled`` and whatever has work
        for it reschedules it directly, in one Trio task step: call_soon &
        co. (the C core), libuv's backend fd becoming readable (Trio's I/O
        manager, with the loop task as the fd's reader: see
        ``_internals.EpollReader``; else the watcher task), and the next
        timer, through one cancel scope whose deadline is moved as timers
        come and go.  No Trio object is made per park: a new scope only
        after the old one's deadline passed (Trio cannot uncancel one).
        """
        task = trio.lowlevel.current_task()
        self._task = task
        self._core_attach(task, watcher, trio.lowlevel.current_clock(),
                          _internals.trio_run_queue())
        reader = self._epoll_reader
        arm = None
        if reader is not None:
            self._core_set_io_waiter(reader.waiters)
            arm = reader.arm
        burst = self._core_burst
        checkpoint = trio.lowlevel.cancel_shielded_checkpoint
        wait = trio.lowlevel.wait_task_rescheduled
        unpark = self._core_unpark
        wake = self._core_wake
        deadline_of = self._core_deadline
        failed = trio.lowlevel.Abort.FAILED
        succeeded = trio.lowlevel.Abort.SUCCEEDED
        inf = math.inf
        expired = False

        def abort(raise_cancel):
            # Only the timer scope can cancel the wait (the loop task is
            # shielded), so the next timer is due: wake as a timer wakes
            # us, without raising Cancelled into the task.
            nonlocal expired
            expired = True
            if wake():
                return failed
            return succeeded  # not parked: let the scope take Cancelled

        task_status.started()
        try:
            # Shielded: the loop stops when stop() is processed, so that
            # everything queued before it runs (asyncio's guarantee).
            with trio.CancelScope(shield=True):
                status = None
                while status != _BURST_STOPPED:
                    expired = False
                    with trio.CancelScope() as timer:
                        armed = inf  # the timer scope's deadline
                        while not expired:
                            status = burst()
                            if status == _BURST_MORE:
                                await checkpoint()
                                continue
                            if status == _BURST_STOPPED:
                                break
                            deadline = deadline_of()
                            if deadline != armed:
                                timer.deadline = armed = deadline
                            if arm is not None:
                                arm(task)
                            try:
                                await wait(abort)
                            finally:
                                unpark()
        finally:
            # Unless a sync loop already cleaned up after an abandoned run
            # (a later run may be going on).
            if self._task is task:
                if self._watcher_scope is not None:
                    self._watcher_scope.cancel()
                if reader is not None:
                    self._core_set_io_waiter(None)
                    reader.release()
                    self._epoll_reader = None
                self._core_detach()
                self._task = None
                self._thread_id = None
                self._stopped.set()
                waiters, self._stop_waiters = self._stop_waiters, []
                for waiter in waiters:
                    waiter.set()

    def _finish(self, close_fds=True):
        """After the loop task ended: release fds, hooks, signals."""
        for sig in list(self._signal_receivers):
            self.remove_signal_handler(sig)
        if close_fds:
            self._close_autoclose_fds()
        if self._hooks is not None:
            self._hooks.release()
            self._hooks = None
        if self._boundary_token is not None:
            _boundary.release(self._boundary_token)
            self._boundary_token = None
        self._trio_nursery = None
        self._system_nursery = None
        self._token = None


def _noop():
    pass


def _deliver_exit(loop, on_exit, code):
    """Hand a child's exit code to the loop, from any thread."""
    try:
        loop.call_soon_threadsafe(on_exit, code)
    except RuntimeError:
        pass  # the loop was closed meanwhile


def _reap_with(watcher):
    """A reaper that hands the child to an asyncio child watcher."""
    def reap(loop, pid, on_exit):
        watcher.add_child_handler(
            pid, lambda pid, code: _deliver_exit(loop, on_exit, code))
    return reap


def _reap_in_thread(loop, pid, on_exit):
    """Wait for child *pid* in a daemon thread; then call on_exit(code) in
    the loop."""
    def wait():
        try:
            _, status = os.waitpid(pid, 0)
            code = os.waitstatus_to_exitcode(status)
        except ChildProcessError:
            code = 255  # reaped elsewhere: asyncio reports it the same way
        _deliver_exit(loop, on_exit, code)

    threading.Thread(target=wait, name="trioaio-waitpid-%d" % pid,
                     daemon=True).start()


def _split(exc, kind):
    """(the part of exc that is `kind`, the rest), for plain exceptions and
    exception groups alike; either part may be None."""
    if not isinstance(exc, BaseExceptionGroup):
        return (exc, None) if isinstance(exc, kind) else (None, exc)
    return exc.split(kind)
