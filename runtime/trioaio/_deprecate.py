"""Deprecation helpers (the same API as trio-asyncio's ``_deprecate``)."""
import sys
import types
import warnings
from functools import wraps


class TrioAsyncioDeprecationWarning(FutureWarning):
    """Warning emitted when you use deprecated trioaio / trio-asyncio API.

    A FutureWarning, so it is shown by default: the people who see it are
    the ones who can fix it.
    """


def _url_for_issue(issue):
    return "https://github.com/python-trio/trio-asyncio/issues/%d" % issue


def _stringify(thing):
    if hasattr(thing, "__module__") and hasattr(thing, "__qualname__"):
        return "%s.%s" % (thing.__module__, thing.__qualname__)
    return str(thing)


def warn_deprecated(thing, version, *, issue, instead, stacklevel=2):
    """Warn that *thing* is deprecated since *version*, naming *instead*."""
    stacklevel += 1
    msg = "%s is deprecated since trio-asyncio %s" % (
        _stringify(thing), version)
    if instead is None:
        msg += "; no replacement is planned"
    else:
        msg += "; use %s instead" % _stringify(instead)
    if issue is not None:
        msg += " (%s)" % _url_for_issue(issue)
    warnings.warn(TrioAsyncioDeprecationWarning(msg), stacklevel=stacklevel)


def deprecated(version, *, thing=None, issue, instead):
    """Decorator: calling the function warns that it is deprecated."""
    def decorator(fn):
        nonlocal thing

        @wraps(fn)
        def wrapper(*args, **kwargs):
            warn_deprecated(thing, version, instead=instead, issue=issue)
            return fn(*args, **kwargs)

        if thing is None:
            thing = wrapper
        if wrapper.__doc__ is not None:
            doc = wrapper.__doc__.rstrip() + "\n\n"
            doc += ".. deprecated:: %s\n" % version
            if instead is not None:
                doc += "   Use {} instead.\n".format(_stringify(instead))
            if issue is not None:
                doc += "   For details, see `issue #{} <{}>`__.\n".format(
                    issue, _url_for_issue(issue))
            doc += "\n"
            wrapper.__doc__ = doc
        return wrapper

    return decorator


def deprecated_alias(old_qualname, new_fn, version, *, issue):
    """Return a deprecated alias *old_qualname* that calls *new_fn*."""
    @deprecated(version, issue=issue, instead=new_fn)
    @wraps(new_fn, assigned=("__module__", "__annotations__"))
    def wrapper(*args, **kwargs):
        """Deprecated alias."""
        return new_fn(*args, **kwargs)

    wrapper.__qualname__ = old_qualname
    wrapper.__name__ = old_qualname.rpartition(".")[-1]
    return wrapper


class DeprecatedAttribute:
    """A module attribute that warns when it is read."""

    _not_set = object()

    def __init__(self, value, version, *, issue, instead=_not_set):
        self.value = value
        self.version = version
        self.issue = issue
        self.instead = value if instead is self._not_set else instead


class _ModuleWithDeprecations(types.ModuleType):
    def __getattr__(self, name):
        if name in self.__deprecated_attributes__:
            info = self.__deprecated_attributes__[name]
            thing = "{}.{}".format(self.__name__, name)
            # DeprecatedAttribute already made a missing `instead` the value.
            warn_deprecated(thing, info.version, issue=info.issue,
                            instead=info.instead)
            return info.value
        msg = "module '{}' has no attribute '{}'"
        raise AttributeError(msg.format(self.__name__, name))


def enable_attribute_deprecations(module_name):
    """Make reads of ``__deprecated_attributes__`` entries warn."""
    module = sys.modules[module_name]
    module.__class__ = _ModuleWithDeprecations
    module.__deprecated_attributes__ = {}
