"""Checks of the alias finder itself, on a throw-away package."""
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
        import aliaspkg.nothere  # noqa: F401


def test_exclusions_file_parses():
    entries = trioaio_alias.read_exclusions()
    assert entries
    for pattern, category, reason in entries:
        assert pattern and category and len(reason) > 10
