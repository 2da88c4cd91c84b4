package pglogs_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/shopbridge/shopbridge/adapters/pglogs"
	"github.com/shopbridge/shopbridge/handlers/pluginapi"
	"github.com/shopbridge/shopbridge/shopgate"
	"github.com/shopbridge/shopbridge/shopgate/logs"
)

// BenchmarkGetLogFile10kThreeProcesses: get_log_file lines=10000 through
// the Plugin API over an access log that three processes wrote 10,000
// lines to (docs/operations.md#plugin-api-logs-in-postgresql).
func BenchmarkGetLogFile10kThreeProcesses(b *testing.B) {
	db := newDB(b)
	var procs []*process
	for _, tag := range []string{"web-1", "web-2", "web-3"} {
		procs = append(procs, newProcess(b, db, tag, nil))
	}
	for i := 0; i < 10000; i++ {
		p := procs[i%3]
		logs.OpenSink(p.store.Sink(testShop), logs.Options{}).AccessLogger().Info("incoming request",
			zap.String("trace_id", "spa-"+strconv.Itoa(100000000+i)), zap.String("remote_ip", "203.0.113.7"),
			zap.String("user_agent", "Shopgate Merchant API"),
			zap.Reflect("parameters", map[string]any{"action": "get_orders", "shop_number": testShop, "limit": "10"}))
	}
	flush(b, procs[0].store, procs[1].store, procs[2].store)
	form := url.Values{"action": {"get_log_file"}, "log_type": {"access"}, "lines": {"10000"}}
	var size int
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec := procs[i%3].call(b, form, true)
		if rec.Code != http.StatusOK {
			b.Fatalf("HTTP %d", rec.Code)
		}
		size = rec.Body.Len()
		if n := strings.Count(rec.Body.String(), "\n"); n != 10000 {
			b.Fatalf("%d lines", n)
		}
	}
	b.ReportMetric(float64(size), "bytes/answer")
}

// BenchmarkPingLogWrite compares an authenticated ping through the
// Plugin API with the logs in files and in PostgreSQL: the difference is
// the cost of logging on the request path. The shared writer's work runs
// off the request path, concurrently.
func BenchmarkPingLogWrite(b *testing.B) {
	db := newDB(b)
	for _, mode := range []string{"files", "postgres"} {
		b.Run(mode, func(b *testing.B) {
			cfg := pluginapi.Config{
				Shops:    []pluginapi.ShopConfig{{CustomerNumber: testCustomer, APIKey: testAPIKey, ShopNumber: testShop}},
				LogDir:   b.TempDir(),
				CacheDir: b.TempDir(),
			}
			var st *pglogs.Store
			if mode == "postgres" {
				st = newStore(b, db, "bench", nil)
				cfg.Shops[0].Logs = logs.OpenSink(st.Sink(testShop), logs.Options{})
			}
			h, err := pluginapi.New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer h.Close()
			e := echo.New()
			h.Mount(e.Group("/shopgate/api"))
			body := "action=ping&trace_id=spa-0123456789abc&shop_number=" + testShop
			now := time.Now()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				req := httptest.NewRequest(http.MethodPost, "/shopgate/api", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				shopgate.SignRequest(req.Header, shopgate.PrefixSPA, testCustomer, testAPIKey, now)
				rec := httptest.NewRecorder()
				e.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatal(rec.Code)
				}
			}
			b.StopTimer()
			if st != nil {
				flush(b, st)
				s := st.Stats()
				b.ReportMetric(float64(s.Dropped), "dropped")
			}
		})
	}
}

// BenchmarkAccessLine isolates one access-log entry as the handler writes
// it: encoded and appended to a file, or encoded and queued for
// PostgreSQL.
func BenchmarkAccessLine(b *testing.B) {
	db := newDB(b)
	for _, mode := range []string{"files", "postgres"} {
		b.Run(mode, func(b *testing.B) {
			var ls *logs.Set
			var st *pglogs.Store
			if mode == "files" {
				var err error
				if ls, err = logs.Open(b.TempDir(), logs.Options{}); err != nil {
					b.Fatal(err)
				}
				defer ls.Close()
			} else {
				st = newStore(b, db, "bench", func(c *pglogs.Config) { c.Buffer = 1 << 16 })
				ls = logs.OpenSink(st.Sink(testShop), logs.Options{})
			}
			log := ls.AccessLogger()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				log.Info("incoming request", zap.String("trace_id", "spa-0123456789abc"), zap.String("remote_ip", "203.0.113.7"),
					zap.String("user_agent", "Shopgate Merchant API"), zap.String("parameters", `{"action":"ping","shop_number":"67890"}`))
			}
			b.StopTimer()
			if st != nil {
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				defer cancel()
				st.Flush(ctx)
				b.ReportMetric(float64(st.Stats().Dropped), "dropped")
			}
		})
	}
}
