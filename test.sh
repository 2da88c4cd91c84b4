#!/usr/bin/env bash
# Runs the whole test suite against its own throwaway PostgreSQL on
# loopback: go vet, then go test -race. Extra arguments go to go test.
set -euo pipefail
cd "$(dirname "$0")"
exec scripts/with-postgres.sh bash -c 'go vet ./... && go test -race -count=1 -timeout 15m "$@" ./...' test.sh "$@"
