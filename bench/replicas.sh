#!/usr/bin/env bash
# Benchmarks add_order orders/s against 1 and against 3 example-shop
# processes on one PostgreSQL (8 callers in each run, spread round-robin
# over the processes), with the replica harness's machinery
# (internal/replica, bench/replicas): the shop is built once, every run
# starts on a fresh database, the fake Merchant API answers get_orders.
#
# Usage: [DUR=15s] [CALLERS=8] [PROCS=1,3] bench/replicas.sh
# Uses TEST_DATABASE_URL when set, otherwise starts a throwaway PostgreSQL
# on loopback (as ./test.sh does).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${TEST_DATABASE_URL:-}" ]; then
  exec scripts/with-postgres.sh "$PWD/bench/replicas.sh" "$@"
fi

exec go run ./bench/replicas -db "$TEST_DATABASE_URL" -c "${CALLERS:-8}" -d "${DUR:-15s}" -procs "${PROCS:-1,3}"
