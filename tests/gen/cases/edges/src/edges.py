"""Shapes the other cases do not have: parameters written over several
lines or with comments between them, star-args with a type, names bound
by tuples, chained and bare annotations, a star import, an aliased and a
parenthesised import, decorators the adapter cannot keep, nested classes
without marked methods, docstrings black rewrites in unusual ways."""
import asyncio
from collections.abc import *  # noqa: F403
from typing import (  # the names the annotations use
    Optional,
    Sequence as Seq,
)

from trioaio import aio_as_trio
from trioaio import aio_as_trio as a2t

LIMIT, RETRIES = 10, 3
first = second = "x"
pending: int
HEAD, *TAIL = [1, 2, 3]
registry = {}
registry["spread"] = 1
Extra = dict
Extra.__doc__


@aio_as_trio
async def spread(
    items: Seq[int] = (
        1,  # one, (two)
        2,
    ),
    pair: tuple[int, ...] = (
        LIMIT,
    ),
    # a comment between parameters
    *rest: int,
    opts: Optional[dict[str, int]] = dict(limit=LIMIT, retries=RETRIES),
    where: Optional[str] = None,
) -> int:
    """  Spaces around,    kept inside.   """
    await asyncio.sleep(0)
    return sum(items) + len(pair) + len(rest)


@aio_as_trio
async def joined(
    path: "Optional[str]" = None, s: str = "/", then: Optional[Callable[[], None]] = None
) -> Optional[str]:
    """Starts on this line.

	Tabs expand to eight columns.
    """
    await asyncio.sleep(0)
    return path and path + s


@aio_as_trio
async def quoted():
    """"Quoted" at both ends: a space keeps it apart from the "quotes\""""
    await asyncio.sleep(0)


@aio_as_trio
async def blank_tail():
    """One line, then only blank ones.

    """
    await asyncio.sleep(0)


@aio_as_trio
async def empty():
    """"""
    await asyncio.sleep(0)


@aio_as_trio
async def backslash():
    r"""Ends with a backslash \ """
    await asyncio.sleep(0)


@aio_as_trio
async def continued():
    """Kept as written: a backslash-newline \
    joins these lines."""
    await asyncio.sleep(0)


@aio_as_trio
async def prefixed():
    R"""Raw prefix, kept."""
    await asyncio.sleep(0)


@aio_as_trio
async def _hidden() -> None:
    """Adapted, but not in __all__."""
    await asyncio.sleep(0)


@a2t
async def through_an_alias(n: int) -> int:
    await asyncio.sleep(0)
    return n


@aio_as_trio
async def items(n: int):
    for i in range(n):
        await asyncio.sleep(0)
        yield i


class Service:
    """Marked methods, with neighbours the adapter forwards."""

    class Settings:
        timeout = 5

    def __init__(self, name: str) -> None:
        self.name = name

    @classmethod
    def make(cls, name: str) -> "Service":
        return cls(name)

    @aio_as_trio
    async def ping(self) -> str:
        await asyncio.sleep(0)
        return self.name

    @aio_as_trio
    @staticmethod
    async def below():
        """staticmethod under the boundary: the adapter cannot reach it."""
        await asyncio.sleep(0)

    @property
    @aio_as_trio
    async def status(self):
        await asyncio.sleep(0)
        return "up"


class Outer:
    """Only a nested class has marked methods."""

    class Inner:
        @aio_as_trio
        async def go(self) -> int:
            await asyncio.sleep(0)
            return 1


class Base:
    pass


class Stream(Base):
    """A base class, and its own __aiter__: not forwarded twice."""

    def __init__(self) -> None:
        self.left = 2

    def __aiter__(self):
        return self

    async def __anext__(self) -> int:
        if not self.left:
            raise StopAsyncIteration
        self.left -= 1
        return self.left

    @aio_as_trio
    async def close(self) -> None:
        await asyncio.sleep(0)
