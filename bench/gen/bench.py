#!/usr/bin/env python3
"""Benchmark trioaio-gen check (make bench-gen).

In one run, on the same tree (by default the machine's CPython standard
library), measure:

* the floor: `trioaio-gen parse` walks, reads and parses every file with the
  same threads and builds nothing;
* `trioaio-gen check --no-cache`: the full tool, cold;
* ruff (PyPI) `check --select ASYNC`, the linter users already run, on the
  same tree with its own threads: cold (`--no-cache`) and warm (its cache
  filled by an earlier run on the unchanged tree), next to trioaio-gen's
  cold (`--no-cache`) and warm (its cache of per-file facts filled by an
  earlier run, in a temporary directory) times, with the ratios;
* flake8-async (PyPI), the closest existing tool, run through its own
  command line (so that flake8's other plugins do not add to its time) on
  the same files, split over as many processes as there are cores.

The trioaio-gen and ruff commands run interleaved for --repeat rounds; wall
time is the best round, CPU time (user + system) the median, which is the
steadier figure on a shared machine.  flake8-async runs once (it is slow).
Peak memory is the child's ru_maxrss.  The load average before and after
is recorded: above the number of cores, wall times are not comparable
and the output says so.  The table is printed
and written (with the machine and versions) to --out; a section of --out
between the seeded-corpus markers (bench/gen/seeded.py --write-doc) is kept.
"""

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import tempfile
import time
import warnings

SEEDED_BEGIN = "<!-- seeded-corpus:begin"
SEEDED_END = "<!-- seeded-corpus:end -->"


def run(cmd):
    """Run cmd; return (wall seconds, peak RSS in MiB, stdout, exit code,
    CPU seconds)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return (wall, usage.ru_maxrss / 1024.0, out.decode(errors="replace"),
            proc.returncode, usage.ru_utime + usage.ru_stime)


def interleaved(cmds, repeat):
    """Run each command of cmds once per round, `repeat` rounds, so that
    load from other processes on a shared machine hits all of them alike.
    Returns per command (best wall, median CPU seconds, peak RSS, last
    result)."""
    results = [[] for _ in cmds]
    for _ in range(repeat):
        for i, cmd in enumerate(cmds):
            results[i].append(run(cmd))
    return [(min(r[0] for r in rs),
             statistics.median(r[4] for r in rs),
             max(r[1] for r in rs), rs[-1]) for rs in results]


def compiles(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with open(path, "rb") as f:
                compile(f.read(), path, "exec", dont_inherit=True)
            return True
        except (SyntaxError, ValueError):
            return False


def run_parallel(prog, files, jobs):
    """Run prog on files split into `jobs` concurrent processes of about
    equal bytes (prog has no --jobs of its own); return (wall seconds of the
    slowest, peak RSS in MiB of the largest)."""
    chunks = [[] for _ in range(jobs)]
    sizes = [0] * jobs
    for path in sorted(files, key=os.path.getsize, reverse=True):
        i = sizes.index(min(sizes))
        chunks[i].append(path)
        sizes[i] += os.path.getsize(path)
    t0 = time.perf_counter()
    procs = [subprocess.Popen([prog, *c], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
             for c in chunks if c]
    rss = 0.0
    for proc in procs:
        _, _, usage = os.wait4(proc.pid, 0)
        rss = max(rss, usage.ru_maxrss / 1024.0)
    return time.perf_counter() - t0, rss


def find_ruff(explicit):
    """The ruff executable itself (not `python -m ruff`, which would add an
    interpreter start to its time), or None."""
    if explicit:
        return explicit
    try:
        from ruff.__main__ import find_ruff_bin

        return find_ruff_bin()
    except (ImportError, FileNotFoundError):
        return shutil.which("ruff")


def tool_version(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True,
                              timeout=60).stdout.strip()
    except OSError:
        return "?"


def kept_section(path):
    """The seeded-corpus section of an existing --out file, or ""."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return ""
    start = text.find(SEEDED_BEGIN)
    end = text.find(SEEDED_END)
    if start < 0 or end < start:
        return ""
    return text[start:end + len(SEEDED_END)] + "\n"


def load_average():
    try:
        return os.getloadavg()[0]
    except OSError:
        return 0.0


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", default="build/gen/trioaio-gen")
    ap.add_argument("--tree", required=True)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--out", default=None)
    ap.add_argument("--no-flake8", action="store_true")
    ap.add_argument("--ruff", default=None,
                    help="ruff executable (default: the installed one)")
    args = ap.parse_args()
    jobs = os.cpu_count() or 1
    load_before = load_average()

    # Warm the page cache so the first timed run is not an I/O benchmark.
    run([args.binary, "parse", "-q", args.tree])
    nfiles = int(run([args.binary, "parse", args.tree])[2].split()[0])
    nbytes = 0
    files = []
    for dirpath, dirnames, filenames in os.walk(args.tree):
        dirnames[:] = [d for d in dirnames
                       if not d.startswith(".") and d not in (
                           "__pycache__", "site-packages", "build", "dist",
                           "venv", "node_modules", "_build", "buck-out",
                           "__pypackages__")]
        for fn in filenames:
            if fn.endswith((".py", ".pyi")):
                path = os.path.join(dirpath, fn)
                try:
                    nbytes += os.path.getsize(path)
                    files.append(path)
                except OSError:
                    pass

    usage = subprocess.run([args.binary, "--help"], capture_output=True,
                           text=True)
    has_cache = "--no-cache" in usage.stdout + usage.stderr
    nocache = ["--no-cache"] if has_cache else []
    (parse_s, parse_cpu, parse_rss, _), (check_s, check_cpu, check_rss,
                                         last), (one_s, one_cpu, _, _) = \
        interleaved([[args.binary, "parse", "-q", args.tree],
                     [args.binary, "check", *nocache, "--exit-zero",
                      args.tree],
                     [args.binary, "check", *nocache, "-j", "1",
                      "--exit-zero", args.tree]], args.repeat)
    findings = len(last[2].splitlines())

    # ruff and trioaio-gen, cold and warm, interleaved in the same rounds.
    ruff = find_ruff(args.ruff)
    ruff_rows = None
    if ruff:
        ruff_version = tool_version([ruff, "--version"])
        with tempfile.TemporaryDirectory(prefix="bench-ruff-") as cache, \
                tempfile.TemporaryDirectory(prefix="bench-gen-") as gcache:
            base = [ruff, "check", "--select", "ASYNC", "--exit-zero",
                    "--quiet", "--no-fix"]
            ruff_files = len(subprocess.run(
                [*base, "--no-cache", "--show-files", args.tree],
                capture_output=True, text=True).stdout.splitlines())
            run([*base, "--cache-dir", cache, args.tree])  # fill the cache
            gen_cold = [args.binary, "check", *nocache, "--exit-zero",
                        args.tree]
            gen_warm = [args.binary, "check", "--exit-zero", args.tree]
            if has_cache:
                gen_warm[2:2] = ["--cache-dir", gcache]
            run(gen_warm)  # fill trioaio-gen's cache
            (gcold, gcold_cpu, _, _), (gwarm, gwarm_cpu, _, gwarm_last), \
                (rcold, rcold_cpu, _, _), (rwarm, rwarm_cpu, _, _) = \
                interleaved([
                    gen_cold, gen_warm,
                    [*base, "--no-cache", args.tree],
                    [*base, "--cache-dir", cache, args.tree]], args.repeat)
            if gwarm_last[2] != last[2]:
                raise SystemExit("bench-gen: the warm run's findings differ "
                                 "from the cold run's")
        ruff_rows = (ruff_version, ruff_files, gcold, gcold_cpu, gwarm,
                     gwarm_cpu, rcold, rcold_cpu, rwarm, rwarm_cpu)

    load_after = load_average()
    loaded = max(load_before, load_after) > jobs
    f8_s = f8_rss = None
    f8_skipped = 0
    f8_version = "not installed"
    if not args.no_flake8 and shutil.which("flake8-async"):
        from importlib.metadata import version

        f8_version = version("flake8-async")
        # flake8-async's own command line stops at the first file it cannot
        # parse, so it gets the files CPython compiles (the others are
        # deliberately broken test data, or Python 2).
        f8_files = [f for f in files if compiles(f)]
        f8_skipped = len(files) - len(f8_files)
        f8_s, f8_rss = run_parallel("flake8-async", f8_files, jobs)

    rows = [
        ("tree-sitter parse only (floor)", parse_s, parse_cpu, parse_rss),
        (f"trioaio-gen check ({jobs} threads)", check_s, check_cpu,
         check_rss),
        ("trioaio-gen check (1 thread)", one_s, one_cpu, None),
    ]
    if f8_s is not None:
        rows.append((f"flake8-async {f8_version} ({jobs} processes)", f8_s,
                     None, f8_rss))
    lines = [
        "| tool | wall time (s) | files/s | vs parse floor | CPU time (s) "
        "| CPU vs floor | peak RSS (MiB) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, secs, cpu, rss in rows:
        lines.append(
            f"| {name} | {secs:.2f} | {nfiles / secs:.0f} | "
            f"{secs / parse_s:.2f}x | "
            f"{'' if cpu is None else f'{cpu:.2f}'} | "
            f"{'' if cpu is None else f'{cpu / parse_cpu:.2f}x'} | "
            f"{'' if rss is None else f'{rss:.0f}'} |")
    verdict = [
        f"* files: {nfiles} ({nbytes / 1e6:.1f} MB) under `{args.tree}`",
        f"* check: {nfiles / check_s:.0f} files/s (target >= 600), "
        f"{check_s / parse_s:.2f}x the parse floor in wall time and "
        f"{check_cpu / parse_cpu:.2f}x in CPU time (target <= 1.5x), "
        f"peak RSS {check_rss:.0f} MiB (target < 100)",
        f"* findings on this tree: {findings}",
    ]
    if f8_s is not None:
        verdict.append(f"* flake8-async / trioaio-gen: "
                       f"{f8_s / check_s:.1f}x (target >= 10x); "
                       f"flake8-async was given the {len(files) - f8_skipped}"
                       f" files CPython compiles ({f8_skipped} skipped: "
                       f"its command line stops at the first file it "
                       f"cannot parse)")
    ruff_lines = []
    if ruff_rows:
        (ruff_version, ruff_files, gcold, gcold_cpu, gwarm, gwarm_cpu,
         rcold, rcold_cpu, rwarm, rwarm_cpu) = ruff_rows
        ruff_lines = [
            "",
            f"Side by side with `{ruff_version}` (`ruff check --select "
            f"ASYNC`), in the same interleaved rounds. trioaio-gen's warm "
            f"run is a second run on the unchanged tree; ruff's cold run "
            f"has `--no-cache`, its warm run a cache filled before.",
            "",
            "| run | trioaio-gen (s) | ruff (s) | trioaio-gen / ruff, wall "
            "| trioaio-gen CPU (s) | ruff CPU (s) | trioaio-gen / ruff, CPU "
            "| trioaio-gen files/s |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
            f"| cold | {gcold:.3f} | {rcold:.3f} | {gcold / rcold:.2f}x | "
            f"{gcold_cpu:.3f} | {rcold_cpu:.3f} | "
            f"{gcold_cpu / rcold_cpu:.2f}x | {nfiles / gcold:.0f} |",
            f"| warm | {gwarm:.3f} | {rwarm:.3f} | {gwarm / rwarm:.2f}x | "
            f"{gwarm_cpu:.3f} | {rwarm_cpu:.3f} | "
            f"{gwarm_cpu / max(rwarm_cpu, 1e-3):.2f}x | "
            f"{nfiles / gwarm:.0f} |",
            "",
            f"* ruff checked {ruff_files} files, trioaio-gen {nfiles} "
            f"(goals, issue 8: cold no slower than ruff, warm under 0.1 s: "
            f"warm {gwarm:.3f} s wall, {gwarm_cpu:.3f} s CPU"
            f"{'; the machine was loaded, so the wall time is an upper bound' if loaded else ''})",
        ]
    meta = [
        f"* machine: {cpu_model()}, {jobs} cores, "
        f"{platform.system()} {platform.release()}",
        f"* load average {load_before:.1f} before, {load_after:.1f} after"
        f"{' (above the core count: measured on a loaded machine, wall times are not comparable; the CPU columns are)' if loaded else ''}",
        f"* Python {platform.python_version()}; {args.repeat} interleaved "
        f"rounds: best wall time, median CPU time (flake8-async: 1 run); "
        f"page cache warm; the machine is shared, so wall times are noisy "
        f"and the CPU column is the steadier comparison",
    ]
    table = "\n".join(lines)
    print(table)
    print("\n".join(verdict))
    if ruff_lines:
        print("\n".join(ruff_lines))
    if args.out:
        kept = kept_section(args.out)
        with open(args.out, "w") as f:
            f.write("# trioaio-gen performance\n\n"
                    "Generated by `make bench-gen` (bench/gen/bench.py); "
                    "do not edit by hand.\n\n"
                    "Checking the CPython standard library of the machine "
                    "that ran it, compared in the same run with the bare "
                    "tree-sitter parse (same walker, same threads, nothing "
                    "built: the floor) and with flake8-async.\n\n")
            f.write(table + "\n\n" + "\n".join(verdict + meta) + "\n")
            if ruff_lines:
                f.write("\n".join(ruff_lines) + "\n")
            if kept:
                f.write("\n" + kept)


if __name__ == "__main__":
    main()
