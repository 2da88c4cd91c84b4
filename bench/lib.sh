# Shared helpers of the PostgreSQL benchmark scripts (bench/catalog.sh,
# bench/ping.sh); sourced after ADMIN_URL is set. Provides $work (a temp
# dir removed on exit), $pid (a shop process killed on exit), dburl and
# pg_ticks.

work=$(mktemp -d)
pid=""
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# dburl NAME: ADMIN_URL with its database replaced by NAME.
dburl() {
	if [[ $ADMIN_URL =~ ^([a-z]+://[^/]+)(/[^?]*)?(\?.*)?$ ]]; then
		echo "${BASH_REMATCH[1]}/$1${BASH_REMATCH[3]}"
	else
		echo "$0: cannot parse database URL" >&2
		exit 2
	fi
}

# pg_ticks URL: "pid ticks" lines for the PostgreSQL backends connected to
# the database of URL (the server must run on this machine).
pg_ticks() {
	local p
	for p in $(psql "$1" -qtAc "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"); do
		[ -r "/proc/$p/stat" ] && echo "$p $(awk '{print $14 + $15}' "/proc/$p/stat")"
	done
	return 0
}
