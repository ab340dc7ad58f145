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
SMALL = {"tcp_bulk": 1, "aiohttp": 3, "aiohttp_wrk": 1}
# Runs for a second whatever its size: on one backend only.
ONCE = {"aiohttp_wrk": "trioaio"}


@pytest.fixture(scope="module")
def run():
    spec = importlib.util.spec_from_file_location("bench_run",
                                                  BENCH / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if module.WORKLOADS["asyncpg"].missing():
        yield module
        return
    with module.services.postgres():  # one server for the module's runs
        yield module


@pytest.mark.parametrize("backend", ["trioaio", "trioaio_sync", "asyncio"])
def test_every_workload_runs(run, backend):
    for name, wl in run.WORKLOADS.items():
        if ONCE.get(name, backend) != backend:
            continue
        row = run.run_one(backend, name, SMALL.get(name, 200))
        if row.get("skipped"):
            # The bridge-only workloads are missing on plain asyncio, and
            # those whose outside needs are not met (saying which).
            assert (wl.body is None and backend != "trioaio") or \
                row["why"] == wl.missing(), row
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


def test_a_workload_that_cannot_run_is_skipped_saying_why(
        run, monkeypatch):
    wl = run.WORKLOADS["udp_echo"]
    monkeypatch.setattr(wl, "needs", lambda: "no frobnicator here")
    row = run.run_one("trioaio", "udp_echo", 10)
    assert row == {"backend": "trioaio", "workload": "udp_echo",
                   "skipped": True, "why": "no frobnicator here"}


def test_summary_prints_ratios_to_asyncio_and_uvloop(run, tmp_path):
    rows = [{"backend": b, "workload": "udp_echo", "n": 1, "unit": "ops/s",
             "seconds": 1.0, "rate": rate}
            for b, rate in (("asyncio", 100.0), ("uvloop", 200.0),
                            ("trioaio", 300.0))]
    path = tmp_path / "results.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    lines = run.summary(str(path))
    row = [line for line in lines if line.startswith("udp_echo")]
    assert row and row[0].split()[-2:] == ["3.00x", "1.50x"], lines


def test_callgrind_refuses_a_timed_workload(tmp_path):
    done = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "callgrind", "--out",
         str(tmp_path), "--workload", "aiohttp_wrk"], capture_output=True,
        text=True, timeout=60)
    assert done.returncode != 0
    assert "no instructions per operation" in done.stderr


def test_unknown_workload_is_refused_with_the_known_ones(tmp_path):
    done = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "all", "--out",
         str(tmp_path), "--workloads", "nope"], capture_output=True,
        text=True, timeout=60)
    assert done.returncode != 0
    assert "unknown workloads nope" in done.stderr
    assert "call_soon" in done.stderr
