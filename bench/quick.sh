#!/bin/sh
# A fast benchmark subset for development: one run per backend and workload
# with small n; prints the report to stdout (docs/ are left alone).
#
#   sh bench/quick.sh                      # asyncio trio_asyncio trioaio
#   BACKENDS="asyncio trioaio" sh bench/quick.sh
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PY:-python3}
LOOPBENCH=${LOOPBENCH:-$ROOT/../shared/bench/loopbench.py}
BACKENDS=${BACKENDS:-asyncio trio_asyncio trioaio}
# workload:n pairs, about a tenth of the full sizes
WORKLOADS=${WORKLOADS:-"call_soon:20000 call_soon_fanout:20000 sleep0:20000
sleep0_1task:20000 timers:5000 future_pingpong:10000 cross_t2a:2000
cross_a2t:2000 tcp_echo:2000 tcp_bulk:20 aiohttp:200"}
OUT=${OUT:-$ROOT/bench/results/quick-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
: > "$OUT/results.jsonl"
for wn in $WORKLOADS; do
    w=${wn%%:*}
    n=${wn#*:}
    for b in $BACKENDS; do
        "$PY" "$LOOPBENCH" run --backend "$b" --workload "$w" --n "$n" \
            >> "$OUT/results.jsonl" || echo "FAILED: $b $w" >&2
    done
done
"$PY" "$ROOT/bench/report.py" "$OUT" --reps 1
echo "results in $OUT" >&2
