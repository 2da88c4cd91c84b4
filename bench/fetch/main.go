// Command fetch sends one signed Plugin API request (by default a
// get_items export of the example shop's shop 20001) and reads the whole
// response body, keeping only its last bytes: it prints "seconds bytes"
// and writes the tail to -tail. It is the client of bench/catalog.sh and
// signs like Shopgate (shopgate.SignRequest); reading with one process
// and large reads, it costs the machine less CPU than curl piped into
// tail, so the export is measured rather than the harness.
//
//	go run ./bench/fetch -url http://127.0.0.1:18088/shopgate/api -tail /tmp/tail
package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/shopbridge/shopbridge/shopgate"
)

func main() {
	target := flag.String("url", "http://127.0.0.1:18088/shopgate/api", "Plugin API endpoint")
	customer := flag.String("customer", "10001", "customer number")
	shop := flag.String("shop", "20001", "shop number")
	apikey := flag.String("apikey", "deadbeefcafe00112233", "API key")
	action := flag.String("action", "get_items", "Plugin API action")
	gzip := flag.Bool("gzip", false, "ask for a gzip-compressed body (read as it comes)")
	tail := flag.String("tail", "", "file the last 64 bytes of the body are written to")
	flag.Parse()
	if err := run(*target, *customer, *shop, *apikey, *action, *gzip, *tail); err != nil {
		fmt.Fprintln(os.Stderr, "fetch:", err)
		os.Exit(1)
	}
}

func run(target, customer, shop, apikey, action string, gz bool, tailFile string) error {
	form := url.Values{"action": {action}, "shop_number": {shop}}
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	shopgate.SignRequest(req.Header, shopgate.PrefixSPA, customer, apikey, time.Now())
	if gz {
		// Set by hand, so the transport passes the body on compressed.
		req.Header.Set("Accept-Encoding", "gzip")
	}
	start := time.Now()
	// A read buffer as large as the copy buffer: the transport's default
	// 4 KiB makes every read a small one and the shop's writes wait.
	client := &http.Client{Transport: &http.Transport{ReadBufferSize: 256 << 10, DisableCompression: true}}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %s", resp.Status)
	}
	var t tailWriter
	n, err := io.CopyBuffer(&t, resp.Body, make([]byte, 256<<10))
	if err != nil {
		return err
	}
	fmt.Printf("%.6f %d\n", time.Since(start).Seconds(), n)
	if tailFile != "" {
		return os.WriteFile(tailFile, t.last(), 0o644)
	}
	return nil
}

// tailWriter keeps the last 64 bytes written to it.
type tailWriter struct {
	buf [64]byte
	n   int // bytes held, at most len(buf)
}

func (t *tailWriter) Write(p []byte) (int, error) {
	if len(p) >= len(t.buf) {
		t.n = copy(t.buf[:], p[len(p)-len(t.buf):])
		return len(p), nil
	}
	keep := min(t.n, len(t.buf)-len(p))
	copy(t.buf[:keep], t.buf[t.n-keep:t.n])
	copy(t.buf[keep:], p)
	t.n = keep + len(p)
	return len(p), nil
}

func (t *tailWriter) last() []byte { return t.buf[:t.n] }
