"""gen's choices around the adapters: files no import can reach, the
runtime when the source names none, and black's line length from the
nearest pyproject.toml above the output (any key order, either spelling,
or none)."""
import pytest

from conftest import run_gen

MARKED = """\
import asyncio

from trioaio import aio_as_trio


@aio_as_trio
async def fetch(url: str, timeout_seconds: float, retries: int) -> str:
    await asyncio.sleep(0)
    return url
"""


def test_files_no_import_reaches_get_no_adapter(tmp_path):
    for name in ("1x.py", "a-b.py", "class.py", "x.y.py", "ok.py",
                 "my-pkg/__init__.py", "my-pkg/inner.py"):
        (tmp_path / "src" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "src" / name).write_text(MARKED)
    proc = run_gen("gen", "-o", "out", "src", cwd=tmp_path)
    assert proc.returncode == 2
    refused = sorted(line.split(": ")[1] for line in proc.stderr.splitlines())
    assert refused == ["src/1x.py", "src/a-b.py", "src/class.py",
                       "src/my-pkg/__init__.py", "src/my-pkg/inner.py",
                       "src/x.y.py"]
    assert ("trioaio-gen: src/a-b.py: not importable as a Python module (its "
            "name and its packages' must be identifiers, not keywords); no "
            "adapter written: rename it\n") in proc.stderr
    # What could not be imported would be a broken adapter (`import 1x`).
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "ok.py", "ok.pyi"]


def test_runtime_default_when_the_source_imports_neither(tmp_path):
    (tmp_path / "m.py").write_text(
        MARKED.replace("from trioaio import aio_as_trio\n", ""))
    run_gen("gen", "-q", "-o", "out", "m.py", cwd=tmp_path, check=True)
    assert (tmp_path / "out" / "m.py").read_text().splitlines()[2] == (
        "# runtime: trioaio (the default: the source imports neither "
        "trioaio nor trio_asyncio)")


WRAPPED = "async def fetch(\n    url: str,"
ONE_LINE = "async def fetch(url: str, timeout_seconds: float, retries: int)"


@pytest.mark.parametrize("toml,expected", [
    ('[tool.black]\ntarget-version = ["py311"]\nline_length = 60\n', WRAPPED),
    ("[tool.black]\n\nline-length=60\n[tool.x]\n", WRAPPED),
    ('[project]\nname = "x"\n', ONE_LINE),
    ('[tool.black]\ntarget-version = ["py311"]\n', ONE_LINE),
    ('[tool.black]\n[tool.isort]\nline-length = 60\n', ONE_LINE),
])
def test_black_line_length_from_pyproject(tmp_path, toml, expected):
    (tmp_path / "pyproject.toml").write_text(toml)
    (tmp_path / "m.py").write_text(MARKED)
    # An output directory that does not exist yet, given absolute.
    out = tmp_path / "new" / "out"
    run_gen("gen", "-q", "-o", out, "m.py", cwd=tmp_path, check=True)
    assert expected in (out / "m.py").read_text()


def test_a_generated_file_that_names_no_source_is_kept(tmp_path):
    (tmp_path / "m.py").write_text(MARKED)
    run_gen("gen", "-q", "-o", "out", "m.py", cwd=tmp_path, check=True)
    header = (tmp_path / "out" / "m.py").read_text().splitlines()[0]
    # Ours by its header, but which source it came from is not recorded:
    # it cannot be stale, whatever the sources do.
    (tmp_path / "out" / "orphan.py").write_text(header + "\nx = 1\n")
    (tmp_path / "m.py").write_text("async def plain():\n    pass\n")
    proc = run_gen("gen", "-o", "out", "m.py", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["removed stale out/m.py",
                                        "removed stale out/m.pyi"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "orphan.py"]
