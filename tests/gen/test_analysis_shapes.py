"""Analysis shapes the golden cases do not have, each run through
`check` and `explain` with the findings and reasons asserted exactly:
what a local name is bound to (another name, an awaited name, a
partial), union annotations, parenthesised awaits, generator arguments,
long attribute chains, a call's attribute that is not super's, a string
dispatch on a third library, cancel scopes and plain `with`, an awaited
constructor argument, call_later, `pytest.raises` of a tuple, a `# noqa`
that is not one, and which functions pytest collects in trio mode."""

from conftest import run_gen

SHAPES = """\
import asyncio
from functools import partial

import sniffio
import trio


class Client:
    async def fetch(self):
        await asyncio.sleep(0)


def make() -> "Client | None":
    return Client()


async def alias_of_a_name(c: Client):
    d = c
    await d.fetch()


async def awaited_name(fut):
    d = await fut
    await d.fetch()


async def through_partial():
    f = partial(Client)
    await f().fetch()


async def annotated_union(c: Client | None):
    await c.fetch()


async def annotated_none_first(c: None | Client):
    await c.fetch()


async def annotated_neither(c: int | str):
    await c.fetch()


async def parenthesised():
    await (asyncio.sleep(0))


async def other_library():
    if sniffio.current_async_library() == "curio":
        await trio.sleep(0)


async def generator_argument():
    await asyncio.gather(*(asyncio.sleep(i) for i in range(3)))


async def not_super():
    await make().fetch()


async def deep():
    await a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.A.B.C.D.E.F.G.H()
"""

MORE = """\
import asyncio
from functools import partial

import pytest
import trio


class Conn:
    def __init__(self, sock):
        self.sock = sock

    async def send(self):
        await trio.sleep(0)


async def connect():
    await trio.sleep(0)
    return 1


async def main(n):
    conn = Conn(await connect())
    await conn.send()
    with lock:
        await trio.sleep(n)  # see noqa
    loop = asyncio.get_event_loop()
    loop.call_later(1, main)
    Box[int](n)


async def test_raises():
    with pytest.raises((TypeError, ValueError)):
        await trio.sleep(0)


trio.run(partial(main, 1))
"""


def project(tmp_path, **files):
    src = tmp_path / "src"
    src.mkdir()
    for name, text in files.items():
        (src / f"{name}.py").write_text(text)
    return tmp_path


def explain(cwd, path):
    proc = run_gen("explain", "--no-cache", path, cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


ASYNCIO_FETCH = [
    "    because `Client.fetch` is asyncio:",
    "      * strong asyncio       library await: `await asyncio.sleep(...)` "
    "at src/shapes.py:10",
]


def test_bindings_annotations_and_call_shapes(tmp_path):
    d = project(tmp_path, shapes=SHAPES)
    proc = run_gen("check", "--no-cache", "src", cwd=d)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert explain(d, "src/shapes.py").splitlines() == [
        "src/shapes.py:9: `Client.fetch` is asyncio",
        "  * strong asyncio       library await: `await asyncio.sleep(...)` "
        "at src/shapes.py:10",
        # `d = c`: d is what c is.
        "src/shapes.py:17: `alias_of_a_name` is asyncio",
        "  * weak   asyncio       project call: `await d.fetch` (asyncio) at "
        "src/shapes.py:19",
        *ASYNCIO_FETCH,
        # `d = await fut`: what awaiting an unknown gives is unknown.
        "src/shapes.py:22: `awaited_name` is not decided (no evidence: not "
        "checked)",
        # `partial(Client)` names the class, not what calling it makes.
        "src/shapes.py:27: `through_partial` is not decided (no evidence: "
        "not checked)",
        # `Client | None` and `None | Client` are Client.
        "src/shapes.py:32: `annotated_union` is asyncio",
        "  * weak   asyncio       project call: `await c.fetch` (asyncio) at "
        "src/shapes.py:33",
        *ASYNCIO_FETCH,
        "src/shapes.py:36: `annotated_none_first` is asyncio",
        "  * weak   asyncio       project call: `await c.fetch` (asyncio) at "
        "src/shapes.py:37",
        *ASYNCIO_FETCH,
        # `int | str` is no one class.
        "src/shapes.py:40: `annotated_neither` is not decided (no evidence: "
        "not checked)",
        "src/shapes.py:44: `parenthesised` is asyncio",
        "  * strong asyncio       library await: `await asyncio.sleep(...)` "
        "at src/shapes.py:45",
        # A comparison with "curio" is no dispatch between the two.
        "src/shapes.py:48: `other_library` is Trio",
        "  * strong Trio          library await: `await trio.sleep(...)` at "
        "src/shapes.py:50",
        "src/shapes.py:53: `generator_argument` is asyncio",
        "  * strong asyncio       library await: `await asyncio.gather(...)` "
        "at src/shapes.py:54",
        # `make().fetch()`: only super() is followed through a call.
        "src/shapes.py:57: `not_super` is not decided (no evidence: not "
        "checked)",
        # Deeper than the dotted names the model follows.
        "src/shapes.py:61: `deep` is not decided (no evidence: not checked)",
    ]


def test_runners_scopes_and_constructors(tmp_path):
    d = project(tmp_path, more=MORE)
    proc = run_gen("check", "--no-cache", "src", cwd=d)
    assert proc.returncode == 1, proc.stderr
    # call_later hands main to asyncio; trio.run(partial(main, 1)) to
    # Trio.
    assert proc.stdout == (
        "src/more.py:36:10: TA003 `main` is both asyncio (handed to "
        "`loop.call_later`, line 27) and Trio (handed to `trio.run`, line "
        "36); split it and cross once with aio_as_trio() or trio_as_aio()\n")
    assert explain(d, "src/more.py").splitlines() == [
        "src/more.py:12: `Conn.send` is Trio",
        "  * strong Trio          library await: `await trio.sleep(...)` at "
        "src/more.py:13",
        "src/more.py:16: `connect` is Trio",
        "  * strong Trio          library await: `await trio.sleep(...)` at "
        "src/more.py:17",
        # The await under a plain `with lock:` counts; `# see noqa` is no
        # noqa comment.
        "src/more.py:21: `main` is mixed (conflicting strong evidence: "
        "TA003)",
        "  - strong Trio          library await: `await trio.sleep(...)` at "
        "src/more.py:25",
        "  * strong asyncio       runner: handed to `loop.call_later` at "
        "src/more.py:27",
        "  * strong Trio          runner: handed to `trio.run` at "
        "src/more.py:36",
        # pytest.raises((TypeError, ValueError)) may be a test that a
        # crossing raises: its body is not checked.
        "src/more.py:31: `test_raises` is not decided (neutral: it "
        "dispatches on the running library)",
        "  dispatches on the running library: 1 await(s) checked in their "
        "branch's domain",
    ]


def test_what_pytest_collects_in_trio_mode(tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\ntrio_mode = true\n")
    (tmp_path / "conftest.py").write_text(
        "import pytest\n\n\n@pytest.fixture\nasync def server():\n"
        "    return 1\n")
    (tmp_path / "test_a.py").write_text(
        "class TestThing:\n"
        "    async def test_method(self, server):\n        pass\n\n"
        "    class Inner:\n"
        "        async def test_nested(self):\n            pass\n\n\n"
        "async def helper():\n    pass\n")
    (tmp_path / "util.py").write_text("async def test_not_collected():\n"
                                      "    pass\n")
    (tmp_path / "b_test.py").write_text("async def test_b():\n    pass\n")
    mode = ("  * strong Trio          pytest configuration: pytest-trio's "
            "`trio_mode = true` in pytest.ini")
    out = {name: explain(tmp_path, name).splitlines()
           for name in ("conftest.py", "test_a.py", "util.py", "b_test.py")}
    assert out == {
        # A fixture anywhere, test* functions of test_*.py and *_test.py
        # at top level or directly in a Test* class.
        "conftest.py": ["conftest.py:5: `server` is Trio", mode],
        "test_a.py": [
            "test_a.py:2: `TestThing.test_method` is Trio", mode,
            "test_a.py:6: `TestThing.Inner.test_nested` is not decided (no "
            "evidence: not checked)",
            "test_a.py:10: `helper` is not decided (no evidence: not "
            "checked)"],
        "util.py": ["util.py:1: `test_not_collected` is not decided (no "
                    "evidence: not checked)"],
        "b_test.py": ["b_test.py:1: `test_b` is Trio", mode],
    }


HELPERS = ("import asyncio\n\n\nasync def fetch():\n"
           "    await asyncio.sleep(0)\n")
FETCH_IS_ASYNCIO = [
    "    because `fetch` is asyncio:",
    "      * strong asyncio       library await: `await asyncio.sleep(...)` "
    "at src/pkg/helpers.py:5",
    "      - weak   asyncio       module imports: the module imports "
    "asyncio, not Trio at src/pkg/helpers.py:1",
]


def test_relative_and_star_imports(tmp_path):
    """`from ..helpers import` two levels up, `from .... import` past the
    top (unresolved), `from . import` in a top-level module (no package:
    unresolved), and a star import of a project module."""
    src = tmp_path / "src"
    (src / "pkg" / "sub").mkdir(parents=True)
    (src / "pkg" / "__init__.py").write_text("")
    (src / "pkg" / "sub" / "__init__.py").write_text("")
    (src / "pkg" / "helpers.py").write_text(HELPERS)
    (src / "pkg" / "sub" / "deep.py").write_text(
        "from ..helpers import fetch\nfrom .... import toofar\n\n\n"
        "async def uses_parent():\n    await fetch()\n\n\n"
        "async def uses_too_far():\n    await toofar()\n")
    (src / "pkg" / "stars.py").write_text(
        "from pkg.helpers import *\n\n\n"
        "async def uses_star():\n    await fetch()\n")
    (src / "top.py").write_text(
        "from . import sibling\n\n\n"
        "async def uses_sibling():\n    await sibling.go()\n")
    proc = run_gen("check", "--no-cache", "src", cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert explain(tmp_path, "src/pkg/sub/deep.py").splitlines() == [
        "src/pkg/sub/deep.py:5: `uses_parent` is asyncio",
        "  * weak   asyncio       project call: `await fetch` (asyncio) at "
        "src/pkg/sub/deep.py:6",
        *FETCH_IS_ASYNCIO,
        "src/pkg/sub/deep.py:9: `uses_too_far` is not decided (no evidence: "
        "not checked)",
    ]
    assert explain(tmp_path, "src/pkg/stars.py").splitlines() == [
        "src/pkg/stars.py:4: `uses_star` is asyncio",
        "  * weak   asyncio       project call: `await fetch` (asyncio) at "
        "src/pkg/stars.py:5",
        *FETCH_IS_ASYNCIO,
    ]
    assert explain(tmp_path, "src/top.py").splitlines() == [
        "src/top.py:4: `uses_sibling` is not decided (no evidence: not "
        "checked)",
    ]


CALLERS = """\
import asyncio

import trio


class A:
    async def go(self):
        await asyncio.sleep(0)


class B:
    async def go(self):
        await trio.sleep(0)


async def agreed(x):
    await x.go()


async def disputed(x):
    await x.go()


async def no_parameters():
    pass


async def one(a: A):
    await agreed(a)
    await disputed(a)
    await no_parameters(a)


async def two(a: A, b: B):
    await agreed(a)
    await disputed(b)
"""


def test_parameter_typed_by_its_callers(tmp_path):
    """An unannotated parameter takes the type every caller in the file
    passes (agreed: A, so asyncio), none when callers disagree (disputed:
    A and B), and a call with more arguments than parameters says
    nothing."""
    d = project(tmp_path, callers=CALLERS)
    proc = run_gen("check", "--no-cache", "src", cwd=d)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    lines = explain(d, "src/callers.py").splitlines()
    assert lines[4:8] == [
        "src/callers.py:16: `agreed` is asyncio",
        "  * weak   asyncio       project call: `await x.go` (asyncio) at "
        "src/callers.py:17",
        "    because `A.go` is asyncio:",
        "      * strong asyncio       library await: `await asyncio.sleep"
        "(...)` at src/callers.py:8",
    ]
    assert lines[8:10] == [
        "src/callers.py:20: `disputed` is not decided (no evidence: not "
        "checked)",
        "src/callers.py:24: `no_parameters` is not decided (no evidence: "
        "not checked)",
    ]
