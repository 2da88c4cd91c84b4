#!/bin/sh
# Settings propagation between processes (docs/architecture.md#shared-settings):
# two handler stacks with their own pools and settingsync watchers on one
# throwaway PostgreSQL database; Shopgate's set_settings of alias on A, 50
# times per round, timed until B's Mobile Redirect uses it. Prints p50 and
# p99 in milliseconds (the notification path; the 5 s version check is the
# fallback). Then the redirect middleware benchmarks, whose allocs/op show
# that live settings add nothing to the request path (an atomic pointer
# load).
# Usage: bench/settings.sh [rounds]   (default 4: 200 changes)
# Env:   BENCH_DATABASE_URL  PostgreSQL server URL (default TEST_DATABASE_URL)
set -eu
cd "$(dirname "$0")/.."
rounds=${1:-4}
url=${BENCH_DATABASE_URL:-${TEST_DATABASE_URL:-}}
if [ -z "$url" ]; then
	echo "bench/settings.sh: set BENCH_DATABASE_URL (or TEST_DATABASE_URL) to a PostgreSQL URL" >&2
	exit 2
fi
echo "== settings propagation A → B (p50-ms, p99-ms over $((rounds * 50)) changes)"
TEST_DATABASE_URL=$url go test -run '^$' -bench BenchmarkPropagation -benchtime "${rounds}x" ./settingsync/ | grep -E '^Benchmark'
echo "== redirect request path (B/op, allocs/op)"
go test -run '^$' -bench 'BenchmarkMobileRedirect' -benchmem -benchtime 20000x ./middleware/ | grep -E '^Benchmark'
