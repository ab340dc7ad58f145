"""`explain` names the interface evidence of methods: a protocol partner
(`__aenter__`/`__aexit__`), a Trio-facing class and a Quart-Trio hook
(tests/gen/cases/interfaces has the check output of each, wrong and
right)."""

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


def test_explain_names_the_framework_hook():
    out = run_gen("explain", "src/quart_app.py:wrong_close", cwd=CASE).stdout
    assert "framework hook: `@app.after_serving` of a Quart-Trio app" in out
    assert "library await: `await app.redis.wait_closed(...)`" in out


def test_an_attribute_the_module_never_sets_is_unknown():
    out = run_gen("explain", "src/quart_app.py:unknown_attribute",
                  cwd=CASE).stdout
    assert "library await" not in out
