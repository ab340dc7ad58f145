"""The adapters of the `edges` golden case (unusual parameter layouts,
docstrings, aliases, nested and forwarding classes) import and behave like
their originals under trioaio: folding a parameter list onto one line
(comments dropped, black's magic trailing commas taken out, one-element
tuples kept) must not change a default."""
import importlib.util
import shutil
import sys

import pytest

from conftest import CASES, run_gen

trio = pytest.importorskip("trio")
trioaio = pytest.importorskip("trioaio")


@pytest.fixture
def modules(tmp_path, monkeypatch):
    shutil.copytree(CASES / "edges" / "src", tmp_path / "src")
    proc = run_gen("gen", "-q", "-o", "out", "src", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    sys.modules.pop("edges", None)
    orig = importlib.import_module("edges")
    # The adapter module has the source's name: load it under another.
    spec = importlib.util.spec_from_file_location(
        "edges_adapters", tmp_path / "out" / "edges.py")
    adapted = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(adapted)
    yield orig, adapted
    sys.modules.pop("edges", None)


def run_in_loop(fn):
    async def main():
        async with trioaio.open_loop():
            return await fn()

    return trio.run(main)


def test_defaults_survive_folding(modules):
    orig, adapted = modules
    import inspect

    for name in ("spread", "joined", "through_an_alias"):
        a = inspect.signature(getattr(adapted, name))
        o = inspect.signature(getattr(orig, name))
        assert [(p.name, p.kind, p.default) for p in a.parameters.values()] \
            == [(p.name, p.kind, p.default) for p in o.parameters.values()]
    assert inspect.signature(adapted.spread).parameters["pair"].default == (10,)


def test_functions_cross_and_return(modules):
    orig, adapted = modules

    async def scenario():
        return (
            await adapted.spread(),
            await adapted.spread((5,), (1, 2), 7, 8),
            await adapted.joined("p"),
            await adapted.through_an_alias(3),
            [i async for i in adapted.items(3)],
        )

    assert run_in_loop(scenario) == (4, 9, "p/", 3, [0, 1, 2])
    assert "_hidden" not in adapted.__all__ and "spread" in adapted.__all__
    assert run_in_loop(adapted._hidden) is None


def test_classes_forward_and_nest(modules):
    orig, adapted = modules

    async def scenario():
        svc = adapted.Service("a")
        made = adapted.Service.make("b")
        inner = adapted.Outer.Inner()
        stream = adapted.Stream()
        return (
            await svc.ping(),
            svc.name,
            type(made) is orig.Service and made.name,
            adapted.Service.Settings is orig.Service.Settings,
            await inner.go(),
            [i async for i in stream],
            await stream.close(),
            # Not adaptable: reached on the original through __getattr__.
            "below" not in vars(adapted.Service),
        )

    assert run_in_loop(scenario) == ("a", "a", "b", True, 1, [1, 0], None,
                                     True)


def test_refused_decorators_are_named(tmp_path):
    proc = run_gen("gen", "-o", tmp_path / "out", "src", cwd=CASES / "edges")
    assert proc.returncode == 0
    lines = (CASES / "edges" / "src" / "edges.py").read_text().splitlines()
    line = lines.index("    @staticmethod") + 1
    assert (f"src/edges.py:{line}:5: decorator `@staticmethod` on "
            "`Service.below` cannot be kept by the adapter: it must be the "
            "outermost decorator") in proc.stderr
    assert ("decorator `@property` on `Service.status` cannot be kept by "
            "the adapter: the adapter of a property is not an async "
            "function") in proc.stderr
