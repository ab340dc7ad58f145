"""The workloads of ``make bench``.

Each workload is an asyncio-flavoured coroutine function ``body(n)`` that
returns ``(ops, seconds)``, timed around its hot part only (loop start-up
and tear-down are not counted).  A workload may also have a ``bridge(mod,
n)`` form, a Trio-flavoured function run inside ``mod.open_loop()`` on the
bridges (trioaio, trio-asyncio), for what only a bridge can do: calls
across the boundary.  On stock asyncio and uvloop such a workload runs its
``body`` (the nearest asyncio equivalent), or is skipped if it has none.
"""
import asyncio
import random
import time

clock = time.perf_counter


class Workload:
    def __init__(self, name, n, unit, body, bridge, doc):
        self.name, self.n, self.unit = name, n, unit
        self.body, self.bridge, self.doc = body, bridge, doc


WORKLOADS = {}


def workload(n, unit="ops/s", bridge=None):
    """Register the decorated coroutine function as a workload of default
    size *n*; its docstring's first line describes it."""
    def register(body):
        name = body.__name__
        doc = " ".join((body.__doc__ or "").split("\n\n")[0].split())
        WORKLOADS[name] = Workload(name, n, unit, body, bridge, doc)
        return body
    return register


def bridge_only(name, n, doc, unit="ops/s"):
    """Register a workload that exists only on the bridges."""
    def register(fn):
        WORKLOADS[name] = Workload(name, n, unit, None, fn, doc)
        return fn
    return register


def _countdown(n, done):
    """A callback that resolves *done* on its n-th call."""
    left = [n]

    def tick():
        left[0] -= 1
        if left[0] == 0:
            done.set_result(None)
    return tick


@workload(200_000)
async def call_soon(n):
    """a chain of n callbacks, each one scheduling the next"""
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    schedule = loop.call_soon
    remaining = n

    def step():
        nonlocal remaining
        remaining -= 1
        if remaining:
            schedule(step)
        else:
            done.set_result(None)

    start = clock()
    schedule(step)
    await done
    return n, clock() - start


@workload(200_000)
async def call_soon_fanout(n):
    """n callbacks queued at once"""
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    tick = _countdown(n, done)
    schedule = loop.call_soon
    start = clock()
    for _ in range(n):
        schedule(tick)
    await done
    return n, clock() - start


async def _sleepers(n, tasks):
    each = n // tasks

    async def sleeper():
        for _ in range(each):
            await asyncio.sleep(0)

    start = clock()
    await asyncio.gather(*[sleeper() for _ in range(tasks)])
    return each * tasks, clock() - start


@workload(200_000)
async def sleep0(n):
    """100 tasks, each awaiting asyncio.sleep(0) n/100 times"""
    return await _sleepers(n, 100)


@workload(200_000)
async def sleep0_1task(n):
    """one task awaiting asyncio.sleep(0) n times (one loop pass each)"""
    return await _sleepers(n, 1)


@workload(50_000)
async def timers(n):
    """n call_later() timers, random delays up to 10 ms"""
    loop = asyncio.get_running_loop()
    rng = random.Random(2026)
    delays = [rng.random() * 0.010 for _ in range(n)]
    done = loop.create_future()
    tick = _countdown(n, done)
    later = loop.call_later
    start = clock()
    for delay in delays:
        later(delay, tick)
    await done
    return n, clock() - start


@workload(100_000)
async def future_pingpong(n):
    """two tasks handing a counter back and forth through new Futures
    (n hand-offs)"""
    loop = asyncio.get_running_loop()
    trips = n // 2
    inbox = [loop.create_future()]

    async def echo():
        for _ in range(trips):
            reply, value = await inbox[0]
            inbox[0] = loop.create_future()
            reply.set_result(value + 1)

    partner = loop.create_task(echo())
    await asyncio.sleep(0)
    value = 0
    start = clock()
    for _ in range(trips):
        reply = loop.create_future()
        inbox[0].set_result((reply, value))
        value = await reply
    elapsed = clock() - start
    await partner
    if value != trips:
        raise AssertionError("pingpong lost a hand-off: %d" % value)
    return 2 * trips, elapsed


async def _answer():
    return 42


async def _bridge_cross_t2a(mod, n):
    call = mod.aio_as_trio(_answer)
    start = clock()
    for _ in range(n):
        await call()
    return n, clock() - start


@workload(20_000, bridge=_bridge_cross_t2a)
async def cross_t2a(n):
    """Trio -> asyncio call, aio_as_trio(fn)(); asyncio and uvloop:
    create_task() + await, the nearest equivalent"""
    loop = asyncio.get_running_loop()
    start = clock()
    for _ in range(n):
        await loop.create_task(_answer())
    return n, clock() - start


async def _trio_answer():
    return 42


@bridge_only("cross_a2t", 20_000,
             "asyncio -> Trio call, trio_as_aio(fn)() (bridges only)")
async def _bridge_cross_a2t(mod, n):
    call = mod.trio_as_aio(_trio_answer)

    async def from_asyncio():
        start = clock()
        for _ in range(n):
            await call()
        return n, clock() - start
    return await mod.aio_as_trio(from_asyncio)()


@bridge_only("wake", 20_000,
             "a Trio task wakes the parked loop with call_soon() and waits "
             "for the callback (loop.synchronize()), n times (bridges only)")
async def _bridge_wake(mod, n):
    loop = asyncio.get_event_loop()
    start = clock()
    for _ in range(n):
        await loop.synchronize()
    return n, clock() - start


@bridge_only("wake_io", 20_000,
             "a Trio task writes a byte to a socket the parked loop watches "
             "(add_reader) and waits for the reader, n times (bridges only)")
async def _bridge_wake_io(mod, n):
    import socket

    import trio
    loop = asyncio.get_event_loop()
    a, b = socket.socketpair()
    a.setblocking(False)
    b.setblocking(False)
    waiting = [None]

    def readable():
        b.recv(64)
        waiting[0].set()

    loop.add_reader(b.fileno(), readable)
    try:
        start = clock()
        for _ in range(n):
            done = waiting[0] = trio.Event()
            a.send(b"x")
            await done.wait()
        elapsed = clock() - start
    finally:
        loop.remove_reader(b.fileno())
        a.close()
        b.close()
    return n, elapsed


_PAYLOAD = b"p" * 64


async def _serve(handler):
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def _close(writer, server):
    writer.close()
    await writer.wait_closed()
    server.close()
    await server.wait_closed()


@workload(20_000)
async def tcp_echo(n):
    """n round trips of 64 bytes over loopback TCP (asyncio streams)"""
    async def echo(reader, writer):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        writer.close()

    server, port = await _serve(echo)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    start = clock()
    for _ in range(n):
        writer.write(_PAYLOAD)
        await writer.drain()
        await reader.readexactly(len(_PAYLOAD))
    elapsed = clock() - start
    await _close(writer, server)
    return n, elapsed


@workload(200, unit="MiB/s")
async def tcp_bulk(n):
    """n MiB one way over loopback TCP, in 64 KiB writes"""
    total = n << 20
    block = bytes(64 << 10)

    async def count(reader, writer):
        seen = 0
        while data := await reader.read(256 << 10):
            seen += len(data)
        writer.write(str(seen).encode())
        await writer.drain()
        writer.close()

    server, port = await _serve(count)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    start = clock()
    for _ in range(total // len(block)):
        writer.write(block)
        await writer.drain()
    writer.write_eof()
    seen = int(await reader.read())
    elapsed = clock() - start
    if seen != total:
        raise AssertionError("sent %d bytes, %d arrived" % (total, seen))
    await _close(writer, server)
    return n, elapsed


@workload(2_000, unit="req/s")
async def aiohttp(n):
    """n keep-alive GET requests, aiohttp client and server in one loop"""
    from aiohttp import ClientSession, web

    async def hello(request):
        return web.Response(text="hello")

    app = web.Application()
    app.router.add_get("/", hello)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    url = "http://127.0.0.1:%d/" % port
    try:
        async with ClientSession() as session:
            async with session.get(url) as response:  # opens the connection
                await response.read()
            start = clock()
            for _ in range(n):
                async with session.get(url) as response:
                    await response.read()
            elapsed = clock() - start
    finally:
        await runner.cleanup()
    return n, elapsed
