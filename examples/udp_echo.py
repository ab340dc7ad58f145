"""A UDP echo server and client, asyncio protocols on trioaio's C datagram
transport (docs/usage.md, "Datagram endpoints")."""
import asyncio

import trio
import trioaio


class Echo(asyncio.DatagramProtocol):
    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.transport.sendto(data.upper(), addr)


class Client(asyncio.DatagramProtocol):
    def __init__(self):
        self.reply = asyncio.get_running_loop().create_future()

    def datagram_received(self, data, addr):
        self.reply.set_result(data)

    def error_received(self, exc):
        self.reply.set_exception(exc)


async def aio_main():
    loop = asyncio.get_running_loop()
    server, _ = await loop.create_datagram_endpoint(
        Echo, local_addr=("127.0.0.1", 0))
    client, protocol = await loop.create_datagram_endpoint(
        Client, remote_addr=server.get_extra_info("sockname"))
    client.sendto(b"hello")          # connected: no address needed
    print("reply:", await protocol.reply)
    print("transport:", type(client).__module__, type(client).__name__)
    client.close()
    server.close()


async def main():
    async with trioaio.open_loop():
        await trioaio.aio_as_trio(aio_main)()


trio.run(main)
