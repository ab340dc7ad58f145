"""bench/run.py and bench/workloads.py: every workload runs, small."""
import importlib.util
import json
import pathlib
import subprocess
import sys

import pytest

from _testbase import IS_REFERENCE

# The harness imports trioaio itself (its backends), so not next to the
# reference implementation.
pytestmark = pytest.mark.skipif(IS_REFERENCE, reason="runs trioaio itself")

BENCH = pathlib.Path(__file__).resolve().parents[2] / "bench"
SMALL = {"tcp_bulk": 1, "aiohttp": 3}


@pytest.fixture(scope="module")
def run():
    spec = importlib.util.spec_from_file_location("bench_run",
                                                  BENCH / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("backend", ["trioaio", "trioaio_sync", "asyncio"])
def test_every_workload_runs(run, backend):
    for name, wl in run.WORKLOADS.items():
        if name == "aiohttp":
            pytest.importorskip("aiohttp")
        row = run.run_one(backend, name, SMALL.get(name, 200))
        if row.get("skipped"):
            # Only the bridge-only workload is missing on plain asyncio.
            assert wl.body is None and backend != "trioaio", row
            continue
        assert row["workload"] == name and row["backend"] == backend
        assert row["n"] > 0 and row["rate"] > 0 and row["unit"] == wl.unit


def test_one_prints_a_json_row_and_counts_rounds():
    done = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "one", "--backend",
         "trioaio", "--workload", "cross_t2a", "--n", "500",
         "--count-rounds"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    row = json.loads(done.stdout.strip().splitlines()[-1])
    assert row["n"] == 500
    # The inline fast path: a Trio round only when one is due (start-up,
    # and the loop's time budget), not one per cross call.
    assert 0 < row["trio_rounds_per_op"] < 0.5


def test_all_alternates_and_writes_what_report_reads(run, tmp_path):
    done = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "all", "--out",
         str(tmp_path), "--reps", "2", "--scale", "0.001", "--backends",
         "asyncio trioaio", "--workloads", "call_soon cross_a2t"],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in
            (tmp_path / "results.jsonl").read_text().splitlines()]
    assert [(r["backend"], r["workload"]) for r in rows] == [
        ("asyncio", "call_soon"), ("trioaio", "call_soon"),
        ("trioaio", "cross_a2t"),  # asyncio has none: skipped
        ("trioaio", "call_soon"), ("asyncio", "call_soon"),  # rotated
        ("trioaio", "cross_a2t")]
    sync = [json.loads(line) for line in
            (tmp_path / "sync.jsonl").read_text().splitlines()]
    assert {r["backend"] for r in sync} == {"asyncio", "trioaio_sync"}
    assert "skipped: asyncio cross_a2t" in done.stderr


def test_unknown_workload_is_refused_with_the_known_ones(tmp_path):
    done = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "all", "--out",
         str(tmp_path), "--workloads", "nope"], capture_output=True,
        text=True, timeout=60)
    assert done.returncode != 0
    assert "unknown workloads nope" in done.stderr
    assert "call_soon" in done.stderr
