"""The library table: every entry of `trioaio-gen libraries` is classified
as it says, the docs list the same table, and the `aio*`/`trio_*` name rule
applies only to packages outside the checked project."""

import re

import pytest

from conftest import ROOT, run_gen

DOC = (ROOT / "docs/generator-rules.md").read_text(encoding="utf-8")


def _table():
    out = run_gen("libraries", check=True).stdout
    return [tuple(line.split()) for line in out.splitlines() if line.strip()]


def _check(tmp_path, src):
    (tmp_path / "m.py").write_text(src, encoding="utf-8")
    proc = run_gen("check", "m.py", cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    return re.findall(r"^m\.py:\d+:\d+: (TA\d{3}) ", proc.stdout, re.M)


def test_docs_list_the_table():
    rows = {}
    for m in re.finditer(r"^\| (asyncio|Trio|neutral) \| (.*) \|$", DOC,
                         re.M):
        rows[m.group(1)] = sorted(re.findall(r"`([^`]+)`", m.group(2)))
    table = {}
    for name, dom in _table():
        table.setdefault(dom, []).append(name)
    assert rows == {k: sorted(v) for k, v in table.items()}


@pytest.mark.parametrize("name,dom", _table())
def test_each_entry(name, dom, tmp_path):
    # Await a function of the package from each side; a pytest mark fixes
    # the caller's domain.
    src = (f"import pytest\nimport {name}\n\n\n"
           f"@pytest.mark.trio\nasync def from_trio():\n"
           f"    await {name}.some_call()\n\n\n"
           f"@pytest.mark.asyncio\nasync def from_asyncio():\n"
           f"    await {name}.some_call()\n")
    expected = {"asyncio": ["TA001"], "Trio": ["TA002"], "neutral": []}[dom]
    assert _check(tmp_path, src) == expected


def test_aio_name_rule_only_outside_the_project(tmp_path):
    src = ("import pytest\nimport aio_outside\nimport aio_mine\n\n\n"
           "@pytest.mark.trio\nasync def t():\n"
           "    await aio_outside.call()\n"
           "    await aio_mine.call()\n")
    (tmp_path / "aio_mine").mkdir()
    (tmp_path / "aio_mine/__init__.py").write_text(
        "async def call():\n    pass\n")
    (tmp_path / "m.py").write_text(src)
    out = run_gen("check", "m.py", cwd=tmp_path).stdout
    assert "aio_outside.call" in out
    assert "aio_mine" not in out
    # The same name, not in the project, is asyncio.
    (tmp_path / "aio_mine/__init__.py").unlink()
    (tmp_path / "aio_mine").rmdir()
    out = run_gen("check", "m.py", cwd=tmp_path).stdout
    assert "aio_mine.call" in out


def test_longest_prefix_wins(tmp_path):
    src = ("import pytest\nimport redis\nimport redis.asyncio\n\n\n"
           "@pytest.mark.trio\nasync def t():\n"
           "    await redis.asyncio.Redis().ping()\n"
           "    await redis.something()\n"
           "    r = redis.asyncio.from_url('x')\n"
           "    await r.get('k')\n")
    out = run_gen("check", "m.py", cwd=_write(tmp_path, src)).stdout
    assert out.count("TA001") == 1 and "redis.asyncio.Redis.get" in out


def _write(tmp_path, src):
    (tmp_path / "m.py").write_text(src)
    return tmp_path
