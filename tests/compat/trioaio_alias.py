"""pytest plugin: run trio-asyncio's own test suite against trioaio.

Load it with ``-p trioaio_alias`` (this directory on ``PYTHONPATH``).  Before
any conftest is imported, it puts a meta-path finder first on
``sys.meta_path`` that answers every import of ``trio_asyncio`` or
``trio_asyncio.X`` with the very module object ``trioaio`` or ``trioaio.X``.
Setting ``sys.modules["trio_asyncio"]`` alone is not enough: the package
imports its submodules under the public name, and each of those must be the
same object as trioaio's, or module-level state (the current loop, the
policy) would exist twice.

``COMPAT_IMPL=trio_asyncio`` turns the alias off, so the same harness runs
the suite against the real package (to check the plumbing).

The plugin also deselects the tests listed in ``exclusions.txt`` (next to
this file, or ``COMPAT_EXCLUSIONS``), each with a category and a reason, and
fails the session if the real trio_asyncio was imported while aliased,
and lets the suite's conftest set ``Node._nodeid`` on pytest >= 9.2.
Entries of the category ``must-pass`` work the other way round: they name
tests that the suite's conftest marks as expected to fail (for the real
trio-asyncio), and the plugin removes that mark, so they must pass.  A category ``trio<X``
applies only when the installed Trio is older than X.
"""
import fnmatch
import importlib
import importlib.abc
import importlib.util
import os
import sys

import pytest

IMPL = os.environ.get("COMPAT_IMPL", "trioaio")
ALIAS = "trio_asyncio"
ALIASED = IMPL != ALIAS
EXCLUSIONS = os.environ.get("COMPAT_EXCLUSIONS") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "exclusions.txt")
# Categories of exclusions to run anyway, e.g. COMPAT_INCLUDE=sync-loop.
# The category of entries that un-xfail a test instead of excluding it.
MUST_PASS = "must-pass"
INCLUDE = set(filter(None, os.environ.get("COMPAT_INCLUDE", "").split(",")))


class _SameModuleLoader(importlib.abc.Loader):
    """Hands out an already imported module under a second name."""

    def __init__(self, target):
        self.target = target
        self.spec = None

    def create_module(self, spec):
        module = importlib.import_module(self.target)
        self.spec = module.__spec__
        return module

    def exec_module(self, module):
        # The module already ran under its real name.  importlib has just
        # overwritten __spec__ with the alias spec; put the real one back so
        # that relative imports and reloads inside trioaio keep working.
        module.__spec__ = self.spec


class AliasFinder(importlib.abc.MetaPathFinder):
    """Maps ``trio_asyncio[.X]`` to the module object ``<impl>[.X]``."""

    def __init__(self, alias, target):
        self.alias = alias
        self.target = target

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.alias and not fullname.startswith(self.alias + "."):
            return None
        real = self.target + fullname[len(self.alias):]
        if real not in sys.modules and importlib.util.find_spec(real) is None:
            # Returning None would let the path finders import the real
            # trio_asyncio's submodule; say plainly what is missing instead.
            raise ModuleNotFoundError(
                "No module named %r (alias of %r, which does not exist)"
                % (fullname, real), name=fullname)
        return importlib.util.spec_from_loader(
            fullname, _SameModuleLoader(real))


def install():
    """Put the alias finder first on sys.meta_path (once)."""
    if not ALIASED or any(isinstance(f, AliasFinder) for f in sys.meta_path):
        return
    if ALIAS in sys.modules:
        raise RuntimeError("trio_asyncio was imported before the alias plugin")
    sys.meta_path.insert(0, AliasFinder(ALIAS, IMPL))


def shim_node_nodeid():
    """Give pytest >= 9.2 nodes a writable ``_nodeid`` again.

    trio-asyncio 0.16's conftest renames the nodes it collects from
    CPython's ``test.test_asyncio`` by assigning ``node._nodeid``, a private
    attribute that pytest 9.2 replaced with a structured ``node._id``
    (``_pytest.nodeid.NodeId``).  The property below reads and writes the
    new form, so the conftest works unchanged on every pytest; on older
    pytest (no ``_pytest.nodeid``) nothing is patched.
    """
    from _pytest import nodes
    if importlib.util.find_spec("_pytest.nodeid") is None:
        return False  # pytest < 9.2: _nodeid is a plain attribute
    if isinstance(vars(nodes.Node).get("_nodeid"), property):
        return True  # already patched
    from _pytest.nodeid import coerce_node_id

    def get(node):
        return str(node._id)

    def set_(node, value):
        node._id = coerce_node_id(value)

    nodes.Node._nodeid = property(get, set_, doc="trioaio_alias shim")
    return True


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    # Runs for -p plugins before the suite's conftest.py is imported.
    install()
    shim_node_nodeid()


def read_exclusions(path=EXCLUSIONS):
    """Parse exclusions.txt: ``pattern | category | reason`` per line.

    A pattern with ``::`` is a node-id glob (deselected); one without is a
    path glob relative to the suite's root (not collected at all).
    """
    entries = []
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = [p.strip() for p in line.split("|")]
            if len(parts) != 3 or not all(parts):
                raise ValueError("%s:%d: want 'pattern | category | reason'"
                                 % (path, lineno))
            if parts[1] == MUST_PASS and "::" not in parts[0]:
                raise ValueError("%s:%d: a %s entry names one test "
                                 "(path::test), not a path"
                                 % (path, lineno, MUST_PASS))
            entries.append(tuple(parts))
    return entries


def _strict_trio_run(run):
    """``trio.run`` defaulting to ``strict_exception_groups=True``."""
    import functools

    @functools.wraps(run)
    def strict_run(*args, **kwargs):
        kwargs.setdefault("strict_exception_groups", True)
        return run(*args, **kwargs)
    strict_run._compat_original = run
    return strict_run


def _version(text):
    """``"0.22.1"`` -> ``(0, 22, 1)`` (a suffix such as ``+dev`` ends it)."""
    parts = []
    for piece in text.split("."):
        digits = ""
        for ch in piece:
            if not ch.isdigit():
                break
            digits += ch
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def applies(category, trio_version):
    """Whether an exclusion of `category` applies with this Trio.

    A category ``trio<X`` names tests that fail only on Trio older than X
    (with the real trio-asyncio too); on a newer Trio they must run.
    """
    if category.startswith("trio<"):
        return _version(trio_version) < _version(category[len("trio<"):])
    return True


def pytest_configure(config):
    import trio
    config._compat_exclusions = [
        e for e in read_exclusions()
        if e[1] not in INCLUDE and applies(e[1], trio.__version__)]
    config._compat_deselected = {}
    # trio-asyncio 0.16's suite was written for Trio >= 0.25, where nurseries
    # wrap every error in an ExceptionGroup by default; it asserts that with
    # pytest.RaisesGroup.  On older Trio that is opt-in, so turn
    # it on for every trio.run (pytest-trio looks trio.run up per test).
    # COMPAT_STRICT_EG=0 keeps Trio 0.22's default.
    if os.environ.get("COMPAT_STRICT_EG", "1") == "1" and not hasattr(
            trio.run, "_compat_original"):
        trio.run = _strict_trio_run(trio.run)


def _restore_trio_run():
    import trio
    original = getattr(trio.run, "_compat_original", None)
    if original is not None:
        trio.run = original


def pytest_report_header(config):
    mode = ("trio_asyncio -> %s (aliased)" % IMPL if ALIASED
            else "the real trio_asyncio (alias off)")
    return "compat: running trio-asyncio's suite against " + mode


def pytest_ignore_collect(collection_path, config):
    rel = os.path.relpath(str(collection_path), str(config.rootpath))
    for pattern, category, _ in config._compat_exclusions:
        if "::" not in pattern and fnmatch.fnmatch(rel, pattern):
            config._compat_deselected.setdefault(category, set()).add(rel)
            return True
    return None


def _matches(nodeid, pattern):
    # Exact ids first: parametrized ids contain [], which fnmatch would
    # read as a character class.
    return "::" in pattern and (nodeid == pattern or
                                fnmatch.fnmatchcase(nodeid, pattern))


def _drop_xfail(item, config):
    """Remove the conftest's xfail mark from a ``must-pass`` test."""
    for pattern, category, _ in config._compat_exclusions:
        if category == MUST_PASS and _matches(item.nodeid, pattern):
            item.own_markers[:] = [
                m for m in item.own_markers if m.name != "xfail"]
            config._compat_must_pass.add(item.nodeid)
            return True
    return False


# trylast: after the suite's conftest has added its marks.
@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    keep, drop = [], []
    config._compat_must_pass = set()
    for item in items:
        if ALIASED and _drop_xfail(item, config):
            keep.append(item)
            continue
        for pattern, category, _ in config._compat_exclusions:
            if category == MUST_PASS:
                continue
            if _matches(item.nodeid, pattern):
                config._compat_deselected.setdefault(category, set()).add(
                    item.nodeid)
                drop.append(item)
                break
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _real_package_dir():
    """Directory of the installed trio_asyncio, found without importing it."""
    import importlib.machinery
    spec = importlib.machinery.PathFinder.find_spec(ALIAS)
    if spec is None or not spec.submodule_search_locations:
        return None
    return os.path.realpath(list(spec.submodule_search_locations)[0])


def _check_no_real_trio_asyncio():
    """With the alias on, list every module that came from the real package."""
    if not ALIASED:
        return []
    wrong = []
    real_dir = _real_package_dir()
    for name, module in list(sys.modules.items()):
        real_name = getattr(module, "__name__", "") or ""
        if ((name == ALIAS or name.startswith(ALIAS + "."))
                and not real_name.startswith(IMPL)):
            wrong.append("%s is %s" % (name, real_name))
        path = getattr(module, "__file__", None)
        if real_dir and path and os.path.realpath(path).startswith(
                real_dir + os.sep):
            wrong.append("%s was loaded from %s" % (name, path))
    return wrong


def pytest_sessionfinish(session, exitstatus):
    session.config._compat_status = int(session.exitstatus)
    wrong = _check_no_real_trio_asyncio()
    if wrong:
        session.config._compat_wrong = wrong
        session.exitstatus = pytest.ExitCode.INTERNAL_ERROR


# The suite's conftest maps CPython's test.test_asyncio under this prefix.
CPYTHON_PREFIX = "/Python-"


def part_counts(stats):
    """Outcomes per part of the run from the terminal reporter's stats:
    ``{part: {"passed": n, "failed": n, "skipped": n}}`` where part is
    ``"trio-asyncio's suite"`` or ``"CPython's asyncio suite"``.  A test
    counts once (a failed teardown after a pass counts as failed)."""
    outcome = {}
    rank = {"passed": 0, "skipped": 1, "failed": 2}
    for category, reports in stats.items():
        kind = {"passed": "passed", "xpassed": "passed", "failed": "failed",
                "error": "failed", "skipped": "skipped",
                "xfailed": "skipped"}.get(category)
        if kind is None:
            continue  # warnings, deselected, subtests
        for report in reports:
            nodeid = getattr(report, "nodeid", None)
            if not nodeid:
                continue
            if rank[kind] >= rank[outcome.get(nodeid, "passed")]:
                outcome[nodeid] = kind
    parts = {}
    for part in ("trio-asyncio's suite", "CPython's asyncio suite"):
        parts[part] = {"passed": 0, "failed": 0, "skipped": 0}
    for nodeid, kind in outcome.items():
        part = ("CPython's asyncio suite" if nodeid.startswith(CPYTHON_PREFIX)
                else "trio-asyncio's suite")
        parts[part][kind] += 1
    return parts


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    tr = terminalreporter
    tr.section("trio-asyncio compatibility")
    for part, n in part_counts(tr.stats).items():
        tr.write_line("compat: %s: %d passed, %d failed, %d skipped" % (
            part, n["passed"], n["failed"], n["skipped"]))
    mod = sys.modules.get(ALIAS)
    tr.write_line("trio_asyncio is %s" % (
        getattr(mod, "__file__", None) if mod else "never imported"))
    for category, ids in sorted(config._compat_deselected.items()):
        tr.write_line("excluded (%s): %d paths/tests" % (category, len(ids)))
    must_pass = getattr(config, "_compat_must_pass", ())
    if must_pass:
        tr.write_line("expected to fail upstream, required to pass here: %d"
                      % len(must_pass))
    wrong = getattr(config, "_compat_wrong", None)
    if wrong:
        tr.write_line("ERROR: the real trio_asyncio was imported:", red=True)
        for w in wrong:
            tr.write_line("  " + w, red=True)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    # A failing upstream test can leave a thread blocked in its own trio.run
    # (aiotest/test_thread.py does); Python would then wait for it forever
    # at exit.  Report such threads and leave without waiting.
    _restore_trio_run()
    import threading
    leaked = [t for t in threading.enumerate()
              if t is not threading.main_thread() and not t.daemon]
    if not leaked:
        return
    sys.stdout.flush()
    sys.stderr.write("compat: %d thread(s) still running after the session "
                     "(leaked by a failing test): %s; exiting without "
                     "waiting for them\n" % (
                         len(leaked), ", ".join(t.name for t in leaked)))
    sys.stderr.flush()
    os._exit(getattr(config, "_compat_status", 0) or 1)
