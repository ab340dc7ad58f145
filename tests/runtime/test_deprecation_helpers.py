"""The deprecation helpers under trio-asyncio's module name ``_deprecate``.

Code written for trio-asyncio imports them from there (its own tests and
packages built on it do), so they keep its API: the warning category, the
message parts, where the warning points, the rewritten docstrings and
module attributes that warn when read.  Run against both implementations.
"""
import importlib
import sys
import types
import warnings

import pytest

import _testbase


@pytest.fixture
def dep():
    return importlib.import_module(_testbase.IMPL_NAME + "._deprecate")


def _caught(fn, *args, **kwargs):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        result = fn(*args, **kwargs)
    return result, seen


def test_warning_is_shown_by_default(dep):
    # A FutureWarning, not a DeprecationWarning: the default filters show
    # it to the user, and -W can still silence it.
    assert issubclass(dep.TrioAsyncioDeprecationWarning, FutureWarning)
    assert not issubclass(dep.TrioAsyncioDeprecationWarning,
                          DeprecationWarning)


def test_message_names_thing_version_replacement_and_issue(dep):
    _, seen = _caught(dep.warn_deprecated, "old_api", "0.9", issue=42,
                      instead="new_api")
    (w,) = seen
    assert w.category is dep.TrioAsyncioDeprecationWarning
    text = str(w.message)
    assert text.startswith("old_api is deprecated since trio-asyncio 0.9")
    assert "use new_api instead" in text
    assert text.endswith("/python-trio/trio-asyncio/issues/42)")


def test_message_without_replacement_or_issue(dep):
    _, seen = _caught(dep.warn_deprecated, "old_api", "0.9", issue=None,
                      instead=None)
    text = str(seen[0].message)
    assert "no replacement" in text
    assert "instead" not in text and "issues" not in text


def test_callables_are_named_by_module_and_qualname(dep):
    class Holder:
        def meth(self):
            pass

    _, seen = _caught(dep.warn_deprecated, Holder.meth, "1.0", issue=None,
                      instead=len)
    text = str(seen[0].message)
    assert text.startswith(
        __name__ + ".test_callables_are_named_by_module_and_qualname."
        "<locals>.Holder.meth is deprecated")
    assert "use builtins.len instead" in text


def test_warning_points_at_the_callers_caller(dep):
    def old_api():
        dep.warn_deprecated("old_api", "1.0", issue=None, instead=None)

    def user():
        old_api()  # the line the warning must name

    _, seen = _caught(user)
    assert seen[0].filename == __file__
    assert seen[0].lineno == user.__code__.co_firstlineno + 1


def test_decorator_warns_on_each_call_and_returns_the_result(dep):
    @dep.deprecated("1.1", issue=7, instead="plus")
    def add(a, b=0):
        """Add two numbers."""
        return a + b

    result, seen = _caught(add, 2, b=3)
    assert result == 5
    (w,) = seen
    assert ".add is deprecated since trio-asyncio 1.1" in str(w.message)
    assert add.__name__ == "add"
    # The docstring says the same, in Sphinx's markup.
    assert add.__doc__.startswith("Add two numbers.\n\n.. deprecated:: 1.1\n")
    assert "   Use plus instead.\n" in add.__doc__
    assert "`issue #7 <https://github.com/python-trio/trio-asyncio/" \
        "issues/7>`__" in add.__doc__
    _, seen = _caught(add, 1)
    assert len(seen) == 1


def test_decorator_with_explicit_thing_and_no_docstring(dep):
    @dep.deprecated("2.0", thing="the frobnicator", issue=None, instead=None)
    def frob():
        return "frobbed"

    result, seen = _caught(frob)
    assert result == "frobbed"
    assert str(seen[0].message).startswith(
        "the frobnicator is deprecated since trio-asyncio 2.0")
    assert frob.__doc__ is None


def test_decorator_docstring_without_replacement_or_issue(dep):
    @dep.deprecated("2.0", issue=None, instead=None)
    def frob():
        """Frobnicate."""

    assert frob.__doc__ == "Frobnicate.\n\n.. deprecated:: 2.0\n\n"


def test_alias_calls_the_new_function_under_the_old_name(dep):
    def new_fn(x):
        return x * 2

    old = dep.deprecated_alias("Legacy.old_fn", new_fn, "1.5", issue=3)
    assert old.__name__ == "old_fn"
    assert old.__qualname__ == "Legacy.old_fn"
    result, seen = _caught(old, 21)
    assert result == 42
    text = str(seen[0].message)
    assert text.startswith(__name__ + ".Legacy.old_fn is deprecated")
    assert "use %s.%s instead" % (__name__, new_fn.__qualname__) in text


@pytest.fixture
def legacy_module(dep):
    name = "trioaio_test_legacy_module"
    module = types.ModuleType(name)
    sys.modules[name] = module
    try:
        dep.enable_attribute_deprecations(name)
        module.current = "current value"
        module.__deprecated_attributes__.update({
            "old_value": dep.DeprecatedAttribute("v1", "1.1", issue=1),
            "old_name": dep.DeprecatedAttribute("v2", "1.2", issue=None,
                                                instead="current"),
        })
        yield module
    finally:
        del sys.modules[name]


def test_module_attribute_warns_when_read(legacy_module, dep):
    value, seen = _caught(getattr, legacy_module, "old_value")
    assert value == "v1"
    text = str(seen[0].message)
    # With no explicit replacement, the value itself is the replacement.
    assert text.startswith("trioaio_test_legacy_module.old_value is "
                           "deprecated since trio-asyncio 1.1; use v1 instead")
    value, seen = _caught(getattr, legacy_module, "old_name")
    assert value == "v2"
    assert "; use current instead" in str(seen[0].message)


def test_module_plain_attributes_do_not_warn(legacy_module):
    value, seen = _caught(getattr, legacy_module, "current")
    assert value == "current value" and seen == []
    with pytest.raises(AttributeError, match="missing"):
        legacy_module.missing
