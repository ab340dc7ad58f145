#!/usr/bin/env python3
"""loopbench workloads on trioaio's synchronous loop (compatibility mode).

Adds a backend `trioaio_sync` to ../shared/bench/loopbench.py: stock
asyncio's backend (``asyncio.new_event_loop()`` + ``run_until_complete``)
in a process that has imported trioaio, so the loop is a SyncTrioEventLoop.
Every run is its own process, as in run_all.sh, and the stock asyncio runs
never import trioaio (its patched lookups would slow them).  The backends
alternate inside each repetition, order rotated per repetition.

    python3 bench/sync_loop.py [--reps N] [--out DIR] [--workloads "a b"]
    python3 bench/sync_loop.py run --backend trioaio_sync --workload sleep0

The first form appends one JSON line per run to DIR/sync.jsonl, which
bench/report.py turns into the synchronous-loop section of
docs/performance.md.
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("SHARED_BENCH") or os.path.join(
    HERE, "..", "..", "shared", "bench")

BACKENDS = ["asyncio", "trioaio_sync"]
WORKLOADS = ["call_soon", "call_soon_fanout", "sleep0", "sleep0_1task",
             "timers", "future_pingpong", "tcp_echo", "tcp_bulk", "aiohttp"]


def run_one(argv):
    """One loopbench run in this process (the `run` subcommand)."""
    sys.path.insert(0, SHARED)
    import loopbench

    def sync_backend():
        import asyncio

        import trioaio  # noqa: F401  (asyncio's loops are now trioaio's)
        return loopbench.AioBackend(asyncio.new_event_loop)

    loopbench.BACKENDS["trioaio_sync"] = sync_backend
    loopbench.main(["run"] + argv)


def run_all(reps, out, workloads):
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "sync.jsonl")
    env = dict(os.environ, PYTHONHASHSEED="0")
    # The malloc pin of run_all.sh, for the same reason (tcp_* bimodality).
    env.setdefault("GLIBC_TUNABLES", "glibc.malloc.mmap_threshold=1048576:"
                   "glibc.malloc.trim_threshold=16777216")
    with open(path, "a") as results:
        for rep in range(reps):
            print("== sync loop: rep %d/%d" % (rep + 1, reps),
                  file=sys.stderr)
            for workload in workloads:
                for i in range(len(BACKENDS)):
                    backend = BACKENDS[(i + rep) % len(BACKENDS)]
                    done = subprocess.run(
                        [sys.executable, __file__, "run", "--backend",
                         backend, "--workload", workload],
                        env=env, capture_output=True, text=True, timeout=600)
                    if done.returncode != 0:
                        print("FAILED: %s %s\n%s" % (
                            backend, workload, done.stderr), file=sys.stderr)
                        continue
                    line = done.stdout.strip().splitlines()[-1]
                    if '"skipped"' not in line:
                        results.write(line + "\n")
                        results.flush()
    print("results in %s" % path, file=sys.stderr)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["run"]:
        return run_one(argv[1:])
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--out", default=os.path.join(HERE, "results", "sync"))
    p.add_argument("--workloads", default=" ".join(WORKLOADS))
    args = p.parse_args(argv)
    run_all(args.reps, args.out, args.workloads.split())
    return 0


if __name__ == "__main__":
    sys.exit(main())
