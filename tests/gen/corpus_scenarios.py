"""Runs one scenario of tests/gen/test_corpus_adapters.py against an
original module and its adapter, in a process of its own: only the runtime
under test is imported (trioaio installs its asyncio policy when imported,
which trio-asyncio's subprocess support would pick up).

    python corpus_scenarios.py RUNTIME SRC OUT ORIGINAL ADAPTER SCENARIO

prints the two traces (outcome and log) as JSON.
"""
import importlib
import json
import pathlib
import sys

import trio

FAKES = pathlib.Path(__file__).resolve().parent / "corpus_fakes"


async def _outcome(fn):
    try:
        return ["ok", repr(await fn())]
    except Exception as e:
        return ["raised", type(e).__name__, str(e)]


# triopg, against the asyncpg stand-in.

async def connection_fetch(m, loop):
    async with m.TrioConnectionProxy(host="db") as conn:
        return await conn.fetch("q", 1), await conn.fetchval("v")


async def connection_error(m, loop):
    async with m.TrioConnectionProxy() as conn:
        return await conn.fetch("fail")


async def connection_close_is_shielded(m, loop):
    conn = m.TrioConnectionProxy()
    await conn.__aenter__()
    with trio.move_on_after(0.05) as scope:
        await conn.close()
    return scope.cancelled_caught, conn._asyncpg_conn.closed


async def connection_call_is_cancelled(m, loop):
    async with m.TrioConnectionProxy() as conn:
        with trio.move_on_after(0.05) as scope:
            await conn.slow()
        return scope.cancelled_caught


async def transaction_exit_is_shielded(m, loop):
    import asyncpg

    tr = m.TrioTransactionProxy(asyncpg.Connection().transaction())
    with trio.move_on_after(0.05) as scope:
        async with tr:
            await trio.sleep(1)
    return scope.cancelled_caught


async def transaction_commits(m, loop):
    import asyncpg

    async with m.TrioTransactionProxy(asyncpg.Connection().transaction()):
        pass
    return True


async def cursor_factory_iterates(m, loop):
    import asyncpg

    cf = m.TrioCursorFactoryProxy(asyncpg.Connection().cursor("q"))
    return [row async for row in cf]


async def cursor_factory_awaits(m, loop):
    import asyncpg

    cur = await m.TrioCursorFactoryProxy(asyncpg.Connection().cursor("q"))
    return await cur.fetch(2)


async def cursor_methods(m, loop):
    import asyncpg

    cur = m.TrioCursorProxy(asyncpg.Cursor(range(6)))
    return await cur.fetch(2), await cur.fetchrow(), await cur.forward(1), \
        await cur.fetch(5)


async def pool_acquire_and_close(m, loop):
    async with m.TrioPoolProxy(min_size=1) as pool:
        acq = m.TrioPoolAcquireContextProxy(pool._asyncpg_pool.acquire())
        with trio.move_on_after(0.05) as scope:
            async with acq as conn:
                got = await conn.fetch("in pool")
                await trio.sleep(1)
        with trio.move_on_after(0.05) as scope2:
            await pool.close()
    return got, scope.cancelled_caught, scope2.cancelled_caught, \
        pool._asyncpg_pool.closed


async def something_both_ways(m, loop):
    thing = m.SomeThing(loop)
    r = [await thing.dly_asyncio_adapted()]

    async def aio_side():
        return await thing.dly_trio_adapted()

    r.append(await importlib.import_module(
        type(loop).__module__.split(".")[0]).aio_as_trio(aio_side)())
    return r, thing.flag




def _subprocess_target(name):
    async def scenario(m, loop):
        return await getattr(m, name)(loop)

    return scenario


def main(argv):
    runtime, src, out, original, adapter, name = argv
    sys.path[:0] = [out, src, str(FAKES)]
    rt = importlib.import_module(runtime)
    orig = importlib.import_module(original)
    adapted = importlib.import_module(adapter)
    scenario = globals().get(name) or _subprocess_target(name)
    try:
        log = importlib.import_module("asyncpg").LOG
    except ImportError:
        log = []
    traces = []
    for mod in (orig, adapted):
        log.clear()

        async def run():
            async with rt.open_loop() as loop:
                return await _outcome(lambda: scenario(mod, loop))

        traces.append([trio.run(run), list(log)])
    json.dump(traces, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
