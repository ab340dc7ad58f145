#!/usr/bin/env python3
"""Turn a benchmark run into docs/performance.md and docs/performance.svg.

    python bench/report.py RESULTS_DIR [--md docs/performance.md]
                                       [--svg docs/performance.svg]
                                       [--reps N] [--scale F] [--note TEXT]

RESULTS_DIR is what bench/run.py wrote: results.jsonl (one JSON line per
run), optionally versions.jsonl, callgrind.md (call_soon) and
callgrind-WORKLOAD.md (instructions per operation of the others), plus
sync.jsonl (the synchronous loop against stock asyncio, in runs of their
own).  The report gives the median rate per workload and backend, ratios
to stock asyncio, uvloop and trio-asyncio, and checks trioaio's loops
against the targets of the runtime issue (the synchronous loop has the same
targets against stock asyncio).
The bar chart is plain SVG written here, so no plotting library is needed.
"""
import argparse
import json
import os
import platform
import statistics
import sys
from xml.sax.saxutils import escape

BASELINE = "asyncio"
UVLOOP = "uvloop"
REFERENCE = "trio_asyncio"
OURS = "trioaio"
OURS_SYNC = "trioaio_sync"
BACKEND_ORDER = ["asyncio", "uvloop", "trio_asyncio", "trioaio", "trio"]
COLOURS = {"asyncio": "#7f7f7f", "uvloop": "#1f77b4",
           "trio_asyncio": "#ff7f0e", "trioaio": "#2ca02c", "trio": "#9467bd"}

# Targets from the runtime issue: (workload, minimum ratio, compared with).
TARGETS = [
    ("call_soon", 2.0, BASELINE),
    ("call_soon_fanout", 1.2, BASELINE),
    ("sleep0", 1.0, BASELINE),
    ("sleep0_1task", 1.0, BASELINE),
    ("timers", 1.0, BASELINE),
    ("future_pingpong", 1.0, BASELINE),
    ("tcp_echo", 1.0, BASELINE),
    ("tcp_bulk", 1.0, BASELINE),
    ("aiohttp", 1.0, BASELINE),
    ("cross_t2a", 5.0, REFERENCE),
    ("cross_a2t", 2.0, REFERENCE),
    # the I/O issue: ahead of uvloop on real traffic
    ("tcp_echo", 1.1, UVLOOP),
    ("tcp_bulk", 1.0, UVLOOP),
    ("aiohttp", 1.05, UVLOOP),
    ("aiohttp_wrk", 1.05, UVLOOP),
    ("unix_echo", 1.1, UVLOOP),
    ("udp_echo", 1.0, UVLOOP),
    ("tls_echo", 1.0, UVLOOP),
    ("streams_echo", 1.0, UVLOOP),
    ("asyncpg", 1.0, UVLOOP),
]
# Callgrind instructions per call_soon callback: at most this many.
IR_TARGET = 6000
# Instructions per operation of other workloads (callgrind-W.md): at most.
IR_OP_TARGETS = [("tcp_echo", 45_000), ("aiohttp", 430_000),
                 ("cross_t2a", 40_000)]
WHO = {BASELINE: "stock asyncio", UVLOOP: "uvloop",
       REFERENCE: "trio-asyncio"}


def load_results(path):
    """Read results.jsonl; skip blank, non-JSON and "skipped" lines."""
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            row = json.loads(line)
            if not row.get("skipped"):
                rows.append(row)
    return rows


def medians(rows):
    """{workload: {backend: median rate}}, and {workload: unit}.

    Workloads keep the order of their first appearance.
    """
    rates, units = {}, {}
    for row in rows:
        w, b = row["workload"], row["backend"]
        rates.setdefault(w, {}).setdefault(b, []).append(row["rate"])
        units.setdefault(w, row.get("unit", "ops/s"))
    return ({w: {b: statistics.median(v) for b, v in per.items()}
             for w, per in rates.items()}, units)


def load_callgrind(path):
    """{backend: instructions per callback} from callgrind.md (the last
    column of its table)."""
    result = {}
    if not os.path.exists(path):
        return result
    with open(path) as f:
        for line in f:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) == 4 and cells[3].lstrip("-").isdigit():
                result[cells[0]] = int(cells[3])
    return result


def load_op_callgrind(results_dir):
    """{workload: {backend: instructions per operation}} from the
    callgrind-WORKLOAD.md files of a run, in name order."""
    found = {}
    try:
        names = sorted(os.listdir(results_dir))
    except OSError:
        return found
    for name in names:
        if name.startswith("callgrind-") and name.endswith(".md"):
            per = load_callgrind(os.path.join(results_dir, name))
            if per:
                found[name[len("callgrind-"):-len(".md")]] = per
    return found


def load_versions(path):
    """Merge the "versions" dicts of versions.jsonl into one."""
    merged = {}
    if not os.path.exists(path):
        return merged
    for row in load_results(path):
        merged.update(row.get("versions") or {})
    return merged


def ratio(med, workload, backend, against):
    """med[workload][backend] / med[workload][against], or None."""
    per = med.get(workload, {})
    if backend in per and per.get(against):
        return per[backend] / per[against]
    return None


def evaluate_targets(med, callgrind, ours=OURS, op_callgrind=None):
    """One dict per target: workload, goal, against, ratio, passed (or None
    when the run has no figure for it).  For the synchronous loop
    (ours=OURS_SYNC) only the targets against stock asyncio apply.
    op_callgrind: load_op_callgrind()'s figures, for the instruction
    targets of single workloads."""
    out = []
    for workload, goal, against in TARGETS:
        if ours == OURS_SYNC and against != BASELINE:
            continue
        r = ratio(med, workload, ours, against)
        out.append({"workload": workload, "goal": goal, "against": against,
                    "ratio": r, "passed": None if r is None else r >= goal})
    if ours == OURS_SYNC:
        return out
    ir = callgrind.get(OURS)
    out.append({"workload": "Ir per call_soon callback", "goal": IR_TARGET,
                "against": "instructions", "ratio": ir,
                "passed": None if ir is None else ir <= IR_TARGET})
    for workload, goal in IR_OP_TARGETS:
        ir = (op_callgrind or {}).get(workload, {}).get(OURS)
        out.append({"workload": "Ir per %s operation" % workload,
                    "goal": goal, "against": "instructions", "ratio": ir,
                    "passed": None if ir is None else ir <= goal})
    return out


def fmt_rate(x):
    if x >= 1e6:
        return "%.2fM" % (x / 1e6)
    if x >= 1e3:
        return "%.1fk" % (x / 1e3)
    return "%.1f" % x


def fmt_ratio(r):
    return "–" if r is None else "%.2f×" % r


def mark(passed):
    return {True: "✅ pass", False: "❌ fail", None: "– no data"}[passed]


def machine_line(versions):
    """Machine and versions, for the record."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    parts = ["%s, %d cores" % (cpu, os.cpu_count() or 0),
             "%s %s" % (platform.system(), platform.release())]
    for name in ("python", "trio", "uvloop", "trio_asyncio", "trioaio",
                 "aiohttp"):
        if name in versions:
            parts.append("%s %s" % (name, versions[name]))
    return "; ".join(parts)


def backends_in(med):
    seen = {b for per in med.values() for b in per}
    return [b for b in BACKEND_ORDER if b in seen] + sorted(
        seen - set(BACKEND_ORDER))


def render_markdown(med, units, callgrind, versions, reps=None,
                    sync_med=None, scale=None, note=None, op_callgrind=None):
    """The whole docs/performance.md as a string."""
    backends = backends_in(med)
    sized = "" if scale in (None, 1.0) else (
        " Workload sizes were scaled by %g." % scale)
    lines = ["# Performance", "",
             "Generated by `make bench` (`bench/report.py`) from the "
             "workloads of `bench/workloads.py`, run by `bench/run.py`: "
             "medians of %s alternating runs per backend, all measured in "
             "one session.%s" % (reps or "several", sized), ""]
    if note:
        lines += ["**Note: %s**" % note, ""]
    lines += ["Machine: " + machine_line(versions), "",
             "## Rates (median) and ratios", "",
             "Ratios in brackets are to stock asyncio; the last three "
             "columns compare trioaio with stock asyncio, uvloop and "
             "trio-asyncio 0.16.",
             ""]
    head = ["workload", "unit"] + backends + [
        "trioaio / asyncio", "trioaio / uvloop", "trioaio / trio-asyncio"]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "---|" * len(head))
    for w, per in med.items():
        cells = [w, units[w]]
        for b in backends:
            if b not in per:
                cells.append("–")
                continue
            r = ratio(med, w, b, BASELINE)
            cells.append(fmt_rate(per[b]) + (
                "" if r is None or b == BASELINE else " (%.2f×)" % r))
        cells.append(fmt_ratio(ratio(med, w, OURS, BASELINE)))
        cells.append(fmt_ratio(ratio(med, w, OURS, UVLOOP)))
        cells.append(fmt_ratio(ratio(med, w, OURS, REFERENCE)))
        lines.append("| " + " | ".join(cells) + " |")
    if callgrind:
        lines += ["", "## Instructions per `call_soon` callback (callgrind)",
                  "", "The difference between two runs of the `call_soon` "
                  "chain of different sizes, divided by the difference in "
                  "callbacks, so start-up cancels out; objects alive before "
                  "the run are frozen out of the garbage collector "
                  "(`gc.freeze()`), so the count does not jump with one "
                  "full collection more or less, and trioaio's 1 ms time "
                  "budget is scaled by valgrind's slowdown (50×), so that "
                  "a burst runs as many callbacks between two Trio rounds "
                  "as it does natively.", "",
                  "| backend | instructions |", "|---|---|"]
        for b, ir in callgrind.items():
            lines.append("| %s | %s |" % (b, format(ir, ",")))
    if op_callgrind:
        lines += render_op_callgrind(op_callgrind)
    lines += ["", "## Targets (runtime issue)", "",
              "| workload | target | trioaio | result |", "|---|---|---|---|"]
    for t in evaluate_targets(med, callgrind, op_callgrind=op_callgrind):
        if t["against"] == "instructions":
            goal = "≤ %s" % format(t["goal"], ",")
            got = "–" if t["ratio"] is None else format(t["ratio"], ",")
        else:
            goal = "≥ %s× %s" % (fmt_goal(t["goal"]), WHO[t["against"]])
            got = fmt_ratio(t["ratio"])
        lines.append("| %s | %s | %s | %s |" % (
            t["workload"], goal, got, mark(t["passed"])))
    lines += ["", "![ratio to stock asyncio](performance.svg)", ""]
    if sync_med:
        lines += render_sync_section(sync_med, units, reps)
    return "\n".join(lines)


#: Sections after this line in docs/performance.md are written by hand
#: (measurements this harness does not make) and survive regeneration.
KEPT_MARKER = "<!-- hand-written sections below: kept by bench/report.py -->"


def fmt_goal(goal):
    """1.0 -> "1.0", 1.05 -> "1.05"."""
    text = "%.2f" % goal
    return text[:-1] if text.endswith("0") else text


def render_op_callgrind(op_callgrind):
    """The instructions-per-operation table (lower is better)."""
    backends = [b for b in BACKEND_ORDER
                if any(b in per for per in op_callgrind.values())]
    lines = ["", "## Instructions per operation (callgrind)", "",
             "`bench/run.py callgrind --workload W`: (Ir(2N) − Ir(N)) / N "
             "for each workload, measured the same way as the `call_soon` "
             "figure above (lower is better).", "",
             "| workload | " + " | ".join(backends)
             + " | trioaio / uvloop |",
             "|" + "---|" * (len(backends) + 2)]
    for w, per in op_callgrind.items():
        cells = [format(per[b], ",") if b in per else "–" for b in backends]
        r = (per[OURS] / per[UVLOOP] if per.get(OURS) and per.get(UVLOOP)
             else None)
        lines.append("| %s | %s | %s |" % (w, " | ".join(cells),
                                           fmt_ratio(r)))
    return lines


def kept_sections(path):
    """The hand-written tail of the report at *path* (from KEPT_MARKER on),
    or an empty string."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return ""
    at = text.find(KEPT_MARKER)
    return "" if at < 0 else "\n" + text[at:]


def render_sync_section(med, units, reps=None):
    """The synchronous loop (compatibility mode) against stock asyncio."""
    lines = ["## The synchronous loop (compatibility mode)", "",
             "`asyncio.new_event_loop()` + `run_until_complete()` after "
             "`import trioaio` (a `SyncTrioEventLoop`), against stock asyncio "
             "without trioaio, by `bench/run.py`: each run its own "
             "process, the two alternating, medians of %s runs each."
             % (reps or "several"), "",
             "| workload | unit | asyncio | trioaio sync loop | ratio | "
             "target | result |", "|---|---|---|---|---|---|---|"]
    for t in evaluate_targets(med, {}, OURS_SYNC):
        per = med.get(t["workload"], {})
        cells = [t["workload"], units.get(t["workload"], "ops/s")]
        for b in (BASELINE, OURS_SYNC):
            cells.append(fmt_rate(per[b]) if b in per else "–")
        cells += [fmt_ratio(t["ratio"]), "≥ %.1f×" % t["goal"],
                  mark(t["passed"])]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    return lines


def render_svg(med, width=760):
    """A horizontal grouped bar chart of each backend's rate relative to
    stock asyncio (cross_a2t, which stock asyncio lacks, relative to
    trio-asyncio), with a line at 1×."""
    backends = [b for b in backends_in(med) if b != "trio"]
    bar_h, gap, left, right, top = 12, 10, 200, 60, 40
    rows = []
    for w, per in med.items():
        against = BASELINE if per.get(BASELINE) else REFERENCE
        bars = [(b, ratio(med, w, b, against)) for b in backends]
        bars = [(b, r) for b, r in bars if r is not None]
        if bars:
            rows.append((w, against, bars))
    peak = max([r for _, _, bars in rows for _, r in bars] + [1.0])
    scale = (width - left - right) / peak
    height = top + sum(len(b) * bar_h + gap for _, _, b in rows) + 40
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="11">' % (width, height),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="18" font-size="14">Throughput relative to stock '
           'asyncio (higher is better)</text>' % left]
    x = left + 0
    for i, b in enumerate(backends):  # legend
        out.append('<rect x="%d" y="26" width="10" height="10" fill="%s"/>'
                   '<text x="%d" y="35">%s</text>' % (
                       x, COLOURS.get(b, "#333"), x + 14, escape(b)))
        x += 20 + 7 * len(b)
    y = top
    for w, against, bars in rows:
        label = w if against == BASELINE else w + " (vs trio-asyncio)"
        mid = y + len(bars) * bar_h / 2 + 4
        out.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>' % (
            left - 6, mid, escape(label)))
        for b, r in bars:
            out.append('<rect x="%d" y="%d" width="%.1f" height="%d" '
                       'fill="%s"><title>%s %s: %.2fx</title></rect>' % (
                           left, y, r * scale, bar_h - 2,
                           COLOURS.get(b, "#333"), escape(w), escape(b), r))
            out.append('<text x="%.1f" y="%d">%.2f×</text>' % (
                left + r * scale + 3, y + bar_h - 3, r))
            y += bar_h
        y += gap
    one = left + scale
    out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="black" '
               'stroke-dasharray="4,3"/>' % (one, top - 4, one, y))
    out.append('<text x="%.1f" y="%d" text-anchor="middle">1×</text>' % (
        one, y + 14))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("results_dir")
    p.add_argument("--md", help="write the Markdown report here "
                   "(default: print it)")
    p.add_argument("--svg", help="write the SVG chart here")
    p.add_argument("--reps", type=int, help="repetitions, for the text")
    p.add_argument("--scale", type=float, help="size factor, for the text")
    p.add_argument("--note", help="a line for the top of the report")
    args = p.parse_args(argv)
    rows = load_results(os.path.join(args.results_dir, "results.jsonl"))
    if not rows:
        print("no results in %s" % args.results_dir, file=sys.stderr)
        return 1
    med, units = medians(rows)
    callgrind = load_callgrind(os.path.join(args.results_dir, "callgrind.md"))
    op_callgrind = load_op_callgrind(args.results_dir)
    versions = load_versions(os.path.join(args.results_dir, "versions.jsonl"))
    sync_path = os.path.join(args.results_dir, "sync.jsonl")
    sync_med = None
    if os.path.exists(sync_path):
        sync_med, sync_units = medians(load_results(sync_path))
        units = dict(sync_units, **units)
    md = render_markdown(med, units, callgrind, versions, args.reps,
                         sync_med, args.scale, args.note, op_callgrind)
    if args.md:
        md += kept_sections(args.md)
        with open(args.md, "w") as f:
            f.write(md)
    else:
        print(md)
    if args.svg:
        with open(args.svg, "w") as f:
            f.write(render_svg(med))
    return 0


if __name__ == "__main__":
    sys.exit(main())
