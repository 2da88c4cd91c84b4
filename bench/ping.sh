#!/usr/bin/env bash
# Ping latency of the example shop on a large catalogue: seeds (or reuses)
# the PostgreSQL database bench/catalog.sh uses for N products, starts the
# shop and sends signed pings from several concurrent callers
# (bench/pingload), printing p50/p90/p99/max latency, timeouts and the CPU
# time per ping of the shop process and its PostgreSQL backends.
#
# With PING_BEFORE_REV set (e.g. PING_BEFORE_REV=main), the example shop
# of that git revision is built as well and both run in alternating rounds
# in one window, so that their ratio holds up on a loaded machine.
#
# Usage: bench/ping.sh [N ...]            (default: 1000000)
# Env:   BENCH_DATABASE_URL  PostgreSQL server URL with a database to connect
#                            to for CREATE DATABASE (default: TEST_DATABASE_URL)
#        BENCH_PORT          listen port of the shop (default 18089)
#        PING_CALLERS        concurrent callers (default 8)
#        PING_SECONDS        measured seconds per round (default 20)
#        PING_WARMUP         sequential warm-up seconds per round (default 5)
#        PING_ROUNDS         rounds per binary (default 1)
#        PING_BEFORE_REV     git revision to compare with (default: none)
#        PING_INTERVAL       each caller sends one ping per interval, e.g.
#                            50ms (default: back to back, which saturates
#                            the machine and measures queueing as well)
set -euo pipefail
cd "$(dirname "$0")/.."

ADMIN_URL=${BENCH_DATABASE_URL:-${TEST_DATABASE_URL:-}}
if [ -z "$ADMIN_URL" ]; then
	echo "bench/ping.sh: set BENCH_DATABASE_URL (or TEST_DATABASE_URL) to a PostgreSQL URL" >&2
	exit 2
fi
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(1000000)
PORT=${BENCH_PORT:-18089}
CALLERS=${PING_CALLERS:-8}
SECONDS_PER_ROUND=${PING_SECONDS:-20}
WARMUP=${PING_WARMUP:-5}
ROUNDS=${PING_ROUNDS:-1}
export SHOPBRIDGE_SECRET_KEY=${SHOPBRIDGE_SECRET_KEY:-000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f}

. bench/lib.sh



echo "building example_shop and pingload" >&2
go build -o "$work/after" ./example_shop
go build -o "$work/pingload" ./bench/pingload
bins=(after)
if [ -n "${PING_BEFORE_REV:-}" ]; then
	mkdir "$work/src"
	git archive "$PING_BEFORE_REV" | tar -x -C "$work/src"
	(cd "$work/src" && go build -o "$work/before" ./example_shop)
	bins=(before after)
fi

hz=$(getconf CLK_TCK)
for N in "${SIZES[@]}"; do
	db="bench_catalog_$N"
	if ! psql "$ADMIN_URL" -qtAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
		psql "$ADMIN_URL" -qc "CREATE DATABASE $db"
	fi
	url=$(dburl "$db")
	if [ "$(psql "$url" -qtAc "SELECT to_regclass('shopbridge_drophero_settings') IS NOT NULL")" = t ]; then
		psql "$url" -qc "DELETE FROM shopbridge_drophero_settings" >/dev/null
	fi
	echo "seeding $N products into $db (resumable)" >&2
	(cd "$work" && DATABASE_URL=$url ./after -data-dir "$work" -seed-products "$N") >"$work/seed.log" 2>&1 ||
		{ cat "$work/seed.log" >&2; exit 1; }
	psql "$url" -qc "VACUUM ANALYZE" >/dev/null
	echo "N=$N: $CALLERS callers, ${SECONDS_PER_ROUND}s per round after ${WARMUP}s sequential warm-up" >&2
	printf '%-7s %-9s ' shop N
	"$work/pingload" -header | tr -d '\n'
	printf ' %-12s %-12s %s\n' shop_us/ping pg_us/ping load
	for _ in $(seq "$ROUNDS"); do
		for bin in "${bins[@]}"; do
			(cd "$work" && DATABASE_URL=$url exec "./$bin" -data-dir "$work" -addr "127.0.0.1:$PORT") >"$work/server.log" 2>&1 &
			pid=$!
			for _ in $(seq 100); do
				curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break
				sleep 0.2
			done
			"$work/pingload" -url "http://127.0.0.1:$PORT/shopgate/api" -c "$CALLERS" -d 0 -warmup "${WARMUP}s" >/dev/null
			pg_ticks "$url" >"$work/pg0"
			s0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
			line=$("$work/pingload" -url "http://127.0.0.1:$PORT/shopgate/api" -c "$CALLERS" -d "${SECONDS_PER_ROUND}s" -warmup 0 -interval "${PING_INTERVAL:-0}")
			s1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
			pg_ticks "$url" >"$work/pg1"
			pg_t=$(awk 'NR == FNR { t0[$1] = $2; next } { d += $2 - t0[$1] } END { print d + 0 }' "$work/pg0" "$work/pg1")
			ok=$(echo "$line" | awk '{print $1 + 0}')
			awk -v b="$bin" -v n="$N" -v l="$line" -v ok="$ok" -v sc=$((s1 - s0)) -v pc="$pg_t" -v hz="$hz" \
				-v load="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN {
				if (ok < 1) ok = 1
				printf "%-7s %-9d %s %-12.0f %-12.0f %s\n", b, n, l, sc / hz / ok * 1e6, pc / hz / ok * 1e6, load }'
			kill "$pid"
			wait "$pid" 2>/dev/null || true
			pid=""
		done
	done
done
