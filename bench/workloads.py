"""The workloads of ``make bench``.

Each workload is an asyncio-flavoured coroutine function ``body(n)`` that
returns ``(ops, seconds)``, timed around its hot part only (loop start-up
and tear-down are not counted).  A workload may also have a ``bridge(mod,
n)`` form, a Trio-flavoured function run inside ``mod.open_loop()`` on the
bridges (trioaio, trio-asyncio), for what only a bridge can do: calls
across the boundary.  On stock asyncio and uvloop such a workload runs its
``body`` (the nearest asyncio equivalent), or is skipped if it has none.

A workload that needs something from outside (a package, a program, a
database server) has a ``needs()`` that says what is missing, or None;
bench/run.py skips it with that message.  One that runs for a time rather
than a count (aiohttp_wrk) is not ``countable``: no instructions per
operation for it.
"""
import asyncio
import os
import random
import re
import subprocess
import tempfile
import time

from services import asyncpg_missing, postgres, wrk_missing

clock = time.perf_counter


class Workload:
    def __init__(self, name, n, unit, body, bridge, doc, needs=None,
                 countable=True):
        self.name, self.n, self.unit = name, n, unit
        self.body, self.bridge, self.doc = body, bridge, doc
        self.needs, self.countable = needs, countable

    def missing(self):
        """Why this workload cannot run here, or None."""
        return self.needs() if self.needs else None


WORKLOADS = {}


def workload(n, unit="ops/s", bridge=None, needs=None, countable=True):
    """Register the decorated coroutine function as a workload of default
    size *n*; its docstring's first line describes it."""
    def register(body):
        name = body.__name__
        doc = " ".join((body.__doc__ or "").split("\n\n")[0].split())
        WORKLOADS[name] = Workload(name, n, unit, body, bridge, doc, needs,
                                   countable)
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


@workload(2_000, unit="req/s", needs=lambda: _import_missing("aiohttp"))
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


def _import_missing(name):
    try:
        __import__(name)
    except ImportError:
        return "%s is not installed (pip install %s)" % (name, name)
    return None


async def _echo_until_eof(reader, writer):
    while data := await reader.read(65536):
        writer.write(data)
        await writer.drain()
    writer.close()


async def _stream_round_trips(reader, writer, n):
    start = clock()
    for _ in range(n):
        writer.write(_PAYLOAD)
        await writer.drain()
        await reader.readexactly(len(_PAYLOAD))
    return clock() - start


@workload(20_000)
async def unix_echo(n):
    """n round trips of 64 bytes over a Unix socket (asyncio streams, as
    tcp_echo)"""
    with tempfile.TemporaryDirectory(prefix="trioaio-bench-") as tmp:
        path = os.path.join(tmp, "echo.sock")
        server = await asyncio.start_unix_server(_echo_until_eof, path)
        reader, writer = await asyncio.open_unix_connection(path)
        elapsed = await _stream_round_trips(reader, writer, n)
        await _close(writer, server)
    return n, elapsed


def _tls_contexts():
    """(server, client) SSL contexts from a CA made now (trustme)."""
    import ssl

    import trustme
    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(server)
    client = ssl.create_default_context()
    ca.configure_trust(client)
    return server, client


@workload(10_000, needs=lambda: _import_missing("trustme"))
async def tls_echo(n):
    """n round trips of 64 bytes over TLS on loopback TCP (asyncio streams,
    asyncio's TLS layer; trustme certificates)"""
    server_ctx, client_ctx = _tls_contexts()
    server = await asyncio.start_server(_echo_until_eof, "127.0.0.1", 0,
                                        ssl=server_ctx)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", port, ssl=client_ctx, server_hostname="localhost")
    elapsed = await _stream_round_trips(reader, writer, n)
    await _close(writer, server)
    return n, elapsed


_LINE = b"l" * 63 + b"\n"


@workload(20_000)
async def streams_echo(n):
    """n request/reply lines of 64 bytes over loopback TCP, both ends on
    asyncio streams' line API (readline, write, drain)"""
    async def echo(reader, writer):
        while line := await reader.readline():
            writer.write(line)
            await writer.drain()
        writer.close()

    server, port = await _serve(echo)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    start = clock()
    for _ in range(n):
        writer.write(_LINE)
        await writer.drain()
        if await reader.readline() != _LINE:
            raise AssertionError("streams_echo: a line came back changed")
    elapsed = clock() - start
    await _close(writer, server)
    return n, elapsed


@workload(20_000)
async def udp_echo(n):
    """n round trips of a 64-byte datagram over loopback UDP
    (DatagramProtocol on both ends, a connected client)"""
    loop = asyncio.get_running_loop()
    waiter = [None]

    class Echo(asyncio.DatagramProtocol):
        def connection_made(self, transport):
            self.transport = transport

        def datagram_received(self, data, addr):
            self.transport.sendto(data, addr)

    class Client(asyncio.DatagramProtocol):
        def datagram_received(self, data, addr):
            waiter[0].set_result(data)

        def error_received(self, exc):
            waiter[0].set_exception(exc)

    def lost():  # loopback does not drop a lone datagram; never hang
        if not waiter[0].done():
            waiter[0].set_exception(TimeoutError("udp_echo: no reply"))

    server, _ = await loop.create_datagram_endpoint(
        Echo, local_addr=("127.0.0.1", 0))
    client, _ = await loop.create_datagram_endpoint(
        Client, remote_addr=server.get_extra_info("sockname"))
    guard = loop.call_later(600, lost)
    start = clock()
    for _ in range(n):
        waiter[0] = loop.create_future()
        client.sendto(_PAYLOAD)
        await waiter[0]
    elapsed = clock() - start
    guard.cancel()
    client.close()
    server.close()
    return n, elapsed


@workload(20_000)
async def pipe_echo(n):
    """n round trips of 64 bytes through two OS pipes (connect_read_pipe
    and connect_write_pipe with plain protocols; the echo end in the same
    loop)"""
    loop = asyncio.get_running_loop()
    waiter = [None]

    class Echo(asyncio.Protocol):
        def data_received(self, data):
            back.write(data)

    class Client(asyncio.Protocol):
        def __init__(self):
            self.got = b""

        def data_received(self, data):
            self.got += data
            if len(self.got) >= len(_PAYLOAD):
                self.got = b""
                waiter[0].set_result(None)

        def connection_lost(self, exc):
            if waiter[0] is not None and not waiter[0].done():
                waiter[0].set_exception(
                    ConnectionError("pipe_echo: pipe closed"))

    def pipe():
        r, w = os.pipe()
        return os.fdopen(r, "rb", buffering=0), os.fdopen(w, "wb",
                                                          buffering=0)
    r1, w1 = pipe()
    r2, w2 = pipe()
    there, _ = await loop.connect_write_pipe(asyncio.Protocol, w1)
    echo_in, _ = await loop.connect_read_pipe(Echo, r1)
    back, _ = await loop.connect_write_pipe(asyncio.Protocol, w2)
    client_in, _ = await loop.connect_read_pipe(Client, r2)
    start = clock()
    for _ in range(n):
        waiter[0] = loop.create_future()
        there.write(_PAYLOAD)
        await waiter[0]
    elapsed = clock() - start
    for t in (there, back, echo_in, client_in):
        t.close()
    await asyncio.sleep(0)
    return n, elapsed


@workload(5_000, needs=asyncpg_missing)
async def asyncpg(n):
    """n query round trips (SELECT $1::int) with asyncpg to a local
    PostgreSQL over its Unix socket (bench/services.py starts the server)"""
    import asyncpg as pg

    with postgres() as (socket_dir, port, user):
        conn = await pg.connect(host=socket_dir, port=int(port), user=user,
                                database="postgres")
        try:
            query = "SELECT $1::int"
            await conn.fetchval(query, 0)  # prepares and caches it
            start = clock()
            for i in range(n):
                if await conn.fetchval(query, i) != i:
                    raise AssertionError("asyncpg: wrong answer")
            elapsed = clock() - start
        finally:
            await conn.close()
    return n, elapsed


#: wrk's summary line: "  123456 requests in 5.00s, 17.43MB read"
_WRK_DONE = re.compile(r"(\d+) requests in ([\d.]+)(us|ms|s|m)\b")
_WRK_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}
WRK_CONNECTIONS = 16


@workload(5, unit="req/s", needs=wrk_missing, countable=False)
async def aiohttp_wrk(n):
    """an aiohttp server answering wrk, an external HTTP load generator (1
    thread, 16 keep-alive connections), for n seconds"""
    from aiohttp import web

    async def hello(request):
        return web.Response(text="hello")

    app = web.Application()
    app.router.add_get("/", hello)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = "http://127.0.0.1:%d/" % runner.addresses[0][1]
    try:
        # wrk is waited for in a thread: the loop under test keeps serving
        # and spends nothing on the child but the final wake-up.
        wrk = subprocess.Popen(
            ["wrk", "-t1", "-c%d" % WRK_CONNECTIONS, "-d%ds" % n, url],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        out, _ = await asyncio.get_running_loop().run_in_executor(
            None, wrk.communicate)
    finally:
        await runner.cleanup()
    found = _WRK_DONE.search(out)
    if wrk.returncode != 0 or not found:
        raise AssertionError("wrk failed (exit %s):\n%s" % (
            wrk.returncode, out))
    if "Non-2xx" in out or "Socket errors" in out:
        raise AssertionError("wrk saw errors:\n%s" % out)
    return int(found.group(1)), float(found.group(2)) * _WRK_UNITS[
        found.group(3)]
