"""Checks of the alias finder itself, on a throw-away package."""
import importlib
import sys

import pytest

import trioaio_alias


@pytest.fixture
def aliased(tmp_path, monkeypatch):
    """A package ``realpkg`` (with ``realpkg.sub``) aliased as ``aliaspkg``."""
    pkg = tmp_path / "realpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(
        "state = []\nfrom . import sub\n")
    (pkg / "sub.py").write_text(
        "from . import state\nimport aliaspkg\nSELF = aliaspkg\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    finder = trioaio_alias.AliasFinder("aliaspkg", "realpkg")
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        for name in list(sys.modules):
            if name.split(".")[0] in ("realpkg", "aliaspkg"):
                del sys.modules[name]


def test_alias_is_the_same_module_object(aliased):
    import aliaspkg
    import aliaspkg.sub
    import realpkg
    import realpkg.sub
    assert aliaspkg is realpkg
    assert aliaspkg.sub is realpkg.sub
    # Importing the alias from inside the package gives the package itself.
    assert realpkg.sub.SELF is realpkg
    # The real spec survives (relative imports rely on it).
    assert realpkg.__spec__.name == "realpkg"
    assert realpkg.sub.__spec__.name == "realpkg.sub"


def test_missing_submodule_is_not_looked_up_elsewhere(aliased):
    with pytest.raises(ModuleNotFoundError, match="realpkg.nothere"):
        importlib.import_module("aliaspkg.nothere")


def test_exclusions_file_parses():
    entries = trioaio_alias.read_exclusions()
    assert entries
    for pattern, category, reason in entries:
        assert pattern and category and len(reason) > 10


def test_must_pass_entries_name_single_tests(tmp_path):
    bad = tmp_path / "exclusions.txt"
    bad.write_text("tests/python | must-pass | a whole directory cannot be "
                   "required to pass this way\n")
    with pytest.raises(ValueError, match="names one test"):
        trioaio_alias.read_exclusions(str(bad))


def test_must_pass_drops_only_the_xfail_mark():
    class Config:
        _compat_exclusions = [("t.py::test_a", "must-pass", "reason")]
        _compat_must_pass = set()

    class Item:
        def __init__(self, nodeid):
            self.nodeid = nodeid
            self.own_markers = [pytest.mark.xfail.mark,
                                pytest.mark.skipif(False, reason="kept").mark]

    listed, other = Item("t.py::test_a"), Item("t.py::test_b")
    assert trioaio_alias._drop_xfail(listed, Config)
    assert not trioaio_alias._drop_xfail(other, Config)
    assert [m.name for m in listed.own_markers] == ["skipif"]
    assert [m.name for m in other.own_markers] == ["xfail", "skipif"]
    assert Config._compat_must_pass == {"t.py::test_a"}


def test_guard_spots_the_real_package(monkeypatch):
    import types
    if not trioaio_alias.ALIASED:
        pytest.skip("COMPAT_IMPL=trio_asyncio: the guard is off")
    assert trioaio_alias._check_no_real_trio_asyncio() == []
    # A trio_asyncio module that is not the implementation's ...
    impostor = types.ModuleType("trio_asyncio._impostor")
    monkeypatch.setitem(sys.modules, "trio_asyncio._impostor", impostor)
    # ... and any module loaded from the installed package's directory.
    real_dir = trioaio_alias._real_package_dir()
    stray = types.ModuleType("stray")
    stray.__file__ = (real_dir or "/nonexistent") + "/_loop.py"
    monkeypatch.setitem(sys.modules, "stray", stray)
    wrong = trioaio_alias._check_no_real_trio_asyncio()
    assert any("_impostor" in w for w in wrong)
    if real_dir:
        assert any("stray" in w for w in wrong)


def test_node_nodeid_is_writable(request):
    # trio-asyncio's conftest renames collected nodes through the private
    # Node._nodeid; on pytest >= 9.2 only the shim makes that work.
    trioaio_alias.shim_node_nodeid()
    node = request.node
    before = node.nodeid
    try:
        node._nodeid = "/Python-3.x/test_asyncio/test_x.py::Case::test_y"
        assert node.nodeid == "/Python-3.x/test_asyncio/test_x.py::Case::test_y"
        assert node._nodeid == node.nodeid
    finally:
        node._nodeid = before
    assert node.nodeid == before


def test_part_counts_split_cpython_from_trio_asyncio():
    class Report:
        def __init__(self, nodeid, when="call"):
            self.nodeid, self.when = nodeid, when

    cp = "/Python-3.11/test_asyncio/test_x.py::T::"
    stats = {
        "passed": [Report("tests/test_a.py::t1"), Report(cp + "a"),
                   Report(cp + "b")],
        # t1 passed its call and then failed its teardown: one failure.
        "error": [Report("tests/test_a.py::t1", "teardown")],
        "skipped": [Report(cp + "c", "setup")],
        "xfailed": [Report("tests/test_a.py::t2")],
        "deselected": [Report(cp + "d")],
        "warnings": [object()],
    }
    parts = trioaio_alias.part_counts(stats)
    assert parts["trio-asyncio's suite"] == {
        "passed": 0, "failed": 1, "skipped": 1}
    assert parts["CPython's asyncio suite"] == {
        "passed": 2, "failed": 0, "skipped": 1}


@pytest.mark.parametrize("category, version, expected", [
    ("trio<0.23", "0.22.1", True),
    ("trio<0.23", "0.23.0", False),
    ("trio<0.23", "0.35.0", False),
    ("trio<0.23", "0.22.2+dev", True),
    ("must-pass", "0.35.0", True),
    ("sync-loop", "0.22.1", True),
])
def test_trio_version_categories(category, version, expected):
    assert trioaio_alias.applies(category, version) is expected
