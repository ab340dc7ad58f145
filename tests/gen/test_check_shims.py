"""TA005 past awaits that say nothing (an unknown callable, a neutral
project function); TA010 for each spelling of trio_as_aio (an alias, trio-asyncio's older
names), and not for a loop method such as loop.run_trio, which is not a
trio_as_aio wrapper."""
from conftest import run_gen

SOURCE = """\
import asyncio

import trio
import trio_asyncio
from trioaio import trio_as_aio as t2a


async def main():
    await asyncio.sleep(0)
    await t2a(trio.sleep(0))
    await trio_asyncio.aio2trio(trio.sleep(0))
    await trio_asyncio.trio_as_asyncio(trio.sleep(0))
    await asyncio.get_event_loop().run_trio(trio.sleep(0))
"""

EXPECTED = """\
s.py:10:5: TA010 `t2a(trio.sleep(...))` wraps a coroutine, which trio_as_aio cannot adapt; write `await t2a(trio.sleep)(...)`
s.py:11:5: TA010 `trio_asyncio.aio2trio(trio.sleep(...))` wraps a coroutine, which trio_as_aio cannot adapt; write `await trio_asyncio.aio2trio(trio.sleep)(...)`
s.py:12:5: TA010 `trio_asyncio.trio_as_asyncio(trio.sleep(...))` wraps a coroutine, which trio_as_aio cannot adapt; write `await trio_asyncio.trio_as_asyncio(trio.sleep)(...)`
"""


def test_ta010_for_every_spelling_of_trio_as_aio(tmp_path):
    (tmp_path / "s.py").write_text(SOURCE)
    proc = run_gen("check", "s.py", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout == EXPECTED


BACKWARDS = """\
import trio
from trioaio import aio_as_trio


async def neutral():
    pass


@aio_as_trio
async def backwards(callback):
    await callback()
    await neutral()
    await trio.sleep(0)
"""


def test_ta005_looks_past_awaits_that_say_nothing(tmp_path):
    (tmp_path / "c.py").write_text(BACKWARDS)
    proc = run_gen("check", "c.py", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout == ('c.py:9:1: TA005 @aio_as_trio on `backwards`, whose body is Trio code (it awaits `trio.sleep`); use @trio_as_aio, which wraps Trio code for asyncio callers\n')
