"""Generated adapters behave like the decorated originals they stand for.

The `proxies` golden case (a triopg-like layer) is generated, imported, and
every scenario below runs once against the original module and once against
its adapter module, under each runtime that is installed: trio-asyncio 0.16
as the source is written, and trioaio with the source's imports switched to
it (so `--runtime auto` follows).  Results, exceptions, what the code did
(its log), cancellation and shielding must be the same.
"""

import importlib
import shutil
import sys

import pytest

from conftest import CASES, run_gen

trio = pytest.importorskip("trio")


def _runtimes():
    out = []
    for name in ("trio_asyncio", "trioaio"):
        try:
            mod = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(mod, "aio_as_trio"):
            out.append(name)
    return out


RUNTIMES = _runtimes()


@pytest.fixture(params=RUNTIMES)
def pair(request, tmp_path, monkeypatch):
    """(runtime module, original module, adapter module)."""
    runtime = request.param
    src = tmp_path / "src"
    shutil.copytree(CASES / "proxies" / "src", src)
    conn = src / "pg" / "conn.py"
    if runtime == "trioaio":
        conn.write_text(conn.read_text().replace("trio_asyncio", "trioaio"))
    proc = run_gen("gen", "-q", "-o", "out", "src", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    header = (tmp_path / "out" / "pg_conn.py").read_text().splitlines()[2]
    assert header == f"# runtime: {runtime} (the source imports {runtime})"
    monkeypatch.syspath_prepend(str(src))
    monkeypatch.syspath_prepend(str(tmp_path / "out"))
    for name in ("pg", "pg.conn", "pg_conn"):
        sys.modules.pop(name, None)
    orig = importlib.import_module("pg.conn")
    adapted = importlib.import_module("pg_conn")
    yield importlib.import_module(runtime), orig, adapted
    for name in ("pg", "pg.conn", "pg_conn"):
        sys.modules.pop(name, None)


def outcome(fn):
    async def run():
        try:
            return ("ok", await fn())
        except BaseException as e:  # noqa: B902 - exceptions are compared
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            return ("raised", type(e).__name__, str(e))

    return run


def compare(rt, orig, adapted, scenario):
    """Run scenario(module, log) against both; the traces must match."""
    traces = []
    for mod in (orig, adapted):
        orig.LOG.clear()

        async def main():
            async with rt.open_loop():
                return await outcome(lambda: scenario(mod))()

        traces.append((trio.run(main), list(orig.LOG)))
    assert traces[0] == traces[1]
    return traces[0]


def test_results_and_exceptions(pair):
    rt, orig, adapted = pair

    async def scenario(m):
        c = m.Connection()
        return [await c.fetch(2), await c.fetch(0, timeout=2.0)]

    assert compare(rt, orig, adapted, scenario) == (("ok", [[1, 2], []]), [])

    async def failing(m):
        return await m.Connection().fetch(-1)

    got = compare(rt, orig, adapted, failing)
    assert got[0] == ("raised", "ConnectionError", "bad n -1")


def test_shielded_close_survives_cancellation(pair):
    """triopg's @_shielded over @aio_as_trio: the close completes even when
    the caller's scope is cancelled."""
    rt, orig, adapted = pair

    async def scenario(m):
        c = m.Connection()
        with trio.move_on_after(0.05) as scope:
            await c.close()
        return scope.cancelled_caught, c.closed

    got = compare(rt, orig, adapted, scenario)
    assert got == (("ok", (False, True)), ["closed"])


def test_unshielded_call_is_cancelled(pair):
    rt, orig, adapted = pair

    async def scenario(m):
        c = m.Connection()
        with trio.move_on_after(0.05) as scope:
            await m.Connection.Listener("x").wait()
            await trio.sleep(1)
        return scope.cancelled_caught, c.closed

    assert compare(rt, orig, adapted, scenario)[0] == ("ok", (True, False))


def test_transaction_exit_is_shielded(pair):
    rt, orig, adapted = pair

    async def scenario(m):
        tr = m.Transaction(orig.Backend([1]))
        with trio.move_on_after(0.05) as scope:
            async with tr as entered:
                same = entered is tr
                await trio.sleep(1)
        return same, scope.cancelled_caught

    got = compare(rt, orig, adapted, scenario)
    assert got == (("ok", (True, True)), ["begin", "rollback"])


def test_stateful_aiter(pair):
    """The cursor is set in __aiter__: iterating the adapter runs it."""
    rt, orig, adapted = pair

    async def scenario(m):
        cf = m.CursorFactory(orig.Backend([4, 5, 6]))
        return [row async for row in cf]

    assert compare(rt, orig, adapted, scenario)[0] == ("ok", [4, 5, 6])


def test_context_manager_and_passthrough(pair):
    rt, orig, adapted = pair

    async def scenario(m):
        async with m.Connection((7, 8)) as c:
            inside = (c.rows, len(c), c.retries, m.Connection.version())
            c.extra = "set"
            rows = [r async for r in c.cursor()]
        return inside, rows, c.extra, c.closed, await c.tagged()

    got = compare(rt, orig, adapted, scenario)
    assert got == (
        ("ok", (([7, 8], 2, 3, "1.0"), [7, 8], "set", True, 1)),
        ["closed"],
    )


def test_enter_returns_the_adapter(pair):
    _, _, adapted = pair

    async def scenario():
        c = adapted.Connection()
        async with c as entered:
            return entered is c

    rt = pair[0]

    async def main():
        async with rt.open_loop():
            return await scenario()

    assert trio.run(main)


def test_static_class_and_nested(pair):
    rt, orig, adapted = pair

    async def scenario(m):
        made = await m.Connection.open(1, 2, 3, 4)
        return (await m.Connection.ping(9), len(made),
                await m.Connection.Listener("ch").wait(),
                await m.conditional(21))

    got = compare(rt, orig, adapted, scenario)
    assert got[0] == ("ok", (("pong", 9), 4, "ch", 42))


def test_trio_function_called_from_asyncio(pair):
    rt, orig, adapted = pair

    async def scenario(m):
        async def aio_side():
            return await m.back_in_trio(1)

        return await rt.aio_as_trio(aio_side)()

    assert compare(rt, orig, adapted, scenario)[0] == ("ok", 2)


def test_refused_decorator_is_named(tmp_path):
    shutil.copytree(CASES / "proxies" / "src", tmp_path / "src")
    proc = run_gen("gen", "-q", "-o", "out", "src", cwd=tmp_path)
    assert proc.returncode == 0
    assert ("decorator `@_tagged(...)` on `Connection.tagged` cannot be "
            "kept by the adapter") in proc.stderr
    assert "async def tagged" not in (tmp_path / "out/pg_conn.py").read_text()
