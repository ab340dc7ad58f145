"""Shared fixtures for the trioaio-gen tests.

The binary is build/gen/trioaio-gen (``make gen-build``), or the one named by
the TRIOAIO_GEN environment variable (the ASan build uses that).
"""

import importlib.util
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
CASES = pathlib.Path(__file__).resolve().parent / "cases"


def gen_binary():
    return os.path.abspath(
        os.environ.get("TRIOAIO_GEN", str(ROOT / "build/gen/trioaio-gen")))


def runtime_module():
    """The runtime the generated adapters import: trioaio once it exists,
    trio-asyncio 0.16 (the same API) until then."""
    if importlib.util.find_spec("trioaio") is not None:
        try:
            import trioaio  # noqa: F401

            if hasattr(trioaio, "aio_as_trio"):
                return "trioaio"
        except ImportError:
            pass
    return "trio_asyncio"


def run_gen(*args, cwd=None, check=False):
    """Run trioaio-gen; returns the CompletedProcess (text mode)."""
    proc = subprocess.run(
        [gen_binary(), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"trioaio-gen {' '.join(map(str, args))} exited "
            f"{proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
        )
    return proc


@pytest.fixture(scope="session", autouse=True)
def _binary_exists():
    if not os.path.exists(gen_binary()):
        pytest.exit(f"{gen_binary()} is missing: run `make gen-build`", 2)


# The golden cases are inputs, not tests: one of them has its own
# conftest.py (a fixture the checker reads), which pytest must not load.
collect_ignore = ["cases", "fuzz-regressions"]
