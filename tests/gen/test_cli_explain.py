"""`trioaio-gen explain` for each kind of verdict: neutral (dispatching on
the running library, with its branch-checked awaits), no evidence, mixed
(TA003), a boundary-marked function, a method named by its qualified
name."""
import pytest

from conftest import run_gen

SOURCE = """\
import asyncio

import sniffio
import trio
from trioaio import aio_as_trio


async def sleep(seconds):
    if sniffio.current_async_library() == "trio":
        await trio.sleep(seconds)
    else:
        await asyncio.sleep(seconds)


async def idle():
    pass


async def torn():
    await trio.sleep(0)
    await asyncio.sleep(0)


@aio_as_trio
async def crossing():
    await asyncio.sleep(0)


class K:
    async def method(self):
        await trio.sleep(0)
"""

EXPLAINED = """\
m.py:8: `sleep` is not decided (neutral: it dispatches on the running library)
  dispatches on the running library: 2 await(s) checked in their branch's domain
m.py:15: `idle` is not decided (no evidence: not checked)
m.py:19: `torn` is mixed (conflicting strong evidence: TA003)
  * strong Trio          library await: `await trio.sleep(...)` at m.py:20
  * strong asyncio       library await: `await asyncio.sleep(...)` at m.py:21
m.py:25: `crossing` is asyncio (called from Trio code: `@aio_as_trio`)
  * strong asyncio       boundary decorator: `@aio_as_trio` at m.py:24
  - strong asyncio       library await: `await asyncio.sleep(...)` at m.py:26
m.py:30: `K.method` is Trio
  * strong Trio          library await: `await trio.sleep(...)` at m.py:31
"""


@pytest.fixture
def mod(tmp_path):
    (tmp_path / "m.py").write_text(SOURCE)
    return tmp_path


def test_explain_every_kind_of_verdict(mod):
    proc = run_gen("explain", "m.py", cwd=mod)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == EXPLAINED


@pytest.mark.parametrize("name", ["K.method", "method"])
def test_explain_one_function_by_name_or_qualified_name(mod, name):
    out = run_gen("explain", f"m.py:{name}", cwd=mod, check=True).stdout
    assert out == EXPLAINED[EXPLAINED.index("m.py:30:"):]
