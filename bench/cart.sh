#!/usr/bin/env bash
# check_cart and get_customer latency on PostgreSQL (issue targets: a
# 20-item cart with two coupons, 8 concurrent callers, p99 under 20 ms;
# get_customer p99 with bcrypt cost 10). Runs the Go benchmarks
# BenchmarkCheckCartConcurrent (adapters/gormcart) and BenchmarkGetCustomer
# (adapters/gormcustomers), each on its own fresh database, and prints
# their p50/p99 lines (check_cart also allocs/op, queries/check, the
# statements one check sends, and shop-cpu-ms/check and
# backend-cpu-ms/check, the CPU time per check of the shop process and of
# the PostgreSQL backends when the server runs on this machine: unlike
# latency, these hardly depend on the load) with the load average before
# and after, so a figure taken on a busy machine can be told apart
# (docs/protocol/cart.md#performance, docs/protocol/customers.md#performance).
#
# Usage: bench/cart.sh
# Env:   BENCH_DATABASE_URL  PostgreSQL URL tests may create databases on
#                            (default: TEST_DATABASE_URL)
#        CART_CALLS          check_cart calls per run (default 2000)
#        LOGIN_CALLS         get_customer calls per cost (default 40)
#        BENCH_COUNT         runs of each benchmark (default 3)
#        CART_BENCH_NO_INDEX=1  check_cart without the article-number and
#                            group-price indexes (what a shop without them pays)
set -euo pipefail
cd "$(dirname "$0")/.."

URL=${BENCH_DATABASE_URL:-${TEST_DATABASE_URL:-}}
if [ -z "$URL" ]; then
	echo "bench/cart.sh: set BENCH_DATABASE_URL (or TEST_DATABASE_URL) to a PostgreSQL URL" >&2
	exit 2
fi
export TEST_DATABASE_URL=$URL
COUNT=${BENCH_COUNT:-3}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) on $(getconf _NPROCESSORS_ONLN) CPUs"
go test ./adapters/gormcart -run '^$' -bench CheckCartConcurrent -benchtime "${CART_CALLS:-2000}x" -count "$COUNT" |
	grep -E '^Benchmark'
go test ./adapters/gormcustomers -run '^$' -bench GetCustomer -benchtime "${LOGIN_CALLS:-40}x" -count "$COUNT" |
	grep -E '^Benchmark'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
