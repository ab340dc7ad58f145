"""Fixtures for the runtime suite; the machinery lives in _testbase.py."""
import pytest

import _testbase


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "introspection: uses a private hook (loop._timer_count); "
        "adapt when the hook changes")
    config.addinivalue_line(
        "markers", "stress: transports under load (10,000 connections, a "
        "1 GiB transfer); make test-stress")


def pytest_ignore_collect(collection_path, config):
    # Against the reference, leave out modules that import trioaio itself
    # (tests of its C core): importing both implementations in one process
    # makes them fight over asyncio's global hooks.
    if (_testbase.IS_REFERENCE and collection_path.suffix == ".py"
            and collection_path.name.startswith("test_")):
        text = collection_path.read_text()
        if "\nimport trioaio" in text or "\nfrom trioaio" in text:
            return True
    return None


def pytest_report_header(config):
    return "runtime implementation under test: %s (TRIOAIO_IMPL)" % (
        _testbase.IMPL_NAME)


@pytest.fixture
def impl():
    """The implementation module: trioaio, or trio_asyncio as a reference."""
    return _testbase.impl()


@pytest.fixture
def run_in_loop():
    """``run_in_loop(fn, *args)``: run Trio-flavoured ``fn(loop, *args)``
    inside ``open_loop()`` under a deadline."""
    return _testbase.run_in_loop
