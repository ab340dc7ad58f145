"""Imported at startup by every Python process that `make coverage` runs.

scripts/coverage.sh puts this directory first on PYTHONPATH, so the tests'
child processes (subprocess, multiprocessing, the compat suite's pytest)
load it too.  Two jobs:

* start coverage.py when COVERAGE_PROCESS_START names its configuration
  (coverage's own .pth hook does the same from 7.10 on; starting twice is a
  no-op, and this keeps older versions measuring subprocesses);
* load the gcov-instrumented C core from TRIOAIO_COVERAGE_CORE instead of
  the optimised trioaio/_core*.so built in place, so measuring never
  touches the normal build.
"""
import importlib.machinery
import importlib.util
import os
import sys

if os.environ.get("COVERAGE_PROCESS_START"):
    try:
        import coverage
    except ImportError:
        pass
    else:
        coverage.process_startup()

_CORE = os.environ.get("TRIOAIO_COVERAGE_CORE")


class _InstrumentedCore:
    """A meta-path finder that answers only ``trioaio._core``."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name != "trioaio._core":
            return None
        loader = importlib.machinery.ExtensionFileLoader(name, _CORE)
        return importlib.util.spec_from_file_location(name, _CORE,
                                                      loader=loader)


if _CORE:
    if not os.path.exists(_CORE):
        raise ImportError("TRIOAIO_COVERAGE_CORE=%s does not exist; run "
                          "`make coverage` to build it" % _CORE)
    sys.meta_path.insert(0, _InstrumentedCore)
