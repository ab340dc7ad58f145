"""The generated adapters are imported and called under the runtime, so the
generated code is proven to work, not only to look right.

The runtime is trioaio when it is importable and complete, otherwise
trio-asyncio 0.16 from PyPI (the same API); the adapters are generated for
whichever it is with --runtime.
"""

import importlib
import shutil
import sys

import pytest

from conftest import CASES, run_gen, runtime_module

trio = pytest.importorskip("trio")
RUNTIME = runtime_module()
rt = pytest.importorskip(RUNTIME)


@pytest.fixture
def adapters(tmp_path, monkeypatch):
    shutil.copytree(CASES / "shop" / "src", tmp_path / "src")
    run_gen("gen", "--runtime", RUNTIME, "-q", "-o", "out", "src",
            cwd=tmp_path, check=True)
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    monkeypatch.syspath_prepend(str(tmp_path / "out"))
    for name in list(sys.modules):
        if name == "shop" or name.startswith("shop.") or name.startswith(
                "shop_"):
            del sys.modules[name]
    store = importlib.import_module("shop_store")
    worker = importlib.import_module("shop_worker")
    yield store, worker
    for name in ("shop_store", "shop_worker"):
        sys.modules.pop(name, None)


def run_in_loop(fn):
    async def main():
        async with rt.open_loop():
            return await fn()

    return trio.run(main)


def test_runtime_is_what_the_adapters_import(adapters):
    store, _ = adapters
    assert store._rt is rt


def test_function_adapter_preserves_signature_and_doc(adapters):
    import inspect

    store, _ = adapters
    sig = inspect.signature(store.fetch)
    assert list(sig.parameters) == ["key", "timeout"]
    assert sig.parameters["timeout"].kind is inspect.Parameter.KEYWORD_ONLY
    assert sig.parameters["timeout"].default == 2.5
    assert store.fetch.__doc__.startswith("Fetch one item.")
    assert inspect.iscoroutinefunction(store.fetch)


def test_trio_calls_asyncio_function(adapters):
    store, _ = adapters

    async def go():
        item = await store.fetch("abc", timeout=1)
        assert item.name == "abc"
        assert await store.fetch("") is None
        return True

    assert run_in_loop(go)


def test_trio_iterates_asyncio_generator(adapters):
    store, _ = adapters

    async def go():
        return [x async for x in store.ticks(7, 3)]

    assert run_in_loop(go) == [0, 3, 6]


def test_trio_enters_asyncio_context_manager(adapters):
    store, _ = adapters

    async def go():
        async with store.session("s") as value:
            return value

    assert run_in_loop(go) == {"name": "s"}


def test_trio_uses_asyncio_class(adapters):
    store, _ = adapters

    async def go():
        s = store.Store("p:")
        got = [await s.get("x")]
        async with s as raw:
            got.append(raw.prefix)
        got.append([n async for n in store.Store()])
        return got

    assert run_in_loop(go) == ["p:x", "p:", [1, 2, 3]]


def test_asyncio_calls_trio_function(adapters):
    _, worker = adapters

    async def aio_side():
        # Runs as asyncio code: the adapter crosses back into Trio.
        return await worker.crunch(21)

    async def go():
        return await rt.aio_as_trio(aio_side)()

    assert run_in_loop(go) == 42


def test_errors_cross_unchanged(adapters):
    _, worker = adapters

    async def aio_side():
        return await worker.crunch("x", None)

    async def go():
        with pytest.raises(TypeError):
            await rt.aio_as_trio(aio_side)()
        return True

    assert run_in_loop(go)


def test_example_project_runs_through_its_adapters(tmp_path):
    """examples/mixed_project (what `make gen-demo` shows) runs end to end
    through freshly generated adapters."""
    import os
    import subprocess

    from conftest import ROOT

    pytest.importorskip("trioaio")
    example = ROOT / "examples" / "mixed_project"
    run_gen("gen", "-q", "-o", tmp_path / "adapters", example / "mixed",
            check=True)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(tmp_path / "adapters"), str(example)] +
        [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    proc = subprocess.run([sys.executable, str(example / "main.py")],
                          env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "fetch_quote: 84.0",
        "ticker: [17.5, 18.5, 19.5]",
        "session: {'client': 'demo'}",
        "portfolio: 84.0",
        "crunch: [10, 20, 30]",
    ]
