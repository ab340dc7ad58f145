"""TrioEventLoop and open_loop(): an asyncio loop for the length of an
``async with`` block in a Trio program."""
import asyncio
from contextlib import asynccontextmanager

import trio

from ._base import BaseTrioEventLoop
from ._state import current_loop
from ._util import run_aio_future


class TrioEventLoop(BaseTrioEventLoop):
    """The loop that ``open_loop()`` creates.

    Unhandled errors reported to its exception handler are logged (as
    asyncio does) and then raised in the Trio task tree, ending the loop:
    an error nobody awaited must not vanish.
    """

    def default_exception_handler(self, context):
        super().default_exception_handler(context)
        # Raised where the loop's Trio tasks run (as trio-asyncio does, so
        # exception groups nest the same way), or, once those are gone, in
        # the loop's own nursery.
        nursery = self._trio_nursery or self._system_nursery
        if nursery is None:
            return  # closed: e.g. a library's __del__ reporting late
        exception = context.get("exception")
        if exception is None:
            exception = RuntimeError(
                context.get("message") or "Unhandled error in event loop")

        async def propagate():
            raise exception

        nursery.start_soon(propagate)


async def _cancel_and_wait(task):
    """Cancel an asyncio task at loop exit and wait for it; an error it
    raises while unwinding propagates (it must not be lost)."""
    task.cancel()
    try:
        await run_aio_future(task)
    except asyncio.CancelledError:
        pass


@asynccontextmanager
async def open_loop(queue_len=None):
    """Run an asyncio loop for the duration of the block (Trio-flavored).

    ``async with trioaio.open_loop() as loop:`` gives a ``TrioEventLoop``;
    inside, ``asyncio.get_event_loop()`` returns it from asyncio and Trio
    code, and the shims (``aio_as_trio``, ``trio_as_aio``) use it.

    On exit, callbacks queued before the exit run; then every asyncio task
    and every Trio task the loop started is cancelled and awaited, async
    generators are finalized, ``autoclose`` fds are closed and the loop is
    closed.
    """
    loop = TrioEventLoop(queue_len=queue_len)
    token = current_loop.set(loop)
    # Whether a cancellation from outside was taken by the body (or by the
    # finalizers at exit).  Only then does a Cancelled leave open_loop, as
    # it would leave a plain block: a block that ends normally although an
    # outer scope was cancelled meanwhile reports no caught cancellation.
    taken = False
    try:
        async with trio.open_nursery() as system_nursery:
            # Shielded so that a block entered already cancelled still gets
            # a running loop (whose tasks then see the cancellation).
            with trio.CancelScope(shield=True):
                await loop._start(system_nursery)
            try:
                async with trio.open_nursery() as tasks_nursery:
                    # Trio tasks started for asyncio end when the asyncio
                    # side says so, not when the block is cancelled.
                    tasks_nursery.cancel_scope.shield = True
                    loop._trio_nursery = tasks_nursery
                    body_scope = trio.CancelScope()
                    forwarder_scope = trio.CancelScope()

                    async def forward_cancellation():
                        # The body sits inside the shielded tasks nursery;
                        # hand it a cancellation from outside.  Swallowed
                        # here: re-raising it would report a cancellation
                        # even when the body never took it.
                        try:
                            with forwarder_scope:
                                await trio.sleep_forever()
                        except trio.Cancelled:
                            body_scope.cancel()

                    system_nursery.start_soon(forward_cancellation)
                    try:
                        with body_scope:
                            yield loop
                    finally:
                        forwarder_scope.cancel()
                        taken = body_scope.cancelled_caught
                        await _wind_down(loop, tasks_nursery)
            finally:
                taken = await _finalize(loop) or taken
                if taken:
                    # A fresh Cancelled from the outer scope, raised in a
                    # task so that it joins whatever else is propagating.
                    system_nursery.start_soon(trio.lowlevel.checkpoint)
                system_nursery.cancel_scope.cancel()
    finally:
        loop._finish()
        if not loop.is_running():
            loop.close()
        current_loop.reset(token)


async def _wind_down(loop, tasks_nursery):
    """Run what is queued, then cancel and await the loop's tasks."""
    with trio.CancelScope(shield=True):
        # Twice: callbacks queued before the exit run (they may create
        # tasks), then new tasks take their first step, so each one gets a
        # chance to start before it is cancelled.
        for _ in range(2):
            if loop.is_running():
                await loop.synchronize()
        for task in asyncio.all_tasks(loop):
            tasks_nursery.start_soon(_cancel_and_wait, task)
    tasks_nursery.cancel_scope.cancel()


async def _finalize(loop):
    """Finalize async generators, then stop the loop task.

    The generators' finalizers are shielded from an outer cancellation
    until they have started; then that cancellation reaches them (as
    asyncio.CancelledError), as it would any asyncio task.  Returns whether
    it did (open_loop then lets it out).
    """
    cancelled = False
    loop._trio_nursery = None  # closed: no more Trio tasks for asyncio
    if loop.is_running() and loop._asyncgens:
        shield = trio.CancelScope(shield=True)

        async def shutdown_asyncgens():
            task = asyncio.ensure_future(loop.shutdown_asyncgens())
            await asyncio.sleep(0)  # the aclose() tasks are created
            await asyncio.sleep(0)  # ... and take their first step
            shield.shield = False
            await task

        with shield:
            try:
                await loop.run_aio_coroutine(shutdown_asyncgens())
                # The finalizers ran unshielded: an outer cancellation was
                # theirs to see even if they finished within one step.
                await trio.lowlevel.checkpoint_if_cancelled()
            except trio.Cancelled:
                cancelled = True  # the loop must still be stopped below
    with trio.CancelScope(shield=True):
        if loop.is_running():
            await loop.stop().wait()
    return cancelled


def run(proc, *args, queue_len=None, **trio_run_options):
    """``trio.run(proc, *args)`` with an ``open_loop()`` around *proc*."""

    async def main():
        async with open_loop(queue_len=queue_len):
            return await proc(*args)

    return trio.run(main, **trio_run_options)
