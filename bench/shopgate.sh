#!/bin/sh
# Merchant API client figures: lenient order decoding and a full get_orders
# round trip against the in-process fake (shopgate/shopgatetest).
# Usage: bench/shopgate.sh [benchtime]   (default 2s)
set -eu
cd "$(dirname "$0")/.."
go test -run '^$' -bench 'BenchmarkOrderUnmarshal|BenchmarkClientGetOrder' -benchtime "${1:-2s}" ./shopgate/
