"""Golden-file tests: every directory under cases/ holds a source tree
(src/), the expected `check` output (check.txt) and, when it has boundary
functions, the expected adapters and stubs (gen/), made with the options
in gen-args if the case has that file.

Regenerate the expected files with ``make gen-test-update`` (or
TRIOAIO_GEN_UPDATE=1) and review the diff.
"""

import os
import pathlib
import shutil

import pytest

from conftest import CASES, run_gen

UPDATE = os.environ.get("TRIOAIO_GEN_UPDATE") == "1"
CASE_NAMES = sorted(p.name for p in CASES.iterdir() if (p / "src").is_dir())


def _compare(path, actual):
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"{path} missing: run make gen-test-update"
    assert actual == path.read_text(encoding="utf-8"), f"{path} differs"


@pytest.mark.parametrize("case", CASE_NAMES)
def test_check_output(case):
    d = CASES / case
    proc = run_gen("check", "src", cwd=d)
    assert proc.returncode in (0, 1), proc.stderr
    assert proc.returncode == (1 if proc.stdout else 0)
    _compare(d / "check.txt", proc.stdout)


@pytest.mark.parametrize("case", CASE_NAMES)
def test_check_output_is_the_same_on_one_thread(case):
    d = CASES / case
    many = run_gen("check", "-j", "4", "src", cwd=d)
    one = run_gen("check", "-j", "1", "src", cwd=d)
    assert many.stdout == one.stdout


def _without_ta900(lines):
    return [line for line in lines if ": TA900 " not in line]


@pytest.mark.parametrize("case", CASE_NAMES)
def test_check_output_is_the_same_parsing_every_file(case):
    """Files with no async code are parsed only when another file needs
    what they define; --parse-all parses every file.  The findings are
    the same, but for TA900 in the files a check does not parse."""
    d = CASES / case
    lazy = run_gen("check", "-j", "1", "src", cwd=d).stdout.splitlines()
    full = run_gen("check", "-j", "1", "--parse-all", "src",
                   cwd=d).stdout.splitlines()
    assert _without_ta900(lazy) == _without_ta900(full)
    assert set(lazy) <= set(full)


@pytest.mark.parametrize("case", CASE_NAMES)
def test_gen_output(case, tmp_path):
    d = CASES / case
    out = tmp_path / "out"
    # A case may need options (gen-args), e.g. a runtime for a source that
    # imports both.
    args = (d / "gen-args").read_text().split() if (d / "gen-args").exists() \
        else []
    proc = run_gen("gen", *args, "-q", "-o", out, "src", cwd=d)
    assert proc.returncode in (0, 1), proc.stderr
    produced = sorted(p.name for p in out.iterdir()) if out.exists() else []
    expected_dir = d / "gen"
    if UPDATE:
        shutil.rmtree(expected_dir, ignore_errors=True)
        if produced:
            shutil.copytree(out, expected_dir)
        return
    expected = (
        sorted(p.name for p in expected_dir.iterdir())
        if expected_dir.exists()
        else []
    )
    assert produced == expected
    for name in produced:
        _compare(expected_dir / name, (out / name).read_text("utf-8"))


GOLDEN_FILES = sorted(CASES.glob("*/gen/*.py*"))


def test_expected_adapters_are_black_formatted():
    """The generator's output is already formatted: black (at its default
    88 columns, as no pyproject.toml is above the output) leaves every
    expected adapter and stub unchanged."""
    black = pytest.importorskip("black")
    assert GOLDEN_FILES
    for path in GOLDEN_FILES:
        src = path.read_text("utf-8")
        m = black.Mode(line_length=88, is_pyi=path.suffix == ".pyi")
        assert black.format_str(src, mode=m) == src, f"{path} not formatted"


@pytest.mark.parametrize("path", [p for p in GOLDEN_FILES if p.suffix == ".py"],
                         ids=lambda p: f"{p.parts[-3]}/{p.name}")
def test_expected_adapters_compile(path):
    compile(path.read_text("utf-8"), str(path), "exec")


@pytest.mark.parametrize("case", sorted(
    {p.parts[-3] for p in GOLDEN_FILES if p.suffix == ".pyi"}))
def test_expected_stubs_pass_mypy_strict(case, tmp_path, monkeypatch):
    """mypy --strict loads every stub next to its source, without an
    error in the stubs (the sources themselves are not checked)."""
    api = pytest.importorskip("mypy.api")
    stubs = sorted(str(p) for p in (CASES / case / "gen").glob("*.pyi"))
    monkeypatch.setenv("MYPYPATH", str(CASES / case / "src"))
    out, err, status = api.run([
        "--strict", "--follow-imports=silent", "--no-incremental",
        "--cache-dir", str(tmp_path / "cache"), *stubs])
    assert status == 0, out + err
