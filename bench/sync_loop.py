#!/usr/bin/env python3
"""loopbench workloads on trioaio's synchronous loop (compatibility mode).

Adds a backend `trioaio_sync` (a SyncTrioEventLoop driven with
run_until_complete, as stock asyncio is) to ../shared/bench/loopbench.py and
runs it next to stock asyncio, alternating, one JSON line per run:

    python3 bench/sync_loop.py [REPS]
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "shared", "bench"))

import loopbench  # noqa: E402

import trioaio  # noqa: E402

loopbench.BACKENDS["trioaio_sync"] = lambda: loopbench.AioBackend(
    trioaio.SyncTrioEventLoop)

WORKLOADS = ["call_soon", "call_soon_fanout", "sleep0", "sleep0_1task",
             "timers", "future_pingpong", "tcp_echo", "tcp_bulk"]


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    for _ in range(reps):
        for workload in WORKLOADS:
            for backend in ("asyncio", "trioaio_sync"):
                loopbench.main(["run", "--backend", backend,
                                "--workload", workload])


if __name__ == "__main__":
    main()
