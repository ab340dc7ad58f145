"""trioaio-gen's usage errors and I/O failures: each exits 2 with a message
that names the problem, and writes nothing; plus the informational
commands (help, version, parse) and the diff of a stale or unterminated
adapter."""
import os

import pytest

from conftest import run_gen

MARKED = """\
import asyncio

from trioaio import aio_as_trio


@aio_as_trio
async def fetch(url: str) -> str:
    await asyncio.sleep(0)
    return url
"""

TRIO_CALLS_AIO = """\
import asyncio

import trio


async def aio_fetch():
    await asyncio.sleep(0)


async def main():
    await trio.sleep(0)
    await aio_fetch()
"""


@pytest.fixture
def marked(tmp_path):
    (tmp_path / "mod.py").write_text(MARKED)
    return tmp_path


def test_no_command_prints_usage_and_fails():
    proc = run_gen()
    assert proc.returncode == 2
    assert proc.stderr.startswith("usage: trioaio-gen check")
    assert proc.stdout == ""


@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help_goes_to_stdout(flag):
    proc = run_gen(flag)
    assert proc.returncode == 0
    assert proc.stdout.startswith("usage: trioaio-gen check")
    assert "Exit status: 0 clean, 1 findings, 2 usage or I/O error." in \
        proc.stdout


@pytest.mark.parametrize("args", [["--version"], ["version"]])
def test_version_names_the_grammar(args):
    proc = run_gen(*args)
    assert proc.returncode == 0
    assert proc.stdout.startswith("trioaio-gen ")
    assert "(tree-sitter-python " in proc.stdout


def test_unknown_command_is_named():
    proc = run_gen("frobnicate")
    assert proc.returncode == 2
    assert "unknown command 'frobnicate'" in proc.stderr
    assert "usage:" in proc.stderr


def test_unknown_output_format_is_named(tmp_path):
    proc = run_gen("check", "--output-format=xml", tmp_path)
    assert proc.returncode == 2
    assert "unknown output format 'xml'" in proc.stderr


@pytest.mark.parametrize("jobs", ["0", "-3", "many"])
def test_jobs_must_be_positive(tmp_path, jobs):
    proc = run_gen("check", "-j", jobs, tmp_path)
    assert proc.returncode == 2
    assert "--jobs needs a positive number" in proc.stderr


def test_jobs_do_not_change_the_findings(tmp_path):
    for i in range(4):
        (tmp_path / ("bad%d.py" % i)).write_text(TRIO_CALLS_AIO)
    one = run_gen("check", "-j", "1", tmp_path)
    many = run_gen("check", "--jobs=3", tmp_path)
    assert one.returncode == many.returncode == 1
    assert sorted(one.stdout.splitlines()) == sorted(many.stdout.splitlines())
    assert len(one.stdout.splitlines()) >= 4


def test_parse_counts_the_files(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "b.py").write_text("def f(:\n")  # a syntax error parses too
    proc = run_gen("parse", tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.startswith("2 files parsed in ")


def test_gen_needs_an_output_directory(marked):
    proc = run_gen("gen", "mod.py", cwd=marked)
    assert proc.returncode == 2
    assert "gen needs an output directory: -o OUT" in proc.stderr


def test_gen_check_and_diff_are_exclusive(marked):
    proc = run_gen("gen", "--check", "--diff", "-o", "out", "mod.py",
                   cwd=marked)
    assert proc.returncode == 2
    assert "--check and --diff cannot be combined" in proc.stderr
    assert not (marked / "out").exists()


def test_gen_output_directory_that_is_a_file(marked):
    (marked / "out").write_text("not a directory\n")
    proc = run_gen("gen", "-o", "out", "mod.py", cwd=marked)
    assert proc.returncode == 2
    assert "out/mod.py: Not a directory" in proc.stderr
    assert (marked / "out").read_text() == "not a directory\n"


def test_gen_output_directory_that_cannot_be_made(marked):
    (marked / "out").write_text("not a directory\n")
    proc = run_gen("gen", "-o", "out/sub", "mod.py", cwd=marked)
    assert proc.returncode == 2
    assert proc.stderr.startswith("trioaio-gen: out/sub: Not a directory")


def test_gen_adapter_path_taken_by_a_directory(marked):
    (marked / "out" / "mod.py").mkdir(parents=True)
    proc = run_gen("gen", "-o", "out", "mod.py", cwd=marked)
    assert proc.returncode == 2
    assert "out/mod.py" in proc.stderr
    assert (marked / "out" / "mod.py").is_dir()


def test_gen_of_a_missing_file_is_an_io_error(marked):
    proc = run_gen("gen", "-o", "out", "missing.py", cwd=marked)
    assert proc.returncode == 2
    assert "missing.py" in proc.stderr


def test_gen_of_an_unreadable_source(marked):
    if os.geteuid() == 0:
        pytest.skip("root reads files whatever their mode")
    (marked / "mod.py").chmod(0)
    try:
        proc = run_gen("gen", "-o", "out", "mod.py", cwd=marked)
    finally:
        (marked / "mod.py").chmod(0o644)
    assert proc.returncode == 2 and "mod.py" in proc.stderr


def test_gen_diff_shows_a_stale_adapter_being_removed(marked):
    run_gen("gen", "-o", "out", "mod.py", cwd=marked, check=True)
    (marked / "mod.py").write_text("async def plain():\n    pass\n")
    proc = run_gen("gen", "--diff", "-o", "out", "mod.py", cwd=marked)
    assert proc.returncode == 1
    assert "--- out/mod.py\n+++ /dev/null\n" in proc.stdout
    assert "-async def fetch(url: str) -> str:" in proc.stdout
    assert (marked / "out" / "mod.py").exists()


def test_gen_diff_of_an_adapter_without_final_newline(marked):
    run_gen("gen", "-o", "out", "mod.py", cwd=marked, check=True)
    adapter = marked / "out" / "mod.py"
    text = adapter.read_text("utf-8")
    # Still ours (the header is intact), but edited to end without "\n".
    adapter.write_text(text.rstrip("\n") + "  # edited", "utf-8")
    proc = run_gen("gen", "--diff", "-o", "out", "mod.py", cwd=marked)
    assert proc.returncode == 1
    assert "\\ No newline at end of file\n" in proc.stdout


def test_explain_needs_exactly_one_target(marked):
    for args in ([], ["mod.py", "other.py"]):
        proc = run_gen("explain", *args, cwd=marked)
        assert proc.returncode == 2
        assert "explain needs one FILE[:FUNCTION]" in proc.stderr
