"""trioaio demo: a Trio program using asyncio code, and the other way round.

1. An asyncio TCP echo server (asyncio streams) runs inside a Trio program.
2. A Trio client talks to it with trio.open_tcp_stream.
3. Cross-calls: Trio awaits an asyncio coroutine; asyncio awaits Trio code.
4. Cancellation: a Trio timeout cancels a slow asyncio call, and the
   asyncio code sees an ordinary asyncio.CancelledError.
"""
import asyncio

import sniffio
import trio

import trioaio


# ------------------------------------------------------------ asyncio side

async def handle_echo(reader, writer):
    """asyncio stream handler: echo each line back, upper-cased."""
    while line := await reader.readline():
        writer.write(line.upper())
        await writer.drain()
    writer.close()


async def start_echo_server():
    """Start an asyncio echo server on a free port; return (server, port)."""
    server = await asyncio.start_server(handle_echo, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def asyncio_calls_trio():
    """asyncio code that awaits a Trio function through trio_as_aio."""
    answer = await trioaio.trio_as_aio(trio_compute)(6, 7)
    return "asyncio (%s) got %d from Trio" % (
        sniffio.current_async_library(), answer)


async def slow_asyncio_call():
    try:
        await asyncio.sleep(3600)
    except asyncio.CancelledError:
        print("  asyncio side: got asyncio.CancelledError, cleaning up")
        raise


# --------------------------------------------------------------- Trio side

async def trio_compute(a, b):
    await trio.sleep(0)
    assert sniffio.current_async_library() == "trio"
    return a * b


async def trio_client(port):
    """A plain Trio client for the asyncio server."""
    stream = await trio.open_tcp_stream("127.0.0.1", port)
    async with stream:
        for word in (b"hello", b"from", b"trio"):
            await stream.send_all(word + b"\n")
            reply = b""
            while not reply.endswith(b"\n"):
                reply += await stream.receive_some(100)
            print("  Trio client sent %-7r got %r" % (word, reply))


async def main():
    async with trioaio.open_loop() as loop:
        print("1. asyncio loop %s runs as a Trio task" % type(loop).__name__)

        server, port = await trioaio.aio_as_trio(start_echo_server)()
        print("2. asyncio echo server listening on port %d" % port)
        await trio_client(port)

        print("3. cross-calls")
        result = await trioaio.aio_as_trio(asyncio.sleep)(0.01, "done")
        print("  Trio awaited asyncio.sleep(0.01) ->", result)
        print("  " + await trioaio.aio_as_trio(asyncio_calls_trio)())

        print("4. cancellation")
        with trio.move_on_after(0.05) as scope:
            await trioaio.aio_as_trio(slow_asyncio_call)()
        print("  Trio side: timeout fired, cancelled_caught =",
              scope.cancelled_caught)

        server.close()
        await trioaio.aio_as_trio(server.wait_closed)()
    print("loop closed cleanly:", loop.is_closed())


if __name__ == "__main__":
    trio.run(main)
