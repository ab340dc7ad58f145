"""trioaio-gen as a pre-commit hook: a commit that crosses the boundary
without a shim is blocked, the fixed commit goes through, and only the
staged files are passed, with cross-file names still resolved.

Uses the `repo: local` / `language: system` form documented in
docs/generator.md (the published hooks in .pre-commit-hooks.yaml run the
same command after pip-installing this repository)."""

import os
import shutil
import subprocess

import pytest

from conftest import gen_binary

pytestmark = pytest.mark.skipif(
    shutil.which("pre-commit") is None or shutil.which("git") is None,
    reason="pre-commit and git are needed")

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
    inst = subprocess.run(["pre-commit", "install"], cwd=repo, text=True,
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
