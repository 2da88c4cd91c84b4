#!/bin/sh
# Mobile Redirect overhead end to end: loads the example shop's home page
# over loopback with a desktop browser's user agent (the path every desktop
# visitor takes: decision + snippet injection), once with the middleware
# switched off (SHOPGATE_ENABLE_MOBILE_WEBSITE=0: pure pass-through) and once
# switched on (two shop processes, load alternating between them in short
# slices so both see the same machine load), and prints the throughput ratio
# (target: on/off >= 0.97). Also prints the go test benchmarks of the
# middleware. The load generator is a small Go program (stdlib only).
# Usage: bench/redirect.sh [seconds] [connections]   (default 20 8)
set -eu
cd "$(dirname "$0")/.."
secs=${1:-20}
conns=${2:-8}
tmp=$(mktemp -d)
cleanup() {
	if [ -f "$tmp/pids" ]; then
		for p in $(cat "$tmp/pids"); do kill "$p" 2>/dev/null || true; done
		for p in $(cat "$tmp/pids"); do wait "$p" 2>/dev/null || true; done
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

[ "${SKIP_GO_BENCH:-}" ] || echo "== go test -bench (cpu-ns/op is CPU time of the process, steadier on a shared machine)"
[ "${SKIP_GO_BENCH:-}" ] || GOMAXPROCS=1 go test -run '^$' -bench 'BenchmarkMobileRedirect|BenchmarkDetect' -benchtime 200000x ./middleware/ | grep -E '^Benchmark'

go build -o "$tmp/shop" ./example_shop/
cat > "$tmp/load.go" <<'GO'
package main

// Alternates short slices of load between two shops (middleware off / on)
// so that both see the same machine load, and prints requests per second
// of each: "<off> <on> <failures>".

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	urls := [2]string{os.Args[1], os.Args[2]}
	secs, conns := atoi(os.Args[3]), atoi(os.Args[4])
	want := [2]string{"", os.Args[5]} // the "on" shop's pages must carry the snippet
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, DisableCompression: true}}
	var count [2]int
	var dur [2]time.Duration
	failures := 0
	var mu sync.Mutex
	const slice = 250 * time.Millisecond
	end := time.Now().Add(time.Duration(secs) * time.Second)
	for i := 0; time.Now().Before(end); i++ {
		k := i % 2
		start := time.Now()
		stop := start.Add(slice)
		var wg sync.WaitGroup
		for range conns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(stop) {
					req, _ := http.NewRequest(http.MethodGet, urls[k], nil)
					req.Header.Set("User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36")
					req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
					res, err := client.Do(req)
					good := false
					if err == nil {
						// Check the content of a sample only: reading bodies costs
						// the client CPU that the shops compete for.
						mu.Lock()
						sample := (count[k]+failures)%64 == 0
						mu.Unlock()
						if sample {
							body, _ := io.ReadAll(res.Body)
							good = strings.Contains(string(body), want[k])
						} else {
							_, err = io.Copy(io.Discard, res.Body)
							good = err == nil
						}
						res.Body.Close()
						good = good && res.StatusCode == 200
					}
					mu.Lock()
					if good {
						count[k]++
					} else {
						failures++
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		dur[k] += time.Since(start)
	}
	fmt.Printf("%.1f %.1f %d\n", float64(count[0])/dur[0].Seconds(), float64(count[1])/dur[1].Seconds(), failures)
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }
GO
(cd "$tmp" && GO111MODULE=off go build -o load load.go)

# The shops need their own data directories (SQLite file, logs).
start_shop() { # $1 = 0 or 1 (SHOPGATE_ENABLE_MOBILE_WEBSITE), $2 = port
	mkdir -p "$tmp/shop$1"
	SHOPGATE_ENABLE_MOBILE_WEBSITE=$1 ADDR="127.0.0.1:$2" "$tmp/shop" -data-dir "$tmp/shop$1" >"$tmp/shop$1.log" 2>&1 &
	echo $! >>"$tmp/pids"
	i=0
	until curl -fsS -o /dev/null "http://127.0.0.1:$2/" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 600 ]; then echo "shop did not start:"; cat "$tmp/shop$1.log"; exit 1; fi
		sleep 0.1
	done
}
off=18577
on=18578
start_shop 0 $off
start_shop 1 $on
if curl -fsS -A 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) Mobile/15E148' -o /dev/null -w '%{http_code} %{redirect_url}\n' "http://127.0.0.1:$on/" | grep -q '^301 http://demo-shop.shopgate.com'; then
	echo "sanity: an iPhone on the home page is redirected to http://demo-shop.shopgate.com"
else
	echo "sanity check failed: the shop with the middleware does not redirect iPhones"; exit 1
fi
# Warm up both (templates, database, keyword cache).
"$tmp/load" "http://127.0.0.1:$off/" "http://127.0.0.1:$on/" 2 2 "BEGIN SHOPGATE" >/dev/null

echo "== example shop home page, desktop browser, $conns connections, ${secs}s alternating 250 ms slices"
set -- $("$tmp/load" "http://127.0.0.1:$off/" "http://127.0.0.1:$on/" "$secs" "$conns" "BEGIN SHOPGATE")
if [ "$3" != 0 ]; then echo "$3 failed requests"; exit 1; fi
echo "throughput without middleware: $1 req/s"
echo "throughput with middleware:    $2 req/s"
echo "ratio with/without: $(echo "scale=3; $2 / $1" | bc) (target >= 0.97)"
