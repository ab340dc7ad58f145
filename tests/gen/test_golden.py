"""Golden-file tests: every directory under cases/ holds a source tree
(src/), the expected `check` output (check.txt) and, when it has boundary
functions, the expected adapters and stubs (gen/).

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


@pytest.mark.parametrize("case", CASE_NAMES)
def test_gen_output(case, tmp_path):
    d = CASES / case
    out = tmp_path / "out"
    proc = run_gen("gen", "--runtime", "trio_asyncio", "-q", "-o", out,
                   "src", cwd=d)
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


def test_expected_adapters_are_black_formatted():
    """The generator's output is already formatted: black (at the project's
    79 columns) leaves every expected adapter and stub unchanged."""
    black = pytest.importorskip("black")
    files = sorted(CASES.glob("*/gen/*.py*"))
    assert files
    for path in files:
        src = path.read_text("utf-8")
        m = black.Mode(line_length=79, is_pyi=path.suffix == ".pyi")
        assert black.format_str(src, mode=m) == src, f"{path} not formatted"
