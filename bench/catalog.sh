#!/usr/bin/env bash
# End-to-end benchmark of the catalogue export: seeds the example shop's
# PostgreSQL database with `example_shop -seed-products N`, starts the shop,
# times full get_items exports over HTTP (the first plain one after
# start-up as "first_it/s", then WARM_EXPORTS=2 unmeasured ones, a measured
# plain one as items/s, then gzip) and prints items/s,
# the server's peak RSS and the CPU time per item of the shop process and of
# its PostgreSQL backends (figures that hold up on a loaded machine).
#
# It then reads the same rows raw with the export's own SQL (one sorted
# query per table, `example_shop -print-items-sql`: the queries of the
# exported shop 20001, with its language and currency, each as
# psql `\copy (…) TO '/dev/null'` in one session, under the settings the
# export runs it with; timed the second time, on a backend that has read
# them once, as the export's pooled backends have) and once more without
# the ORDER BY, and prints the export's speed as a ratio of the sorted raw
# read (export/raw = raw seconds / export seconds; 1.0 means the export
# reads as fast as PostgreSQL can hand out its rows) with the backend CPU
# per item of each read.
#
# Usage: bench/catalog.sh [N ...]           (default: 100000 1000000)
# Env:   BENCH_DATABASE_URL  PostgreSQL server URL with a database to connect
#                            to for CREATE DATABASE (default: TEST_DATABASE_URL)
#        BENCH_PORT          listen port of the shop (default 18088)
#        WARM_EXPORTS        unmeasured exports between the first and the
#                            measured one (default 2)
#        BENCH_SHOP_BIN      a prebuilt example_shop binary to run instead of
#                            building this checkout's (for alternating runs
#                            of two versions)
#
# One database per N (bench_catalog_<N>) is created on first use and kept:
# seeding is resumable and a second run with the same N skips it.
#
# "items" are records of the document (parent products; variants travel
# inside their parent and are counted separately as "rows").
set -euo pipefail
cd "$(dirname "$0")/.."

ADMIN_URL=${BENCH_DATABASE_URL:-${TEST_DATABASE_URL:-}}
if [ -z "$ADMIN_URL" ]; then
	echo "bench/catalog.sh: set BENCH_DATABASE_URL (or TEST_DATABASE_URL) to a PostgreSQL URL" >&2
	exit 2
fi
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(100000 1000000)
PORT=${BENCH_PORT:-18088}
CUSTOMER=10001                # example shop demo credentials (shop 20001: German marketplace)
APIKEY=deadbeefcafe00112233

# The shop stores integration credentials encrypted; a fixed key lets
# repeated runs reuse their benchmark databases.
export SHOPBRIDGE_SECRET_KEY=${SHOPBRIDGE_SECRET_KEY:-000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f}

. bench/lib.sh


# export_once OUT [-gzip]: one signed get_items (bench/fetch); prints
# "seconds bytes" and leaves the last bytes of the body in OUT.
export_once() {
	"$work/fetch" -url "http://127.0.0.1:$PORT/shopgate/api" -customer "$CUSTOMER" -apikey "$APIKEY" -tail "$1" "${@:2}"
}


# raw_read URL SQLFILE OUT: runs every query of SQLFILE (one per line) as
# psql \copy (…) TO '/dev/null' in one session (SET and RESET lines, the
# settings the export runs a query with, as they are); writes "seconds
# backend_ticks" to OUT. The backend reads its own CPU ticks from /proc
# (the server must run on this machine).
raw_read() {
	local url=$1 sql=$2 out=$3 script=$work/raw.psql queries
	queries=$(while IFS= read -r q; do
		case $q in
		"") ;;
		SET\ * | RESET\ *) echo "$q;" ;; # the setting the export runs the next query with
		*) echo "\copy ($q) TO '/dev/null'" ;;
		esac
	done <"$sql")
	{
		echo "SELECT pg_backend_pid() AS pid \gset"
		echo "\setenv BENCH_PG_PID :pid"
		# A first, untimed read: the timed one runs on a backend that has
		# touched the shared buffers, as the export's pooled ones have
		# (docs/catalog.md#warm-connections).
		echo "$queries"
		echo "\! date +%s.%N > $work/raw.w0"
		echo "\! awk '{print \$14 + \$15}' /proc/\$BENCH_PG_PID/stat > $work/raw.t0"
		echo "$queries"
		echo "\! awk '{print \$14 + \$15}' /proc/\$BENCH_PG_PID/stat > $work/raw.t1"
		echo "\! date +%s.%N > $work/raw.w1"
	} >"$script"
	psql "$url" -q -v ON_ERROR_STOP=1 -f "$script" >/dev/null
	echo "$(awk -v a="$(cat "$work/raw.w0")" -v b="$(cat "$work/raw.w1")" 'BEGIN { print b - a }') $(($(cat "$work/raw.t1") - $(cat "$work/raw.t0")))" >"$out"
}

# cpu_ticks PID...: user+system CPU ticks of the processes.
cpu_ticks() {
	local t=0 p
	for p in "$@"; do
		[ -r "/proc/$p/stat" ] || continue
		t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
	done
	echo "$t"
}

if [ -n "${BENCH_SHOP_BIN:-}" ]; then
	cp "$BENCH_SHOP_BIN" "$work/example_shop"
else
	echo "building example_shop" >&2
	go build -o "$work/example_shop" ./example_shop
fi
go build -o "$work/fetch" ./bench/fetch

printf '%-9s %-9s %-9s %-9s %-10s %-10s %-11s %-9s %-10s %-10s\n' \
	N items rows seconds items/s "first_it/s" "MB(plain)" gzip_s "gzip_it/s" peakRSS_MiB
for N in "${SIZES[@]}"; do
	db="bench_catalog_$N"
	if ! psql "$ADMIN_URL" -qtAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
		psql "$ADMIN_URL" -qc "CREATE DATABASE $db"
	fi
	url=$(dburl "$db")
	# Credentials stored by runs with another key cannot be read; the
	# benchmark does not need them.
	if [ "$(psql "$url" -qtAc "SELECT to_regclass('shopbridge_drophero_settings') IS NOT NULL")" = t ] &&
		[ -z "${BENCH_KEEP_SETTINGS:-}" ]; then
		psql "$url" -qc "DELETE FROM shopbridge_drophero_settings" >/dev/null
	fi
	echo "seeding $N products into $db (resumable)" >&2
	seed_start=$(date +%s)
	(cd "$work" && DATABASE_URL=$url ./example_shop -data-dir "$work" -seed-products "$N") >"$work/seed.log" 2>&1 ||
		{ cat "$work/seed.log" >&2; exit 1; }
	echo "seeded in $(($(date +%s) - seed_start)) s" >&2
	psql "$url" -qc "VACUUM ANALYZE" >/dev/null
	items=$(psql "$url" -qtAc "SELECT count(*) FROM shop_products WHERE parent_id IS NULL AND active")
	rows=$(psql "$url" -qtAc "SELECT count(*) FROM shop_products WHERE active")

	(cd "$work" && DATABASE_URL=$url exec ./example_shop -data-dir "$work" -addr "127.0.0.1:$PORT" \
		-public-url "https://shop.example.com") >"$work/server.log" 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break
		sleep 0.2
	done

	# The first export after start-up opens the pool's connections, on
	# fresh PostgreSQL backends that pay for touching the shared buffers
	# (docs/catalog.md#warm-connections); later ones reuse them, and the
	# backends' CPU falls over a few exports until every pass's backend
	# has touched every buffer. WARM_EXPORTS (default 2) more exports run
	# unmeasured before the measured one, the steady state of a shop that
	# exports often; the first is reported as well.
	pg_ticks "$url" >"$work/pgc0"
	shop_c0=$(cpu_ticks "$pid")
	read -r cold_secs _ < <(export_once "$work/tail.cold")
	shop_c1=$(cpu_ticks "$pid")
	pg_ticks "$url" >"$work/pgc1"
	for _ in $(seq "${WARM_EXPORTS:-2}"); do
		export_once "$work/tail.warm" >/dev/null
	done
	# CPU of the shop process during the plain export: on a shared machine
	# the figure that does not depend on other load.
	pg_ticks "$url" >"$work/pg0"
	shop_t0=$(cpu_ticks "$pid")
	read -r secs bytes < <(export_once "$work/tail.plain")
	shop_t1=$(cpu_ticks "$pid")
	pg_ticks "$url" >"$work/pg1"
	# Backends stay open in the shop's pool; new ones count from zero.
	pg_t=$(awk 'NR == FNR { t0[$1] = $2; next } { d += $2 - t0[$1] } END { print d + 0 }' "$work/pg0" "$work/pg1")
	pg_c=$(awk 'NR == FNR { t0[$1] = $2; next } { d += $2 - t0[$1] } END { print d + 0 }' "$work/pgc0" "$work/pgc1")
	if [[ $(cat "$work/tail.plain") != *"</items>" || $(cat "$work/tail.cold") != *"</items>" ]]; then
		echo "bench/catalog.sh: plain export of N=$N did not end with </items>" >&2
		tail -c 300 "$work/tail.plain" >&2
		exit 1
	fi
	read -r gsecs _ < <(export_once "$work/tail.gz" -gzip)
	rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	pid=""

	# The raw reads of the export's own SQL, with the shop stopped.
	(cd "$work" && DATABASE_URL=$url ./example_shop -data-dir "$work" -print-items-sql) >"$work/items.sql" 2>"$work/sql.log" ||
		{ cat "$work/sql.log" >&2; exit 1; }
	sed 's/ ORDER BY .*$//' "$work/items.sql" >"$work/items_plain.sql"
	raw_read "$url" "$work/items.sql" "$work/raw.sorted"
	raw_read "$url" "$work/items_plain.sql" "$work/raw.plain"
	read -r raw_secs raw_t <"$work/raw.sorted"
	read -r plain_secs plain_t <"$work/raw.plain"

	hz=$(getconf CLK_TCK)
	awk -v n="$N" -v it="$items" -v r="$rows" -v s="$secs" -v cs="$cold_secs" -v b="$bytes" -v g="$gsecs" -v rss="$rss_kb" \
		-v sc=$((shop_t1 - shop_t0)) -v pc="$pg_t" -v hz="$hz" -v load="$(cut -d' ' -f1 /proc/loadavg)" \
		-v scc=$((shop_c1 - shop_c0)) -v pcc="$pg_c" -v warm="${WARM_EXPORTS:-2}" \
		-v rs="$raw_secs" -v rt="$raw_t" -v ps="$plain_secs" -v pt="$plain_t" 'BEGIN {
		printf "%-9d %-9d %-9d %-9.2f %-10.0f %-10.0f %-11.1f %-9.2f %-10.0f %-10.1f\n",
			n, it, r, s, it / s, it / cs, b / 1048576, g, it / g, rss / 1024
		printf "          plain export (after %d more): shop process CPU %.2f s (%.1f us/item), PostgreSQL backends CPU %.2f s (%.1f us/item), together %.1f us/item; load average %s\n",
			warm, sc / hz, sc / hz / it * 1e6, pc / hz, pc / hz / it * 1e6, (sc + pc) / hz / it * 1e6, load
		printf "          first export (fresh backends): %.2f s, shop %.1f us/item, backends %.1f us/item, together %.1f us/item; export/raw %.2f\n",
			cs, scc / hz / it * 1e6, pcc / hz / it * 1e6, (scc + pcc) / hz / it * 1e6, rs / cs
		printf "          raw read of the export SQL (psql \\copy, sorted): %.2f s, backend %.1f us/item; export/raw %.2f\n",
			rs, rt / hz / it * 1e6, rs / s
		printf "          raw read without ORDER BY: %.2f s, backend %.1f us/item; export/plain raw %.2f\n",
			ps, pt / hz / it * 1e6, ps / s }'
done
