#!/usr/bin/env python3
"""Run the loop benchmarks (bench/workloads.py) on several backends.

    python bench/run.py one --backend trioaio --workload call_soon [--n N]
    python bench/run.py all --out DIR [--reps 5] [--scale 1.0]
                            [--backends "asyncio uvloop trio_asyncio trioaio"]
                            [--workloads "call_soon ..."] [--no-sync]
    python bench/run.py callgrind --out DIR [--backends "..."]
    python bench/run.py list

`one` runs one workload in this process and prints one JSON line.  `all`
runs every (workload, backend) in a process of its own, REPS times,
alternating the backends inside each repetition and rotating their order
from one repetition to the next, so that a slow moment of the machine hits
them all alike; it writes DIR/results.jsonl and DIR/versions.jsonl, and the
synchronous-loop comparison (stock asyncio against trioaio's loop in
compatibility mode) to DIR/sync.jsonl.  `callgrind` counts instructions
per call_soon callback: the difference between two runs of different sizes,
so start-up cancels out (DIR/callgrind.md).  bench/report.py turns DIR
into docs/performance.md.

Backends: asyncio (stock, trioaio never imported), uvloop, trio_asyncio
(0.16) and trioaio (a Trio program with ``open_loop()``), trioaio_sync
(``asyncio.new_event_loop()`` after ``import trioaio``).  A backend whose
package is missing is skipped with a note.
"""
import argparse
import asyncio
import contextlib
import gc
import importlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from functools import partial

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import services  # noqa: E402
from workloads import WORKLOADS  # noqa: E402

BACKENDS = ["asyncio", "uvloop", "trio_asyncio", "trioaio"]
SYNC_BACKENDS = ["asyncio", "trioaio_sync"]
# The synchronous loop has no bridge: the workloads asyncio itself can run.
SYNC_WORKLOADS = [w for w, wl in WORKLOADS.items() if wl.body is not None
                  and wl.bridge is None]
# glibc malloc pinned: asyncio's selector transport allocates 256 KiB per
# recv(), and depending on allocation history glibc serves it from the heap
# or with mmap/munmap, which makes the TCP figures of every asyncio-transport
# backend bimodal between processes.
MALLOC_PIN = ("glibc.malloc.mmap_threshold=1048576:"
              "glibc.malloc.trim_threshold=16777216")


class Skip(Exception):
    """This backend cannot run this workload (or is not installed)."""


def _run_asyncio(factory, wl, n):
    if wl.body is None:
        raise Skip("%s has no asyncio form" % wl.name)
    loop = factory()
    try:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(wl.body(n))
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        asyncio.set_event_loop(None)
        loop.close()


#: Trio instruments for the bridges' runs (--count-rounds).
INSTRUMENTS = []
#: trioaio's loop yields to Trio after this long running callbacks (its
#: default budget); --slowdown multiplies it.
TRIOAIO_BUDGET = 0.001
#: How much slower than native this process runs (--slowdown): under
#: valgrind about 50 times.  Only trioaio's time budget is scaled by it, so
#: that a burst runs as many callbacks as it would natively.
SLOWDOWN = [1.0]


def _round_counter():
    """Counts Trio's scheduler rounds (one I/O wait each) and task steps."""
    import trio

    class Rounds(trio.abc.Instrument):
        rounds = steps = 0

        def before_io_wait(self, timeout):
            self.rounds += 1

        def before_task_step(self, task):
            self.steps += 1
    return Rounds()


def _run_bridge(modname, wl, n):
    mod = _import(modname)
    import trio

    async def main():
        async with mod.open_loop() as loop:
            if SLOWDOWN[0] != 1.0 and hasattr(loop, "_core_set_budget"):
                loop._core_set_budget(TRIOAIO_BUDGET * SLOWDOWN[0])
            if wl.bridge is not None:
                return await wl.bridge(mod, n)
            return await mod.aio_as_trio(wl.body)(n)
    return trio.run(main, instruments=INSTRUMENTS)


def _import(name):
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise Skip("%s is not installed (%s)" % (name, exc)) from None


def _uvloop_factory():
    return _import("uvloop").new_event_loop()


def _sync_factory():
    _import("trioaio")  # from here on, asyncio's loops are trioaio's
    return asyncio.new_event_loop()


RUNNERS = {
    "asyncio": partial(_run_asyncio, asyncio.new_event_loop),
    "uvloop": partial(_run_asyncio, _uvloop_factory),
    "trio_asyncio": partial(_run_bridge, "trio_asyncio"),
    "trioaio": partial(_run_bridge, "trioaio"),
    "trioaio_sync": partial(_run_asyncio, _sync_factory),
}


def versions():
    """Versions of what this process imported, for the record."""
    found = {"python": sys.version.split()[0]}
    for name in ("trio", "uvloop", "trio_asyncio", "trioaio", "aiohttp"):
        mod = sys.modules.get(name)
        if mod is not None:
            found[name] = getattr(mod, "__version__", "?")
    return found


def run_one(backend, workload, n=None, with_versions=False,
            freeze_gc=False, count_rounds=False):
    """One run in this process: the JSON-able result row.  freeze_gc moves
    everything alive before the run out of the collector's reach, so that
    what a full collection costs does not depend on what was imported (for
    instruction counts, which must not jump by one collection more or
    less)."""
    wl = WORKLOADS[workload]
    n = wl.n if n is None else n
    why = wl.missing()
    if why:
        return {"backend": backend, "workload": workload, "skipped": True,
                "why": why}
    gc.collect()
    if freeze_gc:
        gc.freeze()
    counter = None
    if count_rounds:
        counter = _round_counter()
        INSTRUMENTS.append(counter)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    try:
        ops, seconds = RUNNERS[backend](wl, n)
    except Skip as why:
        return {"backend": backend, "workload": workload, "skipped": True,
                "why": str(why)}
    row = {"backend": backend, "workload": workload, "n": ops,
           "unit": wl.unit, "seconds": round(seconds, 6),
           "rate": round(ops / seconds, 2),
           # page faults during the run: a jump is allocator noise
           "minflt": resource.getrusage(resource.RUSAGE_SELF).ru_minflt
           - faults}
    if counter is not None:  # the whole run, start-up included: use a big n
        row["trio_rounds_per_op"] = round(counter.rounds / ops, 3)
        row["trio_steps_per_op"] = round(counter.steps / ops, 3)
    if with_versions:
        row["versions"] = versions()
    return row


def _env():
    env = dict(os.environ, PYTHONHASHSEED="0")
    env.setdefault("GLIBC_TUNABLES", MALLOC_PIN)
    return env


def _subprocess_row(backend, workload, n=None, with_versions=False,
                    prefix=(), timeout=600, freeze_gc=False, slowdown=None):
    """run_one() in a fresh process; the row, or None if it failed."""
    argv = list(prefix) + [sys.executable, os.path.abspath(__file__), "one",
                           "--backend", backend, "--workload", workload]
    if n is not None:
        argv += ["--n", str(n)]
    if with_versions:
        argv.append("--versions")
    if freeze_gc:
        argv.append("--freeze-gc")
    if slowdown is not None:
        argv += ["--slowdown", str(slowdown)]
    done = subprocess.run(argv, env=_env(), capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode != 0:
        print("FAILED: %s %s\n%s" % (backend, workload, done.stderr[-2000:]),
              file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def sizes(scale, names):
    """Workload sizes scaled down (or up) from their defaults, at least 1."""
    return {w: max(1, int(WORKLOADS[w].n * scale)) for w in names}


def alternate(reps, workloads, backends, out_path, n_of, log):
    """Every workload on every backend, REPS times, the backends rotated
    one place per repetition; rows appended to out_path."""
    with open(out_path, "a") as out:
        for rep in range(reps):
            log("== rep %d/%d (%s)" % (rep + 1, reps,
                                       os.path.basename(out_path)))
            for w in workloads:
                for i in range(len(backends)):
                    b = backends[(i + rep) % len(backends)]
                    row = _subprocess_row(b, w, n_of[w])
                    if row is None:
                        continue
                    if row.get("skipped"):
                        if rep == 0:
                            log("skipped: %s %s: %s" % (b, w, row["why"]))
                        continue
                    out.write(json.dumps(row) + "\n")
                    out.flush()
                    log("%-13s %-17s %12.1f %s" % (b, w, row["rate"],
                                                   row["unit"]))


def cmd_all(args, log):
    os.makedirs(args.out, exist_ok=True)
    backends = args.backends.split()
    workloads = args.workloads.split()
    unknown = [w for w in workloads if w not in WORKLOADS]
    if unknown:
        sys.exit("unknown workloads %s; known: %s" % (
            " ".join(unknown), " ".join(WORKLOADS)))
    with open(os.path.join(args.out, "versions.jsonl"), "w") as f:
        for b in backends + (["trioaio_sync"] if not args.no_sync else []):
            row = _subprocess_row(b, "call_soon", 1000, with_versions=True)
            if row and not row.get("skipped"):
                f.write(json.dumps(row) + "\n")
    n_of = sizes(args.scale, WORKLOADS)
    results = os.path.join(args.out, "results.jsonl")
    open(results, "w").close()
    with shared_services(workloads, log):
        alternate(args.reps, workloads, backends, results, n_of, log)
        if not args.no_sync:
            sync = os.path.join(args.out, "sync.jsonl")
            open(sync, "w").close()
            alternate(args.reps,
                      [w for w in workloads if w in SYNC_WORKLOADS],
                      SYNC_BACKENDS, sync, n_of, log)
    for line in summary(results):
        log(line)
    log("results in %s" % args.out)


@contextlib.contextmanager
def shared_services(workloads, log):
    """One PostgreSQL server for every run of the asyncpg workload (each
    run's process finds it in services.PG_ENV), when it can run here."""
    if "asyncpg" not in workloads or WORKLOADS["asyncpg"].missing():
        yield
        return
    log("starting a throwaway PostgreSQL for the asyncpg workload")
    with services.postgres():
        yield


def summary(results_path):
    """Lines of a table: each workload's median rate per backend, and
    trioaio's ratio to stock asyncio and to uvloop."""
    import report
    rows = report.load_results(results_path)
    if not rows:
        return ["no results"]
    med, units = report.medians(rows)
    backends = report.backends_in(med)
    lines = ["", "medians (%s):" % " ".join(backends)]
    lines.append("%-17s %-6s " % ("workload", "unit") + " ".join(
        "%12s" % b for b in backends) + "   /asyncio   /uvloop")
    for w, per in med.items():
        cells = ["%12s" % (report.fmt_rate(per[b]) if b in per else "-")
                 for b in backends]
        ratios = [report.ratio(med, w, "trioaio", against)
                  for against in ("asyncio", "uvloop")]
        lines.append("%-17s %-6s " % (w, units[w]) + " ".join(cells) + "".join(
            "%11s" % ("-" if r is None else "%.2fx" % r) for r in ratios))
    return lines


# Roughly how much slower callgrind runs Python than the CPU does.
VALGRIND_SLOWDOWN = 50


def instructions(backend, n, workdir, workload="call_soon"):
    """Instructions (callgrind's Ir) of a whole run of *workload*, size n."""
    path = os.path.join(workdir, "cg.%s.%s.%d.out" % (backend, workload, n))
    row = _subprocess_row(
        backend, workload, n, timeout=1800, freeze_gc=True,
        slowdown=VALGRIND_SLOWDOWN,
        prefix=["valgrind", "--tool=callgrind",
                "--callgrind-out-file=" + path])
    if row is None or row.get("skipped"):
        return None
    with open(path) as f:
        for line in f:
            if line.startswith("summary:"):
                return int(line.split()[1])
    return None


def cmd_callgrind(args, log):
    if shutil.which("valgrind") is None:
        sys.exit("callgrind needs valgrind (Debian package valgrind)")
    os.makedirs(args.out, exist_ok=True)
    n1, n2 = args.n1, args.n2
    workload = args.workload
    if workload not in WORKLOADS:
        sys.exit("unknown workload %s; known: %s" % (
            workload, " ".join(WORKLOADS)))
    if not WORKLOADS[workload].countable:
        sys.exit("%s runs for a time, not a count of operations: it has no "
                 "instructions per operation" % workload)
    why = WORKLOADS[workload].missing()
    if why:
        log("callgrind: %s skipped: %s" % (workload, why))
        return
    if workload != "call_soon" and (n1, n2) == (20_000, 120_000):
        # Sizes for the slower workloads: (Ir(2N) - Ir(N)) / N.
        n2 = WORKLOADS[workload].n // 4 or 2
        n1 = n2 // 2
    lines = ["| backend | Ir total N=%d | Ir total N=%d | Ir per op |"
             % (n1, n2), "|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as workdir, \
            shared_services([workload], log):
        for b in args.backends.split():
            i1 = instructions(b, n1, workdir, workload)
            i2 = instructions(b, n2, workdir, workload)
            if i1 is None or i2 is None:
                log("callgrind: no figure for %s" % b)
                continue
            lines.append("| %s | %d | %d | %d |" % (
                b, i1, i2, round((i2 - i1) / (n2 - n1))))
            log(lines[-1])
    name = ("callgrind.md" if workload == "call_soon"
            else "callgrind-%s.md" % workload)
    with open(os.path.join(args.out, name), "w") as f:
        f.write("\n".join(lines) + "\n")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    one = sub.add_parser("one", help="one run in this process")
    one.add_argument("--backend", required=True, choices=sorted(RUNNERS))
    one.add_argument("--workload", required=True, choices=list(WORKLOADS))
    one.add_argument("--n", type=int)
    one.add_argument("--versions", action="store_true")
    one.add_argument("--freeze-gc", action="store_true")
    one.add_argument("--slowdown", type=float, default=1.0,
                     help="this run is that many times slower than native "
                     "(valgrind: ~50); scales trioaio's time budget")
    one.add_argument("--count-rounds", action="store_true",
                     help="bridges: Trio scheduler rounds and steps per op")
    every = sub.add_parser("all", help="all runs, alternating backends")
    every.add_argument("--out", required=True)
    every.add_argument("--reps", type=int, default=5)
    every.add_argument("--scale", type=float, default=1.0,
                       help="multiply every workload's size (0.1: quick)")
    every.add_argument("--backends", default=" ".join(BACKENDS))
    every.add_argument("--workloads", default=" ".join(WORKLOADS))
    every.add_argument("--no-sync", action="store_true",
                       help="leave out the synchronous-loop comparison")
    cg = sub.add_parser("callgrind", help="instructions per operation")
    cg.add_argument("--out", required=True)
    cg.add_argument("--workload", default="call_soon",
                    help="the workload to count (default: call_soon)")
    cg.add_argument("--backends", default="asyncio uvloop trioaio")
    cg.add_argument("--n1", type=int, default=20_000)
    cg.add_argument("--n2", type=int, default=120_000)
    sub.add_parser("list", help="the workloads")
    args = p.parse_args(argv)

    def log(text):
        print(text, file=sys.stderr, flush=True)

    if args.cmd == "one":
        SLOWDOWN[0] = args.slowdown
        print(json.dumps(run_one(args.backend, args.workload, args.n,
                                 args.versions, args.freeze_gc,
                                 args.count_rounds)), flush=True)
    elif args.cmd == "all":
        cmd_all(args, log)
    elif args.cmd == "callgrind":
        cmd_callgrind(args, log)
    else:
        for wl in WORKLOADS.values():
            print("%-17s %8d %-6s %s" % (wl.name, wl.n, wl.unit, wl.doc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
