#!/usr/bin/env bash
# Times a full first DropHero catalogue sync of N subscribed items (default
# 100000) served by the in-process fake into PostgreSQL, through the real
# cross-process rate-limit gate, and prints the time and peak RSS.
# Uses $TEST_DATABASE_URL if set, else starts a throwaway PostgreSQL.
# Usage: bench/drophero.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
pgdir=""
bin=$(mktemp /tmp/drophero-bench.XXXXXX)
as_pg=()
cleanup() {
  rm -f "$bin"
  if [ -n "$pgdir" ]; then
    "${as_pg[@]}" pg_ctl -D "$pgdir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$pgdir"
  fi
}
trap cleanup EXIT

if [ -z "${TEST_DATABASE_URL:-}" ]; then
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && PATH="$d:$PATH"; done
  if [ "$(id -u)" = 0 ]; then as_pg=(runuser -u postgres --); fi
  pgdir=$(mktemp -d /tmp/shopbridge-dhbench.XXXXXX)
  chmod 755 "$pgdir"
  [ "$(id -u)" = 0 ] && chown postgres "$pgdir"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "${as_pg[@]}" initdb -D "$pgdir/data" -U postgres -A trust -E UTF8 --no-locale >/dev/null
  "${as_pg[@]}" pg_ctl -D "$pgdir/data" -l "$pgdir/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $pgdir -c fsync=off -c synchronous_commit=off" start >/dev/null
  export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
fi

go test -c -o "$bin" ./drophero
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
