#!/usr/bin/env bash
# Times a full first DropHero catalogue sync of N subscribed items (default
# 100000) served by the in-process fake into PostgreSQL, through the real
# cross-process rate-limit gate, and prints the time and peak RSS.
# Uses $TEST_DATABASE_URL if set, else starts a throwaway PostgreSQL.
# Usage: bench/drophero.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
if [ -z "${TEST_DATABASE_URL:-}" ]; then
  exec scripts/with-postgres.sh "$PWD/bench/drophero.sh" "$@"
fi
bin=$(mktemp /tmp/drophero-bench.XXXXXX)
trap 'rm -f "$bin"' EXIT

go test -c -o "$bin" ./dropship
out=$(DROPHERO_BENCH_N=$N /usr/bin/time -v "$bin" -test.run '^$' -test.bench '^BenchmarkFirstSync$' -test.benchtime 1x 2>&1)
echo "$out" | grep -E '^(Benchmark|FAIL|---)' || true
sync_s=$(echo "$out" | grep -oE '[0-9.]+ sync-s' | awk '{print $1}')
rate=$(echo "$out" | grep -oE '[0-9.]+ items/s' | awk '{print $1}')
rss_kb=$(echo "$out" | awk -F: '/Maximum resident set size/ {gsub(/ /,"",$2); print $2}')
cpu=$(echo "$out" | awk -F: '/User time|System time/ {gsub(/ /,"",$2); s+=$2} END {print s}')
load=$(cut -d' ' -f1-3 /proc/loadavg)
if [ -z "$sync_s" ]; then echo "$out" | tail -20; exit 1; fi
echo "drophero first sync: items=$N time=${sync_s}s rate=${rate}/s peak_rss=$((rss_kb / 1024))MiB process_cpu=${cpu}s loadavg=[$load]
  (figures for the whole test process incl. the in-process fake and the install before the timed sync; targets: <60s, <128MiB)"
