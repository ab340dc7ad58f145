"""`explain` names the interface evidence of methods: a protocol partner
(`__aenter__`/`__aexit__`) and a Trio-facing class (tests/gen/cases/
interfaces has the check output of both, wrong and right)."""

from conftest import ROOT, run_gen

CASE = ROOT / "tests" / "gen" / "cases" / "interfaces"


def test_explain_names_the_protocol_partner():
    out = run_gen("explain", "src/protocol.py:WrongTransaction.__aenter__",
                  cwd=CASE).stdout
    assert "`WrongTransaction.__aenter__` is Trio" in out
    assert "protocol partner: its partner `__aexit__` is Trio-facing" in out


def test_explain_names_the_class_interface():
    out = run_gen("explain", "src/classes.py:WrongCursor.fetch",
                  cwd=CASE).stdout
    assert "class interface: a method of `WrongCursor`" in out
    assert "`@trio_asyncio.aio_as_trio` for Trio callers" in out


def test_a_helper_awaited_by_asyncio_code_keeps_its_domain():
    out = run_gen("explain", "src/classes.py:RightCursor._fetch_one",
                  cwd=CASE).stdout
    assert "`RightCursor._fetch_one` is asyncio" in out
    assert "class interface" not in out
