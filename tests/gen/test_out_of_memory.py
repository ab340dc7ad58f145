"""trioaio-gen when memory runs out: exit 2 with "out of memory", never a
half-written file.

TRIOAIO_GEN_FAIL_ALLOC=N is a test hook of codegen/util.c: the Nth
allocation of the run fails as if malloc had returned NULL.  Every
allocation goes through those wrappers, tree-sitter's too (lang.c hands
them to ts_set_allocator: its own allocator would exit 1, which means
"findings").  The runs use -j1, so that N names the same allocation every
time."""
import os
import shutil
import subprocess

import pytest

from conftest import gen_binary

MARKED = """\
import asyncio

from trioaio import aio_as_trio


@aio_as_trio
async def fetch(url: str, *, tries: int = 3) -> str:
    \"\"\"Fetch url.\"\"\"
    await asyncio.sleep(0)
    return url


class Client:
    @aio_as_trio
    async def get(self, key: str) -> bytes:
        await asyncio.sleep(0)
        return key.encode()
"""

BIG = "".join(f"def f{i}(a, b):\n    return [a + b * {i} for _ in range(3)]\n\n"
              for i in range(300))
OLD = MARKED.replace("tries: int = 3", "tries: int = 2")


def run(n, *args, cwd):
    env = dict(os.environ, TRIOAIO_GEN_FAIL_ALLOC=str(n))
    # A run that ends on a fatal error leaves its memory to the kernel;
    # LeakSanitizer (make gen-asan) would call that a leak.
    asan = env.get("ASAN_OPTIONS")
    env["ASAN_OPTIONS"] = (asan + ":" if asan else "") + "detect_leaks=0"
    return subprocess.run([gen_binary(), *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def allocations(*args, cwd, reset=lambda: None):
    """How many allocations the run makes: the smallest N whose failure
    the run does not reach, less one.  reset() puts back what a run
    changed."""
    def fails(n):
        rc = run(n, *args, cwd=cwd).returncode
        reset()
        return rc == 2

    lo, hi = 1, 2
    while fails(hi):
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fails(mid) else (lo, mid)
    return hi - 1


def samples(total, count=120):
    step = max(1, total // count)
    return sorted(set(range(1, total + 1, step)) | {total})


@pytest.fixture
def project(tmp_path):
    (tmp_path / "mod.py").write_text(MARKED)
    (tmp_path / "gone.py").write_text(OLD)
    return tmp_path


def test_gen_out_of_memory_exits_2_and_leaves_whole_files(project,
                                                         tmp_path_factory):
    # The adapters of an older version, and some whose source is deleted
    # (stale): a failing run leaves each file old or new, never cut, and
    # no temporary file.
    (project / "mod.py").write_text(OLD)
    subprocess.run([gen_binary(), "gen", "-q", "-o", "out", "mod.py",
                    "gone.py"], cwd=project, check=True)
    (project / "gone.py").unlink()
    (project / "mod.py").write_text(MARKED)
    old = {p.name: p.read_bytes() for p in (project / "out").iterdir()}
    assert sorted(old) == ["gone.py", "gone.pyi", "mod.py", "mod.pyi"]
    args = ("gen", "-j1", "-o", "out", "mod.py")
    # What a run that succeeds writes, from a copy of the project.
    copy = tmp_path_factory.mktemp("copy")
    shutil.copytree(project, copy, dirs_exist_ok=True)
    subprocess.run([gen_binary(), *args], cwd=copy, check=True)
    new = {p.name: p.read_bytes() for p in (copy / "out").iterdir()}
    assert sorted(new) == ["mod.py", "mod.pyi"]
    assert new["mod.py"] != old["mod.py"]

    def reset():
        for p in (project / "out").iterdir():
            p.unlink()
        for name, data in old.items():
            (project / "out" / name).write_bytes(data)

    total = allocations(*args, cwd=project, reset=reset)
    assert total > 100
    for n in samples(total):
        proc = run(n, *args, cwd=project)
        assert proc.returncode == 2, (n, proc.stdout, proc.stderr)
        assert proc.stderr.endswith("trioaio-gen: out of memory\n"), n
        now = {p.name: p.read_bytes() for p in (project / "out").iterdir()}
        assert {"mod.py", "mod.pyi"} <= set(now) <= set(old), (n, now)
        for name, data in now.items():
            assert data in (old[name], new.get(name)), (n, name)
        reset()
    done = run(total + 1, *args, cwd=project)
    assert done.returncode == 0, done.stderr
    assert {p.name: p.read_bytes() for p in (project / "out").iterdir()} \
        == new


@pytest.mark.parametrize("cache", ["none", "warm"])
def test_check_out_of_memory_exits_2(project, cache):
    # Each run must make the same allocations: without the cache, or with
    # one filled before (a run that runs out of memory writes none).
    if cache == "none":
        args = ("check", "-j1", "--no-cache", "mod.py")
    else:
        args = ("check", "-j1", "--cache-dir", project / "cache", "mod.py")
        subprocess.run([gen_binary(), *map(str, args)], cwd=project,
                       capture_output=True)
    total = allocations(*args, cwd=project)
    for n in samples(total, 60):
        proc = run(n, *args, cwd=project)
        assert proc.returncode == 2, (n, proc.stdout, proc.stderr)
        assert proc.stderr.endswith("trioaio-gen: out of memory\n"), n


def test_out_of_memory_while_threads_parse(tmp_path):
    for i in range(8):
        (tmp_path / f"m{i}.py").write_text(BIG)
    # Well past start-up (some 800 allocations), inside the parsing.
    # --parse-all: BIG has no async code, so a check would not parse it.
    proc = run(20000, "check", "--parse-all", "-j", "4", ".", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == "trioaio-gen: out of memory\n"


def test_the_parsers_allocations_are_counted(tmp_path):
    # Parsing a bigger file takes more of tree-sitter's allocations: they
    # go through the hook (and so end in exit 2, not tree-sitter's exit 1).
    (tmp_path / "small.py").write_text("x = 1\n")
    (tmp_path / "big.py").write_text(BIG)
    small = allocations("parse", "-j1", "small.py", cwd=tmp_path)
    big = allocations("parse", "-j1", "big.py", cwd=tmp_path)
    assert big > small + 1000, (small, big)
