"""What a loop puts right when its open_loop() block ends (signal handlers
left installed, autoclosed fds closed meanwhile), and error paths of the
loop's callbacks that stock asyncio shares: debug mode with a broken
slow_callback_duration or timers from another thread, call_soon without
a callback, stop() from datagram_received."""
import asyncio
import contextvars
import os
import signal
import socket

import pytest
import trio

from _testbase import (impl, reference_lacks, run_in_loop, run_trio,
                       timer_count)


@pytest.fixture
def mod():
    reference_lacks("trioaio's loop states")
    return impl()


def test_handlers_left_installed_are_removed_at_the_end(mod):
    before = signal.getsignal(signal.SIGUSR1)

    async def main():
        async with mod.open_loop() as loop:
            got = trio.Event()
            loop.add_signal_handler(signal.SIGUSR1, got.set)
            os.kill(os.getpid(), signal.SIGUSR1)
            await got.wait()
        return loop.remove_signal_handler(signal.SIGUSR1)
    assert run_trio(main) is False  # nothing left to remove
    assert signal.getsignal(signal.SIGUSR1) == before


def test_an_autoclosed_fd_closed_meanwhile_is_skipped(mod):
    async def main(loop):
        r, w = os.pipe()
        loop.autoclose(r)
        loop.autoclose(w)
        os.close(r)  # closed by hand: the loop's close of it fails quietly
        return w
    w = run_in_loop(main)
    with pytest.raises(OSError):
        os.fstat(w)  # the other one the loop closed


def _sync_loop():
    reference_lacks("trioaio's sync loop")
    return impl().SyncTrioEventLoop()


@pytest.mark.parametrize("new_loop", [asyncio.SelectorEventLoop, _sync_loop],
                         ids=["asyncio", "trioaio"])
@pytest.mark.parametrize("spoil", ["not a number", "deleted"])
def test_debug_mode_with_a_broken_slow_callback_duration(new_loop, spoil):
    # Debug mode times each callback against slow_callback_duration: a
    # value that cannot be compared (or none at all) ends the run with
    # that error, after the callback ran, as in asyncio.
    loop = new_loop()
    try:
        loop.set_debug(True)
        if spoil == "deleted":
            del loop.slow_callback_duration
            expected = AttributeError
        else:
            loop.slow_callback_duration = spoil
            expected = TypeError
        ran = []
        loop.call_soon(ran.append, "ran")
        coro = asyncio.sleep(0)
        with pytest.raises(expected):
            loop.run_until_complete(coro)
        coro.close()
        assert ran == ["ran"]
    finally:
        loop.slow_callback_duration = 0.1
        loop.close()


@pytest.mark.parametrize("new_loop", [asyncio.SelectorEventLoop, _sync_loop],
                         ids=["asyncio", "trioaio"])
def test_debug_mode_refuses_timers_from_another_thread(new_loop):
    loop = new_loop()
    loop.set_debug(True)

    def from_a_thread():
        with pytest.raises(RuntimeError, match="Non-thread-safe operation"):
            loop.call_later(10, print)
        with pytest.raises(RuntimeError, match="Non-thread-safe operation"):
            loop.call_at(loop.time() + 10, print)
        return "refused"

    async def main():
        return await loop.run_in_executor(None, from_a_thread)
    try:
        assert loop.run_until_complete(main()) == "refused"
        assert timer_count(loop) == 0
    finally:
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()


@pytest.mark.parametrize("new_loop", [asyncio.SelectorEventLoop, _sync_loop],
                         ids=["asyncio", "trioaio"])
def test_call_soon_with_a_context_but_no_callback(new_loop):
    loop = new_loop()
    try:
        with pytest.raises(TypeError):
            loop.call_soon(context=contextvars.copy_context())
        with pytest.raises(TypeError):
            loop.call_later(1, context=contextvars.copy_context())
    finally:
        loop.close()


@pytest.mark.parametrize("new_loop", [asyncio.SelectorEventLoop, _sync_loop],
                         ids=["asyncio", "trioaio"])
def test_stop_from_datagram_received_ends_run_forever(new_loop):
    # trioaio's C transport calls datagram_received straight from libuv,
    # queueing no handle: the stop must still end the run.
    loop = new_loop()
    got = []

    class StopOnDatagram(asyncio.DatagramProtocol):
        def datagram_received(self, data, addr):
            got.append(data)
            loop.stop()

    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        transport, _ = loop.run_until_complete(loop.create_datagram_endpoint(
            StopOnDatagram, local_addr=("127.0.0.1", 0)))
        sender.sendto(b"stop", transport.get_extra_info("sockname"))
        loop.call_later(5, loop.stop)  # a deadline, should it not stop
        loop.run_forever()
        transport.close()
        loop.run_until_complete(asyncio.sleep(0))
    finally:
        sender.close()
        loop.close()
    assert got == [b"stop"]
