#!/usr/bin/env bash
# Times `example_shop -seed-products N` (bulk catalogue generation) on a
# fresh PostgreSQL database and prints products/s, rows/s and peak RSS.
# The target: 1,000,000 products in a few minutes with flat memory.
#
# Usage: bench/shop.sh [N ...]               (default: 100000)
# Env:   BENCH_DATABASE_URL  PostgreSQL server URL to connect to for CREATE
#                            DATABASE (default: TEST_DATABASE_URL)
# Each run uses its own database (bench_shop_<N>_<pid>), dropped afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

ADMIN_URL=${BENCH_DATABASE_URL:-${TEST_DATABASE_URL:-}}
if [ -z "$ADMIN_URL" ]; then
	echo "bench/shop.sh: set BENCH_DATABASE_URL (or TEST_DATABASE_URL) to a PostgreSQL URL" >&2
	exit 2
fi
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(100000)

tmp=$(mktemp -d)
dbs=()
cleanup() {
	for d in "${dbs[@]}"; do psql -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null 2>&1 || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

go build -o "$tmp/shop" ./example_shop/

# dburl replaces the database name in ADMIN_URL.
dburl() { python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/"+sys.argv[2])))' "$ADMIN_URL" "$1"; }

for n in "${SIZES[@]}"; do
	db="bench_shop_${n}_$$"
	dbs+=("$db")
	psql -q "$ADMIN_URL" -c "CREATE DATABASE $db" >/dev/null
	url=$(dburl "$db")
	start=$(date +%s.%N)
	if command -v /usr/bin/time >/dev/null; then
		DATABASE_URL="$url" /usr/bin/time -f "%M" -o "$tmp/rss" "$tmp/shop" -data-dir "$tmp" -seed-products "$n" >"$tmp/log" 2>&1
	else
		DATABASE_URL="$url" "$tmp/shop" -data-dir "$tmp" -seed-products "$n" >"$tmp/log" 2>&1
		echo "?" >"$tmp/rss"
	fi
	end=$(date +%s.%N)
	rows=$(psql -qtA "$url" -c "SELECT (SELECT count(*) FROM shop_products) + (SELECT count(*) FROM shop_product_images)
		+ (SELECT count(*) FROM shop_product_categories) + (SELECT count(*) FROM shop_product_tags)
		+ (SELECT count(*) FROM shop_product_attributes) + (SELECT count(*) FROM shop_product_relations)
		+ (SELECT count(*) FROM shop_reviews) + (SELECT count(*) FROM shop_tier_prices)")
	python3 - "$n" "$rows" "$start" "$end" "$(cat "$tmp/rss")" <<'PY'
import sys
n, rows, start, end, rss = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
secs = end - start
rss = f"{int(rss) / 1024:.0f} MiB" if rss.isdigit() else "?"
print(f"seed-products {n:>9}: {secs:7.1f} s  {n / secs:9.0f} products/s  {rows / secs:9.0f} rows/s  ({rows} rows)  peak RSS {rss}")
PY
	psql -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
done
