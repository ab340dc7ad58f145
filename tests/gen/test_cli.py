"""Command-line behaviour of trioaio-gen: exit codes, filters, output
formats, and gen's file handling (atomic, only on change, never over a file
it did not write, --check, --diff, stale files, syntax errors)."""

import json
import os
import re
import shutil
import time

import pytest

from conftest import CASES, run_gen

TRIO_CALLS_AIO = """\
import asyncio

import trio


async def aio_fetch():
    await asyncio.sleep(0)


async def main():
    await trio.sleep(0)
    await aio_fetch()
"""

MARKED = """\
import asyncio

from trioaio import aio_as_trio


@aio_as_trio
async def fetch(url: str, retries: int = 3) -> str:
    \"\"\"Fetch url.\"\"\"
    await asyncio.sleep(0)
    return url
"""


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "bad.py").write_text(TRIO_CALLS_AIO)
    (tmp_path / "good.py").write_text("import trio\n\n\nasync def f():\n"
                                      "    await trio.sleep(0)\n")
    return tmp_path


def test_exit_codes(tree):
    assert run_gen("check", "good.py", cwd=tree).returncode == 0
    assert run_gen("check", "bad.py", cwd=tree).returncode == 1
    assert run_gen("check", "--exit-zero", "bad.py", cwd=tree).returncode == 0
    missing = run_gen("check", "nope.py", cwd=tree)
    assert missing.returncode == 2 and "nope.py" in missing.stderr
    assert run_gen("check", "--bogus", cwd=tree).returncode == 2
    assert run_gen("frobnicate", cwd=tree).returncode == 2
    assert run_gen("gen", "bad.py", cwd=tree).returncode == 2  # no -o


def test_default_path_is_cwd_and_skips_hidden_and_venvs(tree):
    for d in (".hidden", "venv", "build", "myenv"):
        (tree / d).mkdir()
        (tree / d / "x.py").write_text(TRIO_CALLS_AIO)
    (tree / "myenv" / "pyvenv.cfg").write_text("home = /usr\n")
    out = run_gen("check", cwd=tree).stdout
    assert out.splitlines() and all(
        line.startswith("bad.py:") for line in out.splitlines())
    excl = run_gen("check", "--exclude", "bad*", cwd=tree)
    assert excl.returncode == 0 and excl.stdout == ""


def test_text_format_is_path_line_col_code(tree):
    out = run_gen("check", "bad.py", cwd=tree).stdout
    assert out.startswith("bad.py:12:5: TA001 asyncio `bad.aio_fetch` ")
    assert "awaited in Trio function `main` (" in out
    assert "aio_as_trio(aio_fetch)" in out


def test_select_and_ignore(tree):
    assert run_gen("check", "--ignore", "TA001", "bad.py",
                   cwd=tree).returncode == 0
    assert run_gen("check", "--select", "TA00", "bad.py",
                   cwd=tree).returncode == 1
    assert run_gen("check", "--select", "TA002,TA003", "bad.py",
                   cwd=tree).returncode == 0


def test_statistics(tree):
    out = run_gen("check", "--statistics", "bad.py", cwd=tree).stdout
    assert out.splitlines()[-1].split()[:2] == ["1", "TA001"]


def test_json(tree):
    proc = run_gen("check", "--output-format", "json", "bad.py", cwd=tree)
    data = json.loads(proc.stdout)
    assert [(d["code"], d["filename"], d["location"]) for d in data] == [
        ("TA001", "bad.py", {"row": 12, "column": 5})]
    clean = run_gen("check", "--output-format=json", "good.py", cwd=tree)
    assert json.loads(clean.stdout) == []


def test_sarif(tree):
    proc = run_gen("check", "--output-format", "sarif", "bad.py", cwd=tree)
    sarif = json.loads(proc.stdout)
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} >= {"TA001"}
    res = run["results"][0]
    assert res["ruleId"] == "TA001"
    loc = res["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "bad.py"
    assert loc["region"] == {"startLine": 12, "startColumn": 5}


def test_github(tree):
    out = run_gen("check", "--output-format", "github", "bad.py",
                  cwd=tree).stdout
    assert out.startswith("::error title=trioaio-gen (TA001),file=bad.py,"
                          "line=12,col=5::TA001 ")


def test_columns_count_characters(tmp_path):
    (tmp_path / "u.py").write_text(
        "import asyncio\nimport trio\n\n\nasync def f():\n"
        "    await trio.sleep(0)\n"
        "    é = 1; await asyncio.sleep(0)\n", encoding="utf-8")
    out = run_gen("check", "--select", "TA003", "u.py", cwd=tmp_path).stdout
    # At the second of the two conflicting lines, column in characters
    # (the é before it is two bytes).
    assert out.startswith("u.py:7:12: TA003")


def test_syntax_error_never_crashes(tmp_path):
    samples = ["def (", "async def f(:\n  await", "\x00\xff", "class",
               "@aio_as_trio\n", "from . import", "(" * 5000,
               "async with", "import asyncio\n" + "x = (\n" * 200]
    for i, s in enumerate(samples):
        (tmp_path / f"s{i}.py").write_text(s, encoding="latin-1")
    proc = run_gen("check", "--parse-all", tmp_path)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == len(samples)
    assert all(": TA900 syntax error" in line for line in lines)
    # By default only the files with something to check are parsed.
    proc = run_gen("check", tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert sorted(line.split(":")[0].rsplit("/", 1)[1]
                  for line in proc.stdout.splitlines()) == \
        ["s1.py", "s4.py", "s7.py", "s8.py"]
    assert all(": TA900 syntax error" in line
               for line in proc.stdout.splitlines())


def test_fixtures_single_file_matches_full_run():
    """conftest.py is loaded for a test file checked alone."""
    d = CASES / "fixtures"
    full = run_gen("check", "src", cwd=d).stdout
    one = run_gen("check", "src/tests/test_loop.py", cwd=d).stdout
    assert one == full and one.count("TA001") == 3


@pytest.mark.parametrize("path", ["src/app/core.py",
                                  "src/app/jobs/worker.py",
                                  "src/app/helpers.py"])
def test_precommit_single_file_matches_full_run(path):
    d = CASES / "crossfile"
    full = run_gen("check", "src", cwd=d).stdout.splitlines()
    one = run_gen("check", path, cwd=d).stdout.splitlines()
    assert one == [l for l in full if l.startswith(path + ":")]
    assert one or path.endswith("helpers.py")


# ---- gen -------------------------------------------------------------------

@pytest.fixture
def marked(tmp_path):
    (tmp_path / "mod.py").write_text(MARKED)
    return tmp_path


def test_gen_writes_adapter_and_stub(marked):
    proc = run_gen("gen", "-o", "out", "mod.py", cwd=marked, check=True)
    assert "wrote out/mod.py" in proc.stdout
    text = (marked / "out/mod.py").read_text("utf-8")
    assert text.startswith("# generated by trioaio-gen — do not edit\n")
    assert "async def fetch(url: str, retries: int = 3) -> str:" in text
    assert '    """Fetch url."""' in text
    assert '_raw_fetch = _under(_src.fetch, "fetch")' in text
    assert "return await _rt.aio_as_trio(_raw_fetch)(url, retries)" in text
    assert "import trioaio as _rt" in text
    assert "# runtime: trioaio (the source imports trioaio)\n" in text
    stub = (marked / "out/mod.pyi").read_text("utf-8")
    assert "async def fetch(url: str, retries: int = ...) -> str: ..." in stub


def test_gen_is_deterministic_and_writes_only_on_change(marked):
    run_gen("gen", "-o", "out", "mod.py", cwd=marked, check=True)
    path = marked / "out/mod.py"
    first = path.read_bytes()
    old = time.time() - 1000
    os.utime(path, (old, old))
    again = run_gen("gen", "-o", "out", "mod.py", cwd=marked, check=True)
    assert "wrote" not in again.stdout
    assert path.read_bytes() == first
    assert path.stat().st_mtime == pytest.approx(old)
    assert run_gen("gen", "--check", "-o", "out", "mod.py",
                   cwd=marked).returncode == 0


def test_gen_check_and_diff_write_nothing(marked):
    chk = run_gen("gen", "--check", "-o", "out", "mod.py", cwd=marked)
    assert chk.returncode == 1 and "would create out/mod.py" in chk.stdout
    diff = run_gen("gen", "--diff", "-o", "out", "mod.py", cwd=marked)
    assert diff.returncode == 1
    assert diff.stdout.startswith("--- /dev/null\n+++ out/mod.py\n@@ -0,0 +1,")
    assert not (marked / "out").exists()
    run_gen("gen", "-o", "out", "mod.py", cwd=marked, check=True)
    (marked / "mod.py").write_text(MARKED.replace("retries: int = 3",
                                                  "retries: int = 4"))
    diff = run_gen("gen", "--diff", "-o", "out", "mod.py", cwd=marked)
    assert diff.returncode == 1
    assert "-async def fetch(url: str, retries: int = 3) -> str:" in \
        diff.stdout
    assert "+async def fetch(url: str, retries: int = 4) -> str:" in \
        diff.stdout
    assert "retries: int = 3" in (marked / "out/mod.py").read_text()
    assert run_gen("gen", "--check", "-o", "out", "mod.py",
                   cwd=marked).returncode == 1


def test_gen_never_overwrites_foreign_files(marked):
    (marked / "out").mkdir()
    (marked / "out/mod.py").write_text("# my own code\n")
    proc = run_gen("gen", "-o", "out", "mod.py", cwd=marked)
    assert proc.returncode == 2
    assert "refusing to overwrite" in proc.stderr
    assert (marked / "out/mod.py").read_text() == "# my own code\n"


def test_gen_removes_its_stale_files_only(marked):
    run_gen("gen", "-o", "out", "mod.py", cwd=marked, check=True)
    (marked / "out/notes.py").write_text("# not ours\n")
    (marked / "mod.py").write_text("async def plain():\n    pass\n")
    chk = run_gen("gen", "--check", "-o", "out", "mod.py", cwd=marked)
    assert chk.returncode == 1 and "would remove stale out/mod.py" in \
        chk.stdout
    assert (marked / "out/mod.py").exists()
    run_gen("gen", "-o", "out", "mod.py", cwd=marked, check=True)
    assert sorted(p.name for p in (marked / "out").iterdir()) == ["notes.py"]


def test_gen_syntax_error_keeps_previous_output(marked):
    run_gen("gen", "-o", "out", "mod.py", cwd=marked, check=True)
    before = (marked / "out/mod.py").read_bytes()
    (marked / "mod.py").write_text(MARKED + "\nasync def broken(:\n")
    proc = run_gen("gen", "-o", "out", "mod.py", cwd=marked)
    assert proc.returncode == 1 and "TA900" in proc.stderr
    assert (marked / "out/mod.py").read_bytes() == before
    assert not [p for p in (marked / "out").iterdir()
                if p.name.startswith(".")]


def test_gen_runtime_option(marked):
    run_gen("gen", "--runtime", "trio_asyncio", "-o", "out", "mod.py",
            cwd=marked, check=True)
    assert "import trio_asyncio as _rt" in (marked / "out/mod.py").read_text()


@pytest.mark.parametrize("imports, runtime, why", [
    ("import trio_asyncio\nfrom trio_asyncio import aio_as_trio\n",
     "trio_asyncio", "the source imports trio_asyncio"),
    ("from trioaio import aio_as_trio\n", "trioaio",
     "the source imports trioaio"),
])
def test_gen_runtime_follows_the_source(tmp_path, imports, runtime, why):
    """--runtime auto (the default): the runtime the source imports."""
    (tmp_path / "mod.py").write_text(
        MARKED.replace("from trioaio import aio_as_trio\n", imports))
    run_gen("gen", "-o", "out", "mod.py", cwd=tmp_path, check=True)
    text = (tmp_path / "out/mod.py").read_text()
    assert f"import {runtime} as _rt\n" in text
    assert f"# runtime: {runtime} ({why})\n" in text
    assert f"# runtime: {runtime} ({why})\n" in \
        (tmp_path / "out/mod.pyi").read_text()


def test_gen_refuses_a_source_with_both_runtimes(tmp_path):
    (tmp_path / "mod.py").write_text(MARKED + "import trio_asyncio\n")
    proc = run_gen("gen", "-o", "out", "mod.py", cwd=tmp_path)
    assert proc.returncode == 2
    assert ("mod.py: imports both trio_asyncio and trioaio, so the runtime "
            "its adapters need is ambiguous; pass --runtime trio_asyncio or "
            "--runtime trioaio") in proc.stderr
    assert not (tmp_path / "out/mod.py").exists()
    run_gen("gen", "--runtime", "trioaio", "-o", "out", "mod.py",
            cwd=tmp_path, check=True)
    assert "# runtime: trioaio (--runtime)\n" in \
        (tmp_path / "out/mod.py").read_text()


LONG = MARKED.replace(
    "async def fetch(url: str, retries: int = 3) -> str:",
    "async def fetch(url: str, retries: int = 3, *, timeout_seconds: float "
    "= 10.0) -> str:")


def test_gen_line_length_comes_from_tool_black(tmp_path):
    """black reads [tool.black] from the pyproject.toml above the files it
    formats; the adapters are wrapped to the same length (else 88)."""
    (tmp_path / "mod.py").write_text(LONG)
    run_gen("gen", "-o", "out", "mod.py", cwd=tmp_path, check=True)
    one_line = ("async def fetch(url: str, retries: int = 3, *, "
                "timeout_seconds: float = 10.0) -> str:\n")
    assert one_line in (tmp_path / "out/mod.py").read_text()
    (tmp_path / "pyproject.toml").write_text(
        "[project]\nname = 'x'\n\n[tool.black]\nline-length = 79\n")
    run_gen("gen", "-o", "out", "mod.py", cwd=tmp_path, check=True)
    text = (tmp_path / "out/mod.py").read_text()
    assert one_line not in text
    assert "    timeout_seconds: float = 10.0,\n" in text
    assert max(map(len, text.splitlines())) <= 79
    run_gen("gen", "--line-length", "120", "-o", "out", "mod.py",
            cwd=tmp_path, check=True)
    assert one_line in (tmp_path / "out/mod.py").read_text()


def test_gen_builtins_are_never_imported(tmp_path):
    """A builtin in a default (ConnectionError was missing from the old
    hand-kept list) needs no import, so the adapter imports."""
    (tmp_path / "mod.py").write_text(MARKED.replace(
        "retries: int = 3", "error: type = ConnectionError"))
    run_gen("gen", "-o", "out", "mod.py", cwd=tmp_path, check=True)
    text = (tmp_path / "out/mod.py").read_text()
    assert "import ConnectionError" not in text
    assert "error: type = ConnectionError" in text


def test_gen_diff_is_minimal(marked):
    """Unchanged lines between two changes are context, not removed and
    added again; each change is its own hunk when they are far apart."""
    two = MARKED.replace('\"\"\"Fetch url.\"\"\"', '\"\"\"Fetch a url.\"\"\"')
    two += "\n\n@aio_as_trio\nasync def other():\n    pass\n"
    (marked / "mod.py").write_text(two)
    run_gen("gen", "-o", "out", "mod.py", cwd=marked, check=True)
    old = (marked / "out/mod.py").read_text()
    (marked / "mod.py").write_text(
        two.replace("Fetch a url.", "Fetch url.").replace(
            "async def other():", "async def other(x):"))
    diff = run_gen("gen", "--diff", "-o", "out", "mod.py", cwd=marked)
    assert diff.returncode == 1
    py_part = diff.stdout.split("--- out/mod.pyi")[0]
    body = [l for l in py_part.splitlines()
            if not l.startswith(("---", "+++"))]
    removed = [l[1:] for l in body if l.startswith("-")]
    added = [l[1:] for l in body if l.startswith("+")]
    assert not set(removed) & set(added)
    assert sum(l.startswith("@@") for l in body) >= 2
    # Applying the hunks to the old file gives the new one.
    new_lines = old.splitlines()
    for hunk in reversed(re.split(r"(?m)^(?=@@)", "\n".join(body))[1:]):
        head, *lines = hunk.rstrip("\n").split("\n")
        start = int(re.match(r"@@ -(\d+)", head).group(1)) - 1
        count = sum(not l.startswith("+") for l in lines)
        new_lines[start:start + count] = [l[1:] for l in lines
                                          if not l.startswith("-")]
    run_gen("gen", "-o", "out", "mod.py", cwd=marked, check=True)
    assert new_lines == (marked / "out/mod.py").read_text().splitlines()


def test_gen_output_compiles(tmp_path):
    shutil.copytree(CASES / "shop" / "src", tmp_path / "src")
    run_gen("gen", "-o", "out", "src", cwd=tmp_path, check=True)
    for p in (tmp_path / "out").iterdir():
        compile(p.read_text("utf-8"), str(p), "exec")


def test_precommit_hooks_name_real_commands():
    yaml = pytest.importorskip("yaml")
    from conftest import ROOT

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert {h["id"] for h in hooks} >= {"trioaio-check", "trioaio-check-all",
                                        "trioaio-gen-check"}
    for h in hooks:
        prog, sub, *rest = h["entry"].split()
        assert prog == "trioaio-gen" and sub in ("check", "gen")
        # Every option the hook passes is one the tool accepts.
        assert run_gen(sub, *rest, "--help").returncode == 0


def test_walk_does_not_follow_directory_links(tree):
    (tree / "pkg").mkdir()
    (tree / "pkg" / "loop").symlink_to(tree)
    (tree / "pkg" / "bad_link.py").symlink_to(tree / "bad.py")
    proc = run_gen("check", cwd=tree)
    assert proc.returncode == 1
    paths = sorted({line.split(":")[0] for line in proc.stdout.splitlines()})
    assert paths == ["bad.py", "pkg/bad_link.py"]


@pytest.mark.parametrize("name", sorted(
    p.name for p in (CASES.parent / "fuzz-regressions").iterdir()))
def test_fuzz_regressions(name, tmp_path):
    """Inputs the fuzzer once crashed on: check and gen must survive them."""
    src = (CASES.parent / "fuzz-regressions" / name).read_bytes()
    (tmp_path / "mod.py").write_bytes(src)
    assert run_gen("check", "mod.py", cwd=tmp_path).returncode in (0, 1)
    proc = run_gen("gen", "-o", "out", "mod.py", cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr


def test_gen_ignores_stub_sources(marked):
    (marked / "mod.pyi").write_text(MARKED)
    proc = run_gen("gen", "-o", "out", ".", cwd=marked, check=True)
    assert proc.stdout.splitlines() == ["wrote out/mod.py", "wrote out/mod.pyi"]
    assert "# source: mod.py\n" in (marked / "out/mod.py").read_text()


# ---- explain ---------------------------------------------------------------

def test_explain_prints_the_evidence_chain():
    d = CASES / "crossfile"
    out = run_gen("explain", "src/app/core.py:bad", cwd=d, check=True).stdout
    assert out.startswith("src/app/core.py:")
    assert "`bad` is Trio" in out
    assert "* strong Trio" in out and "`await trio.sleep(...)`" in out


def test_explain_follows_propagation():
    d = CASES / "crossfile"
    out = run_gen("explain", "src/app/helpers.py:relay", cwd=d,
                  check=True).stdout
    # relay is asyncio because it awaits fetch_twice, which awaits
    # net.fetch, which awaits asyncio.sleep: each step is printed.
    assert "`relay` is asyncio" in out
    assert "weak" in out and "because `fetch_twice` is asyncio" in out
    assert "`await asyncio.sleep(...)`" in out


def test_explain_names_a_missing_function(tmp_path):
    (tmp_path / "m.py").write_text("async def f():\n    pass\n")
    proc = run_gen("explain", "m.py:nope", cwd=tmp_path)
    assert proc.returncode == 2
    assert "no async function `nope`" in proc.stderr
    proc = run_gen("explain", "missing.py", cwd=tmp_path)
    assert proc.returncode == 2 and "no such file" in proc.stderr


def test_gen_wraps_a_long_all_like_black(tmp_path):
    names = [f"fetch_quote_number_{i}" for i in range(8)]
    (tmp_path / "mod.py").write_text("from trioaio import aio_as_trio\n" + "".join(
        f"\n\n@aio_as_trio\nasync def {n}(x):\n    return x\n" for n in names))
    run_gen("gen", "-o", "out", "mod.py", cwd=tmp_path, check=True)
    text = (tmp_path / "out/mod.py").read_text()
    assert "__all__ = [\n" + "".join(f'    "{n}",\n' for n in names) + "]\n" \
        in text
    black = pytest.importorskip("black")
    assert black.format_str(text, mode=black.Mode()) == text
