// Command pingload sends signed Plugin API pings to a shop from several
// concurrent callers and prints the latency distribution. It is the load
// generator of bench/ping.sh; it signs like Shopgate (shopgate.SignRequest).
//
//	go run ./bench/pingload -url http://127.0.0.1:18089/shopgate/api -c 8 -d 20s
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/shopbridge/shopbridge/shopgate"
)

func main() {
	target := flag.String("url", "http://127.0.0.1:8080/shopgate/api", "Plugin API endpoint")
	customer := flag.String("customer", "10001", "customer number")
	shop := flag.String("shop", "20001", "shop number")
	apikey := flag.String("apikey", "deadbeefcafe00112233", "API key")
	action := flag.String("action", "ping", "Plugin API action")
	callers := flag.Int("c", 8, "concurrent callers")
	dur := flag.Duration("d", 20*time.Second, "measurement duration")
	warmup := flag.Duration("warmup", 5*time.Second, "sequential warm-up before measuring")
	timeout := flag.Duration("timeout", 5*time.Second, "per-request timeout (counted as a timeout)")
	interval := flag.Duration("interval", 0, "pause each caller to one call per interval (0: back to back, the saturating closed loop)")
	header := flag.Bool("header", false, "print the header line only")
	flag.Parse()
	if *header {
		fmt.Printf("%-8s %-8s %-8s %-8s %-9s %-9s %-9s %-9s %-8s\n", "ok", "timeouts", "errors", "req/s", "p50_ms", "p90_ms", "p99_ms", "max_ms", "callers")
		return
	}

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *callers}}
	body := url.Values{"action": {*action}, "shop_number": {*shop}}.Encode()
	call := func() (time.Duration, error) {
		ctx, cancel := context.WithTimeout(context.Background(), *timeout)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, *target, strings.NewReader(body))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		shopgate.SignRequest(req.Header, shopgate.PrefixSPA, *customer, *apikey, time.Now())
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return time.Since(start), err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		d := time.Since(start)
		if err != nil {
			return d, err
		}
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"error":0`) {
			return d, fmt.Errorf("HTTP %d: %.200s", resp.StatusCode, b)
		}
		return d, nil
	}

	for end := time.Now().Add(*warmup); time.Now().Before(end); {
		if _, err := call(); err != nil && !isTimeout(err) {
			fmt.Fprintln(os.Stderr, "pingload: warm-up:", err)
			os.Exit(1)
		}
	}

	var mu sync.Mutex
	var lat []time.Duration
	var timeouts, errs int
	var firstErr error
	end := time.Now().Add(*dur)
	start := time.Now()
	var wg sync.WaitGroup
	for range *callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			next := time.Now()
			for time.Now().Before(end) {
				if *interval > 0 {
					if w := time.Until(next); w > 0 {
						time.Sleep(w)
					}
					next = next.Add(*interval)
				}
				d, err := call()
				mu.Lock()
				switch {
				case err == nil:
					lat = append(lat, d)
				case isTimeout(err):
					timeouts++
				default:
					errs++
					if firstErr == nil {
						firstErr = err
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		fmt.Fprintln(os.Stderr, "pingload: first error:", firstErr)
	}
	slices.Sort(lat)
	q := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		i := int(p * float64(len(lat)-1))
		return float64(lat[i].Microseconds()) / 1000
	}
	fmt.Printf("%-8d %-8d %-8d %-8.1f %-9.2f %-9.2f %-9.2f %-9.2f %-8d\n", len(lat), timeouts, errs,
		float64(len(lat))/elapsed.Seconds(), q(0.50), q(0.90), q(0.99), q(1), *callers)
	if errs > 0 {
		os.Exit(1)
	}
}

func isTimeout(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "deadline exceeded") || strings.Contains(err.Error(), "Timeout"))
}
