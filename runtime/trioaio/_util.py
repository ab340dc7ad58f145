"""Waiting for asyncio objects from Trio, without needing a trioaio loop."""
import asyncio
import sys

import outcome
import trio


async def run_aio_future(future):
    """Wait for an asyncio future from Trio; return or raise its result.

    If the calling Trio scope is cancelled, the future is cancelled and this
    waits until it is done; if it then ends in ``asyncio.CancelledError``,
    ``trio.Cancelled`` is raised instead (chained to it).  A future that is
    cancelled while Trio is *not* cancelling us raises
    ``asyncio.CancelledError`` unchanged.

    This is a Trio-flavored async function.
    """
    task = trio.lowlevel.current_task()
    raise_cancel = None

    def on_done(fut):
        trio.lowlevel.reschedule(task, outcome.capture(fut.result))

    def on_abort(raise_cancel_fn):
        nonlocal raise_cancel
        raise_cancel = raise_cancel_fn
        future.cancel()
        # Keep waiting: the future's own completion wakes us.
        return trio.lowlevel.Abort.FAILED

    future.add_done_callback(on_done)
    try:
        return await trio.lowlevel.wait_task_rescheduled(on_abort)
    except asyncio.CancelledError as exc:
        if raise_cancel is None:
            raise
        try:
            raise_cancel()
        finally:
            sys.exc_info()[1].__cause__ = exc


_END = object()


async def run_aio_generator(loop, async_generator):
    """Iterate an asyncio async iterator from Trio.

    Each step (``__anext__``) runs as an asyncio task on *loop*; Trio
    cancellation cancels the step in progress.  A step that ends in
    ``asyncio.CancelledError`` Trio did not ask for raises it here, as
    `run_aio_future` does.
    """
    task = trio.lowlevel.current_task()
    gave_up = False
    step = None

    async def next_item():
        try:
            item = await async_generator.__anext__()
        except StopAsyncIteration:
            result = outcome.Value(_END)
        except (Exception, asyncio.CancelledError) as exc:
            result = outcome.Error(exc)
        else:
            result = outcome.Value(item)
        # After an abort the Trio side no longer waits for this step, even
        # if the step ignored its cancellation and produced an item.
        if not gave_up:
            trio.lowlevel.reschedule(task, result)

    def on_abort(raise_cancel):
        # Every step reschedules the Trio side unless we gave up on it, so
        # the step is still running here and its cancellation is enough.
        nonlocal gave_up
        gave_up = True
        step.cancel()
        return trio.lowlevel.Abort.SUCCEEDED

    while True:
        step = asyncio.ensure_future(next_item(), loop=loop)
        item = await trio.lowlevel.wait_task_rescheduled(on_abort)
        if item is _END:
            break
        yield item


async def run_trio_generator(loop, async_generator):
    """Iterate a Trio async iterator from asyncio (each step a Trio task)."""
    while True:
        try:
            item = await loop.trio_as_future(async_generator.__anext__)
        except StopAsyncIteration:
            break
        yield item
