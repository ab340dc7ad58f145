"""End to end on real code: the adapters `gen` writes for the real-code
corpus (bench/gen/corpus.toml) are formatted, compile, and behave like the
originals they stand for.

The corpus is read from $TRIOAIO_CORPUS, else /work/corpus or
build/corpus (`make gen-corpus`); without one every test here is skipped,
so CI stays self-contained.  Nothing of it is committed.

Which adapters run: those whose modules import without external
services.  triopg runs against an asyncio-only stand-in for asyncpg
(tests/gen/corpus_fakes/); trio-asyncio's own tests/interop/test_adapter.py
and tests/test_aio_subprocess.py run as they are.  aio-databases,
starbelly and trinity need packages or services that are not here
(asyncpg with a server, aiohttp_socks/w3lib/formasaurus, lahja): their
adapters are checked for format and compilation only.

Each scenario runs once against the original module and once against its
adapter module, under trio-asyncio 0.16 (the source as written) and under
trioaio (the source's imports switched to it, so `--runtime auto`
follows): results, exceptions, what was done (a log), cancellation and
shielding must be the same.  TRIOAIO_GEN=... runs it with another build
(for the before/after figures); the test prints a summary.
"""

import importlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, run_gen

trio = pytest.importorskip("trio")
HERE = pathlib.Path(__file__).resolve().parent


def _corpus():
    for c in (os.environ.get("TRIOAIO_CORPUS"), "/work/corpus",
              str(ROOT / "build" / "corpus")):
        if c and pathlib.Path(c, "triopg").is_dir():
            return pathlib.Path(c)
    return None


CORPUS = _corpus()
pytestmark = pytest.mark.skipif(
    CORPUS is None, reason="no corpus: set TRIOAIO_CORPUS or run "
    "`make gen-corpus` (bench/gen/README.md)")


def _runtimes():
    out = []
    for name in ("trio_asyncio", "trioaio"):
        try:
            if hasattr(importlib.import_module(name), "aio_as_trio"):
                out.append(name)
        except ImportError:
            pass
    return out


RUNTIMES = _runtimes()


def _line_length(project):
    py = project / "pyproject.toml"
    if py.exists():
        m = re.search(r"(?ms)^\[tool\.black\](.*?)(^\[|\Z)", py.read_text())
        if m:
            n = re.search(r"(?m)^line[-_]length\s*=\s*(\d+)", m.group(1))
            if n:
                return int(n.group(1))
    return 88


# ---- format and compilation: every adapter of every project -------------

def _projects():
    if CORPUS is None:
        return []
    return sorted(p.name for p in CORPUS.iterdir() if p.is_dir())


@pytest.mark.parametrize("name", _projects())
def test_corpus_adapters_are_black_formatted_and_compile(name, tmp_path):
    black = pytest.importorskip("black")
    project = CORPUS / name
    n = _line_length(project)
    proc = run_gen("gen", "-q", "--line-length", n, "-o", tmp_path / "out",
                   ".", cwd=project)
    assert proc.returncode in (0, 1), proc.stderr
    files = sorted((tmp_path / "out").glob("*.py*")) \
        if (tmp_path / "out").exists() else []
    for path in files:
        src = path.read_text("utf-8")
        mode = black.Mode(line_length=n, is_pyi=path.suffix == ".pyi")
        assert black.format_str(src, mode=mode) == src, \
            f"{name}: {path.name} is not black-formatted at {n}"
        if path.suffix == ".py":
            compile(src, str(path), "exec")


# ---- behaviour -----------------------------------------------------------

RESULTS = []  # (project, runtime, scenario, adapters it exercises, passed)


@pytest.fixture(scope="module", autouse=True)
def _summary():
    yield
    if not RESULTS:
        return
    seen = {}
    for project, runtime, _, names, ok in RESULTS:
        for n in names:
            key = (project, n)
            seen[key] = seen.get(key, True) and ok
    passed = sum(seen.values())
    print(f"\ncorpus adapters passing the comparison under "
          f"{', '.join(RUNTIMES)}: {passed} of {len(seen)} "
          f"({sum(ok for *_, ok in RESULTS)} of {len(RESULTS)} scenario runs)")
    for rt in RUNTIMES:
        one = {}
        for project, runtime, _, names, ok in RESULTS:
            if runtime == rt:
                for n in names:
                    one[(project, n)] = one.get((project, n), True) and ok
        print(f"  under {rt}: {sum(one.values())} of {len(one)}")
    for (project, n), ok in sorted(seen.items()):
        print(f"  {'pass' if ok else 'FAIL'} {project}: {n}")


def _prepare(tmp_path, project, paths, runtime):
    """Copy paths of the corpus project, switched to runtime, generate
    adapters for them; returns (source dir, output dir)."""
    src = tmp_path / "src"
    for p in paths:
        shutil.copytree(CORPUS / project / p, src / p)
    if runtime == "trioaio":
        for f in src.rglob("*.py"):
            f.write_text(f.read_text().replace("trio_asyncio", "trioaio"))
    out = tmp_path / "out"
    proc = run_gen("gen", "-q", "-o", out, *paths, cwd=src)
    assert proc.returncode in (0, 1), proc.stderr
    return src, out


def _compare(runtime, project, src, out, original, adapter, scenario,
             names):
    """The traces of scenario against the original and the adapter."""
    proc = subprocess.run(
        [sys.executable, str(HERE / "corpus_scenarios.py"), runtime,
         str(src), str(out), original, adapter, scenario],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    a, b = json.loads(proc.stdout)
    RESULTS.append((project, runtime, scenario, names, a == b))
    return a, b


TRIOPG = [
    ("connection_fetch", ["TrioConnectionProxy"]),
    ("connection_error", ["TrioConnectionProxy"]),
    ("connection_close_is_shielded", ["TrioConnectionProxy.close"]),
    ("connection_call_is_cancelled", ["TrioConnectionProxy"]),
    ("transaction_exit_is_shielded", ["TrioTransactionProxy.__aenter__",
                                      "TrioTransactionProxy.__aexit__"]),
    ("transaction_commits", ["TrioTransactionProxy.__aenter__",
                             "TrioTransactionProxy.__aexit__"]),
    ("cursor_factory_iterates", ["TrioCursorFactoryProxy.__anext__"]),
    ("cursor_factory_awaits",
     ["TrioCursorFactoryProxy._wrapped_asyncpg_await"]),
    ("cursor_methods", ["TrioCursorProxy.fetch", "TrioCursorProxy.fetchrow",
                        "TrioCursorProxy.forward"]),
    ("pool_acquire_and_close", ["TrioPoolAcquireContextProxy.__aenter__",
                                "TrioPoolAcquireContextProxy.__aexit__",
                                "TrioPoolProxy.close"]),
]


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("scenario, names", TRIOPG,
                         ids=[s for s, _ in TRIOPG])
def test_triopg_adapters_behave_like_the_originals(runtime, scenario, names,
                                                   tmp_path):
    src, out = _prepare(tmp_path, "triopg", ["triopg"], runtime)
    a, b = _compare(runtime, "triopg", src, out, "triopg._triopg",
                    "triopg__triopg", scenario, names)
    assert a == b
    assert a[0][0] == ("raised" if scenario == "connection_error" else "ok")


# trio-asyncio's own tests (scenarios in corpus_scenarios.py).

def _subprocess_scenarios():
    if CORPUS is None:
        return []
    text = (CORPUS / "trio-asyncio/tests/test_aio_subprocess.py").read_text()
    return re.findall(r"(?m)^@aio_as_trio\nasync def (run_\w+)\(loop\)", text)


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("target", ["SomeThing"] + _subprocess_scenarios())
def test_trio_asyncio_test_adapters_behave_like_the_originals(
        runtime, target, tmp_path):
    src, out = _prepare(tmp_path, "trio-asyncio", ["tests"], runtime)
    if target == "SomeThing":
        modname, adname = "tests.interop.test_adapter", \
            "tests_interop_test_adapter"
        scenario = "something_both_ways"
        names = ["SomeThing.dly_asyncio_adapted", "SomeThing.dly_trio_adapted"]
    else:
        modname, adname = "tests.test_aio_subprocess", \
            "tests_test_aio_subprocess"
        scenario, names = target, [target]
    a, b = _compare(runtime, "trio-asyncio", src, out, modname, adname,
                    scenario, names)
    assert a == b
    assert a[0][0] == "ok", a
