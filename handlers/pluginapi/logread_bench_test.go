package pluginapi

import (
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopbridge/shopbridge/shopgate/logs"
)

// TestLogReadDoesNotDelayPings measures get_log_file lines=10000 on a
// 20 MB access log and the latency of pings answered while it runs. Run
// with SHOPBRIDGE_BENCH=1 (it writes 20 MB and takes seconds).
func TestLogReadDoesNotDelayPings(t *testing.T) {
	if os.Getenv("SHOPBRIDGE_BENCH") == "" {
		t.Skip("set SHOPBRIDGE_BENCH=1")
	}
	h := newTestHandler(t, func(c *Config) { c.LogOptions = logs.Options{MaxSizeMB: 100} })
	fh, err := os.OpenFile(h.Logs("").Path(logs.Access), os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		t.Fatal(err)
	}
	line := strings.Repeat("x", 2047) + "\n"
	_, err = fh.WriteString(strings.Repeat(line, 10240))
	fh.Close()
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var reads []time.Duration
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			start := time.Now()
			rec := call(t, h, "action=get_log_file&log_type=access&lines=10000", true)
			reads = append(reads, time.Since(start))
			if rec.Body.Len() < 10000 {
				t.Errorf("get_log_file answered %d bytes", rec.Body.Len())
			}
		}
	}()
	var pings []time.Duration
	for i := 0; i < 200; i++ {
		start := time.Now()
		call(t, h, "action=ping", true)
		pings = append(pings, time.Since(start))
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	sort.Slice(pings, func(i, j int) bool { return pings[i] < pings[j] })
	sort.Slice(reads, func(i, j int) bool { return reads[i] < reads[j] })
	t.Logf("get_log_file lines=10000 on 20 MB: %d reads, median %v, max %v", len(reads), reads[len(reads)/2], reads[len(reads)-1])
	t.Logf("ping during reads: p50 %v, p99 %v, max %v", pings[len(pings)/2], pings[len(pings)*99/100], pings[len(pings)-1])
}
