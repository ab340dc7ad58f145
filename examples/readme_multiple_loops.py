"""The original trio-asyncio README, "Multiple asyncio loops".

Several asyncio loops can run at once in one thread, and may nest, so a
library can wrap asyncio code in its own loop regardless of what the rest of
the program does.  `loop.autoclose(fd)` closes a file descriptor handed to
`add_reader`/`add_writer` when the loop ends.
"""
import asyncio
import os
import socket

import trio

import trioaio


async def whose_loop():
    await asyncio.sleep(0.01)
    return id(asyncio.get_running_loop())


async def library_call(name):
    # A "library" that brings its own loop.
    async with trioaio.open_loop() as loop:
        assert await trioaio.aio_as_trio(whose_loop)() == id(loop)
        print("%s: ran on its own loop" % name)


async def main():
    async with trio.open_nursery() as nursery:
        nursery.start_soon(library_call, "library A")
        nursery.start_soon(library_call, "library B")

    async with trioaio.open_loop() as outer:
        async with trioaio.open_loop() as inner:
            assert await trioaio.aio_as_trio(whose_loop)() == id(inner)
            print("nested: the inner loop is current inside the inner block")
        assert await trioaio.aio_as_trio(whose_loop)() == id(outer)
        print("nested: the outer loop is current again")

    a, b = socket.socketpair()
    async with trioaio.open_loop() as loop:
        fd = a.detach()  # the loop will own and close this fd
        got = trio.Event()
        loop.add_reader(fd, got.set)
        loop.autoclose(fd)
        b.send(b"x")
        await got.wait()
    try:
        os.fstat(fd)
        print("autoclose: fd still open?!")
    except OSError:
        print("autoclose: the fd was closed when the loop ended")
    b.close()


if __name__ == "__main__":
    trio.run(main)
