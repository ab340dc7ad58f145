"""Exception-group shapes: what trio-asyncio users' ``except*`` and
``pytest.RaisesGroup`` expect.

With ``strict_exception_groups=True`` (the default from Trio 0.25 on) each of
open_loop's two nurseries wraps an escaping error once, as upstream does, so
the error arrives as ``group(group(error))``.  Without it, the error arrives
bare.
"""
import asyncio

import pytest
import trio

from _testbase import impl, run_trio


class Boom(Exception):
    pass


def scenario(kind, err):
    """A Trio main function in which `err` escapes open_loop in some way."""
    mod = impl()

    async def main():
        async with mod.open_loop() as loop:
            if kind == "body":
                raise err
            if kind == "aio_as_trio":
                async def aio_fn():
                    await asyncio.sleep(0)
                    raise err
                await mod.aio_as_trio(aio_fn)()
            if kind == "trio_as_aio":
                async def trio_fn():
                    await trio.sleep(0)
                    raise err

                async def aio_fn():
                    await mod.trio_as_aio(trio_fn)()
                await mod.aio_as_trio(aio_fn)()
            if kind == "run_trio_task":
                async def background():
                    await trio.sleep(0)
                    raise err
                loop.run_trio_task(background)
                await trio.sleep_forever()
            if kind == "callback":
                def callback():
                    raise err
                loop.call_soon(callback)
                await trio.sleep_forever()
    return main


KINDS = ["body", "aio_as_trio", "trio_as_aio", "run_trio_task", "callback"]


@pytest.mark.parametrize("kind", KINDS)
def test_error_arrives_bare_without_strict_groups(kind):
    err = Boom(kind)
    with pytest.raises(Boom) as info:
        run_trio(scenario(kind, err), strict_exception_groups=False)
    assert info.value is err


@pytest.mark.parametrize("kind", KINDS)
def test_error_nesting_with_strict_groups(kind):
    err = Boom(kind)
    with pytest.raises(BaseExceptionGroup) as info:
        run_trio(scenario(kind, err), strict_exception_groups=True)
    outer = info.value
    assert len(outer.exceptions) == 1
    inner = outer.exceptions[0]
    assert isinstance(inner, BaseExceptionGroup), (
        "expected group(group(error)) as upstream nests it, got %r" % outer)
    assert list(inner.exceptions) == [err]
