#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL on loopback:
#
#   scripts/with-postgres.sh COMMAND [ARGS...]
#
# Starts a fresh cluster in a temp dir (as the postgres user when run as
# root, which PostgreSQL requires; installs Debian's postgresql package
# when initdb is missing and we are root), exports TEST_DATABASE_URL, runs
# the command and stops the server again, whatever the command's outcome.
set -euo pipefail

find_pg() {
  command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1 && return 0
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && PATH="$d:$PATH"
  done
  command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1
}
if ! find_pg; then
  if [ "$(id -u)" = 0 ]; then
    echo "with-postgres: installing PostgreSQL from Debian's packages" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    find_pg || { echo "with-postgres: initdb still not found" >&2; exit 1; }
  else
    echo "with-postgres: PostgreSQL (initdb, pg_ctl) is needed; install Debian's postgresql package" >&2
    exit 1
  fi
fi

# PostgreSQL refuses to run as root: run it as the postgres user then.
as_pg=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home /nonexistent --shell /usr/sbin/nologin postgres
  as_pg=(runuser -u postgres --)
fi

pgdir=$(mktemp -d /tmp/shopbridge-pg.XXXXXX)
chmod 755 "$pgdir"
[ "$(id -u)" = 0 ] && chown postgres "$pgdir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
  echo $((20000 + RANDOM % 20000)))

cleanup() {
  "${as_pg[@]}" pg_ctl -D "$pgdir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pgdir"
}
trap cleanup EXIT

"${as_pg[@]}" initdb -D "$pgdir/data" -U postgres -A trust -E UTF8 --no-locale >/dev/null
# fsync off: a throwaway cluster needs no durability, and tests run faster.
"${as_pg[@]}" pg_ctl -D "$pgdir/data" -l "$pgdir/log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $pgdir -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null

export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
echo "with-postgres: PostgreSQL on 127.0.0.1:$port" >&2
"$@"
