package main

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/shopbridge/shopbridge/internal/testdb"
)

func benchApp(b *testing.B, enabled string) *App {
	b.Helper()
	b.Setenv("SHOPGATE_ENABLE_MOBILE_WEBSITE", enabled)
	dir := b.TempDir()
	db := testdb.OpenSQLite(b, sqliteDSN(filepath.Join(dir, "shop.db")))
	a, err := NewApp(db, Config{Log: zap.NewNop(), Demo: true, SeedDemo: true, DataDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(a.Close)
	return a
}

// BenchmarkShopHomeMobileRedirect serves the demo shop's home page to a
// desktop browser in-process from two shops, one with the Mobile Redirect
// switched off (pure pass-through) and one with it on (decision + snippet
// injection), alternating request by request so both see the same machine
// load. It reports the mean time per page of each and their throughput
// ratio (on/off).
func BenchmarkShopHomeMobileRedirect(b *testing.B) {
	apps := [2]*App{benchApp(b, "0"), benchApp(b, "1")}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("User-Agent", desktopUA)
	req.Header.Set("Accept", "text/html")
	var spent [2]time.Duration
	n := 0
	for b.Loop() {
		for k, a := range apps {
			rec := httptest.NewRecorder()
			start := time.Now()
			a.Echo.ServeHTTP(rec, req)
			spent[k] += time.Since(start)
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d", rec.Code)
			}
		}
		n++
	}
	b.ReportMetric(float64(spent[0].Nanoseconds())/float64(n), "off-ns/page")
	b.ReportMetric(float64(spent[1].Nanoseconds())/float64(n), "on-ns/page")
	b.ReportMetric(float64(spent[0])/float64(spent[1]), "ratio-on/off")
}
