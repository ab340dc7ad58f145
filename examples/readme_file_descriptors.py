"""The original trio-asyncio README, "File descriptors": `add_reader` and
`add_writer` work as usual (though native Trio code might rather use
`trio.lowlevel.wait_readable`)."""
import asyncio
import socket

import trioaio


async def asyncio_code():
    loop = asyncio.get_running_loop()
    a, b = socket.socketpair()
    a.setblocking(False)
    b.setblocking(False)
    received = loop.create_future()
    sent = loop.create_future()

    def on_writable():
        loop.remove_writer(a)
        a.send(b"hello through add_writer")
        sent.set_result(None)

    def on_readable():
        loop.remove_reader(b)
        received.set_result(b.recv(100))

    loop.add_reader(b, on_readable)
    loop.add_writer(a, on_writable)
    await sent
    print("add_writer: socket was writable, data sent")
    print("add_reader: received", (await received).decode())
    a.close()
    b.close()


if __name__ == "__main__":
    trioaio.run(trioaio.aio_as_trio(asyncio_code))
