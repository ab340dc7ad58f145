"""trioaio-gen as a pre-commit hook: a commit that crosses the boundary
without a shim is blocked, the fixed commit goes through, and only the
staged files are passed, with cross-file names still resolved.

Two forms, both documented in docs/generator.md: the `repo: local` /
`language: system` hook, and the published hooks in .pre-commit-hooks.yaml
used as users use them, through `pre-commit try-repo` on a fresh clone of
this repository (pre-commit pip-installs the clone into a venv of its
own: the plain `pip install .` path, with the grammar download)."""

import importlib.util
import os
import shutil
import subprocess
import sys

import pytest

from conftest import gen_binary

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("pre_commit") is None
    or shutil.which("git") is None,
    reason="pre-commit (requirements-dev.txt) and git are needed")
# This interpreter's pre-commit, whether or not its scripts are on PATH.
PRE_COMMIT = [sys.executable, "-m", "pre_commit"]

CONFIG = """\
repos:
  - repo: local
    hooks:
      - id: trioaio-check
        name: trioaio-gen check
        entry: {binary} check
        language: system
        types_or: [python, pyi]
        require_serial: true
"""

AIO = """\
import asyncio


async def fetch():
    await asyncio.sleep(0)
"""

TRIO_BAD = """\
import trio

from .aio import fetch


async def main():
    await trio.sleep(0)
    await fetch()
"""

TRIO_GOOD = TRIO_BAD.replace(
    "from .aio import fetch", "from trioaio import aio_as_trio\n\n"
    "from .aio import fetch").replace("await fetch()",
                                      "await aio_as_trio(fetch)()")


def git(repo, *args, check=True):
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@e",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@e",
               PRE_COMMIT_HOME=str(repo.parent / "pre-commit-home"))
    return subprocess.run(["git", *args], cwd=repo, env=env, text=True,
                          capture_output=True, check=check, timeout=300)


def test_hook_blocks_then_accepts(tmp_path):
    repo = tmp_path / "repo"
    (repo / "app").mkdir(parents=True)
    git(repo, "init", "-q")
    (repo / ".pre-commit-config.yaml").write_text(
        CONFIG.format(binary=gen_binary()))
    (repo / "app" / "__init__.py").write_text("")
    (repo / "app" / "aio.py").write_text(AIO)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "--no-verify", "-m", "base")
    env_home = str(tmp_path / "pre-commit-home")
    inst = subprocess.run([*PRE_COMMIT, "install"], cwd=repo, text=True,
                          capture_output=True,
                          env=dict(os.environ, PRE_COMMIT_HOME=env_home))
    if inst.returncode != 0 and "hooksPath" in inst.stdout + inst.stderr:
        pytest.skip("git core.hooksPath is set globally on this machine")
    assert inst.returncode == 0, inst.stdout + inst.stderr

    # Only app/main.py is staged; app/aio.py is resolved from disk.
    (repo / "app" / "main.py").write_text(TRIO_BAD)
    git(repo, "add", "app/main.py")
    blocked = git(repo, "commit", "-m", "bad", check=False)
    out = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0
    assert "app/main.py:8:5: TA001" in out
    assert "aio_as_trio(fetch)" in out

    (repo / "app" / "main.py").write_text(TRIO_GOOD)
    git(repo, "add", "app/main.py")
    ok = git(repo, "commit", "-m", "good", check=False)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "trioaio-gen check" in ok.stdout + ok.stderr


def test_published_hook_through_try_repo(tmp_path):
    """`language: python`: pre-commit builds and installs this repository
    from a fresh clone (in a store of its own, deleted afterwards) and runs
    the trioaio-gen command the wheel put in that venv."""
    from conftest import ROOT

    clone = tmp_path / "trioaio"
    git(tmp_path, "clone", "-q", str(ROOT), str(clone))
    repo = tmp_path / "repo"
    (repo / "app").mkdir(parents=True)
    git(repo, "init", "-q")
    (repo / "app" / "__init__.py").write_text("")
    (repo / "app" / "aio.py").write_text(AIO)
    (repo / "app" / "main.py").write_text(TRIO_BAD)
    (repo / "app" / "good.py").write_text(TRIO_GOOD)
    git(repo, "add", ".")
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"))
    # As a user runs it: not with this test run's import path (make
    # coverage puts a sitecustomize on it).
    env.pop("PYTHONPATH", None)
    # One run (each try-repo builds the tool anew): the file that crosses
    # without a shim is reported, the one that wraps the call is not.
    run = subprocess.run(
        [*PRE_COMMIT, "try-repo", str(clone), "trioaio-check",
         "--files", "app/main.py", "app/good.py"],
        cwd=repo, env=env, text=True, capture_output=True, timeout=900)
    out = run.stdout + run.stderr
    assert run.returncode == 1, out
    assert "app/main.py:8:5: TA001" in out
    assert "aio_as_trio(fetch)" in out
    assert "app/good.py" not in out.split("trioaio-gen check", 1)[-1]
