"""bench/report.py on a small, made-up run."""
import importlib.util
import json
import pathlib
import xml.etree.ElementTree as ET

import pytest

REPORT = pathlib.Path(__file__).resolve().parents[2] / "bench" / "report.py"


@pytest.fixture(scope="module")
def report():
    spec = importlib.util.spec_from_file_location("bench_report", REPORT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _row(backend, workload, rate, unit="ops/s"):
    return json.dumps({"backend": backend, "workload": workload, "n": 1000,
                       "unit": unit, "seconds": 1.0, "rate": rate,
                       "minflt": 0})


@pytest.fixture
def results_dir(tmp_path):
    lines = [
        # call_soon: medians asyncio 100, trio_asyncio 10, trioaio 250 (2.5x)
        _row("asyncio", "call_soon", 90), _row("asyncio", "call_soon", 100),
        _row("asyncio", "call_soon", 500),
        _row("trio_asyncio", "call_soon", 10),
        _row("trioaio", "call_soon", 240), _row("trioaio", "call_soon", 250),
        _row("trioaio", "call_soon", 260),
        # timers: trioaio at 0.5x asyncio -> fails its 1.0x target
        _row("asyncio", "timers", 1000), _row("trioaio", "timers", 500),
        # cross_a2t: no asyncio figure; 30/10 = 3x trio-asyncio -> passes
        json.dumps({"backend": "asyncio", "workload": "cross_a2t",
                    "skipped": True}),
        _row("trio_asyncio", "cross_a2t", 10), _row("trioaio", "cross_a2t", 30),
        "not json, ignored",
        _row("asyncio", "tcp_bulk", 2048.0, unit="MiB/s"),
    ]
    (tmp_path / "results.jsonl").write_text("\n".join(lines) + "\n")
    (tmp_path / "callgrind.md").write_text(
        "| backend | Ir total N=20000 | Ir total N=40000 | Ir per callback |\n"
        "|---|---|---|---|\n"
        "| asyncio | 1 | 2 | 15146 |\n"
        "| trioaio | 1 | 2 | 5000 |\n")
    (tmp_path / "versions.jsonl").write_text(json.dumps(
        {"backend": "trioaio", "versions": {"python": "3.11.7",
                                            "trioaio": "0.1.0"}}) + "\n")
    return tmp_path


def test_medians_and_units(report, results_dir):
    rows = report.load_results(str(results_dir / "results.jsonl"))
    med, units = report.medians(rows)
    assert med["call_soon"] == {"asyncio": 100, "trio_asyncio": 10,
                                "trioaio": 250}
    assert "asyncio" not in med["cross_a2t"]
    assert units["tcp_bulk"] == "MiB/s"
    assert list(med) == ["call_soon", "timers", "cross_a2t", "tcp_bulk"]


def test_targets(report, results_dir):
    rows = report.load_results(str(results_dir / "results.jsonl"))
    med, _ = report.medians(rows)
    cg = report.load_callgrind(str(results_dir / "callgrind.md"))
    assert cg == {"asyncio": 15146, "trioaio": 5000}
    by_name = {t["workload"]: t for t in report.evaluate_targets(med, cg)}
    assert by_name["call_soon"]["ratio"] == pytest.approx(2.5)
    assert by_name["call_soon"]["passed"] is True
    assert by_name["timers"]["passed"] is False
    assert by_name["cross_a2t"]["ratio"] == pytest.approx(3.0)
    assert by_name["cross_a2t"]["passed"] is True
    assert by_name["sleep0"]["passed"] is None  # not measured
    assert by_name["Ir per call_soon callback"]["passed"] is True


def test_main_writes_markdown_and_svg(report, results_dir, tmp_path):
    md_path, svg_path = tmp_path / "perf.md", tmp_path / "perf.svg"
    assert report.main([str(results_dir), "--md", str(md_path),
                        "--svg", str(svg_path), "--reps", "3"]) == 0
    md = md_path.read_text()
    assert "medians of 3 alternating runs" in md
    assert "| call_soon | ops/s | 100.0 | 10.0 (0.10×) | 250.0 (2.50×) " \
           "| 2.50× | – | 25.00× |" in md
    assert "| timers | ≥ 1.0× stock asyncio | 0.50× | ❌ fail |" in md
    assert "| call_soon | ≥ 2.0× stock asyncio | 2.50× | ✅ pass |" in md
    assert "| cross_a2t | ≥ 2.0× trio-asyncio | 3.00× | ✅ pass |" in md
    assert "| sleep0 | ≥ 1.0× stock asyncio | – | – no data |" in md
    assert "| trioaio | 5,000 |" in md
    assert "python 3.11.7" in md and "trioaio 0.1.0" in md

    svg = ET.parse(svg_path).getroot()  # well-formed XML
    ns = "{http://www.w3.org/2000/svg}"
    titles = [t.text for t in svg.iter(ns + "title")]
    assert "call_soon trioaio: 2.50x" in titles
    assert "cross_a2t trioaio: 3.00x" in titles  # relative to trio-asyncio
    assert "timers trioaio: 0.50x" in titles


def test_sync_loop_section(report, results_dir, tmp_path):
    md_path = tmp_path / "perf.md"
    assert report.main([str(results_dir), "--md", str(md_path)]) == 0
    assert "synchronous loop" not in md_path.read_text()  # no sync.jsonl

    (results_dir / "sync.jsonl").write_text("\n".join([
        _row("asyncio", "call_soon", 100), _row("trioaio_sync", "call_soon",
                                                 300),
        _row("asyncio", "call_soon", 120), _row("trioaio_sync", "call_soon",
                                                 260),
        _row("asyncio", "aiohttp", 10, unit="req/s"),
        _row("trioaio_sync", "aiohttp", 9, unit="req/s"),
    ]) + "\n")
    assert report.main([str(results_dir), "--md", str(md_path)]) == 0
    md = md_path.read_text()
    section = md[md.index("## The synchronous loop"):]
    # medians: asyncio 110, sync loop 280 -> 2.55x against a 2.0x target
    assert "| call_soon | ops/s | 110.0 | 280.0 | 2.55× | ≥ 2.0× | ✅ pass |" \
        in section
    assert "| aiohttp | req/s | 10.0 | 9.0 | 0.90× | ≥ 1.0× | ❌ fail |" \
        in section
    assert "| timers | ops/s | – | – | – | ≥ 1.0× | – no data |" in section
    assert "cross_t2a" not in section  # a bridge workload: not for sync
    # The main table is unchanged by the sync runs.
    assert "| call_soon | ops/s | 100.0 | 10.0 (0.10×) | 250.0 (2.50×) " \
           "| 2.50× | – | 25.00× |" in md


def test_main_without_results(report, tmp_path):
    (tmp_path / "results.jsonl").write_text("")
    assert report.main([str(tmp_path)]) == 1


def test_hand_written_sections_survive_regeneration(report, results_dir,
                                                   tmp_path):
    md_path = tmp_path / "perf.md"
    md_path.write_text("# Performance\n\nold figures\n\n"
                       + report.KEPT_MARKER + "\n\n## By hand\n\nkept\n")
    assert report.main([str(results_dir), "--md", str(md_path),
                        "--svg", str(tmp_path / "perf.svg")]) == 0
    md = md_path.read_text()
    assert "old figures" not in md
    assert md.count(report.KEPT_MARKER) == 1
    assert md.endswith(report.KEPT_MARKER + "\n\n## By hand\n\nkept\n")


def test_uvloop_ratios_and_instructions_per_operation(report, tmp_path):
    (tmp_path / "results.jsonl").write_text("\n".join([
        _row("asyncio", "unix_echo", 100), _row("uvloop", "unix_echo", 200),
        _row("trioaio", "unix_echo", 240),  # 1.2x uvloop: passes its 1.1x
        _row("asyncio", "udp_echo", 100), _row("uvloop", "udp_echo", 200),
        _row("trioaio", "udp_echo", 180),   # 0.9x uvloop: fails its 1.0x
    ]) + "\n")
    (tmp_path / "callgrind-tcp_echo.md").write_text(
        "| backend | Ir total N=2500 | Ir total N=5000 | Ir per op |\n"
        "|---|---|---|---|\n"
        "| asyncio | 1 | 2 | 115000 |\n| uvloop | 1 | 2 | 50000 |\n"
        "| trioaio | 1 | 2 | 40000 |\n")
    (tmp_path / "callgrind-aiohttp.md").write_text(
        "| backend | Ir total N=250 | Ir total N=500 | Ir per op |\n"
        "|---|---|---|---|\n| trioaio | 1 | 2 | 500000 |\n")
    assert report.load_op_callgrind(str(tmp_path)) == {
        "aiohttp": {"trioaio": 500000},
        "tcp_echo": {"asyncio": 115000, "uvloop": 50000, "trioaio": 40000}}
    md_path = tmp_path / "perf.md"
    assert report.main([str(tmp_path), "--md", str(md_path)]) == 0
    md = md_path.read_text()
    assert "| unix_echo | ops/s | 100.0 | 200.0 (2.00×) | 240.0 (2.40×) " \
           "| 2.40× | 1.20× | – |" in md
    assert "| unix_echo | ≥ 1.1× uvloop | 1.20× | ✅ pass |" in md
    assert "| udp_echo | ≥ 1.0× uvloop | 0.90× | ❌ fail |" in md
    assert "| aiohttp | ≥ 1.05× uvloop | – | – no data |" in md
    section = md[md.index("## Instructions per operation"):]
    assert "| tcp_echo | 115,000 | 50,000 | 40,000 | 0.80× |" in section
    assert "| aiohttp | – | – | 500,000 | – |" in section
    assert "| Ir per tcp_echo operation | ≤ 45,000 | 40,000 | ✅ pass |" in md
    assert "| Ir per aiohttp operation | ≤ 430,000 | 500,000 | ❌ fail |" \
        in md
    assert "| Ir per cross_t2a operation | ≤ 40,000 | – | – no data |" in md
