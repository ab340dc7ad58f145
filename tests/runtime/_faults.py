"""The C core's fault-injection hook (runtime/src/fault.h), for tests.

Only the instrumented builds (`make coverage`, `make asan`) have it; the
tests that use it skip on the release build.  ``inject(site, errno)``
arms one site: the next time the core reaches it, the libc or libuv call
there fails with that errno (an allocation returns NULL).  Leaving the
block checks that the fault fired, so a test whose path missed the site
fails instead of passing without testing anything.
"""
import contextlib
import errno
import gc
import os
import re

import pytest

from trioaio import _core

HAVE_FAULTS = hasattr(_core, "_fault_arm")

needs_faults = pytest.mark.skipif(
    not HAVE_FAULTS,
    reason="needs the fault-injection build (make coverage, make asan)")

FAULT_H = os.path.join(os.path.dirname(__file__), "..", "..", "runtime",
                       "src", "fault.h")


def all_sites():
    """Every site fault.h declares."""
    with open(FAULT_H) as f:
        return re.findall(r'X\(\w+, "(\w+)"\)', f.read())


@contextlib.contextmanager
def inject(site, err=errno.ENOMEM, after=0):
    """Fail `site` once, at its `after`+1-th reach inside the block."""
    _core._fault_arm(site, err, after)
    try:
        yield
    finally:
        fired = _core._fault_disarm()
    assert fired == site, "the fault at %s did not fire" % site


def open_fds():
    return len(os.listdir("/proc/self/fd"))


def settle():
    """The live-object counters once the garbage is collected."""
    for _ in range(3):
        gc.collect()
    return _core._live_counts()
