"""Dispatch on the running library, in the shapes the golden `dispatch`
case does not have: `match` on current_async_library() itself, a `match`
that tests no library (not a dispatch: its regions are dropped), a
`match` on another call, and guard clauses with an else or an empty
body."""
from conftest import run_gen

SOURCE = """\
import asyncio

import sniffio
import trio


async def by_call():
    match sniffio.current_async_library():
        case "trio":
            await asyncio.sleep(0)
        case _:
            await asyncio.sleep(0)


async def not_a_dispatch(x):
    match x:
        case 1:
            await trio.sleep(0)
        case _:
            await asyncio.sleep(0)


async def other_call():
    match len("ab"):
        case 2:
            await trio.sleep(0)


async def guard(lib):
    if lib != "trio":
        await asyncio.sleep(0)
        return
    await trio.sleep(0)


async def guard_else(lib):
    if lib == "trio":
        await trio.sleep(0)
    else:
        return
    await trio.sleep(0)


async def guard_empty(lib):
    if sniffio.current_async_library() == "trio":
        pass
    await trio.sleep(0)
"""

CHECKED = """\
d.py:10:13: TA001 asyncio `asyncio.sleep` awaited in Trio branch of `by_call` (the branch tests the running library); call it as `await aio_as_trio(asyncio.sleep)(...)`
d.py:20:13: TA003 `not_a_dispatch` is both Trio (`await trio.sleep(...)`, line 18) and asyncio (`await asyncio.sleep(...)`, line 20); split it and cross once with aio_as_trio() or trio_as_aio()
"""

EXPLAINED = """\
d.py:7: `by_call` is not decided (neutral: it dispatches on the running library)
  dispatches on the running library: 2 await(s) checked in their branch's domain
d.py:15: `not_a_dispatch` is mixed (conflicting strong evidence: TA003)
  * strong Trio          library await: `await trio.sleep(...)` at d.py:18
  * strong asyncio       library await: `await asyncio.sleep(...)` at d.py:20
d.py:23: `other_call` is Trio
  * strong Trio          library await: `await trio.sleep(...)` at d.py:26
d.py:29: `guard` is not decided (neutral: it dispatches on the running library)
  dispatches on the running library: 2 await(s) checked in their branch's domain
d.py:36: `guard_else` is Trio
  * strong Trio          library await: `await trio.sleep(...)` at d.py:41
  dispatches on the running library: 1 await(s) checked in their branch's domain
d.py:44: `guard_empty` is Trio
  * strong Trio          library await: `await trio.sleep(...)` at d.py:47
"""


def test_dispatch_shapes(tmp_path):
    (tmp_path / "d.py").write_text(SOURCE)
    proc = run_gen("check", "d.py", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout == CHECKED
    assert run_gen("explain", "d.py", cwd=tmp_path).stdout == EXPLAINED
